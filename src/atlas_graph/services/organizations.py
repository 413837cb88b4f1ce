"""Member organizations: every claim in atlas-graph belongs to one."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.assertions import ORGANIZATION_NAME_PATTERN
from atlas_graph.models.vocabulary import Permission
from atlas_graph.services import audit
from atlas_graph.services.caller import LOCAL_ADMINISTRATOR, Caller
from atlas_graph.store import organizations as organization_store
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.organizations import StoredOrganization, StoredProfile

# Names appear in share_with lists and in the sharing tokens the store matches on, so `|` and control characters
# must never be part of one (fullmatch: `$` alone would let a trailing newline through).
ORGANIZATION_NAME = re.compile(ORGANIZATION_NAME_PATTERN)


def validate_organization_name(name: str) -> str:
    if not ORGANIZATION_NAME.fullmatch(name):
        raise InvalidInput(
            [
                Problem(
                    ("name",),
                    "1-100 characters: letters, digits, space and . _ @ & ( ) ' -; starting alphanumeric",
                )
            ]
        )
    return name


def create_organization(store: GraphStore, *, name: str, actor: Caller = LOCAL_ADMINISTRATOR) -> StoredOrganization:
    """Register a member organization."""
    started = audit.entry(actor, "organization.create", name=name)
    return audit.audited(
        store,
        started,
        lambda: organization_store.create_organization(
            store, name=validate_organization_name(name), now=datetime.now(UTC), audit=started
        ),
    )


def ensure_organization(store: GraphStore, *, name: str, actor: Caller = LOCAL_ADMINISTRATOR) -> None:
    """Register `name` unless it is a member already (set-ups that may run twice: the demo, the benchmarks)."""
    if name not in {organization.name for organization in list_organizations(store)}:
        create_organization(store, name=name, actor=actor)


def list_organizations(store: GraphStore) -> list[StoredOrganization]:
    """Every member organization, by name."""
    return organization_store.list_organizations(store)


def update_profile(
    store: GraphStore,
    *,
    name: str,
    jurisdictions: list[str] | None = None,
    actions: list[str] | None = None,
    actor: Caller = LOCAL_ADMINISTRATOR,
) -> StoredProfile:
    """Set where a member may act and what it may do: the operator for any member, a member's admin for its own.

    A member's admin naming another organization is refused (403) without a look-up, as for keys.
    """
    actor.administered(name)
    started = audit.entry(actor, "organization.profile", name=name)
    return audit.audited(
        store,
        started,
        lambda: organization_store.update_profile(
            store,
            name=name,
            jurisdictions=sorted(set(jurisdictions)) if jurisdictions is not None else None,
            actions=sorted(set(actions)) if actions is not None else None,
            now=datetime.now(UTC),
            audit=started,
        ),
    )


def list_profiles(store: GraphStore, *, caller: Caller = LOCAL_ADMINISTRATOR) -> list[StoredProfile]:
    """Every organization's profile that has one: who can act where, which every member may read.

    Readers and up read them (integration keys only write), and the operator, who sets them.
    """
    if not caller.can(Permission.OPERATE):
        caller.require(Permission.READ)
    return organization_store.list_profiles(store)
