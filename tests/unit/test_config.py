"""Settings: defaults, the ATLAS_ prefix, and URI validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from atlas_graph.config import Settings


def test_no_uri_means_the_local_neo4j(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_NEO4J_URI", raising=False)
    settings = Settings()
    assert settings.uses_local_neo4j
    assert settings.neo4j_database == "neo4j"
    assert settings.host == "127.0.0.1"


def test_environment_with_atlas_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_NEO4J_URI", "neo4j+s://abc.databases.neo4j.io")
    monkeypatch.setenv("ATLAS_NEO4J_USER", "atlas")
    monkeypatch.setenv("ATLAS_NEO4J_PASSWORD", "s3cret-value")
    monkeypatch.setenv("ATLAS_NEO4J_DATABASE", "intel")
    settings = Settings()
    assert not settings.uses_local_neo4j
    assert settings.neo4j_uri == "neo4j+s://abc.databases.neo4j.io"
    assert settings.neo4j_user == "atlas"
    assert settings.neo4j_password is not None and settings.neo4j_password.get_secret_value() == "s3cret-value"
    assert "s3cret-value" not in repr(settings)
    assert settings.neo4j_database == "intel"


def test_empty_uri_is_the_local_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_NEO4J_URI", "")
    assert Settings().uses_local_neo4j


@pytest.mark.parametrize("uri", ["http://localhost:7474", "localhost:7687", "mysql://x"])
def test_unknown_scheme_is_rejected(uri: str) -> None:
    with pytest.raises(ValidationError, match="ATLAS_NEO4J_URI must start with"):
        Settings(neo4j_uri=uri)


@pytest.mark.parametrize("uri", ["bolt://127.0.0.1:7687", "neo4j://cluster.example:7687", "neo4j+ssc://x:7687"])
def test_bolt_and_routing_schemes_are_accepted(uri: str) -> None:
    assert Settings(neo4j_uri=uri).neo4j_uri == uri


def test_memory_sizes_are_validated() -> None:
    with pytest.raises(ValidationError):
        Settings(local_neo4j_heap="lots")


@pytest.mark.parametrize("policy", ["1G size", "512m size", "3 files", "12 hours", "2 days", "100000 txs"])
def test_transaction_log_retention_takes_neo4j_policies(policy: str) -> None:
    assert Settings(local_neo4j_tx_log_retention=policy).local_neo4j_tx_log_retention == policy


@pytest.mark.parametrize("policy", ["forever", "1G", "size 1G", "1G size; rm -rf /", ""])
def test_transaction_log_retention_refuses_other_text(policy: str) -> None:
    with pytest.raises(ValidationError):
        Settings(local_neo4j_tx_log_retention=policy)
