// Brings the CommunityVisible label in line with vis_all wherever they disagree: databases written before the label
// existed, and restores of their backups. Every write keeps them equal (write/entity_sharing_refresh), so on a
// database this version wrote it changes nothing. In batches, so that a large old database does not need one huge
// transaction (CALL ... IN TRANSACTIONS: run it in an implicit transaction). Returns how many entities it changed.
// No parameters.
MATCH (entity:Entity)
WHERE coalesce(entity.vis_all, false) <> entity:CommunityVisible
CALL (entity) {
  SET entity:$(CASE WHEN entity.vis_all THEN ['CommunityVisible'] ELSE [] END)
  REMOVE entity:$(CASE WHEN entity.vis_all THEN [] ELSE ['CommunityVisible'] END)
} IN TRANSACTIONS OF 10000 ROWS
RETURN count(entity) AS changed
