"""JSON bundles: the POST /v1/bundles body, each array streamed item by item."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from pydantic import ValidationError

from atlas_graph.imports.batches import Batch, ImportIssue, Phase, ResumePoint, batched, item_id, why
from atlas_graph.imports.formats.reader import TwoPhaseReader
from atlas_graph.imports.jsonstream import JsonStream
from atlas_graph.imports.progress import ProgressMeter
from atlas_graph.models.bundles import EntityIn, RelationshipIn


class BundleReader(TwoPhaseReader):
    """Entities, then relationships, each array streamed item by item and validated like a POST /v1/bundles body."""

    def batches(
        self, phase: Phase, *, batch_size: int, skip: int, resume: ResumePoint | None, meter: ProgressMeter
    ) -> Iterator[Batch]:
        meter.start(phase, total=self.path.stat().st_size, unit="bytes")
        with self.path.open("rb") as handle:
            stream = JsonStream(handle, name=str(self.path), on_position=meter.advance)
            yield from batched(_bundle_items(stream, phase, skip), batch_size)


def _bundle_items(stream: JsonStream, phase: Phase, skip: int) -> Iterator[Batch]:
    model: type[EntityIn] | type[RelationshipIn] = EntityIn if phase == "entities" else RelationshipIn
    for key, value in stream.members(streamed=("entities", "relationships")):
        if key != phase:
            continue
        if not isinstance(value, Iterator):
            yield Batch(issues=[ImportIssue(key, "invalid", "expected a list")], items=0)
            continue
        for index, (item, _, _) in islice(enumerate(value), skip, None):
            where = f"{key}[{index}]"
            batch = Batch(items=1)
            try:
                parsed = model.model_validate(item)
            except ValidationError as error:
                batch.issues.append(ImportIssue(where, "invalid", why(error), item_id(item)))
            else:
                if isinstance(parsed, EntityIn):
                    batch.add_entity(parsed, where)
                else:
                    batch.add_relationship(parsed, where)
            yield batch
