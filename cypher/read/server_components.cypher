// The server's kernel version and edition, for /readyz and the CLI. No parameters.
CALL dbms.components() YIELD name, versions, edition
WHERE name = 'Neo4j Kernel'
RETURN versions[0] AS version, edition
