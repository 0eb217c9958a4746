-- One row per NPS survey answer (message id); score is 0-10.
{{ rudderstack_event_model('nps_survey_submitted', ['cast(score as integer) as score']) }}
