"""`atlas-graph serve` as a user starts it, on a free port, against the test Neo4j: for tests of the real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from atlas_graph.config import Settings


@dataclass(frozen=True)
class Served:
    process: subprocess.Popen[bytes]
    base: str
    log: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(settings: Settings, port: int, extra: dict[str, str]) -> dict[str, str]:
    """The test's Neo4j, and nothing else of the environment's ATLAS_ settings."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ATLAS_")}
    environment["ATLAS_PORT"] = str(port)
    if settings.neo4j_uri is not None:
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        environment.update(
            ATLAS_NEO4J_URI=settings.neo4j_uri,
            ATLAS_NEO4J_USER=settings.neo4j_user,
            ATLAS_NEO4J_PASSWORD=password,
            ATLAS_NEO4J_DATABASE=settings.neo4j_database,
        )
    else:
        environment.update(
            ATLAS_LOCAL_NEO4J_DIR=str(settings.local_neo4j_dir.resolve()),
            ATLAS_LOCAL_NEO4J_PORT=str(settings.local_neo4j_port),
        )
    environment.update(extra)
    return environment


@contextmanager
def served(settings: Settings, folder: Path, **extra: str) -> Iterator[Served]:
    """Start the server, wait until it answers, and kill it at the end if the test has not."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("atlas-graph")), "serve", "--port", str(port)]
    log = folder / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=server_environment(settings, port, extra), stdout=output, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start: " + log.read_text()
                time.sleep(0.2)
            yield Served(process=process, base=base, log=log)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
