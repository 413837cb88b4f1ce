// Every node, whatever its labels, with all its properties: the node half of a backup. No parameters.
MATCH (node)
RETURN elementId(node) AS id, labels(node) AS labels, properties(node) AS properties
