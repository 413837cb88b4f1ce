// Creates one batch of a backup's nodes with their labels and properties; returns each one's new element id by
// its number in the backup, for the relationships to find. Parameters: $rows [{number, labels, properties}].
UNWIND $rows AS row
CREATE (node:$(row.labels))
SET node = row.properties
RETURN row.number AS number, elementId(node) AS id
