"""Investigations: save, list, read, change, delete and export an organization's working set, under the sharing rule.

An investigation is its organization's own object: private by default, readable by the organizations its
`share_with` names, changed and deleted by its organization alone. To anyone else it does not exist: every answer
about it (404 included) is the one a never-created id gets. What it shows follows the reader's view of the graph:
only the entities the reader may see are listed (so are their positions and notes), and the results of the
analyses it holds, computed from what the owner may see, are the owner's alone.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from atlas_graph.errors import InvalidInput, NotFound, PermissionDenied, Problem
from atlas_graph.models.investigations import (
    AnalysisRun,
    InvestigationFilters,
    InvestigationIn,
    InvestigationListOut,
    InvestigationOut,
    InvestigationPatch,
    InvestigationSummaryOut,
    Position,
)
from atlas_graph.services import audit
from atlas_graph.services.caller import Caller
from atlas_graph.stix import exporter as stix_exporter
from atlas_graph.store import investigations as investigation_store
from atlas_graph.store.audit import AuditEntry
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.investigations import StoredInvestigation
from atlas_graph.store.organization_names import fold, registered_names

LIST_LIMIT = 500


def create_investigation(store: GraphStore, *, caller: Caller, body: InvestigationIn) -> InvestigationOut:
    """Saves a new investigation of the caller's organization (audited as investigation.create)."""
    now = datetime.now(UTC)
    investigation_id = f"investigation--{uuid.uuid4()}"
    started = audit.entry(caller, "investigation.create", investigation=investigation_id)

    def save() -> None:
        share_with = _registered_share_with(store, body.share_with, caller)
        stored = StoredInvestigation(
            id=investigation_id,
            organization=caller.organization,
            name=body.name,
            share_with=share_with,
            entity_ids=list(dict.fromkeys(body.entities)),
            visible_ids=[],
            body=_body_json(body.positions, body.filters, body.notes, body.analyses),
            created_at=now,
            updated_at=now,
        )
        investigation_store.create_investigation(
            store,
            investigation=stored,
            now=now,
            audit=_sharing(started, share_with),
        )

    audit.audited(store, started, save)
    return get_investigation(store, caller=caller, investigation_id=investigation_id)


def get_investigation(store: GraphStore, *, caller: Caller, investigation_id: str) -> InvestigationOut:
    """The investigation as the caller may see it; 404 when it is neither the caller's nor shared with it."""
    found = investigation_store.get_investigation(
        store, investigation_id=investigation_id, organization=caller.organization
    )
    if found is None:
        raise _not_found(investigation_id)
    return _out(found, caller)


def list_investigations(store: GraphStore, *, caller: Caller) -> InvestigationListOut:
    """The caller's organization's investigations and those shared with it, latest change first."""
    rows = investigation_store.list_investigations(store, organization=caller.organization, limit=LIST_LIMIT)
    return InvestigationListOut(
        items=[
            InvestigationSummaryOut(
                id=row.id,
                name=row.name,
                organization=row.organization,
                own=row.organization == caller.organization,
                share_with=row.share_with if row.organization == caller.organization else [],
                entity_count=row.entity_count,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]
    )


def update_investigation(
    store: GraphStore, *, caller: Caller, investigation_id: str, patch: InvestigationPatch
) -> InvestigationOut:
    """Changes the caller's organization's investigation: 403 for one only shared with it, 404 for one it cannot see.

    Audited as investigation.update, naming the fields changed and, when it is shared anew, with whom.
    """
    started = audit.entry(
        caller, "investigation.update", investigation=investigation_id, fields=sorted(patch.model_fields_set)
    )
    return audit.audited(store, started, lambda: _update(store, caller, investigation_id, patch, started))


def _update(
    store: GraphStore, caller: Caller, investigation_id: str, patch: InvestigationPatch, started: AuditEntry
) -> InvestigationOut:
    share_with = _registered_share_with(store, patch.share_with, caller) if patch.share_with is not None else None

    def change(found: StoredInvestigation) -> StoredInvestigation:
        if found.organization != caller.organization:
            raise PermissionDenied("only the organization that owns an investigation may change it")
        body = json.loads(found.body)
        positions = patch.positions if patch.positions is not None else _positions(body)
        filters = patch.filters if patch.filters is not None else InvestigationFilters.model_validate(body["filters"])
        notes = patch.notes if patch.notes is not None else dict(body["notes"])
        analyses = patch.analyses if patch.analyses is not None else _analyses(body)
        return replace(
            found,
            name=patch.name if patch.name is not None else found.name,
            share_with=share_with if share_with is not None else found.share_with,
            entity_ids=list(dict.fromkeys(patch.entities)) if patch.entities is not None else found.entity_ids,
            body=_body_json(positions, filters, notes, analyses),
        )

    changed = investigation_store.update_investigation(
        store,
        investigation_id=investigation_id,
        organization=caller.organization,
        change=change,
        now=datetime.now(UTC),
        audit=_sharing(started, share_with) if share_with is not None else started,
    )
    if changed is None:
        raise _not_found(investigation_id)
    return get_investigation(store, caller=caller, investigation_id=investigation_id)


def delete_investigation(store: GraphStore, *, caller: Caller, investigation_id: str) -> None:
    """Deletes the caller's organization's investigation: 403 for one only shared with it, 404 for one it cannot see.

    Audited as investigation.delete.
    """
    started = audit.entry(caller, "investigation.delete", investigation=investigation_id)
    audit.audited(store, started, lambda: _delete(store, caller, investigation_id, started))


def _delete(store: GraphStore, caller: Caller, investigation_id: str, started: AuditEntry) -> None:
    found = investigation_store.get_investigation(
        store, investigation_id=investigation_id, organization=caller.organization
    )
    if found is None:
        raise _not_found(investigation_id)
    if found.organization != caller.organization:
        raise PermissionDenied("only the organization that owns an investigation may delete it")
    if not investigation_store.delete_investigation(
        store, investigation_id=investigation_id, organization=caller.organization, audit=started
    ):
        raise _not_found(investigation_id)


def investigation_stix(store: GraphStore, *, caller: Caller, investigation_id: str) -> Iterator[bytes]:
    """The STIX 2.1 bundle of the investigation's entities the caller may see and the relationships among them."""
    investigation = get_investigation(store, caller=caller, investigation_id=investigation_id)
    return stix_exporter.stix_bundle(store, caller=caller, entity_ids=investigation.entities)


def _sharing(started: AuditEntry, share_with: list[str]) -> AuditEntry:
    # Whom the organization shares it with: its own decision, in its own trail (read by its admin and the operator).
    return replace(started, detail={**started.detail, "share_with": share_with})


def _not_found(investigation_id: str) -> NotFound:
    # The same words whether it never existed or belongs to an organization that did not share it.
    return NotFound(f"no investigation {investigation_id!r}")


def _registered_share_with(store: GraphStore, names: list[str], caller: Caller) -> list[str]:
    """The names as registered (a 422 naming each unknown entry), without the caller's own organization."""
    if not names:
        return []
    registered = registered_names(store, names)
    problems = [
        Problem(("body", "share_with", position), f"no organization is named {name!r}")
        for position, name in enumerate(names)
        if fold(name) not in registered
    ]
    if problems:
        raise InvalidInput(problems)
    spelled = dict.fromkeys(registered[fold(name)] for name in names)
    return [name for name in spelled if name != caller.organization]


def _body_json(
    positions: dict[str, Position], filters: InvestigationFilters, notes: dict[str, str], analyses: list[AnalysisRun]
) -> str:
    return json.dumps(
        {
            "positions": {entity_id: position.model_dump() for entity_id, position in positions.items()},
            "filters": filters.model_dump(mode="json"),
            "notes": notes,
            "analyses": [run.model_dump(mode="json") for run in analyses],
        }
    )


def _positions(body: dict[str, Any]) -> dict[str, Position]:
    return {entity_id: Position.model_validate(value) for entity_id, value in body["positions"].items()}


def _analyses(body: dict[str, Any]) -> list[AnalysisRun]:
    return [AnalysisRun.model_validate(run) for run in body["analyses"]]


def _out(found: StoredInvestigation, caller: Caller) -> InvestigationOut:
    own = found.organization == caller.organization
    body = json.loads(found.body)
    visible = set(found.visible_ids)
    analyses = _analyses(body)
    return InvestigationOut(
        id=found.id,
        name=found.name,
        organization=found.organization,
        own=own,
        share_with=found.share_with if own else [],
        entity_count=len(found.visible_ids),
        created_at=found.created_at,
        updated_at=found.updated_at,
        entities=found.visible_ids,
        positions={entity_id: position for entity_id, position in _positions(body).items() if entity_id in visible},
        filters=InvestigationFilters.model_validate(body["filters"]),
        notes={entity_id: note for entity_id, note in body["notes"].items() if entity_id in visible},
        analyses=analyses if own else [run.model_copy(update={"result": None}) for run in analyses],
    )
