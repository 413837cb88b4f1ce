"""How MISP's sharing words (distribution levels, `tlp:` tags) and atlas-graph's TLP levels translate.

The tables are those of docs/misp.md; both directions live here so that they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from atlas_graph.models.vocabulary import Tlp

TLP_STRICTNESS: tuple[Tlp, ...] = tuple(Tlp)
"""TLP levels from the most permissive to the strictest."""

TLP_FROM_TAG: dict[str, Tlp] = {
    "tlp:clear": Tlp.CLEAR,
    "tlp:white": Tlp.CLEAR,
    "tlp:green": Tlp.GREEN,
    "tlp:amber": Tlp.AMBER,
    "tlp:amber+strict": Tlp.AMBER_STRICT,
    "tlp:red": Tlp.RED,
}
"""MISP's `tlp` taxonomy tags (TLP 1.0 and 2.0 spellings), lower-cased."""

TAG_FROM_TLP: dict[Tlp, str] = {
    Tlp.CLEAR: "tlp:clear",
    Tlp.GREEN: "tlp:green",
    Tlp.AMBER: "tlp:amber",
    Tlp.AMBER_STRICT: "tlp:amber+strict",
    Tlp.RED: "tlp:red",
}

TLP_FROM_DISTRIBUTION: dict[int, Tlp] = {
    0: Tlp.AMBER_STRICT,  # "Your organisation only": TLP 2.0's AMBER+STRICT is "the organization only".
    1: Tlp.AMBER,  # "This community only": the members of atlas-graph are its community.
    2: Tlp.GREEN,  # "Connected communities"
    3: Tlp.CLEAR,  # "All communities"
    4: Tlp.AMBER_STRICT,  # "Sharing group": a MISP group names no atlas-graph member, so only the maker sees it.
}
"""An event's distribution level, for an event without a `tlp:` tag."""


def strictest(levels: Iterable[Tlp]) -> Tlp:
    """The strictest of some TLP levels (how something holding all of them must be handled)."""
    return max(levels, key=TLP_STRICTNESS.index)


def most_permissive(levels: Iterable[Tlp]) -> Tlp:
    return min(levels, key=TLP_STRICTNESS.index)


def event_tlp(event: Mapping[str, Any]) -> Tlp | None:
    """The TLP of a MISP event (the inside of `{"Event": ...}`): its `tlp:` tags (the strictest, if several), else
    its distribution level; None when it says neither (a feed's events carry no distribution)."""
    tags = event.get("Tag")
    levels = [
        TLP_FROM_TAG[name.strip().lower()]
        for tag in (tags if isinstance(tags, list) else [])
        if isinstance(tag, Mapping) and isinstance(name := tag.get("name"), str)
        if name.strip().lower() in TLP_FROM_TAG
    ]
    if levels:
        return strictest(levels)
    try:
        distribution = int(event.get("distribution"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return TLP_FROM_DISTRIBUTION.get(distribution)
