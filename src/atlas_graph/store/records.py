"""The shapes of what store reads return about claims, entities and merges, as typed dictionaries.

A claim node's properties come back from Cypher's `claim {.*}` as a map: a property that was never set (an open
`last_seen`, no `description`) is absent, not None. The typed dictionaries say which keys every claim has and which
it may lack, so that a misspelt key fails the type check instead of a request. Dates and times are Python values:
the store converts the driver's own types (store/values.py) before a record leaves it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, NotRequired, TypedDict, cast

from atlas_graph.store.values import native_date, native_datetime


class ClaimStamp(TypedDict):
    """Who made a claim and when: what an entity's history reads of each claim."""

    id: str
    organization: str
    recorded_at: datetime
    updated_at: datetime


class EntityClaimStamp(ClaimStamp):
    tlp: str


class RelationshipClaimStamp(ClaimStamp):
    type: str
    source: str
    target: str


class Claim(ClaimStamp):
    """The properties every claim node has, and those it may lack (never set, or removed by a later write)."""

    key: str
    confidence: int
    tlp: str
    first_seen: date | None
    last_seen: date | None
    share_with: NotRequired[list[str]]
    references: NotRequired[list[str]]
    description: NotRequired[str]


class EntityNaming(TypedDict):
    """What decides how an entity is shown: the naming fields of one claim (None or absent when not given).

    An EntityClaim has these keys with these types, so it is an EntityNaming too. `attributes` is JSON text.
    """

    name: str
    tlp: str
    aliases: NotRequired[list[str] | None]
    category: NotRequired[str | None]
    attributes: NotRequired[str | None]
    xid_keys: NotRequired[list[str] | None]


class EntityClaim(Claim):
    """A claim about an entity (an EntityAssertion node)."""

    entity_id: str
    name: str
    names: list[str]
    aliases: NotRequired[list[str] | None]
    category: NotRequired[str | None]
    attributes: NotRequired[str | None]
    external_ids: NotRequired[str | None]
    conflated_ids: NotRequired[str | None]
    xid_keys: NotRequired[list[str] | None]
    anchor: NotRequired[str | None]
    countries: NotRequired[list[str] | None]
    disruption_cost: NotRequired[float | None]


class RelationshipClaim(Claim):
    """A claim about a relationship (a RelationshipAssertion node)."""

    rel_key: str
    type: str
    source: str
    target: str
    amount: NotRequired[float]
    currency: NotRequired[str]
    attributes: NotRequired[str]
    """JSON text of the claim's attributes."""


class MergeStamp(TypedDict):
    """A merge into an entity, as its history shows it."""

    id: str
    source: str
    organization: str
    at: datetime
    moved_claims: int
    moved_relationships: int
    split_at: NotRequired[datetime | None]
    split_by: NotRequired[str | None]


class MergeInventoryRelationship(TypedDict):
    """A relationship of an entity about to be merged, and whether the merging organization may see it."""

    key: str
    type: str
    source: str
    target: str
    other: str
    visible: bool


def _native(raw: Mapping[str, Any], *, datetimes: tuple[str, ...], dates: tuple[str, ...] = ()) -> dict[str, Any]:
    record = dict(raw)
    for name in datetimes:
        record[name] = native_datetime(record[name])
    for name in dates:
        record[name] = native_date(record.get(name))
    return record


def present(raws: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The claims of `raws` whose nodes were still there when the query projected them.

    Reads see each query's committed state, not a snapshot (read committed): a claim node that a committed
    retraction or merge deleted after the query matched it comes back with no properties, as an empty map or with
    every projected key null. It went meanwhile, as it would have for a read a moment later, so it is left out.
    """
    return [raw for raw in raws if any(value is not None for value in raw.values())]


_CLAIM_TIMES = ("recorded_at", "updated_at")
_CLAIM_DATES = ("first_seen", "last_seen")

# The driver types a record's values as Any; these functions are where each shape is asserted.


def entity_claim(raw: Mapping[str, Any]) -> EntityClaim:
    return cast(EntityClaim, _native(raw, datetimes=_CLAIM_TIMES, dates=_CLAIM_DATES))


def relationship_claim(raw: Mapping[str, Any]) -> RelationshipClaim:
    return cast(RelationshipClaim, _native(raw, datetimes=_CLAIM_TIMES, dates=_CLAIM_DATES))


def entity_naming(raw: Mapping[str, Any]) -> EntityNaming:
    return cast(EntityNaming, dict(raw))


def entity_claim_stamp(raw: Mapping[str, Any]) -> EntityClaimStamp:
    return cast(EntityClaimStamp, _native(raw, datetimes=_CLAIM_TIMES))


def relationship_claim_stamp(raw: Mapping[str, Any]) -> RelationshipClaimStamp:
    return cast(RelationshipClaimStamp, _native(raw, datetimes=_CLAIM_TIMES))


def merge_stamp(raw: Mapping[str, Any]) -> MergeStamp:
    stamp = _native(raw, datetimes=("at",))
    if stamp.get("split_at") is not None:
        stamp["split_at"] = native_datetime(stamp["split_at"])
    return cast(MergeStamp, stamp)
