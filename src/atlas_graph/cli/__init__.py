"""The `atlas-graph` command (`commands.main`): serve the API, manage the local Neo4j, organizations, API keys, and
import files (`import_command`). `common` holds what every command shares (`say`, `cli_store`, exit codes)."""
