"""The only package that imports neo4j: the driver, the Cypher loader, reads, writes and the NetworkX projection."""
