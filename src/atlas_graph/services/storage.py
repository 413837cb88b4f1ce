"""The operator's storage report: the size of the graph, of Neo4j's files and the disk space left."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from atlas_graph.neo4j_local.disk import LocalDiskUse, local_disk_use
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.statistics import GraphSize, graph_size

EXTERNAL_NOTE = (
    "an external Neo4j: file sizes and disk space are unknown here, since Neo4j answers no Cypher query for them "
    "(Community has no metrics or JMX procedure that reports them); read them on its host"
)


@dataclass(frozen=True)
class StorageReport:
    graph: GraphSize
    disk: LocalDiskUse | None
    """None for an external Neo4j, whose files this process cannot see."""
    note: str | None


def storage_report(store: GraphStore, *, local_home: Path | None, database: str) -> StorageReport:
    """Count the graph; measure the local Neo4j's files when `local_home` is its home (None: an external one)."""
    if local_home is None:
        return StorageReport(graph=graph_size(store), disk=None, note=EXTERNAL_NOTE)
    return StorageReport(graph=graph_size(store), disk=local_disk_use(local_home, database=database), note=None)
