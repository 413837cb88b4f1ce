"""`share_with` names registered organizations, in any case, and is stored in their registered spelling.

A name that belongs to no organization was taken as given: an organization registered later under it inherited
every RED claim shared with it, and "partner" never reached "Partner". Now each entry must name an organization
that exists, compared without regard to case, and is rewritten to that organization's own spelling, which is what
the sharing tokens are matched on (docs/sharing.md).
"""

from __future__ import annotations

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.assertions import AssertionFields
from atlas_graph.models.bundles import BundleIn
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.organization_names import fold, registered_names


def with_registered_share_with(store: GraphStore, bundle: BundleIn) -> BundleIn:
    """The bundle with every share_with entry spelled as registered; InvalidInput naming each unknown entry."""
    sections: tuple[tuple[str, list[AssertionFields]], ...] = (
        ("entities", list(bundle.entities)),
        ("relationships", list(bundle.relationships)),
    )
    named = {name for _, items in sections for item in items for name in item.share_with}
    if not named:
        return bundle
    registered = registered_names(store, named)
    problems = [
        Problem((section, index, "share_with", position), f"no organization is named {name!r}")
        for section, items in sections
        for index, item in enumerate(items)
        for position, name in enumerate(item.share_with)
        if fold(name) not in registered
    ]
    if problems:
        raise InvalidInput(problems)

    def spelled(item: AssertionFields) -> list[str]:
        return list(dict.fromkeys(registered[fold(name)] for name in item.share_with))

    return bundle.model_copy(
        update={
            "entities": [
                entity.model_copy(update={"share_with": spelled(entity)}) if entity.share_with else entity
                for entity in bundle.entities
            ],
            "relationships": [
                relationship.model_copy(update={"share_with": spelled(relationship)})
                if relationship.share_with
                else relationship
                for relationship in bundle.relationships
            ],
        }
    )
