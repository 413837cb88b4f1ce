// Brings the CommunityVisible label in line with vis_all wherever they disagree: databases written before the label
// existed, and restores of their backups. Every write keeps them equal (write/entity_sharing_refresh), so on a
// database this version wrote it changes nothing. Returns how many entities it changed. No parameters.
MATCH (entity:Entity)
WHERE coalesce(entity.vis_all, false) <> entity:CommunityVisible
SET entity:$(CASE WHEN entity.vis_all THEN ['CommunityVisible'] ELSE [] END)
REMOVE entity:$(CASE WHEN entity.vis_all THEN [] ELSE ['CommunityVisible'] END)
RETURN count(entity) AS changed
