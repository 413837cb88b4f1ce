"""Entities as the caller may see them, and the caller's own claims: read, search, list, retract."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from atlas_graph.errors import NotFound, PermissionDenied
from atlas_graph.models.bundles import DISRUPTION_COST
from atlas_graph.models.entities import EntityAssertionOut, EntityOut, EntityPageOut, EntitySummaryOut
from atlas_graph.models.vocabulary import COMMUNITY_TLPS, NAMING_ID_SCHEMES, EntityKind, Tlp
from atlas_graph.services import audit
from atlas_graph.services.caller import Caller
from atlas_graph.services.resolution import xid_scheme
from atlas_graph.store import claims as claim_store
from atlas_graph.store import entities as entity_store
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.records import EntityClaim
from atlas_graph.store.values import native_date, native_datetime

_COMMUNITY = {tlp.value for tlp in COMMUNITY_TLPS}
# Characters with a meaning in Lucene's query syntax; user text is always escaped before it reaches the index.
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')
# Punctuation that separates words in a name for ranking ("KillDisk (Lazarus)" holds the word "lazarus").
SEPARATORS = list("-_.,;:!?()[]{}/\\|'\"&+*#@~<>=")
# Words the query parser reads as operators, unless written in lower case.
_LUCENE_OPERATORS = {"AND", "OR", "NOT", "TO"}


def get_entity(store: GraphStore, *, caller: Caller, entity_id: str) -> EntityOut:
    """One entity with the claims the caller may see; 404 when it does not exist for the caller."""
    stored = entity_store.get_entity(store, entity_id=entity_id, organization=caller.organization)
    if stored is None or not stored.claims:
        raise NotFound(f"no entity {entity_id!r}")
    name, aliases, category, attributes = describe(stored.claims)
    return EntityOut(
        id=stored.id,
        kind=EntityKind(stored.kind),
        name=name,
        aliases=aliases,
        category=category,
        countries=sorted({country for claim in stored.claims for country in claim.get("countries") or ()}),
        attributes=attributes,
        assertions=[_assertion_out(claim, caller) for claim in stored.claims],
        relationship_counts=stored.relationship_counts,
        merged_ids=stored.merged_ids,
    )


def find_entities(
    store: GraphStore, *, caller: Caller, query: str | None, kind: EntityKind | None, offset: int, limit: int
) -> EntityPageOut:
    """Search names and aliases when `query` is given (ranked), else list; `total` counts what the caller sees."""
    kind_value = kind.value if kind is not None else None
    lucene = lucene_query(query) if query is not None else None
    if query is not None and lucene is not None:
        page = entity_store.search_entities(
            store,
            lucene_query=lucene,
            phrase=" ".join(query.lower().split()),
            words=ranking_words(query),
            separators=SEPARATORS,
            kind=kind_value,
            skip=offset,
            limit=limit,
            organization=caller.organization,
        )
    else:
        page = entity_store.list_entities(
            store, kind=kind_value, skip=offset, limit=limit, organization=caller.organization
        )
    items = []
    for row in page.rows:
        name, aliases, category, _ = describe(row.claims)
        items.append(
            EntitySummaryOut(
                id=row.id,
                kind=EntityKind(row.kind),
                name=name,
                aliases=aliases,
                category=category,
                score=row.score,
                relationship_count=row.relationship_count,
            )
        )
    kinds = {EntityKind(kind): count for kind, count in page.kinds.items()}
    return EntityPageOut(total=page.total, offset=offset, limit=limit, items=items, kinds=kinds)


def retract_assertion(store: GraphStore, *, caller: Caller, assertion_id: str) -> int:
    """Delete one of the caller's own claims; returns the new graph version."""
    started = audit.entry(caller, "assertion.retract", assertion_id=assertion_id)

    def retract() -> int:
        found = claim_store.find_claim(store, claim_id=assertion_id, organization=caller.organization)
        # A claim the caller may not see answers like one that does not exist, so ids reveal nothing.
        if found is None or not found.visible:
            raise NotFound(f"no assertion {assertion_id!r}")
        if found.organization != caller.organization:
            raise PermissionDenied("an organization may retract only its own assertions")
        version = claim_store.retract_claim(
            store, claim_id=assertion_id, organization=caller.organization, audit=started
        )
        if version is None:
            raise NotFound(f"no assertion {assertion_id!r}")
        return version

    return audit.audited(store, started, retract)


def lucene_query(text: str) -> str | None:
    """Every word must match, as a word or a word prefix; None when there is nothing to search for.

    Words keep their case: the index's analyzer folds query terms, prefixes included, exactly as it folded the names,
    which Python's casefold does not ("Straße" is indexed as "straße", never "strasse"). A word without a letter or
    digit ("-" in "Wizard - Spider") is no token of the index, so it gets no prefix query, which could match nothing
    and would hide every hit; alone, the analyzer drops it (or keeps it, as an emoji).
    """
    clauses = []
    for word in text.split():
        term = _LUCENE_SPECIAL.sub(r"\\\1", word.lower() if word in _LUCENE_OPERATORS else word)
        clauses.append(f"({term} OR {term}*)" if any(char.isalnum() for char in word) else f"({term})")
    return " AND ".join(clauses) or None


def ranking_words(text: str) -> str:
    """The query's words as the search ranks them: lower case, punctuation read as a space, single-spaced."""
    lowered = text.lower()
    for separator in SEPARATORS:
        lowered = lowered.replace(separator, " ")
    return " ".join(lowered.split())


def display_name(claims: Sequence[Mapping[str, Any]]) -> str:
    """The name most of `claims` (oldest first) give; a tie goes to the oldest claim carrying an ATT&CK id (a scheme
    of NAMING_ID_SCHEMES), else to the oldest claim.

    A count, not the first claim: one early import of a naming galaxy (Microsoft's "Sangria Tempest" for FIN7)
    must not rename an entity every other source calls otherwise. The tie-break: MISP's threat-actor "FIN7" cluster,
    which conflates FIN7 and Carbanak, joins the "Carbanak - G0008" entity by an alias; oldest, it named the entity
    "FIN7" beside the real FIN7, where the claim holding ATT&CK's id says what the object is called.
    """
    counts = Counter(str(claim["name"]) for claim in claims)
    most = max(counts.values())
    tied = [claim for claim in claims if counts[str(claim["name"])] == most]
    return str(next((claim for claim in tied if names_its_object(claim)), tied[0])["name"])


def names_its_object(claim: Mapping[str, Any]) -> bool:
    """Whether the claim carries an id of a scheme that names one object for every source (an ATT&CK id)."""
    return any(xid_scheme(key) in NAMING_ID_SCHEMES for key in claim.get("xid_keys") or [])


def describe(claims: Sequence[Mapping[str, Any]]) -> tuple[str, list[str], str | None, dict[str, Any]]:
    """What to show of an entity, from the claims the caller may see (oldest first): EntityNaming fields at least.

    The name is the one most of them give (a tie goes to the oldest); aliases are every other name; the category
    and attributes are the latest given, community-visible claims first, but for `disruption_cost`: the largest
    given, which is what a plan acts on.
    """
    community = [claim for claim in claims if claim.get("tlp") in _COMMUNITY]
    preferred = community or list(claims)
    name = display_name(claims)
    aliases = list(
        dict.fromkeys(
            alias for claim in claims for alias in (claim["name"], *(claim.get("aliases") or [])) if alias != name
        )
    )
    category = next((c["category"] for c in reversed(preferred) if c.get("category")), None)
    if category is None:
        category = next((c["category"] for c in reversed(claims) if c.get("category")), None)
    attributes: dict[str, Any] = {}
    costs = []
    for claim in [*[c for c in claims if c not in community], *community]:
        if claim.get("attributes"):
            given = json.loads(claim["attributes"])
            attributes.update(given)
            if DISRUPTION_COST in given:
                costs.append(given[DISRUPTION_COST])
    if costs:
        # Plans act on the largest cost a visible claim gives (docs/planning.md): show that one, not the latest.
        attributes[DISRUPTION_COST] = max(costs)
    return name, aliases, category, attributes


def assertion_fields(claim: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
    """The fields of every assertion answer (AssertionOut), as `caller` may see them.

    `share_with` is shown to the organization that made the claim only: to anyone else it would name who else was
    trusted with it.
    """
    own = claim["organization"] == caller.organization
    return {
        "id": claim["id"],
        "organization": claim["organization"],
        "confidence": claim["confidence"],
        "tlp": Tlp(claim["tlp"]),
        "share_with": list(claim.get("share_with") or []) if own else [],
        "first_seen": native_date(claim.get("first_seen")),
        "last_seen": native_date(claim.get("last_seen")),
        "references": list(claim.get("references") or []),
        "description": claim.get("description"),
        "recorded_at": native_datetime(claim["recorded_at"]),
        "updated_at": native_datetime(claim["updated_at"]),
    }


def _assertion_out(claim: EntityClaim, caller: Caller) -> EntityAssertionOut:
    attributes = claim.get("attributes")
    external_ids = claim.get("external_ids")
    conflated_ids = claim.get("conflated_ids")
    return EntityAssertionOut(
        **assertion_fields(claim, caller),
        name=claim["name"],
        aliases=list(claim.get("aliases") or []),
        external_ids=json.loads(external_ids) if external_ids else {},
        conflated_ids=json.loads(conflated_ids) if conflated_ids else {},
        category=claim.get("category"),
        countries=list(claim.get("countries") or []),
        attributes=json.loads(attributes) if attributes else {},
    )
