"""Provisioning facts that need no download: the pinned version and Java detection."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from atlas_graph.errors import ConfigurationError
from atlas_graph.neo4j_local.provisioning import find_java, java_major_version, pinned_neo4j_version


def test_pinned_version_is_a_526_patch() -> None:
    version = pinned_neo4j_version()
    major, minor, patch = version.split(".")
    assert (major, minor) == ("5", "26") and patch.isdigit()


def _fake_java(tmp_path: Path, banner: str) -> Path:
    java = tmp_path / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{banner}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return java


@pytest.mark.parametrize(
    ("banner", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_392"', 8),
        ("garbage", None),
    ],
)
def test_java_major_version(tmp_path: Path, banner: str, major: int | None) -> None:
    assert java_major_version(_fake_java(tmp_path, banner)) == major


def test_configured_java_home_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = _fake_java(tmp_path, 'openjdk version "21.0.2" 2024-01-16')
    assert find_java(tmp_path) == java


def test_unsupported_java_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_java(tmp_path, 'openjdk version "11.0.2" 2019-01-15')
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr("atlas_graph.neo4j_local.provisioning.Path.glob", lambda self, pattern: iter(()))
    with pytest.raises(ConfigurationError, match="needs Java 17 or 21"):
        find_java(None)
    assert os.environ["JAVA_HOME"] == str(tmp_path)
