"""atlas-graph: maps the cybercrime ecosystem."""
