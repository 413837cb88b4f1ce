"""Liveness and readiness answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"


class Neo4jInfoOut(BaseModel):
    address: str
    version: str
    edition: str
    database: str


class ReadinessOut(BaseModel):
    status: Literal["ready", "unavailable"]
    neo4j: Neo4jInfoOut | None = None
    reason: str | None = None
