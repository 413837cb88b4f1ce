#!/usr/bin/env python3
"""Identity on real pooled data (issue 13): the MISP galaxies of `pymispgalaxies` and an ATT&CK STIX bundle, loaded
in both orders, then what resolution made of them.

For each order it empties the benchmark Neo4j, imports the galaxies as one organization with `atlas-graph import`'s
runner (as the command does) and the ATT&CK bundle as another with `POST /v1/stix`'s service, and prints:
- the time of each load, beside the calibration line measured in the same run (the figures travel as ratios);
- entities per kind, merged entities and open candidates (the quality report, counted as the operator);
- the checks of issue 13's Done-when: no entity holds two ATT&CK groups, every ATT&CK group of the bundle is found
  by its name, each mitre-intrusion-set cluster meets its ATT&CK object by id, and the groups issue 13 found
  collapsed are apart, with candidates between them;
- a few entities and candidates as an analyst reads them.

    .venv/bin/python scripts/identity_real_load.py --attack ../shared/data/stix/attack-subset.json
    .venv/bin/python scripts/identity_real_load.py --attack tests/fixtures/attack_subset_small.stix.json \
        --order misp-first --galaxies threat-actor mitre-intrusion-set

It uses the benchmark Neo4j (ATLAS_BENCH_NEO4J_PORT / ATLAS_BENCH_NEO4J_DIR, as scripts/benchlib.py says), which it
empties first.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pymispgalaxies

from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.runner import import_files, importing_caller
from atlas_graph.models.vocabulary import EntityKind, Role, Tlp
from atlas_graph.services import candidates, entities, organizations, quality
from atlas_graph.services.caller import Caller
from atlas_graph.stix.importer import import_stix_bundle
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from benchlib import bench_settings, bench_store, calibrate, headline

GALAXIES = Path(pymispgalaxies.__file__).parent / "data" / "misp-galaxy" / "clusters"
DEFAULT_GALAXIES = (
    "threat-actor",
    "microsoft-activity-group",
    "mitre-intrusion-set",
    "mitre-malware",
    "mitre-tool",
    "tool",
    "ransomware",
)
MISP_ORG, ATTACK_ORG, READER_ORG = "MISP Community", "ATTACK Feed", "Reader Org"
# The groups issue 13 found collapsed into one entity, by ATT&CK id.
COLLAPSED = (("G0007", "G0016"), ("G0032", "G0082", "G0138"), ("G0046", "G0008"), ("G0025", "G0001"))
MAX_ITEMS = 10_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attack", type=Path, required=True, help="an ATT&CK STIX bundle")
    parser.add_argument("--galaxies", nargs="+", default=list(DEFAULT_GALAXIES), help="galaxy files, in load order")
    parser.add_argument("--order", choices=("both", "misp-first", "attack-first"), default="both")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--samples", type=int, default=4, help="candidates to print as an analyst reads them")
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--password")
    args = parser.parse_args()

    settings = bench_settings(args.neo4j_uri, args.password)
    bundle = json.loads(args.attack.read_text(encoding="utf-8"))
    paths = [GALAXIES / f"{name}.json" for name in args.galaxies]
    orders = ["misp-first", "attack-first"] if args.order == "both" else [args.order]
    with bench_store(settings) as store:
        calibration = calibrate(store)
        for order in orders:
            organizations_made(store)
            seconds = {}
            for step in ("misp", "attack") if order == "misp-first" else ("attack", "misp"):
                started = time.perf_counter()
                if step == "misp":
                    import_misp(store, paths, batch_size=args.batch_size)
                else:
                    import_attack(store, bundle)
                seconds[step] = time.perf_counter() - started
            print(f"\n== {order}: galaxies {', '.join(args.galaxies)}; ATT&CK bundle {args.attack.name}", flush=True)
            for step, took in seconds.items():
                print(f"  load {step}: {took:.1f} s ({calibration.python_ratio(took)})")
                headline(f"identity real load {order} {step}", f"{took:.1f} s ({calibration.python_ratio(took)})")
            report(store, bundle, samples=args.samples)
            delete_everything(store)
    return 0


def organizations_made(store: GraphStore) -> None:
    for name in (MISP_ORG, ATTACK_ORG, READER_ORG):
        organizations.ensure_organization(store, name=name)


def import_misp(store: GraphStore, paths: list[Path], *, batch_size: int) -> None:
    caller = importing_caller(store, organization=MISP_ORG)
    with tempfile.TemporaryDirectory() as state:
        summaries = import_files(
            store,
            caller=caller,
            paths=paths,
            file_format="auto",
            options=ImportOptions(),
            batch_size=batch_size,
            max_items=MAX_ITEMS,
            state_dir=Path(state),
        )
    for summary in summaries:
        print(
            f"  {Path(summary.input).name}: entities {summary.entities}, relationships {summary.relationships}, "
            f"issues {summary.issues}, {summary.seconds:.1f} s"
        )


def import_attack(store: GraphStore, bundle: dict[str, Any]) -> None:
    caller = Caller(organization=ATTACK_ORG, role=Role.INTEGRATION, key_id="script")
    answer = import_stix_bundle(
        store,
        caller=caller,
        bundle=bundle,
        default_tlp=Tlp.CLEAR,
        default_confidence=80,
        on_invalid="skip",
        max_items=MAX_ITEMS,
    )
    print(
        f"  ATT&CK: {answer.imported_entities} entities, {answer.imported_relationships} relationships mapped; "
        f"{len(answer.invalid)} invalid, {len(answer.unmapped)} unmapped, {len(answer.skipped)} skipped"
    )


def all_actors(store: GraphStore, reader: Caller) -> list[Any]:
    found, offset = [], 0
    while True:
        page = entities.find_entities(store, caller=reader, query=None, kind=EntityKind.ACTOR, offset=offset, limit=500)
        found += [entities.get_entity(store, caller=reader, entity_id=item.id) for item in page.items]
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return found


def attack_ids(entity: Any) -> set[str]:
    return {claim.external_ids["mitre-attack"] for claim in entity.assertions if "mitre-attack" in claim.external_ids}


def report(store: GraphStore, bundle: dict[str, Any], *, samples: int) -> None:
    reader = Caller(organization=READER_ORG, role=Role.READER, key_id="script")
    counts = quality.quality_report(store, organization=None)
    per_kind = ", ".join(f"{row.kind.value} {row.entities:,}" for row in counts.kinds if row.entities)
    print(f"  entities: {counts.entities:,} ({per_kind}); merged {counts.merged_entities}")
    print(f"  open candidates: {counts.open_candidates:,}; ambiguous names: {counts.ambiguous_names:,}")
    headline("identity real load entities", f"{counts.entities:,}")
    headline("identity real load open candidates", f"{counts.open_candidates:,}")

    actors = all_actors(store, reader)
    holders: dict[str, set[str]] = {}
    several = []
    for entity in actors:
        ids = attack_ids(entity)
        if len(ids) > 1:
            several.append((entity.name, sorted(ids)))
        for attack_id in ids:
            holders.setdefault(attack_id, set()).add(entity.id)
    print(f"  actors holding two or more ATT&CK groups: {len(several)} {several[:5]}")
    split = {attack_id: ids for attack_id, ids in holders.items() if len(ids) > 1}
    print(f"  ATT&CK groups spread over several entities: {len(split)} {sorted(split)[:10]}")

    groups = [obj for obj in bundle["objects"] if obj.get("type") == "intrusion-set" and not obj.get("revoked")]
    unfound = []
    for group in groups:
        page = entities.find_entities(
            store, caller=reader, query=group["name"], kind=EntityKind.ACTOR, offset=0, limit=50
        )
        own = entities.get_entity(store, caller=reader, entity_id=group["id"]).id
        if own not in {item.id for item in page.items}:
            unfound.append(group["name"])
    print(f"  ATT&CK groups of the bundle: {len(groups)}; not found by their name: {unfound}")

    twins = json.loads((GALAXIES / "mitre-intrusion-set.json").read_text(encoding="utf-8"))["values"]
    attack_entity = {
        ref["external_id"]: obj["id"]
        for obj in groups
        for ref in obj.get("external_references", [])
        if ref.get("source_name") == "mitre-attack"
    }
    met = missed = 0
    for cluster in twins:
        attack_id = cluster.get("meta", {}).get("external_id")
        if attack_id not in attack_entity:
            continue
        twin = entities.get_entity(store, caller=reader, entity_id=f"misp-galaxy-cluster--{cluster['uuid']}")
        stix = entities.get_entity(store, caller=reader, entity_id=attack_entity[attack_id])
        met, missed = (met + 1, missed) if twin.id == stix.id else (met, missed + 1)
    print(f"  mitre-intrusion-set clusters meeting their ATT&CK object by id: {met}; apart: {missed}")

    # MISP clusters citing several ATT&CK groups (threat-actor's FIN7 cites G0046 and Carbanak's G0008): read from
    # the galaxy as given, so that the check means the same on any version of the code.
    shared, citing = [], {}
    for cluster in json.loads((GALAXIES / "threat-actor.json").read_text(encoding="utf-8"))["values"]:
        refs = " ".join(cluster.get("meta", {}).get("refs", []))
        cited = set(re.findall(r"attack\.mitre\.org/groups/(G\d{4})", refs))
        if len(cited) > 1:
            entity = entities.get_entity(store, caller=reader, entity_id=f"misp-galaxy-cluster--{cluster['uuid']}")
            citing[entity.id] = cited
            if held := attack_ids(entity):
                shared.append(f"{cluster['value']} ({'/'.join(sorted(cited))}) with {'/'.join(sorted(held))}")
    print(f"  threat-actor clusters citing several ATT&CK groups: {len(citing)}; with a group: {len(shared)}")
    for line in shared[:8]:
        print(f"    {line}")

    for group in COLLAPSED:
        ids = {entity_id for attack_id in group for entity_id in holders.get(attack_id, ())}
        conflated = {entity_id for entity_id, cited in citing.items() if cited & set(group)} - ids
        pairs = set()
        for entity_id in ids | conflated:
            page = candidates.list_candidates(
                store, caller=reader, status="open", kind=None, entity_id=entity_id, offset=0, limit=200
            )
            among = [item for item in page.items if {item.a, item.b} <= ids | conflated]
            pairs |= {frozenset((item.a, item.b)) for item in among}
            if entity_id in conflated:
                for item in among:
                    print(f"    {item.a_name!r} ~ {item.b_name!r}: {[(r.type, r.value) for r in item.reasons][:3]}")
        print(
            f"  {'/'.join(group)}: {len(ids)} entities holding them, {len(conflated)} more of clusters citing several; "
            f"open candidates among these: {len(pairs)}"
        )

    reasons = Counter()
    page = candidates.list_candidates(
        store, caller=reader, status="open", kind=None, entity_id=None, offset=0, limit=500
    )
    for item in page.items:
        reasons.update(reason.type for reason in item.reasons)
    print(f"  reasons of the first {len(page.items)} candidates: {dict(reasons)}")
    for item in page.items[:samples]:
        print(f"    candidate {item.a_name!r} ~ {item.b_name!r}: {[(r.type, r.value) for r in item.reasons][:4]}")


if __name__ == "__main__":
    raise SystemExit(main())
