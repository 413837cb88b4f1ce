"""`atlas-graph serve` killed with SIGKILL: none of its processes outlive it by more than ten seconds.

Regression: after `kill -9` of the API, its forkserver, resource tracker and progress manager stayed alive for
22 minutes or more. The analysis workers watched the API process and exited; the manager did not, and it held the
forkserver's "alive" pipe and the resource tracker's pipe open, so neither of them saw the API go.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx2

from atlas_graph.config import Settings
from atlas_graph.models.vocabulary import Role
from atlas_graph.processes import process_alive
from atlas_graph.services import access, organizations
from atlas_graph.store.graph import GraphStore
from tests.integration.served import served

GRACE_SECONDS = 10.0


def descendants(root: int) -> dict[int, str]:
    """Every process below `root`, by pid, with its command line."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        commands[int(entry.name)] = command
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = commands[pid]
                frontier.append(pid)
    return found


def test_no_process_of_the_api_outlives_a_kill_9(settings: Settings, graph: GraphStore, tmp_path: Path) -> None:
    with served(settings, tmp_path) as server:
        killed_leaves_nothing(server.process, server.base, graph)


def killed_leaves_nothing(process: subprocess.Popen[bytes], base: str, graph: GraphStore) -> None:
    organizations.create_organization(graph, name="Org Procs")
    token = access.issue_key(graph, organization="Org Procs", role=Role.ANALYST).token
    headers = {"Authorization": f"Bearer {token}"}
    crews = [{"kind": "actor", "name": f"Proc Crew {n}"} for n in range(4)]
    bundle = {
        "entities": crews,
        "relationships": [
            {"type": "AFFILIATED_WITH", "source": a, "target": b} for a, b in zip(crews, crews[1:], strict=False)
        ],
    }
    assert httpx2.post(f"{base}/v1/bundles", json=bundle, headers=headers, timeout=60).status_code == 200
    # An analysis answered at once (the inline worker) and a job (the background worker and the progress manager).
    assert httpx2.get(f"{base}/v1/analysis/chokepoints", headers=headers, timeout=60).status_code == 200
    job = httpx2.get(f"{base}/v1/analysis/chokepoints", params={"background": "true"}, headers=headers, timeout=60)
    assert job.status_code == 202, job.text
    location = job.json()["location"]
    deadline = time.monotonic() + 60
    while httpx2.get(f"{base}{location}", headers=headers, timeout=10).json()["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.2)

    children = descendants(process.pid)
    kinds = " ".join(children.values())
    # The test is worth something only if the processes that outlived the API before are there to be killed.
    assert "forkserver" in kinds and "resource_tracker" in kinds, children
    assert len(children) >= 4, children  # tracker, forkserver, and its children: workers and the manager

    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + GRACE_SECONDS
    alive = dict(children)
    while alive and time.monotonic() < deadline:
        time.sleep(0.25)
        alive = {pid: command for pid, command in alive.items() if process_alive(pid)}
    for pid in alive:  # leave no orphan behind a failure
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"still alive {GRACE_SECONDS:.0f} s after kill -9 of the API: {alive}"
