// Appends one event to the audit trail (nothing ever updates or deletes one). Parameters: $event {id, at,
// organization, key_id, request_id, action, outcome, entity_ids, detail}.
CREATE (event:AuditEvent)
SET event = $event
RETURN event.id AS id
