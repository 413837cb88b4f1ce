"""`atlas-graph import FILE...`: bulk imports from files, as one organization, with progress, resumable.

Progress goes to stderr (a redrawn line on a terminal, a line every ten seconds otherwise); the summary of each file
goes to stdout; items that were not imported are listed, with the reason, in a report file the summary names.
`cli.commands.build_parser` adds the command with `add_import_parser(commands)`.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from atlas_graph.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, SubParsers, cli_store, say
from atlas_graph.cli.taxii_pull import add_taxii_arguments, run_taxii_pull
from atlas_graph.config import Settings
from atlas_graph.models.assertions import DEFAULT_CONFIDENCE, DEFAULT_TLP
from atlas_graph.models.export import CSV_FIELDS, DEFAULT_BATCH_SIZE, IMPORT_FORMATS
from atlas_graph.models.vocabulary import Tlp

if TYPE_CHECKING:
    from atlas_graph.imports.progress import ImportProgress
    from atlas_graph.imports.runner import ImportSummary

DEFAULT_CHECKPOINT_DIR = Path("var/imports")

_DESCRIPTION = f"""\
Import files as the claims of one organization (--org, which must exist), through the same validation, entity
resolution and sharing rule as POST /v1/bundles. Formats (--format auto tells them apart):
  bundle       {{"entities": [...], "relationships": [...]}}, the POST /v1/bundles body
  stix         a STIX 2.1 bundle (as POST /v1/stix maps it; atlas-graph's own exports come back exactly)
  csv          an edge list with a header row (.tsv: tab-separated); fields:
               {", ".join(CSV_FIELDS)}
  misp-galaxy  a MISP galaxy cluster file (threat-actor, ransomware, tool, ...)
  misp-event   MISP events (the MISP core format), converted by misp-stix (docs/misp.md)
Large files are read as streams and written in batches (--batch-size items a transaction). Every file's
entities are imported before any file's relationships. Interrupted? Run the same command again: the batches done
are recorded in a checkpoint per file (--checkpoint-dir) and skipped. Details: docs/import-export.md."""


def add_import_parser(subparsers: SubParsers) -> argparse.ArgumentParser:
    """Add `import` to the `atlas-graph` command's subcommands."""
    parser = subparsers.add_parser(
        "import",
        help="import JSON bundles, STIX bundles, CSV edge lists or MISP galaxies from files, resumably",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE")
    parser.add_argument("--org", required=True, help="the organization whose claims these are (must exist)")
    parser.add_argument("--format", choices=("auto", *IMPORT_FORMATS), default="auto", help="default: auto")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"items per transaction (default {DEFAULT_BATCH_SIZE}; at most ATLAS_MAX_BUNDLE_ITEMS)",
    )
    parser.add_argument(
        "--tlp",
        type=str.upper,
        choices=[tlp.value for tlp in Tlp],
        default=DEFAULT_TLP.value,
        help=f"for items that give none (default {DEFAULT_TLP.value})",
    )
    parser.add_argument(
        "--confidence",
        type=_confidence,
        default=DEFAULT_CONFIDENCE,
        help=f"0..100, for items that give none (default {DEFAULT_CONFIDENCE})",
    )
    parser.add_argument(
        "--csv-mapping",
        metavar="MAPPING",
        help="CSV columns: FIELD=COLUMN to read a field from another column, FIELD==VALUE for a constant, "
        "comma-separated (e.g. 'source=from,target=to,source_kind==actor')",
    )
    parser.add_argument(
        "--checkpoint-dir",
        type=Path,
        default=DEFAULT_CHECKPOINT_DIR,
        help=f"where checkpoints and reports go (default {DEFAULT_CHECKPOINT_DIR})",
    )
    parser.add_argument("--restart", action="store_true", help="ignore any checkpoint and import from the start")
    parser.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    add_taxii_arguments(parser)
    parser.set_defaults(handler=run_import)
    return parser


def _confidence(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError("must be between 0 and 100")
    return value


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here, not above: every command builds its parser from this module, and the import machinery
    # (stix2, the driver) is not worth loading for `keys list`.
    from atlas_graph.imports import runner
    from atlas_graph.imports.options import CsvMapping, ImportOptions

    if args.taxii:
        return run_taxii_pull(args, settings)
    if not args.files:
        say("atlas-graph: error: give FILE... to import, or --taxii URL --collection ID")
        return EXIT_USAGE
    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        say(f"atlas-graph: error: no such file: {', '.join(missing)}")
        return EXIT_ERROR
    options = ImportOptions(
        default_tlp=Tlp(args.tlp),
        default_confidence=args.confidence,
        csv_mapping=CsvMapping.parse(args.csv_mapping),
    )
    progress = ProgressLine(sys.stderr, enabled=not args.no_progress)
    with cli_store(settings) as store:
        caller = runner.importing_caller(store, organization=args.org, request_id=f"import-{uuid.uuid4().hex[:12]}")
        try:
            runner.import_files(
                store,
                caller=caller,
                paths=args.files,
                file_format=args.format,
                options=options,
                batch_size=args.batch_size,
                max_items=settings.max_bundle_items,
                state_dir=args.checkpoint_dir,
                restart=args.restart,
                on_progress=progress,
                on_file=lambda summary: print(describe_summary(summary, organization=args.org), flush=True),
            )
        except KeyboardInterrupt:
            progress.close()
            say(
                f"interrupted; the batches written so far are recorded in {args.checkpoint_dir}: "
                "run the same command again to resume"
            )
            return EXIT_INTERRUPTED
        finally:
            progress.close()
    return 0


def describe_summary(summary: ImportSummary, *, organization: str) -> str:
    """The end-of-import summary of one file, for stdout."""
    name = Path(summary.input).name
    if summary.already_done:
        return (
            f"{name}: already imported ({summary.format}, as {organization}); nothing to do. "
            f"Checkpoint {summary.checkpoint}; --restart imports it again."
        )
    resumed = f", {summary.resumed_batches} of them before an interruption" if summary.resumed_batches else ""
    lines = [
        f"{name}: {summary.format}, imported as {organization} in {summary.batches} batch(es){resumed}, "
        f"{summary.seconds:.1f} s",
        "  entities:       " + _statuses(summary.entities),
        "  relationships:  " + _statuses(summary.relationships),
    ]
    problems = {status: n for status, n in summary.issues.items() if status not in ("warning", "retracted", "unloaded")}
    if problems:
        listed = ", ".join(f"{n:,} {status}" for status, n in problems.items())
        lines.append(f"  not imported:   {listed}; reasons in {summary.report}")
    else:
        lines.append("  not imported:   nothing")
    if summary.issues.get("unloaded"):
        lines.append(
            f"  not loaded:     {summary.issues['unloaded']:,} relation(s) to items of collections not imported "
            f"(import those galaxies too); in {summary.report}"
        )
    if summary.issues.get("retracted"):
        lines.append(f"  retracted:      {summary.issues['retracted']:,} revoked object(s); in {summary.report}")
    if summary.issues.get("warning"):
        lines.append(f"  warnings:       {summary.issues['warning']:,}; in {summary.report}")
    lines.append(f"  checkpoint:     {summary.checkpoint}")
    return "\n".join(lines)


def _statuses(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(status, 0):,} {status}" for status in ("created", "merged", "updated"))


class ProgressLine:
    """Renders ImportProgress on a stream: redrawn in place on a terminal, a line now and then otherwise."""

    def __init__(self, stream: TextIO, *, enabled: bool = True) -> None:
        self._stream = stream
        self._enabled = enabled
        self._tty = stream.isatty()
        self._interval = 0.2 if self._tty else 10.0
        self._last = 0.0
        self._key: tuple[str, str] = ("", "")
        self._open = False
        self._width = 0

    def __call__(self, progress: ImportProgress) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        key = (progress.input, progress.stage)
        new_stage = key != self._key
        if new_stage:
            self.close()
            self._key = key
            if not self._tty:
                self._last = now  # a log gets a line per stage when it ends, and one every ten seconds before
        due = now - self._last >= self._interval or (self._tty and new_stage)
        if not (due or progress.finished):
            return
        self._last = now
        line = render_progress(progress, now=now)
        if self._tty:
            self._stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
            self._open = True
            if progress.finished:
                self._end_line()
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._open:
            self._end_line()

    def _end_line(self) -> None:
        self._stream.write("\n")
        self._stream.flush()
        self._open = False
        self._width = 0


def render_progress(progress: ImportProgress, *, now: float) -> str:
    """`edges.csv [3/3 relationships] [#########-----------]  45.2%  1.2 MB/2.7 MB  3.1 MB/s  ETA 0:00:01 ...`"""
    total = max(progress.total, 0)
    fraction = min(progress.done / total, 1.0) if total else (1.0 if progress.finished else 0.0)
    filled = int(fraction * 20)
    elapsed = max(now - progress.started, 1e-6)
    rate = progress.done / elapsed
    amount = _amount(progress.done, progress.unit)
    if total:
        amount += "/" + _amount(total, progress.unit)
    if progress.finished:
        eta = f"done in {_clock(elapsed)}"
    elif rate > 0 and total:
        eta = f"ETA {_clock((total - progress.done) / rate)}"
    else:
        eta = "ETA --:--"
    speed = _amount(int(rate), progress.unit) + "/s"
    stage = f"[{progress.stage_number}/{progress.stages} {progress.stage}]"
    return (
        f"{progress.input} {stage} [{'#' * filled}{'-' * (20 - filled)}] {fraction * 100:5.1f}%  {amount}  "
        f"{speed}  {eta}  {progress.imported:,} item(s) written"
    )


def _amount(value: int, unit: str) -> str:
    if unit != "bytes":
        return f"{value:,}"
    size = float(value)
    for suffix in ("B", "KB", "MB", "GB"):
        if size < 1024 or suffix == "GB":
            return f"{size:.0f} {suffix}" if suffix == "B" else f"{size:.1f} {suffix}"
        size /= 1024
    return f"{size:.1f} TB"


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
