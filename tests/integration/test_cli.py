"""The `atlas-graph` command as a user runs it: keys on stdout only, one-line errors for bad configuration."""

from __future__ import annotations

import os
import subprocess
import sys

from atlas_graph.config import Settings
from atlas_graph.services.connection import connection_for
from atlas_graph.store.graph import GraphStore


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "atlas_graph.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _env_for(settings: Settings, **overrides: str) -> dict[str, str]:
    connection = connection_for(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(
        ATLAS_NEO4J_URI=connection.uri,
        ATLAS_NEO4J_USER=connection.user,
        ATLAS_NEO4J_PASSWORD=connection.password or "",
        ATLAS_NEO4J_DATABASE=connection.database,
    )
    env.update(overrides)
    return env


def test_keys_create_prints_only_the_key(settings: Settings, graph: GraphStore) -> None:
    env = _env_for(settings)
    created = _run("orgs", "create", "CLI Org", env=env)
    assert created.returncode == 0, created.stderr
    assert created.stdout == ""
    issued = _run("keys", "create", "--org", "CLI Org", "--role", "reader", env=env)
    assert issued.returncode == 0, issued.stderr
    lines = issued.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("atlas_")
    listed = _run("keys", "list", env=env)
    assert "CLI Org" in listed.stdout and lines[0] not in listed.stdout


def test_operator_keys_belong_to_no_organization(settings: Settings, graph: GraphStore) -> None:
    env = _env_for(settings)
    issued = _run("keys", "create", "--role", "operator", env=env)
    assert issued.returncode == 0, issued.stderr
    (token,) = issued.stdout.splitlines()
    assert token.startswith("atlas_") and "(operator)" in issued.stderr
    listed = _run("keys", "list", env=env)
    assert "\t(operator)\toperator\tactive" in listed.stdout
    # A member's key must name its organization: one line, not a traceback.
    orphan = _run("keys", "create", "--role", "reader", env=env)
    assert orphan.returncode != 0 and orphan.stdout == ""
    assert len(orphan.stderr.strip().splitlines()) == 1 and "organization" in orphan.stderr, orphan.stderr


def test_wrong_password_is_one_clear_line(settings: Settings, graph: GraphStore) -> None:
    result = _run("orgs", "list", env=_env_for(settings, ATLAS_NEO4J_PASSWORD="definitely-wrong"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith("atlas-graph: error: Neo4j refused the credentials")
    assert "Traceback" not in result.stderr


def test_unreachable_uri_is_one_clear_line(settings: Settings) -> None:
    env = _env_for(settings, ATLAS_NEO4J_URI="bolt://127.0.0.1:9", ATLAS_NEO4J_CONNECTION_TIMEOUT="2")
    result = _run("orgs", "list", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Neo4j is unreachable" in result.stderr


def test_bad_setting_is_one_clear_line(settings: Settings) -> None:
    result = _run("orgs", "list", env=_env_for(settings, ATLAS_NEO4J_URI="http://localhost:7474"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "atlas-graph: error: ATLAS_NEO4J_URI: Value error, ATLAS_NEO4J_URI must start with one of "
        "bolt://, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc://"
    )
