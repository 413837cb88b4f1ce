// Audit events, newest first, filtered by organization, time window and entity. Parameters: $organization,
// $since, $until, $entity_id (each may be null), $skip, $limit.
MATCH (event:AuditEvent)
WHERE ($since IS NULL OR event.at >= $since) AND ($until IS NULL OR event.at < $until)
  AND ($organization IS NULL OR event.organization = $organization)
  AND ($entity_id IS NULL OR $entity_id IN event.entity_ids)
RETURN event {.*} AS event
ORDER BY event.at DESC, event.id DESC
SKIP $skip LIMIT $limit
