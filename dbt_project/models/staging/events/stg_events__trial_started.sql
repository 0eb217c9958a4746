-- One row per `trial_started` event (message id).
{{ rudderstack_event_model('trial_started', ['cast(trial_days as integer) as trial_days']) }}
