"""`POST /v1/stix` (and the demo's ATT&CK layer): a STIX bundle mapped by `stix.reading`, stored in one transaction.

The policy `on_invalid` decides what an invalid object does to the bundle: `skip` imports the rest; `reject`
refuses the whole bundle, writing nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.stix import StixImportOut
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.services.caller import Caller
from atlas_graph.services.ingestion import ingest_bundle
from atlas_graph.stix.reading import MappedBundle, map_stix_bundle
from atlas_graph.store.graph import GraphStore

InvalidPolicy = Literal["skip", "reject"]


def import_stix_bundle(
    store: GraphStore,
    *,
    caller: Caller,
    bundle: Mapping[str, Any],
    default_tlp: Tlp,
    default_confidence: int,
    on_invalid: InvalidPolicy,
    max_items: int,
) -> StixImportOut:
    """Validate, map and store a STIX bundle as the caller's claims, in one transaction."""
    mapped = map_stix_bundle(bundle, default_tlp=default_tlp, default_confidence=default_confidence)
    if mapped.invalid and on_invalid == "reject":
        raise InvalidInput(
            [Problem(("objects", issue.index), f"{issue.id or '?'}: {issue.reason}") for issue in mapped.invalid]
        )
    try:
        result = ingest_bundle(
            store,
            caller=caller,
            bundle=BundleIn(entities=mapped.entities, relationships=mapped.relationships),
            max_items=max_items,
            action="stix.post",
        )
    except InvalidInput as error:
        # Locations from the bundle model point into our mapped lists; point them back at the STIX objects.
        raise InvalidInput([_locate(problem, mapped) for problem in error.problems]) from error
    return StixImportOut(
        result=result,
        objects=len(bundle.get("objects", [])),
        imported_entities=len(mapped.entities),
        imported_relationships=len(mapped.relationships),
        invalid=mapped.invalid,
        unmapped=mapped.unmapped,
        skipped=mapped.skipped,
    )


def _locate(problem: Problem, mapped: MappedBundle) -> Problem:
    where: dict[str, Callable[[int], int]] = {
        "entities": lambda i: mapped.entity_objects[i],
        "relationships": lambda i: mapped.relationship_objects[i],
    }
    if len(problem.location) >= 2 and problem.location[0] in where and isinstance(problem.location[1], int):
        index = where[str(problem.location[0])](problem.location[1])
        return Problem(("objects", index, *problem.location[2:]), problem.message)
    return problem
