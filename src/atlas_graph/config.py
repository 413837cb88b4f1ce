"""Settings read from the environment (prefix ``ATLAS_``); nothing here is built at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

NEO4J_URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def default_cache_dir() -> Path:
    """Where downloaded Neo4j jars live: outside any clone, so fresh clones reuse them."""
    return Path.home() / ".cache" / "atlas-graph"


class Settings(BaseSettings):
    """Everything atlas-graph can be told; see README.md, "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", env_file=None, extra="ignore")

    # An external Neo4j. Leave the URI unset to use the local, embedded Neo4j this project provisions.
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    neo4j_connection_timeout: float = Field(default=10.0, gt=0)
    # How long the driver keeps retrying a transaction through transient failures before the request fails (503).
    neo4j_max_retry_time: float = Field(default=15.0, ge=0)

    # The local Neo4j (used only when neo4j_uri is unset).
    local_neo4j_dir: Path = Path("var/neo4j")
    local_neo4j_port: int = Field(default=7687, ge=1, le=65535)
    local_neo4j_heap: str = Field(default="1g", pattern=r"^\d+[kmg]$")
    local_neo4j_pagecache: str = Field(default="512m", pattern=r"^\d+[kmg]$")
    # Neo4j's own default keeps two days of transaction logs, gigabytes after a bulk load (docs/performance.md).
    # Community has no incremental backup to replay them, so a bounded size is enough for recovery.
    local_neo4j_tx_log_retention: str = Field(
        default="1G size", pattern=r"^\d+[kKmMgG]? (files|size|txs|entries|hours|days)$"
    )
    local_neo4j_start_timeout: float = Field(default=180.0, gt=0)
    cache_dir: Path = Field(default_factory=default_cache_dir)
    java_home: Path | None = None

    # The HTTP service.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    # The demo dataset: `serve` loads it into an empty graph when this is on (scripts/run turns it on).
    demo: bool = False
    demo_key_file: Path = Path("var/demo-key")

    # Limits (docs/limits.md): larger bundles are refused with 413 and should be split.
    max_bundle_items: int = Field(default=10_000, ge=1)
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    # An analysis whose visible graph has more nodes plus edges than this is refused with 413 (docs/limits.md).
    max_analysis_elements: int = Field(default=2_000_000, ge=1)

    # Requests per API key: `rate_limit_burst` at once, then `rate_limit_per_minute` a minute (429 beyond).
    rate_limit_per_minute: int = Field(default=1200, ge=1)
    rate_limit_burst: int = Field(default=200, ge=1)
    # Failed authentications per client address: `failed_auth_burst` at once, then `failed_auth_per_minute` a
    # minute; past that, every request from the address is 429 until it may fail again.
    failed_auth_per_minute: int = Field(default=30, ge=1)
    failed_auth_burst: int = Field(default=60, ge=1)

    # Who may read GET /metrics: the operator's key, or (on a host where only the operator reaches loopback, and no
    # reverse proxy forwards to it from there) any client on loopback, for a scraper without a key.
    metrics_access: Literal["operator", "loopback"] = "operator"
    # `json`: one JSON object a line, with the request id, for a log collector; `text`: uvicorn's own lines.
    log_format: Literal["text", "json"] = "text"

    # Analyses too large to answer at once run as jobs, this many at a time.
    analysis_workers: int = Field(default=1, ge=1, le=8)
    # Analyses run in worker processes at a lower priority, so that they never stall request handling; off runs
    # them on threads of the API process (simpler to debug, but a long ranking then slows every request).
    analysis_processes: bool = True

    @field_validator("neo4j_uri")
    @classmethod
    def _known_scheme(cls, uri: str | None) -> str | None:
        if uri is None or uri == "":
            return None
        scheme = uri.split("://", 1)[0] if "://" in uri else ""
        if scheme not in NEO4J_URI_SCHEMES:
            raise ValueError(
                f"ATLAS_NEO4J_URI must start with one of {', '.join(s + '://' for s in NEO4J_URI_SCHEMES)}"
            )
        return uri

    @property
    def uses_local_neo4j(self) -> bool:
        return self.neo4j_uri is None
