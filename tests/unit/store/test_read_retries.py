"""A read that meets a node deleted by a concurrent write is run again; a write is not (it holds the write lock)."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j.exceptions import Neo4jError

from atlas_graph.store.cypher import CypherLibrary
from atlas_graph.store.graph import ENTITY_NOT_FOUND, GraphStore


def deleted_meanwhile() -> Neo4jError:
    # What Neo4j answers when a read reaches a node that a committed write deleted (read committed, not a snapshot).
    return Neo4jError._hydrate_neo4j(code=ENTITY_NOT_FOUND, message="Node with id 5 has been deleted")


class FailsOnce:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls == 1:
            raise deleted_meanwhile()
        return "answer"


def store() -> GraphStore:
    driver: Any = None  # _retried never touches the driver
    return GraphStore(driver, database="neo4j", queries=CypherLibrary({}), max_retry_time=5.0)


def test_a_read_that_met_a_deleted_node_runs_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("atlas_graph.store.graph.time.sleep", lambda seconds: None)
    call = FailsOnce()
    assert store()._retried(call, reading=True) == "answer"
    assert call.calls == 2


def test_a_write_that_met_a_deleted_node_fails() -> None:
    call = FailsOnce()
    with pytest.raises(Neo4jError) as raised:
        store()._retried(call)
    assert raised.value.code == ENTITY_NOT_FOUND
    assert call.calls == 1
