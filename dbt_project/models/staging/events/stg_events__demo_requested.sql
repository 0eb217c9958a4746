-- One row per `demo_requested` event (message id).
{{ rudderstack_event_model('demo_requested', ['form as form_name']) }}
