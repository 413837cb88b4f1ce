"""Fixtures the integration tests of several modules share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from atlas_graph.cli.import_command import add_import_parser
from atlas_graph.config import Settings
from tests.conftest import KeyFactory

Run = Callable[..., int]


@pytest.fixture
def run_import(settings: Settings, auth_headers: KeyFactory, tmp_path: Path) -> Run:
    """Run `atlas-graph import ARGS` in-process, as Org A unless --org is given, with checkpoints under tmp_path."""
    auth_headers("Org A")  # registers the organization (the key is not needed: imports act without one)

    def run(*argv: str | Path) -> int:
        parser = argparse.ArgumentParser(prog="atlas-graph")
        add_import_parser(parser.add_subparsers())
        arguments = [str(arg) for arg in argv]
        if "--org" not in arguments:
            arguments += ["--org", "Org A"]
        if "--checkpoint-dir" not in arguments:
            arguments += ["--checkpoint-dir", str(tmp_path / "imports")]
        args = parser.parse_args(["import", *arguments])
        code: int = args.handler(args, settings)
        return code

    return run
