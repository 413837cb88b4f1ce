"""`atlas-graph quality`: the data quality report, as the operator sees the graph (every claim of every member).

The report goes to stdout, as text or, with `--json`, as the JSON of `GET /v1/resolution/report`. `cli.build_parser`
adds the command with `add_quality_parser(commands)`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from atlas_graph.config import Settings

if TYPE_CHECKING:
    from atlas_graph.cli.common import SubParsers
    from atlas_graph.models.quality import QualityReportOut


def add_quality_parser(subparsers: SubParsers) -> None:
    """Add `quality` to the `atlas-graph` command's subcommands."""
    quality = subparsers.add_parser(
        "quality",
        help="data quality report: is the graph fit to rank? (acts as the operator: counts every member's claims)",
        description="Count entities per kind, merged and isolated entities, open same-as candidates, names that "
        "several entities carry and victims named alike, and say per layer whether the graph is fit to rank. Like "
        "every atlas-graph command, it acts as the operator and counts every claim of every member, whatever its "
        "TLP; a member's own view is GET /v1/resolution/report.",
    )
    quality.add_argument("--json", action="store_true", help="print the report as JSON")
    quality.set_defaults(handler=run_quality)


def run_quality(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.cli.common import cli_store
    from atlas_graph.services import quality

    with cli_store(settings) as store:
        report = quality.quality_report(store, organization=None)
    print(report.model_dump_json(indent=2) if args.json else "\n".join(report_lines(report)))
    return 0


def report_lines(report: QualityReportOut) -> list[str]:
    """The report as text: the verdict first, then the counts, the layers and the examples."""
    lines = [
        f"verdict: {report.verdict}",
        f"entities: {report.entities:,} ({report.merged_entities:,} merged, {report.isolated_entities:,} isolated)",
    ]
    lines += [
        f"  {row.kind.value}: {row.entities:,} ({row.merged:,} merged, {row.isolated:,} isolated)"
        for row in report.kinds
    ]
    lines.append(f"open candidates: {report.open_candidates:,}")
    lines.append(f"ambiguous names: {report.ambiguous_names:,}")
    lines += [
        f"  {shared.name!r} ({shared.kind.value}): {shared.entities} entities"
        for shared in report.ambiguous_name_examples
    ]
    lines.append(f"victims named alike: {report.victims_named_alike:,} groups")
    lines += [f"  {group.name!r}: {len(group.victim_ids)} victims" for group in report.alike_victim_groups]
    lines.append("layers:")
    lines += [f"  {layer.verdict}" for layer in report.layers]
    return lines
