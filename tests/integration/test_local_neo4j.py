"""The local Neo4j's life cycle on its own data folder and port: idempotent start, clean stop, data kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atlas_graph.config import Settings
from atlas_graph.errors import LocalNeo4jError
from atlas_graph.main import open_store
from atlas_graph.neo4j_local import LocalNeo4j
from atlas_graph.services import organizations

LIFECYCLE_PORT = int(os.environ.get("ATLAS_TEST_LIFECYCLE_PORT", "7689"))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_start_twice_stop_and_restart_keeps_data(tmp_path: Path, settings: Settings) -> None:
    lifecycle = Settings(
        neo4j_uri=None,
        local_neo4j_dir=tmp_path / "neo4j",
        local_neo4j_port=LIFECYCLE_PORT,
        local_neo4j_heap="512m",
        local_neo4j_pagecache="64m",
        local_neo4j_tx_log_retention="100M size",
        cache_dir=settings.cache_dir,
    )
    local = LocalNeo4j(lifecycle)
    try:
        first = local.start()
        assert not first.already_running and first.status.running
        second = local.start()
        assert second.already_running and second.status.pid == first.status.pid

        store = open_store(lifecycle)
        try:
            organizations.create_organization(store, name="Persisted Org")
            retention = store.driver.execute_query(
                "CALL dbms.listConfig('db.tx_log.rotation.retention_policy') YIELD value RETURN value",
                database_="system",
            ).records
        finally:
            store.close()
        assert [record["value"] for record in retention] == ["100M size"]

        pid = first.status.pid
        assert pid is not None
        assert local.stop() is True
        assert not _pid_alive(pid), "stop must leave no Java process behind"
        assert local.status().running is False
        assert local.stop() is False

        local.start()
        store = open_store(lifecycle)
        try:
            names = [o.name for o in organizations.list_organizations(store)]
        finally:
            store.close()
        assert names == ["Persisted Org"]
        assert local.password_file.stat().st_mode & 0o077 == 0, "the password file must be private"
    finally:
        local.stop()


def test_port_taken_by_another_program_is_a_clear_error(tmp_path: Path, settings: Settings) -> None:
    # The session's test Neo4j holds its port; a second data folder on that port must refuse, not hang.
    clash = Settings(
        neo4j_uri=None,
        local_neo4j_dir=tmp_path / "other",
        local_neo4j_port=settings.local_neo4j_port,
        cache_dir=settings.cache_dir,
    )
    if not settings.uses_local_neo4j:
        pytest.skip("the suite runs against an external Neo4j, so no local port is held")
    with pytest.raises(LocalNeo4jError, match="taken by another program"):
        LocalNeo4j(clash).start()
