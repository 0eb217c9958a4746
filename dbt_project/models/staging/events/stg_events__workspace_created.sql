-- One row per `workspace_created` event (message id).
{{ rudderstack_event_model('workspace_created', ['workspace_id']) }}
