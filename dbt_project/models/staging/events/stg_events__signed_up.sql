-- One row per `signed_up` event (message id).
{{ rudderstack_event_model('signed_up', ['plan']) }}
