"""The local Neo4j: provisioned from Maven Central and run embedded, with Bolt on loopback, by this project."""

from atlas_graph.neo4j_local.server import LocalNeo4j, LocalNeo4jStatus, StartResult

__all__ = ["LocalNeo4j", "LocalNeo4jStatus", "StartResult"]
