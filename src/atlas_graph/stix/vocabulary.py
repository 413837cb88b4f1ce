"""The STIX vocabulary of atlas-graph: fixed ids, TLP markings and names, and how the model's types map to STIX.

Reading (`stix.reading`) and writing (`stix.writing`) both take their tables from here, so that a marking id or a
type mapping is written once.
"""

from __future__ import annotations

from atlas_graph.models.vocabulary import (
    ActorCategory,
    EntityKind,
    InfrastructureKind,
    RelationshipType,
    ServiceKind,
    Tlp,
    VictimKind,
)

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"

ATLAS_EXTENSION_ID = "extension-definition--8f3f0b9e-5d6c-4d8e-9a53-3c2f1e7b6a41"
"""The atlas-graph property extension (schema: docs/atlas-stix-extension.schema.json)."""
ATLAS_EXTENSION_VERSION = "1.0.0"
ATLAS_IDENTITY_ID = "identity--2b7a1c54-9e0d-4f3a-8c6b-5d4e3f2a1b0c"
"""atlas-graph itself, the creator of the extension definition."""

# --- TLP ---------------------------------------------------------------------------------------------------------

TLP_2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
"""The OASIS TLP 2.0 extension, which defines the TLP 2.0 marking definitions."""

TLP_2_MARKINGS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
"""The OASIS TLP 2.0 marking definitions, by their fixed ids: what exports write."""

TLP_1_MARKINGS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",  # TLP:WHITE
    Tlp.GREEN: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    Tlp.AMBER: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    Tlp.RED: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
"""The TLP 1.0 marking definitions of the STIX 2.1 specification (section 7.2.1.4), which older producers use."""

TLP_MARKING_IDS: dict[str, Tlp] = {
    marking: tlp for markings in (TLP_1_MARKINGS, TLP_2_MARKINGS) for tlp, marking in markings.items()
}
"""Every fixed TLP marking id, 1.0 or 2.0, and its level: what imports read without the definition in the bundle."""

TLP_STRICTNESS: tuple[Tlp, ...] = tuple(Tlp)
"""TLP levels from the least to the most restrictive: a country is never written or stored more openly than marked."""

TLP_NAMES: dict[str, Tlp] = {"white": Tlp.CLEAR, **{tlp.value.lower(): tlp for tlp in Tlp}}
"""TLP levels by their name in either version, lower-cased and without `TLP:` (TLP 1.0's WHITE is TLP 2.0's CLEAR)."""

# --- Entities: kinds and SDO types -------------------------------------------------------------------------------

ENTITY_KINDS: dict[str, EntityKind] = {
    "threat-actor": EntityKind.ACTOR,
    "intrusion-set": EntityKind.ACTOR,
    "campaign": EntityKind.ACTOR,
    "malware": EntityKind.SERVICE_PROVIDER,
    "tool": EntityKind.SERVICE_PROVIDER,
    "infrastructure": EntityKind.INFRASTRUCTURE,
    "ipv4-addr": EntityKind.INFRASTRUCTURE,
    "ipv6-addr": EntityKind.INFRASTRUCTURE,
    "domain-name": EntityKind.INFRASTRUCTURE,
    "url": EntityKind.INFRASTRUCTURE,
    "identity": EntityKind.VICTIM,
}
"""The STIX types an import maps, and the kind each becomes (an identity only where something targets it)."""

INFRASTRUCTURE_TYPES: dict[str, InfrastructureKind] = {
    "hosting-malware": InfrastructureKind.HOSTING,
    "hosting-target-lists": InfrastructureKind.HOSTING,
    "command-and-control": InfrastructureKind.SERVER,
    "botnet": InfrastructureKind.SERVER,
    "exfiltration": InfrastructureKind.SERVER,
    "staging": InfrastructureKind.SERVER,
    "phishing": InfrastructureKind.DOMAIN,
    "anonymization": InfrastructureKind.SERVER,
}
"""STIX infrastructure_types, read as infrastructure categories."""

OBSERVABLE_KINDS: dict[str, InfrastructureKind] = {
    "ipv4-addr": InfrastructureKind.IP_ADDRESS,
    "ipv6-addr": InfrastructureKind.IP_ADDRESS,
    "domain-name": InfrastructureKind.DOMAIN,
    "url": InfrastructureKind.URL,
}
"""STIX cyber-observable types, read as infrastructure categories."""

IDENTITY_CLASSES: dict[str, VictimKind] = {
    "individual": VictimKind.INDIVIDUAL,
    "organization": VictimKind.ORGANIZATION,
    "class": VictimKind.SECTOR,
    "group": VictimKind.ORGANIZATION,
    "system": VictimKind.ORGANIZATION,
}
"""A targeted identity's identity_class, read as a victim category."""

VICTIM_IDENTITY_CLASSES: dict[str, str] = {
    "organization": "organization",
    "sector": "class",
    "individual": "individual",
}
"""A victim's category, written as an identity_class."""

MALWARE_TYPES: dict[str, str | None] = {
    ServiceKind.MALWARE.value: None,
    ServiceKind.MALWARE_AS_A_SERVICE.value: None,
    ServiceKind.RANSOMWARE_AS_A_SERVICE.value: "ransomware",
    ServiceKind.BOTNET.value: "bot",
}
"""Service categories written as malware SDOs, and the malware_type each carries (if any)."""

TOOL_CATEGORIES: frozenset[str] = frozenset(
    {ServiceKind.TOOL.value, ServiceKind.PHISHING_KIT.value, ServiceKind.CRYPTING.value}
)
"""Service categories written as tool SDOs; other providers are identities."""


def stix_type_for(kind: EntityKind, category: str | None) -> str:
    """The STIX object type an entity is written as (docs/import-export.md, "Entities")."""
    if kind is EntityKind.ACTOR:
        if category == ActorCategory.CAMPAIGN.value:
            return "campaign"
        return "threat-actor" if category == ActorCategory.INDIVIDUAL.value else "intrusion-set"
    if kind is EntityKind.SERVICE_PROVIDER:
        if category in MALWARE_TYPES:
            return "malware"
        return "tool" if category in TOOL_CATEGORIES else "identity"
    if kind is EntityKind.INFRASTRUCTURE:
        return "infrastructure"
    return "identity"  # financiers, victims


# --- Relationships -----------------------------------------------------------------------------------------------

RELATIONSHIP_TYPES_FROM_STIX: dict[str, list[tuple[RelationshipType, bool]]] = {
    "uses": [(RelationshipType.USES, False)],
    "targets": [(RelationshipType.TARGETS, False)],
    "attributed-to": [(RelationshipType.AFFILIATED_WITH, False)],
    "authored-by": [(RelationshipType.OPERATES, True)],
    "delivers": [(RelationshipType.SUPPLIES, False)],
    "drops": [(RelationshipType.SUPPLIES, False)],
    "downloads": [(RelationshipType.SUPPLIES, False)],
    "hosts": [(RelationshipType.USES, True)],
    "controls": [(RelationshipType.OPERATES, False), (RelationshipType.USES, True)],
    "owns": [(RelationshipType.OPERATES, False)],
}
"""STIX relationship type -> the candidate types of the model (the first the ends' kinds allow), and whether source
and target swap."""

LOCATED_AT = "located-at"
"""The relationship from an entity to a `location` object: the entity's countries, both ways (not a graph edge)."""

STIX_RELATIONSHIP_TYPES: dict[RelationshipType, str] = {
    RelationshipType.USES: "uses",
    RelationshipType.TARGETS: "targets",
    RelationshipType.AFFILIATED_WITH: "attributed-to",
    RelationshipType.OPERATES: "controls",
    RelationshipType.SUPPLIES: "delivers",
    RelationshipType.LAUNDERS_FOR: "launders-for",
    RelationshipType.PAYS: "pays",
}
"""The model's relationship types as STIX relationship types: standard ones that RELATIONSHIP_TYPES_FROM_STIX maps
back to the same type where one fits, custom ones (allowed by STIX 2.1, with a validator warning) where none does."""
