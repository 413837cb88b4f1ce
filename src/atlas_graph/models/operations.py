"""What the operator watches the service by: the storage report."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StorageOut(BaseModel):
    neo4j: str = Field(description="`local` (the Neo4j this project runs) or `external`")
    nodes: int
    relationships: int
    nodes_by_label: dict[str, int] = Field(description="A node with several labels counts under each")
    relationships_by_type: dict[str, int]
    store_bytes: int | None = Field(description="The database's store files; null when unknown (external Neo4j)")
    transaction_log_bytes: int | None = Field(description="Its transaction logs; null when unknown")
    disk_free_bytes: int | None = Field(description="Space left on the disk that holds them; null when unknown")
    disk_total_bytes: int | None
    note: str | None = None
