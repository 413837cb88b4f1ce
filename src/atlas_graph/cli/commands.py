"""The `atlas-graph` command: serve the API, manage the local Neo4j, organizations and API keys.

Results go to stdout (a new key is the only thing `keys create` prints there); progress and errors go to stderr,
errors as one line, so that scripts can capture a key with `$(atlas-graph keys create ...)`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from atlas_graph.cli.backup_command import add_backup_parsers
from atlas_graph.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, cli_store, say
from atlas_graph.cli.import_command import add_import_parser
from atlas_graph.cli.quality_command import add_quality_parser
from atlas_graph.config import Settings
from atlas_graph.errors import AtlasGraphError
from atlas_graph.models.vocabulary import Role

if TYPE_CHECKING:
    from atlas_graph.store.graph import GraphStore


def main(argv: Sequence[str] | None = None) -> int:
    # The driver logs each retry as a warning; the CLI reports the outcome itself, in one line.
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        settings = Settings()
        handler: Callable[[argparse.Namespace, Settings], int] = args.handler
        return handler(args, settings)
    except ValidationError as error:
        first = error.errors()[0]
        field = "ATLAS_" + "_".join(str(part) for part in first["loc"]).upper()
        say(f"atlas-graph: error: {field}: {first['msg']}")
        return EXIT_ERROR
    except AtlasGraphError as error:
        say(f"atlas-graph: error: {error}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atlas-graph", description="Map the cybercrime ecosystem: pooled intelligence in Neo4j."
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the HTTP API (starting the local Neo4j unless one is configured)")
    serve.add_argument("--host", help="interface to bind (default ATLAS_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default ATLAS_PORT or 8000)")
    serve.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="load the demo dataset when the graph is empty (default ATLAS_DEMO, off; scripts/run turns it on)",
    )
    serve.set_defaults(handler=run_serve)

    demo = commands.add_parser("demo", help="load the demo dataset (real ATT&CK objects plus a synthetic layer)")
    demo.set_defaults(handler=run_demo)

    neo4j = commands.add_parser("neo4j", help="the local Neo4j: start, stop, status")
    neo4j_commands = neo4j.add_subparsers(title="actions", metavar="ACTION", required=True)
    neo4j_commands.add_parser("start", help="provision on first use, start, wait for Bolt").set_defaults(
        handler=run_neo4j_start
    )
    neo4j_commands.add_parser("stop", help="stop cleanly").set_defaults(handler=run_neo4j_stop)
    neo4j_commands.add_parser("status", help="running or not, where, and its logs").set_defaults(
        handler=run_neo4j_status
    )

    orgs = commands.add_parser("orgs", help="member organizations")
    orgs_commands = orgs.add_subparsers(title="actions", metavar="ACTION", required=True)
    orgs_create = orgs_commands.add_parser("create", help="register an organization")
    orgs_create.add_argument("name")
    orgs_create.set_defaults(handler=run_orgs_create)
    orgs_commands.add_parser("list", help="list organizations").set_defaults(handler=run_orgs_list)
    orgs_update = orgs_commands.add_parser("update", help="set an organization's profile (where and how it can act)")
    orgs_update.add_argument("name")
    orgs_update.add_argument("--jurisdictions", help='comma-separated country codes, or "*" (e.g. NL,DE)')
    orgs_update.add_argument(
        "--actions", help="comma-separated, of arrest,sanction,takedown,seize,sinkhole,suspend,freeze"
    )
    orgs_update.set_defaults(handler=run_orgs_update)

    keys = commands.add_parser("keys", help="API keys")
    keys_commands = keys.add_subparsers(title="actions", metavar="ACTION", required=True)
    keys_create = keys_commands.add_parser("create", help="issue a key; prints only the key on stdout")
    keys_create.add_argument("--org", help="the organization the key acts for (none for an operator key)")
    keys_create.add_argument("--role", required=True, choices=[role.value for role in Role])
    keys_create.add_argument("--label", help="a note to recognise the key by (e.g. the integration's name)")
    keys_create.set_defaults(handler=run_keys_create)
    keys_list = keys_commands.add_parser("list", help="list keys (ids, roles, state; never secrets)")
    keys_list.add_argument("--org", help="only this organization's keys")
    keys_list.set_defaults(handler=run_keys_list)
    keys_revoke = keys_commands.add_parser("revoke", help="revoke a key by its id")
    keys_revoke.add_argument("key_id")
    keys_revoke.set_defaults(handler=run_keys_revoke)

    add_import_parser(commands)
    add_backup_parsers(commands)
    add_quality_parser(commands)
    return parser


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from atlas_graph.logs import json_log_config
    from atlas_graph.main import open_store, serving_app
    from atlas_graph.neo4j_local import LocalNeo4j

    host = args.host or settings.host
    port = args.port or settings.port
    local = LocalNeo4j(settings) if settings.uses_local_neo4j else None
    started_here = False
    if local is not None:
        result = local.start(say=say)
        started_here = not result.already_running
        say(f"local Neo4j {'started' if started_here else 'already running'} on {local.uri} (logs: {local.log_file})")
    try:
        store = open_store(settings)
        try:
            info = store.server_info()
            say(f"connected to Neo4j {info.version} {info.edition} at {info.address}, database {info.database}")
            if args.demo if args.demo is not None else settings.demo:
                _offer_demo(store, settings, host=host, port=port)
            say(f"serving on http://{host}:{port}  API docs: http://{host}:{port}/docs")
            say("an API key: atlas-graph orgs create ORG && atlas-graph keys create --org ORG --role analyst")
            log_config = json_log_config() if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG
            app = serving_app(settings, store=store)
            uvicorn.run(app, host=host, port=port, log_level="info", log_config=log_config)
        finally:
            store.close()
    finally:
        if local is not None and started_here:
            # We started it, so we stop it; a Neo4j that was already running is left as we found it.
            say("stopping the local Neo4j")
            local.stop()
    return 0


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.services import demo

    with cli_store(settings) as store:
        say("loading the demo: MITRE ATT&CK groups and software, plus a synthetic layer (see src/atlas_graph/demo)")
        loaded = demo.load_demo(store, max_items=settings.max_bundle_items, kept_token=_kept_demo_key(settings))
    _keep_demo_key(settings, loaded.token)
    print(loaded.token)
    say(
        f"demo loaded: {loaded.entities} entities, {loaded.relationships} relationships; the key above (also in "
        f"{settings.demo_key_file}) is an analyst of '{demo.VIEWER_ORGANIZATION}'"
    )
    return 0


def _offer_demo(store: GraphStore, settings: Settings, *, host: str, port: int) -> None:
    from atlas_graph.services import demo

    if demo.graph_is_empty(store):
        say("the graph is empty: loading the demo (MITRE ATT&CK groups and software plus a synthetic layer)")
        loaded = demo.load_demo(store, max_items=settings.max_bundle_items, kept_token=_kept_demo_key(settings))
        _keep_demo_key(settings, loaded.token)
        say(f"demo loaded: {loaded.entities} entities, {loaded.relationships} relationships")
    token = _kept_demo_key(settings)
    if token:
        say(f"explorer: http://{host}:{port}/  sign in with the demo analyst key: {token}")


def _kept_demo_key(settings: Settings) -> str | None:
    if not settings.demo_key_file.exists():
        return None
    return settings.demo_key_file.read_text().strip() or None


def _keep_demo_key(settings: Settings, token: str) -> None:
    settings.demo_key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(settings.demo_key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token + "\n")


def run_neo4j_start(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.neo4j_local import LocalNeo4j

    local = LocalNeo4j(settings)
    result = local.start(say=say)
    if result.already_running:
        say(f"already running on {local.uri} (pid {result.status.pid})")
    else:
        say(f"started on {local.uri} (pid {result.status.pid}) in {result.seconds:.1f} s; logs: {local.log_file}")
    return 0


def run_neo4j_stop(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.neo4j_local import LocalNeo4j

    local = LocalNeo4j(settings)
    say("stopped" if local.stop() else "not running")
    return 0


def run_neo4j_status(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.neo4j_local import LocalNeo4j

    status = LocalNeo4j(settings).status()
    state = f"running (pid {status.pid})" if status.running else "stopped"
    print(f"local Neo4j: {state}\nbolt: {status.uri}\ndata: {status.home}\nlog: {status.log_file}")
    if not settings.uses_local_neo4j:
        print(f"note: ATLAS_NEO4J_URI is set ({settings.neo4j_uri}); the service uses that, not the local Neo4j")
    return 0 if status.running else 3


def run_orgs_create(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.services import organizations

    with cli_store(settings) as store:
        organization = organizations.create_organization(store, name=args.name)
    say(f"created organization {organization.name!r}")
    return 0


def run_orgs_list(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.services import organizations

    with cli_store(settings) as store:
        for org in organizations.list_organizations(store):
            print(f"{org.name}\t{org.active_keys} active key(s)\tsince {org.created_at:%Y-%m-%d}")
    return 0


def run_orgs_update(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.models.organizations import ProfileIn
    from atlas_graph.services import organizations

    def listed(value: str | None) -> list[str] | None:
        return None if value is None else [item.strip() for item in value.split(",") if item.strip()]

    profile = ProfileIn.model_validate({"jurisdictions": listed(args.jurisdictions), "actions": listed(args.actions)})
    with cli_store(settings) as store:
        updated = organizations.update_profile(
            store,
            name=args.name,
            jurisdictions=[str(j) for j in profile.jurisdictions] if profile.jurisdictions is not None else None,
            actions=list(profile.actions) if profile.actions is not None else None,
        )
    where, how = ",".join(updated.jurisdictions) or "-", ",".join(updated.actions) or "-"
    say(f"{updated.name}: jurisdictions {where}; actions {how}")
    return 0


def run_keys_create(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.services import access

    with cli_store(settings) as store:
        issued = access.issue_key(store, organization=args.org, role=Role(args.role), label=args.label)
    print(issued.token)
    say(f"key {issued.key_id} ({issued.role.value}) for {issued.organization}; shown once, stored only as a hash")
    return 0


def run_keys_list(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.store import organizations as organization_store

    with cli_store(settings) as store:
        for key in organization_store.list_api_keys(store, organization=args.org):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            print(f"{key.key_id}\t{key.organization or '(operator)'}\t{key.role}\t{state}\t{key.label or ''}")
    return 0


def run_keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.services import access

    with cli_store(settings) as store:
        revoked_at = access.revoke_key(store, key_id=args.key_id)
    say(f"key {args.key_id} revoked at {revoked_at:%Y-%m-%d %H:%M:%S %Z}")
    return 0
