#!/usr/bin/env python3
"""Load test: concurrent writers and readers through the real API on loopback, for a bounded time.

Seeds the benchmark Neo4j (its own data folder and port, emptied first) with a generated ecosystem, starts the
service with `atlas-graph serve`, then runs two phases with the same request mix:

1. the baseline: one writer alone, then one reader alone (each for a quarter of --duration);
2. the load: --writers writers, --readers readers, --planners planners, --churners churners and --mergers mergers
   at once (at least 8 clients in all) for --duration seconds.

Writers post bundles of new actors, their infrastructure and victims, wired to the seed's providers and financiers
(so that concurrent writes meet on the same hubs), and now and then post their previous bundle again, as an
integration retrying after a timeout does. Readers search, read entities and neighborhoods and ask for paths
between seed actors. Planners ask for the chokepoint ranking and then what taking its top 3 down would change,
back to back (following the job when the service answers 202), so that an analysis runs during the whole load:
the interactive reads show what it costs them. Churners retract the only claim of an entity that the readers read
and post it again, over and over; mergers post two twins and merge them from two clients at once. Those are the
races where reads used to fail: a churned entity may answer 404 (it is absent for that moment), a merge overtaken
by its twin answers 404 or 409, and anything else but a 2xx counts as an error. Each client has its own key; the
per-key rate limit is raised for the run, since it is the service's capacity that is measured here.

It prints the calibration line first (scripts/benchlib.py), then per operation the requests, errors, throughput and
p50/p95/p99 latency of both phases, the ratio of the load to the baseline, and then checks that nothing was lost:
every bundle answered 200 is wholly in the graph, and no entity, relationship or claim exists twice. It exits 1 on
any 5xx, transport error, lost or duplicated write.

    .venv/bin/python scripts/load_test.py [--duration 60] [--writers 3] [--readers 5] [--planners 1]
        [--churners 1] [--mergers 1] [--seed-entities 2000] [--analysis-in-threads]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import networkx as nx

from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.vocabulary import EntityKind, Role
from atlas_graph.services.caller import Caller
from atlas_graph.services.ingestion import ingest_bundle
from atlas_graph.services.resolution import node_id
from atlas_graph.store.graph import GraphStore
from atlas_graph.synthetic import generate_ecosystem
from benchlib import api_server, bench_settings, bench_store, calibrate, issue_key, percentile

SEED_ORGANIZATION = "Load Seed"
WRITER_ORGANIZATION = "Load Writers"
READER_ORGANIZATION = "Load Readers"
CHURN_ORGANIZATION = "Load Churn"
CLAIMED_ENTITIES = "bench/load_claimed_entities"
CLAIMED_RELATIONSHIPS = "bench/load_claimed_relationships"
COMMUNITY_TLPS = {"CLEAR", "GREEN", "AMBER"}
READ_MIX = (("search", 30), ("entity", 25), ("neighborhood", 20), ("paths", 25), ("churned read", 10))
PLANS = ("chokepoints", "disruption")
CHURN = ("retract", "re-post", "merge")
# Answers that are right for these operations: a churned entity is absent between its retraction and its re-post,
# and of two merges of one entity at once, the second finds it gone (404) or overtaken (409).
EXPECTED = {"churned read": {"404"}, "merge": {"404", "409"}}
CHURNED_PER_CHURNER = 4
RETRY_SHARE = 0.1
JOB_TIMEOUT = 600.0

Triple = tuple[str, str, str]


@dataclass(frozen=True)
class Seed:
    """What the clients pick from: the seed's visible entities, its hubs, and pairs of actors to connect."""

    entity_ids: list[str]
    providers: list[str]
    financiers: list[str]
    search_words: list[str]
    actor_pairs: list[tuple[str, str]]
    churned: list[str] = field(default_factory=list)
    stored_ids: dict[str, str] = field(default_factory=dict)  # the seed's ids -> the ids its entities are stored by


@dataclass
class Tally:
    """Latencies and statuses per operation, shared by the clients of one phase."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    examples: dict[str, str] = field(default_factory=dict)
    lost_rounds: int = 0  # merge rounds in which neither of two merges at once succeeded
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, operation: str) -> int:
        return len(self.latencies.get(operation, []))

    def record(self, operation: str, seconds: float, status: str, detail: str = "") -> None:
        with self.lock:
            self.latencies[operation].append(seconds)
            self.statuses[operation][status] += 1
            expected = status.startswith("2") or status in EXPECTED.get(operation, ())
            if not expected and status not in self.examples:
                self.examples[status] = f"{operation}: {detail[:300]}"


@dataclass
class Ledger:
    """Every bundle answered 200: what it wrote. Written ids become readable by the readers."""

    entity_ids: set[str] = field(default_factory=set)
    relationships: set[Triple] = field(default_factory=set)
    bundles: int = 0
    retries: int = 0
    readable: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accept(self, entity_ids: set[str], relationships: set[Triple], *, retry: bool) -> None:
        with self.lock:
            self.entity_ids |= entity_ids
            self.relationships |= relationships
            self.bundles += 1
            self.retries += retry
            self.readable.extend(sorted(entity_ids)[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the concurrent phase (default 60)")
    parser.add_argument("--writers", type=int, default=3, help="concurrent writers (default 3)")
    parser.add_argument("--readers", type=int, default=5, help="concurrent readers (default 5)")
    parser.add_argument("--planners", type=int, default=1, help="concurrent planners (default 1)")
    parser.add_argument(
        "--churners", type=int, default=1, help="clients retracting and re-posting entities being read (default 1)"
    )
    parser.add_argument("--mergers", type=int, default=1, help="clients merging twins in pairs at once (default 1)")
    parser.add_argument(
        "--bundle-groups", type=int, default=10, help="actors per bundle, 3 entities and 4 relationships each"
    )
    parser.add_argument("--seed-entities", type=int, default=2000, help="entities of the seed ecosystem (default 2000)")
    parser.add_argument("--seed-relationships", type=int, default=10000, help="its relationships (default 10000)")
    parser.add_argument(
        "--analysis-in-threads",
        action="store_true",
        help="run the service's analyses on its own threads (ATLAS_ANALYSIS_PROCESSES=false), for comparison",
    )
    parser.add_argument("--port", type=int, default=8093, help="port of the service on 127.0.0.1 (default 8093)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--neo4j-uri", help="use this Neo4j instead of the local benchmark one (it is emptied!)")
    parser.add_argument("--neo4j-password")
    args = parser.parse_args()
    if args.writers < 1 or args.readers < 1:
        parser.error("at least one writer and one reader")

    settings = bench_settings(args.neo4j_uri, args.neo4j_password)
    with bench_store(settings) as store:
        calibrate(store)
        seed = load_seed(store, args)
        writer_keys = [issue_key(store, WRITER_ORGANIZATION, Role.INTEGRATION) for _ in range(args.writers)]
        reader_keys = [issue_key(store, READER_ORGANIZATION, Role.READER) for _ in range(args.readers)]
        planner_keys = [issue_key(store, READER_ORGANIZATION, Role.READER) for _ in range(args.planners)]
        # Analysts: a churner reads the entity to find its claims (an integration key may retract but not read).
        churn_keys = [issue_key(store, CHURN_ORGANIZATION, Role.ANALYST) for _ in range(args.churners)]
        merge_keys = [
            (issue_key(store, CHURN_ORGANIZATION, Role.ANALYST), issue_key(store, CHURN_ORGANIZATION, Role.ANALYST))
            for _ in range(args.mergers)
        ]
        ledger = Ledger()
        service = {"ATLAS_RATE_LIMIT_PER_MINUTE": "10000000", "ATLAS_RATE_LIMIT_BURST": "1000000"}
        if args.analysis_in_threads:
            service["ATLAS_ANALYSIS_PROCESSES"] = "false"
        with api_server(settings, port=args.port, extra_env=service):
            alone = args.duration / 4
            progress(f"baseline: one writer alone for {alone:.0f} s, then one reader alone for {alone:.0f} s")
            baseline = Tally()
            run_phase(args, seed, ledger, baseline, writer_keys[:1], [], [], seconds=alone, tag="b")
            run_phase(args, seed, ledger, baseline, [], reader_keys[:1], [], seconds=alone, tag="b")
            progress(
                f"load: {args.writers} writers, {args.readers} readers, {args.planners} planners, "
                f"{args.churners} churners and {args.mergers} mergers for {args.duration:.0f} s"
            )
            loaded = Tally()
            run_phase(
                args,
                seed,
                ledger,
                loaded,
                writer_keys,
                reader_keys,
                planner_keys,
                seconds=args.duration,
                tag="l",
                churn_keys=churn_keys,
                merge_keys=merge_keys,
            )
        lost, duplicated = check_writes(store, ledger, seed)

    report(args, baseline, loaded, alone)
    server_errors = sum(
        count
        for tally in (baseline, loaded)
        for counts in tally.statuses.values()
        for status, count in counts.items()
        if status.startswith("5") or status == "transport"
    )
    other_errors = sum(
        count
        for tally in (baseline, loaded)
        for operation, counts in tally.statuses.items()
        for status, count in counts.items()
        if not status.startswith(("2", "5")) and status != "transport" and status not in EXPECTED.get(operation, ())
    )
    merges_won = loaded.statuses["merge"]["200"] if "merge" in loaded.statuses else 0
    print()
    print(
        f"writes: {ledger.bundles:,} bundles answered 200 ({ledger.retries:,} of them retries of the previous one), "
        f"{len(ledger.entity_ids):,} entities, {len(ledger.relationships):,} relationships"
    )
    print(f"lost (answered 200, not in the graph): {len(lost)}")
    print(f"duplicated (an entity, relationship or claim stored twice): {len(duplicated)}")
    print(f"5xx and transport errors: {server_errors}; other non-2xx: {other_errors}")
    if args.churners:
        print(
            f"churn: {loaded.count('retract'):,} retractions and {loaded.count('re-post'):,} re-posts beside "
            f"{loaded.count('churned read'):,} reads of those entities ({loaded.statuses['churned read']['404']:,} "
            f"answered 404 while absent)"
        )
    if args.mergers:
        print(
            f"merges: {merges_won:,} rounds of two merges at once won by one, "
            f"{loaded.statuses['merge']['409']:,} answered 409 and {loaded.statuses['merge']['404']:,} 404; "
            f"rounds where neither won: {loaded.lost_rounds}"
        )
    for sample in [*lost[:5], *duplicated[:5]]:
        print(f"  {sample}")
    for status, example in sorted({**baseline.examples, **loaded.examples}.items()):
        print(f"  first {status}: {example}")
    raced = (not args.churners or loaded.count("retract") > 0) and (not args.mergers or merges_won > 0)
    if not raced:
        print("  the churners or mergers did not complete a cycle: the races were not exercised")
    failed = bool(lost or duplicated or server_errors or other_errors or loaded.lost_rounds or not raced)
    print("result: " + ("FAILED" if failed else "no 5xx, nothing lost, nothing duplicated"))
    return 1 if failed else 0


def load_seed(store: GraphStore, args: argparse.Namespace) -> Seed:
    progress(f"seeding {args.seed_entities:,} entities and {args.seed_relationships:,} relationships ...")
    ecosystem = generate_ecosystem(entities=args.seed_entities, relationships=args.seed_relationships, seed=args.seed)
    caller = Caller(organization=SEED_ORGANIZATION, role=Role.INTEGRATION, key_id="load-seed")
    started = time.perf_counter()
    for bundle in ecosystem.batches(10_000):
        ingest_bundle(store, caller=caller, bundle=BundleIn.model_validate(bundle), max_items=10_000)
    progress(f"seeded in {time.perf_counter() - started:.1f} s")

    visible = [e for e in ecosystem.entities if e.get("tlp", "GREEN") in COMMUNITY_TLPS]
    by_kind: dict[str, list[str]] = defaultdict(list)
    for entity in visible:
        by_kind[entity["kind"]].append(entity["id"])
    words = sorted({entity["name"].split()[0] for entity in visible})
    churned = [
        with_id({"kind": "actor", "name": f"Load Churn {churner}-{number}"})["id"]
        for churner in range(args.churners)
        for number in range(CHURNED_PER_CHURNER)
    ]
    return Seed(
        entity_ids=[e["id"] for e in visible],
        providers=by_kind["service_provider"],
        financiers=by_kind["financier"],
        search_words=words,
        actor_pairs=connected_actor_pairs(ecosystem.to_networkx(), set(by_kind["actor"]), seed=args.seed),
        churned=churned,
        stored_ids={e["id"]: node_id(EntityKind(e["kind"]), e["id"]) for e in visible},
    )


def connected_actor_pairs(graph: nx.MultiDiGraph, actors: set[str], *, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    undirected = nx.Graph(graph)
    sources = rng.sample(sorted(actors), min(200, len(actors)))
    pairs = []
    for source in sources:
        reachable = nx.single_source_shortest_path_length(undirected, source, cutoff=6)
        targets = sorted(actor for actor in reachable if actor in actors and actor != source)
        if targets:
            pairs.append((source, rng.choice(targets)))
    return pairs


def run_phase(
    args: argparse.Namespace,
    seed: Seed,
    ledger: Ledger,
    tally: Tally,
    writer_keys: list[str],
    reader_keys: list[str],
    planner_keys: list[str],
    *,
    seconds: float,
    tag: str,
    churn_keys: list[str] | None = None,
    merge_keys: list[tuple[str, str]] | None = None,
) -> None:
    deadline = time.monotonic() + seconds
    threads = (
        [
            threading.Thread(target=write_loop, args=(args, seed, ledger, tally, key, f"{tag}{number}", deadline))
            for number, key in enumerate(writer_keys)
        ]
        + [
            threading.Thread(target=read_loop, args=(args, seed, ledger, tally, key, number, deadline))
            for number, key in enumerate(reader_keys)
        ]
        + [threading.Thread(target=plan_loop, args=(args, tally, key, deadline)) for key in planner_keys]
        + [
            threading.Thread(target=churn_loop, args=(args, seed, tally, key, number, deadline))
            for number, key in enumerate(churn_keys or [])
        ]
        + [
            threading.Thread(target=merge_loop, args=(args, seed, tally, keys, f"{tag}{number}", deadline))
            for number, keys in enumerate(merge_keys or [])
        ]
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def write_loop(
    args: argparse.Namespace, seed: Seed, ledger: Ledger, tally: Tally, token: str, writer: str, deadline: float
) -> None:
    rng = random.Random(f"{args.seed}-{writer}")
    client = Client(args.port, token)
    previous: tuple[dict[str, Any], set[str], set[Triple]] | None = None
    number = 0
    while time.monotonic() < deadline:
        retry = previous is not None and rng.random() < RETRY_SHARE
        if retry and previous is not None:
            body, entity_ids, relationships = previous
        else:
            number += 1
            body, entity_ids, relationships = writer_bundle(seed, rng, f"{writer}-{number}", args.bundle_groups)
        status, answer, seconds = client.call("POST", "/v1/bundles", body)
        tally.record("write bundle", seconds, status, str(answer))
        if status == "200":
            ledger.accept(entity_ids, relationships, retry=retry)
            previous = (body, entity_ids, relationships)


def writer_bundle(
    seed: Seed, rng: random.Random, label: str, groups: int
) -> tuple[dict[str, Any], set[str], set[Triple]]:
    """Per group a new actor with its domain and victim, using a seed provider, laundered for by a seed financier."""
    entities: list[dict[str, Any]] = []
    relationships: list[dict[str, Any]] = []
    for group in range(groups):
        actor = with_id({"kind": "actor", "name": f"Load Crew {label}-{group}", "category": "group"})
        domain = with_id({"kind": "infrastructure", "name": f"load-{label}-{group}.example", "category": "domain"})
        victim = with_id({"kind": "victim", "name": f"Load Clinic {label}-{group}", "category": "organization"})
        entities += [actor, domain, victim]
        provider = {"id": rng.choice(seed.providers)}
        financier = {"id": rng.choice(seed.financiers)}
        confidence = rng.randint(40, 95)
        relationships += [
            {"type": "USES", "source": ref(actor), "target": provider, "confidence": confidence},
            {"type": "OPERATES", "source": ref(actor), "target": ref(domain), "confidence": confidence},
            {"type": "TARGETS", "source": ref(actor), "target": ref(victim), "confidence": confidence},
            {"type": "LAUNDERS_FOR", "source": financier, "target": ref(actor), "confidence": confidence},
        ]
    entity_ids = {entity_id(entity) for entity in entities}
    triples = {(entity_id(r["source"]), r["type"], entity_id(r["target"])) for r in relationships}
    return {"entities": entities, "relationships": relationships}, entity_ids, triples


def ref(entity: dict[str, Any]) -> dict[str, str]:
    return {"kind": entity["kind"], "name": entity["name"]}


# Node ids never derive from names, so each new entity carries its own id (one that says its kind), and a retried
# bundle lands on the same nodes.
LOAD_IDS = uuid.UUID("3e8a5c17-9d2b-4f60-a1c3-7b5e9d1f2a86")


def with_id(entity: dict[str, Any]) -> dict[str, Any]:
    return {**entity, "id": f"{entity['kind']}--{uuid.uuid5(LOAD_IDS, entity['kind'] + '|' + entity['name'])}"}


def entity_id(reference: dict[str, Any]) -> str:
    return str(reference["id"]) if "id" in reference else str(with_id(reference)["id"])


def read_loop(
    args: argparse.Namespace, seed: Seed, ledger: Ledger, tally: Tally, token: str, reader: int, deadline: float
) -> None:
    rng = random.Random(f"{args.seed}-reader-{reader}")
    client = Client(args.port, token)
    operations = [name for name, _ in READ_MIX]
    weights = [weight for _, weight in READ_MIX]
    readers: dict[str, Callable[[random.Random], tuple[str, str]]] = {
        "search": lambda r: ("GET", "/v1/entities?" + urlencode({"q": r.choice(seed.search_words), "limit": 20})),
        "entity": lambda r: ("GET", f"/v1/entities/{pick_entity(r, seed, ledger)}"),
        "neighborhood": lambda r: (
            "GET",
            f"/v1/entities/{pick_entity(r, seed, ledger)}/neighborhood?" + urlencode({"depth": 2, "limit": 100}),
        ),
        "paths": lambda r: ("GET", path_query(r.choice(seed.actor_pairs))),
        "churned read": lambda r: ("GET", churned_read(r, seed)),
    }
    if not seed.churned:
        weights[operations.index("churned read")] = 0
    while time.monotonic() < deadline:
        operation = rng.choices(operations, weights)[0]
        method, path = readers[operation](rng)
        status, answer, seconds = client.call(method, path)
        tally.record(operation, seconds, status, str(answer))


def plan_loop(args: argparse.Namespace, tally: Tally, token: str, deadline: float) -> None:
    """Rank, then ask what taking the top 3 down would change; again and again (a job is followed to its end)."""
    client = Client(args.port, token)
    while time.monotonic() < deadline:
        status, answer, seconds = client.analysis("GET", "/v1/analysis/chokepoints?" + urlencode({"top": 10}))
        tally.record("chokepoints", seconds, status, str(answer))
        if status != "200" or time.monotonic() >= deadline:
            continue
        ranking = answer.get("result", answer)["chokepoints"]
        body = {"remove": [point["id"] for point in ranking[:3]]}
        status, answer, seconds = client.analysis("POST", "/v1/analysis/disruption", body)
        tally.record("disruption", seconds, status, str(answer))


def churned_read(rng: random.Random, seed: Seed) -> str:
    """The entity, its neighborhood or a path through it, of an entity a churner keeps retracting and re-posting."""
    churned = rng.choice(seed.churned)
    return rng.choice(
        [
            f"/v1/entities/{churned}",
            f"/v1/entities/{churned}/neighborhood?" + urlencode({"depth": 1, "limit": 100}),
            "/v1/entities?" + urlencode({"q": "Load Churn", "limit": 20}),
        ]
    )


def churn_bundle(seed: Seed, churned: str, name: str, rng: random.Random) -> dict[str, Any]:
    return {
        "entities": [{"kind": "actor", "id": churned, "name": name, "category": "group"}],
        "relationships": [{"type": "USES", "source": {"id": churned}, "target": {"id": rng.choice(seed.providers)}}],
    }


def churn_loop(args: argparse.Namespace, seed: Seed, tally: Tally, token: str, churner: int, deadline: float) -> None:
    """Retract every claim this organization made on an entity (so that it vanishes), then post it again."""
    rng = random.Random(f"{args.seed}-churner-{churner}")
    client = Client(args.port, token)
    mine = seed.churned[churner * CHURNED_PER_CHURNER : (churner + 1) * CHURNED_PER_CHURNER]
    names = {churned: f"Load Churn {churner}-{number}" for number, churned in enumerate(mine)}
    for churned in mine:
        status, answer, seconds = client.call("POST", "/v1/bundles", churn_bundle(seed, churned, names[churned], rng))
        tally.record("re-post", seconds, status, str(answer))
    while time.monotonic() < deadline:
        churned = rng.choice(mine)
        status, entity, _ = client.call("GET", f"/v1/entities/{churned}")
        if status != "200":
            status, answer, seconds = client.call(
                "POST", "/v1/bundles", churn_bundle(seed, churned, names[churned], rng)
            )
            tally.record("re-post", seconds, status, str(answer))
            continue
        # The relationships' claims go with their end (an entity without claims is absent, and so are its edges).
        for assertion in entity["assertions"]:
            status, answer, seconds = client.call("DELETE", f"/v1/assertions/{assertion['id']}")
            tally.record("retract", seconds, status, str(answer))
        status, answer, seconds = client.call("POST", "/v1/bundles", churn_bundle(seed, churned, names[churned], rng))
        tally.record("re-post", seconds, status, str(answer))


def merge_loop(
    args: argparse.Namespace, seed: Seed, tally: Tally, tokens: tuple[str, str], merger: str, deadline: float
) -> None:
    """Post two twins, then merge one into the other from two clients at once: exactly one merge must win."""
    rng = random.Random(f"{args.seed}-merger-{merger}")
    clients = [Client(args.port, token) for token in tokens]
    round_number = 0
    while time.monotonic() < deadline:
        round_number += 1
        twin = with_id({"kind": "actor", "name": f"Load Twin {merger}-{round_number}"})
        keep = with_id({"kind": "actor", "name": f"Load Keep {merger}-{round_number}"})
        bundle = {
            "entities": [twin, keep],
            "relationships": [
                {"type": "USES", "source": {"id": twin["id"]}, "target": {"id": rng.choice(seed.providers)}}
            ],
        }
        status, answer, seconds = clients[0].call("POST", "/v1/bundles", bundle)
        tally.record("re-post", seconds, status, str(answer))
        if status != "200":
            continue
        answers: list[str] = []

        def merge(
            client: Client, twin_id: str = twin["id"], keep_id: str = keep["id"], answers: list[str] = answers
        ) -> None:
            status, answer, seconds = client.call("POST", f"/v1/entities/{twin_id}/merge", {"into": keep_id})
            tally.record("merge", seconds, status, str(answer))
            answers.append(status)

        pair = [threading.Thread(target=merge, args=(client,)) for client in clients]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join()
        if "200" not in answers:
            with tally.lock:
                tally.lost_rounds += 1


def path_query(pair: tuple[str, str]) -> str:
    return "/v1/paths?" + urlencode({"from": pair[0], "to": pair[1], "max_hops": 6, "limit": 5})


def pick_entity(rng: random.Random, seed: Seed, ledger: Ledger) -> str:
    """Mostly the seed; a third of the time something a writer has just written (read-your-peers'-writes)."""
    with ledger.lock:
        written = ledger.readable[-500:]
    if written and rng.random() < 1 / 3:
        return rng.choice(written)
    return rng.choice(seed.entity_ids)


# uvicorn closes a keep-alive connection idle for 5 s; a request sent on it as it closes breaks its pipe.
IDLE_RECONNECT = 4.0


class Client:
    """One keep-alive HTTP connection on loopback; reconnects after a transport error or a long idle spell."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.last_used = time.monotonic()

    def call(self, method: str, path: str, body: Any = None) -> tuple[str, Any, float]:
        payload = json.dumps(body).encode() if body is not None else None
        if time.monotonic() - self.last_used > IDLE_RECONNECT:
            self.connection.close()  # http.client opens a new connection on the next request
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=payload, headers=self.headers)
            response = self.connection.getresponse()
            data = response.read()
            self.last_used = time.monotonic()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            return "transport", repr(error), time.perf_counter() - started
        seconds = time.perf_counter() - started
        try:
            answer = json.loads(data) if data else None
        except ValueError:
            answer = data[:300].decode(errors="replace")
        return str(response.status), answer, seconds

    def analysis(self, method: str, path: str, body: Any = None) -> tuple[str, Any, float]:
        """An analysis request, answered at once or followed as a job to its result: the time is the whole wait."""
        status, answer, seconds = self.call(method, path, body)
        if status != "202":
            return status, answer, seconds
        status, job, waited = self.follow_job(answer["location"])
        return status, job, seconds + waited

    def follow_job(self, location: str) -> tuple[str, Any, float]:
        started = time.perf_counter()
        while time.perf_counter() - started < JOB_TIMEOUT:
            time.sleep(0.25)
            status, answer, _ = self.call("GET", location)
            if status != "200":
                return status, answer, time.perf_counter() - started
            if answer["status"] == "succeeded":
                return "200", answer, time.perf_counter() - started
            if answer["status"] == "failed":
                return "job failed", answer, time.perf_counter() - started
        return "job timeout", location, time.perf_counter() - started


def check_writes(store: GraphStore, ledger: Ledger, seed: Seed) -> tuple[list[str], list[str]]:
    """What was answered 200 and is missing, and what is stored more than once, for the writers' organization.

    The writers name seed entities by the generator's ids (`syn-...`), which are not ids that say a kind: those
    entities are stored under derived ids (docs/model.md, Ids), and are found here by them.
    """
    entities = {row["id"]: row["claims"] for row in store.read(CLAIMED_ENTITIES, {"organization": WRITER_ORGANIZATION})}
    relationships = {
        (row["source"], row["type"], row["target"]): (row["relationships"], row["claims"])
        for row in store.read(CLAIMED_RELATIONSHIPS, {"organization": WRITER_ORGANIZATION})
    }
    lost = [f"entity {i}" for i in sorted(ledger.entity_ids - entities.keys())]
    stored = seed.stored_ids
    written = {
        (stored.get(source, source), kind, stored.get(target, target)) for source, kind, target in ledger.relationships
    }
    lost += [f"relationship {t}" for t in sorted(written - relationships.keys())]
    duplicated = [f"entity {i}: {claims} claims" for i, claims in entities.items() if claims != 1]
    duplicated += [
        f"relationship {triple}: {count} relationships, {claims} claims"
        for triple, (count, claims) in relationships.items()
        if (count, claims) != (1, 1)
    ]
    return lost, duplicated


def report(args: argparse.Namespace, baseline: Tally, loaded: Tally, alone: float) -> None:
    clients = args.writers + args.readers + args.planners + args.churners + 2 * args.mergers
    where = "threads of the API process" if args.analysis_in_threads else "worker processes"
    print()
    print(
        f"load test: {args.writers} writers + {args.readers} readers + {args.planners} planners + "
        f"{args.churners} churners + {args.mergers} merger pairs ({clients} clients) "
        f"for {args.duration:.0f} s on 127.0.0.1, analyses in {where}; "
        f"seed {args.seed_entities:,} entities / {args.seed_relationships:,} relationships; "
        f"bundles of {args.bundle_groups * 3} entities + {args.bundle_groups * 4} relationships"
    )
    header = (
        f"{'operation':<14}{'phase':<10}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for operation in ["write bundle", *(name for name, _ in READ_MIX), *PLANS, *CHURN]:
        for phase, tally, seconds in (("alone", baseline, alone), ("load", loaded, args.duration)):
            values = tally.latencies.get(operation, [])
            if not values:
                continue
            errors = sum(
                count
                for status, count in tally.statuses[operation].items()
                if not status.startswith("2") and status not in EXPECTED.get(operation, ())
            )
            print(
                f"{operation:<14}{phase:<10}{len(values):>9,}{errors:>8}{len(values) / seconds:>9.1f}"
                f"{percentile(values, 0.5) * 1000:>9.1f}{percentile(values, 0.95) * 1000:>9.1f}"
                f"{percentile(values, 0.99) * 1000:>9.1f}"
            )
    for kind, operations in (("writes", ["write bundle"]), ("reads", [name for name, _ in READ_MIX])):
        alone_count = sum(len(baseline.latencies.get(o, [])) for o in operations)
        load_count = sum(len(loaded.latencies.get(o, [])) for o in operations)
        load_values = [v for o in operations for v in loaded.latencies.get(o, [])]
        alone_values = [v for o in operations for v in baseline.latencies.get(o, [])]
        if alone_count and load_count:
            print(
                f"{kind}: {load_count / args.duration:,.1f}/s under load vs {alone_count / alone:,.1f}/s from one "
                f"client alone ({load_count / args.duration / (alone_count / alone):.2f}x); p95 "
                f"{percentile(load_values, 0.95) * 1000:.0f} ms vs {percentile(alone_values, 0.95) * 1000:.0f} ms"
            )
    relationships_per_bundle = args.bundle_groups * 4
    writes = len(loaded.latencies.get("write bundle", []))
    print(f"relationships written under load: {writes * relationships_per_bundle / args.duration:,.0f}/s")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
