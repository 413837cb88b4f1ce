"""Real TAXII peers for the tests: medallion, the OASIS reference server, started as its own process with its
memory backend (atlas-graph's own app is served by tests.integration.live_service)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

TAXII = "application/taxii+json;version=2.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Medallion:
    url: str  # the discovery URL
    api_root: str
    collection_id: str
    user: str
    password: str

    def add(self, objects: list[dict[str, Any]]) -> dict[str, Any]:
        """POST objects to the collection, as a TAXII client would; each POST is one date added."""
        response = requests.post(
            f"{self.api_root}collections/{self.collection_id}/objects/",
            data=json.dumps({"objects": objects}),
            headers={"Accept": TAXII, "Content-Type": TAXII},
            auth=(self.user, self.password),
            timeout=60,
        )
        response.raise_for_status()
        status: dict[str, Any] = response.json()
        return status


@contextmanager
def medallion(folder: Path, *, page_size: int) -> Iterator[Medallion]:
    """medallion with its memory backend and one empty, writable collection, on a free loopback port."""
    with medallion_with(folder, [], page_size=page_size) as server:
        yield server


@contextmanager
def medallion_with(
    folder: Path, dated: list[tuple[dict[str, Any], datetime]], *, page_size: int, port: int | None = None
) -> Iterator[Medallion]:
    """medallion whose collection starts with `dated` objects, each with its date added (its data file written
    directly: POSTing many objects to the memory backend takes time quadratic in their number)."""
    port = port or _free_port()
    base = f"http://127.0.0.1:{port}"
    collection_id = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
    manifest = [
        {
            "id": obj["id"],
            "date_added": added.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "version": obj.get("modified") or obj.get("created") or added.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "media_type": "application/stix+json;version=2.1",
        }
        for obj, added in dated
    ]
    data = {
        "/discovery": {"title": "medallion under test", "default": f"{base}/feed/", "api_roots": [f"{base}/feed/"]},
        "feed": {
            "information": {"title": "feed", "versions": [TAXII], "max_content_length": 100_000_000},
            "status": [],
            "collections": [
                {
                    "id": collection_id,
                    "title": "ATT&CK subset",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [obj for obj, _ in dated],
                    "manifest": manifest,
                }
            ],
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.json").write_text(json.dumps(data))
    config = {
        "taxii": {"max_page_size": page_size},
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(folder / "data.json"),
        },
        "users": {"puller": "medallion-secret"},
    }
    (folder / "config.json").write_text(json.dumps(config))
    executable = Path(sys.executable).with_name("medallion")
    log = (folder / "medallion.log").open("w")
    process = subprocess.Popen(
        [str(executable), "--host", "127.0.0.1", "--port", str(port), str(folder / "config.json")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (folder / "medallion.log").read_text()
            try:
                requests.get(
                    f"{base}/taxii2/", headers={"Accept": TAXII}, auth=("puller", "medallion-secret"), timeout=2
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "medallion did not start"
                time.sleep(0.2)
        yield Medallion(
            url=f"{base}/taxii2/",
            api_root=f"{base}/feed/",
            collection_id=collection_id,
            user="puller",
            password="medallion-secret",
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
