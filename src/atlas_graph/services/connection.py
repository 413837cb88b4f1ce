"""Which Neo4j to use: the one configured, or the local one this project runs."""

from __future__ import annotations

from atlas_graph.config import Settings
from atlas_graph.errors import ConfigurationError
from atlas_graph.neo4j_local import LocalNeo4j
from atlas_graph.store.graph import Neo4jConnection


def connection_for(settings: Settings) -> Neo4jConnection:
    """The connection settings describe; for the local Neo4j, its generated password."""
    if settings.neo4j_uri is not None:
        uri, user, database = settings.neo4j_uri, settings.neo4j_user, settings.neo4j_database
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password is not None else None
    else:
        local = LocalNeo4j(settings)
        if not local.password_file.exists():
            raise ConfigurationError(
                f"the local Neo4j in {local.home} has never been started; run `atlas-graph neo4j start` "
                "or set ATLAS_NEO4J_URI"
            )
        uri, user, database, password = local.uri, "neo4j", "neo4j", local.password()
    # The timeouts apply to both: where Neo4j runs does not change how long a request may wait for it.
    return Neo4jConnection(
        uri=uri,
        user=user,
        password=password,
        database=database,
        connection_timeout=settings.neo4j_connection_timeout,
        max_retry_time=settings.neo4j_max_retry_time,
    )
