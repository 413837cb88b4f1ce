"""`atlas-graph import --taxii URL --collection ID`: pull a TAXII 2.1 collection, once or `--every 15m`.

The options are added to `import` by `add_taxii_arguments`; `run_import` hands over to `run_taxii_pull` when
`--taxii` is given. Progress goes to stderr, a summary per run to stdout; docs/taxii.md describes the pull.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import uuid
from typing import TYPE_CHECKING

from atlas_graph.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, cli_store, say
from atlas_graph.config import Settings
from atlas_graph.models.vocabulary import Tlp

if TYPE_CHECKING:
    from atlas_graph.taxii.pull import PullProgress, PullSummary

_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(text: str) -> float:
    found = _DURATION.match(text.strip().lower())
    if found is None or int(found.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30s, 15m, 2h or 1d")
    return int(found.group(1)) * _SECONDS[found.group(2)]


def add_taxii_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("TAXII 2.1 pull (instead of files)")
    group.add_argument("--taxii", metavar="URL", help="a TAXII 2.1 discovery or API root URL to pull from")
    group.add_argument("--collection", metavar="ID", help="the collection's id (or alias, or title)")
    group.add_argument("--user", help="HTTP Basic user name")
    group.add_argument("--password", help="HTTP Basic password (or set ATLAS_TAXII_PASSWORD)")
    group.add_argument("--token", help="a bearer token instead of --user/--password (or set ATLAS_TAXII_TOKEN)")
    group.add_argument(
        "--every", type=_duration, metavar="DURATION", help="keep pulling, e.g. every 15m, until stopped"
    )
    group.add_argument("--page-size", type=int, default=500, help="objects asked for per page (default 500)")


def run_taxii_pull(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.imports import runner
    from atlas_graph.taxii.pull import TaxiiPullError, TaxiiSource, pull

    if args.files:
        say("atlas-graph: error: give files or --taxii, not both")
        return EXIT_USAGE
    if not args.collection:
        say("atlas-graph: error: --taxii needs --collection ID")
        return EXIT_USAGE
    token = args.token or os.environ.get("ATLAS_TAXII_TOKEN")
    password = args.password or os.environ.get("ATLAS_TAXII_PASSWORD")
    if token and (args.user or password):
        say("atlas-graph: error: give --token or --user/--password, not both")
        return EXIT_USAGE
    source = TaxiiSource(url=args.taxii, collection=args.collection, user=args.user, password=password, token=token)
    show = not args.no_progress
    with cli_store(settings) as store:
        caller = runner.importing_caller(store, organization=args.org, request_id=f"taxii-{uuid.uuid4().hex[:12]}")
        try:
            while True:
                summary = pull(
                    store,
                    caller=caller,
                    source=source,
                    state_dir=args.checkpoint_dir,
                    default_tlp=Tlp(args.tlp),
                    default_confidence=args.confidence,
                    max_items=settings.max_bundle_items,
                    page_size=args.page_size,
                    restart=args.restart,
                    on_page=_progress if show else None,
                )
                print(describe_pull(summary), flush=True)
                if args.every is None:
                    return 0
                args.restart = False
                time.sleep(args.every)
        except TaxiiPullError as error:
            say(f"atlas-graph: error: {error}")
            return EXIT_ERROR
        except KeyboardInterrupt:
            say("interrupted; the pages imported so far are remembered: run the same command again to resume")
            return EXIT_INTERRUPTED


def _progress(progress: PullProgress) -> None:
    print(
        f"taxii: page {progress.page}, {progress.objects:,} object(s), cursor {progress.cursor or '-'}",
        file=sys.stderr,
        flush=True,
    )


def describe_pull(summary: PullSummary) -> str:
    """The summary of one pull, for stdout."""
    since = f"added after {summary.started_after}" if summary.started_after else "from the start"
    lines = [
        f"{summary.source} collection {summary.collection}: {summary.objects:,} object(s) {since} in "
        f"{summary.pages} page(s), imported as {summary.organization}, {summary.seconds:.1f} s",
        "  entities:       " + ", ".join(f"{summary.entities[s]:,} {s}" for s in ("created", "merged", "updated")),
        "  relationships:  " + ", ".join(f"{summary.relationships[s]:,} {s}" for s in ("created", "merged", "updated")),
    ]
    unmapped = sum(summary.unmapped.values())
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in summary.unmapped.most_common())
    lines.append(f"  unmapped:       {unmapped:,}" + (f" ({kinds})" if kinds else ""))
    lines.append(f"  invalid:        {summary.invalid:,}; skipped {summary.skipped:,}; retracted {summary.retracted:,}")
    lines.append(f"  cursor:         {summary.cursor or '-'} (in {summary.state_file})")
    return "\n".join(lines)
