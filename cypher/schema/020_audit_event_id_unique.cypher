// Audit events are append-only and found by id. No parameters.
CREATE CONSTRAINT audit_event_id_unique IF NOT EXISTS
FOR (event:AuditEvent) REQUIRE event.id IS UNIQUE
