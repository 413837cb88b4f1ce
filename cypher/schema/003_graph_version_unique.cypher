// The single GraphVersion node that every write bumps (analysis caches key on it). No parameters.
CREATE CONSTRAINT graph_version_name_unique IF NOT EXISTS
FOR (version:GraphVersion) REQUIRE version.name IS UNIQUE
