// How many nodes and relationships the database holds in all (a node may carry several labels). No parameters.
RETURN COUNT { MATCH (node) } AS nodes, COUNT { MATCH ()-[relationship]->() } AS relationships
