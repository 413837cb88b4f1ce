// How many nodes the database holds, whatever they are: a restore loads only into an empty one. No parameters.
MATCH (node)
RETURN count(node) AS nodes
