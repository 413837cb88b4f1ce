// The audit trail is read newest first, within a time window. No parameters.
CREATE INDEX audit_event_at IF NOT EXISTS
FOR (event:AuditEvent) ON (event.at)
