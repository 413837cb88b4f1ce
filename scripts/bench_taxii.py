#!/usr/bin/env python3
"""TAXII benchmark: reading collection `atlas` page by page, and `import --taxii` from medallion, beside the plain
STIX export of the same graph in the same run.

It loads a generated ecosystem through the real API (as bench_ingest.py does), then, through the service running as
`atlas-graph serve` in a child process:
- the plain STIX export (`GET /v1/export/stix`, streamed): objects/s, the baseline;
- every page of `/taxii2/api/collections/atlas/objects/` (`--page-size` a page): the first page, which builds the
  caller's index of the collection, then the rest: pages/s and objects/s;
then starts medallion (the OASIS reference TAXII server, memory backend) loaded with the first `--pull-objects`
objects of that export, and times `atlas-graph import --taxii`'s pull into another organization: objects/s.

Calibration, measured in the same run on the same Neo4j, for reading the figures on a busy machine: every node and
relationship with its properties read through the driver, with nothing encoded (the floor of any export).

    .venv/bin/python scripts/bench_taxii.py                          # 20,000 entities, 100,000 relationships
    .venv/bin/python scripts/bench_taxii.py --entities 4000 --relationships 20000 --pull-objects 5000
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from atlas_graph.imports.runner import importing_caller
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.services import organizations
from atlas_graph.synthetic import generate_ecosystem
from atlas_graph.taxii.pull import TaxiiSource, pull
from bench_backup import driver_read
from bench_ingest import post_bundles
from benchlib import api_server, bench_settings, bench_store, calibrate, headline, issue_key

TAXII = "application/taxii+json;version=2.1"
REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--relationships", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=10_000, help="items per bundle when loading")
    parser.add_argument("--page-size", type=int, default=1000, help="objects per TAXII page (at most 1000)")
    parser.add_argument("--pull-objects", type=int, default=5_000, help="objects medallion serves to the pull")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8764)
    parser.add_argument("--medallion-port", type=int, default=8765)
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--password")
    args = parser.parse_args()

    ecosystem = generate_ecosystem(entities=args.entities, relationships=args.relationships, seed=args.seed)
    bundles = list(ecosystem.batches(args.batch_size))
    bodies = [json.dumps(bundle).encode() for bundle in bundles]
    settings = bench_settings(args.neo4j_uri, args.password)
    roomy = {"ATLAS_RATE_LIMIT_PER_MINUTE": "1000000", "ATLAS_RATE_LIMIT_BURST": "1000000"}
    with bench_store(settings) as store, tempfile.TemporaryDirectory(prefix="atlas-bench-taxii-") as folder:
        calibrate(store)  # the line every benchmark prints first (docs/performance.md)
        token = issue_key(store, "Bench Org")
        with api_server(settings, port=args.port, extra_env=roomy) as api:
            say("loading the ecosystem through the API")
            post_bundles(args.port, bundles, bodies, token, api.pid, None)
            read_seconds, read_items = driver_read(store)
            say("the plain STIX export")
            export_seconds, export = stix_export(args.port, token)
            say("every page of collection atlas")
            first_page, rest, pages, objects = taxii_pages(args.port, token, args.page_size)
        say(
            f"  export: {len(export['objects']):,} objects in {export_seconds:.1f} s; TAXII: {objects:,} objects in "
            f"{pages} pages, first page {first_page:.1f} s, the rest {rest:.1f} s"
        )
        say("medallion, and import --taxii from it")
        # Not the extension definition: medallion 3.0.0 takes its STIX property `version` ("1.0.0") for the object's
        # version and fails (500) on every page that holds it.
        feed = [obj for obj in export["objects"] if obj["type"] != "extension-definition"][: args.pull_objects]
        pulled, pull_seconds, pull_pages = taxii_pull(store, feed, Path(folder), args.medallion_port, args.page_size)

    export_objects = len(export["objects"])
    print()
    print(
        f"TAXII over a generated ecosystem ({args.entities:,} entities, {args.relationships:,} relationships posted, "
        f"seed {args.seed}); taken on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(
        f"  calibration: driver read of every node and relationship: {read_items:,} items in {read_seconds:.1f} s "
        f"({read_items / read_seconds:,.0f} items/s)"
    )
    print(
        f"  STIX export:        {export_seconds:7.1f} s  {export_objects:9,} objects  "
        f"{export_objects / export_seconds:9,.0f} objects/s   (baseline)"
    )
    total = first_page + rest
    ratio = (objects / total) / (export_objects / export_seconds)
    print(
        f"  TAXII atlas, all:   {total:7.1f} s  {objects:9,} objects  {objects / total:9,.0f} objects/s  "
        f"{pages / total:7.1f} pages/s  ({pages} pages of {args.page_size}; x{ratio:.2f} the export's rate)"
    )
    print(f"    first page:       {first_page:7.1f} s  (builds the caller's index of the collection)")
    if pages > 1:
        print(
            f"    later pages:      {rest:7.1f} s  {(objects - args.page_size) / rest:9,.0f} objects/s  "
            f"{(pages - 1) / rest:7.1f} pages/s"
        )
    print(
        f"  import --taxii:     {pull_seconds:7.1f} s  {pulled:9,} objects  {pulled / pull_seconds:9,.0f} objects/s  "
        f"{pull_pages / pull_seconds:7.2f} pages/s  (from medallion, memory backend, {pull_pages} pages)"
    )
    headline("TAXII atlas", f"{objects / total:,.0f} objects/s, {pages / total:.1f} pages/s (x{ratio:.2f} the export)")
    headline("import --taxii", f"{pulled / pull_seconds:,.0f} objects/s from medallion")
    return 0


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def stix_export(port: int, token: str) -> tuple[float, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    started = time.perf_counter()
    connection.request("GET", "/v1/export/stix", headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    assert response.status == 200, body[:500]
    return seconds, json.loads(body)


def taxii_pages(port: int, token: str, page_size: int) -> tuple[float, float, int, int]:
    """(seconds for the first page, seconds for the rest, pages, objects), each page read and parsed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    headers = {"Authorization": f"Bearer {token}", "Accept": TAXII}
    path = f"/taxii2/api/collections/atlas/objects/?limit={page_size}"
    pages = objects = 0
    first = 0.0
    started = time.perf_counter()
    while True:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        envelope = json.loads(response.read())
        assert response.status == 200, envelope
        pages += 1
        objects += len(envelope.get("objects", []))
        if pages == 1:
            first = time.perf_counter() - started
        if not envelope.get("more"):
            break
        path = f"/taxii2/api/collections/atlas/objects/?limit={page_size}&next={envelope['next']}"
    return first, time.perf_counter() - started - first, pages, objects


def taxii_pull(
    store: Any, objects: list[dict[str, Any]], folder: Path, port: int, page_size: int
) -> tuple[int, float, int]:
    """medallion serving `objects` (dates added a millisecond apart, in export order), pulled into a new org."""
    sys.path.insert(0, str(REPO))
    from tests.integration.taxii_peers import medallion_with

    added = datetime(2026, 1, 1, tzinfo=UTC)
    dated = [(obj, added + timedelta(milliseconds=index)) for index, obj in enumerate(objects)]
    with medallion_with(folder / "medallion", dated, page_size=page_size, port=port) as feed:
        organizations.ensure_organization(store, name="Bench Puller")
        caller = importing_caller(store, organization="Bench Puller")
        source = TaxiiSource(url=feed.url, collection=feed.collection_id, user=feed.user, password=feed.password)
        started = time.perf_counter()
        summary = pull(
            store,
            caller=caller,
            source=source,
            state_dir=folder / "state",
            default_tlp=Tlp.GREEN,
            default_confidence=50,
            max_items=10_000,
            page_size=page_size,
        )
        return summary.objects, time.perf_counter() - started, summary.pages


if __name__ == "__main__":
    sys.exit(main())
