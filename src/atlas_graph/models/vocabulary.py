"""The ecosystem's vocabulary: entity kinds, their categories, relationship types and the kind pairs each allows.

Every label and relationship type that reaches Cypher comes from these enums, never from user text.
"""

from __future__ import annotations

from enum import StrEnum


class EntityKind(StrEnum):
    ACTOR = "actor"
    SERVICE_PROVIDER = "service_provider"
    FINANCIER = "financier"
    INFRASTRUCTURE = "infrastructure"
    VICTIM = "victim"

    @property
    def label(self) -> str:
        """The Neo4j label beside `:Entity` for this kind."""
        return _LABELS[self]


_LABELS = {
    EntityKind.ACTOR: "Actor",
    EntityKind.SERVICE_PROVIDER: "ServiceProvider",
    EntityKind.FINANCIER: "Financier",
    EntityKind.INFRASTRUCTURE: "Infrastructure",
    EntityKind.VICTIM: "Victim",
}


class ActorCategory(StrEnum):
    GROUP = "group"
    INDIVIDUAL = "individual"
    CAMPAIGN = "campaign"


class ServiceKind(StrEnum):
    """What a crime-as-a-service provider sells."""

    BULLETPROOF_HOSTING = "bulletproof_hosting"
    MALWARE_AS_A_SERVICE = "malware_as_a_service"
    RANSOMWARE_AS_A_SERVICE = "ransomware_as_a_service"
    INITIAL_ACCESS_BROKERAGE = "initial_access_brokerage"
    PHISHING_KIT = "phishing_kit"
    BOTNET = "botnet"
    CRYPTING = "crypting"
    TRAFFIC_DISTRIBUTION = "traffic_distribution"
    FORUM = "forum"
    MARKETPLACE = "marketplace"
    SCAM_COMPOUND = "scam_compound"
    MULE_RECRUITMENT = "mule_recruitment"
    # STIX `malware` and `tool` objects: a capability somebody supplies, of a kind the source does not name.
    MALWARE = "malware"
    TOOL = "tool"
    OTHER = "other"


class FinancierKind(StrEnum):
    """The money-laundering channel a financier is."""

    EXCHANGE = "exchange"
    MIXER = "mixer"
    OTC_BROKER = "otc_broker"
    MULE_NETWORK = "mule_network"
    PAYMENT_PROCESSOR = "payment_processor"
    BANK = "bank"
    WALLET_CLUSTER = "wallet_cluster"
    OTHER = "other"


class InfrastructureKind(StrEnum):
    DOMAIN = "domain"
    IP_ADDRESS = "ip_address"
    SERVER = "server"
    HOSTING = "hosting"
    ONION_SERVICE = "onion_service"
    WALLET_ADDRESS = "wallet_address"
    URL = "url"
    OTHER = "other"


class VictimKind(StrEnum):
    ORGANIZATION = "organization"
    SECTOR = "sector"
    INDIVIDUAL = "individual"


CATEGORIES: dict[EntityKind, type[StrEnum]] = {
    EntityKind.ACTOR: ActorCategory,
    EntityKind.SERVICE_PROVIDER: ServiceKind,
    EntityKind.FINANCIER: FinancierKind,
    EntityKind.INFRASTRUCTURE: InfrastructureKind,
    EntityKind.VICTIM: VictimKind,
}
"""The enum that an entity's `category` must come from, per kind."""

CATEGORY_VALUES = frozenset(member.value for enum in CATEGORIES.values() for member in enum)
"""Every entity category, of any kind."""
UNCATEGORIZED = "uncategorized"
"""In a filter of categories: the entities no visible claim gives a category (no kind has a category of this name)."""


class RelationshipType(StrEnum):
    USES = "USES"
    OPERATES = "OPERATES"
    SUPPLIES = "SUPPLIES"
    AFFILIATED_WITH = "AFFILIATED_WITH"
    LAUNDERS_FOR = "LAUNDERS_FOR"
    PAYS = "PAYS"
    TARGETS = "TARGETS"


_A = EntityKind.ACTOR
_S = EntityKind.SERVICE_PROVIDER
_F = EntityKind.FINANCIER
_I = EntityKind.INFRASTRUCTURE
_V = EntityKind.VICTIM

ALLOWED_KIND_PAIRS: dict[RelationshipType, frozenset[tuple[EntityKind, EntityKind]]] = {
    RelationshipType.USES: frozenset((s, t) for s in (_A, _S) for t in (_S, _I, _F)),
    RelationshipType.OPERATES: frozenset((s, t) for s in (_A, _S) for t in (_I, _S)),
    RelationshipType.SUPPLIES: frozenset((_S, t) for t in (_S, _A)),
    RelationshipType.AFFILIATED_WITH: frozenset({(_A, _A)}),
    RelationshipType.LAUNDERS_FOR: frozenset((_F, t) for t in (_A, _S)),
    RelationshipType.PAYS: frozenset((s, t) for s in EntityKind for t in EntityKind),
    RelationshipType.TARGETS: frozenset((s, _V) for s in (_A, _S)),
}
"""Which (source kind, target kind) pairs each relationship type allows."""


class Tlp(StrEnum):
    """Traffic Light Protocol 2.0 levels."""

    # Declared from the least to the most restrictive: exports and CSV imports rank levels by this order.
    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"


COMMUNITY_TLPS: frozenset[Tlp] = frozenset({Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER})
"""Levels every member organization may see (see docs/sharing.md)."""

NAMING_ID_SCHEMES: tuple[str, ...] = ("mitre-attack",)
"""External id schemes that name one object for every source (unlike a source's own ids, such as a MISP cluster's
uuid): a claim carrying one is the object's own record, and its name wins a tie for the name shown (docs/model.md)."""


class Role(StrEnum):
    READER = "reader"
    ANALYST = "analyst"
    INTEGRATION = "integration"
    ADMIN = "admin"  # a member organization's administrator
    OPERATOR = "operator"  # the coalition's operator: not a member, so it belongs to no organization


class Permission(StrEnum):
    READ = "read"
    WRITE = "write"
    CURATE = "curate"  # merge and split entities, decide resolution candidates
    RETRACT = "retract"  # delete the caller's own organization's assertions: a feed deletes what it sent
    ADMINISTER = "administer"  # keys and audit trail: of the caller's own organization, or of all with OPERATE
    OPERATE = "operate"  # the coalition's membership: create organizations, every organization's keys and audit


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.READER: frozenset({Permission.READ}),
    Role.ANALYST: frozenset({Permission.READ, Permission.WRITE, Permission.CURATE, Permission.RETRACT}),
    Role.INTEGRATION: frozenset({Permission.WRITE, Permission.RETRACT}),
    Role.ADMIN: frozenset(
        {Permission.READ, Permission.WRITE, Permission.CURATE, Permission.RETRACT, Permission.ADMINISTER}
    ),
    # No READ or WRITE: the operator runs who may take part, not the intelligence (docs/operations.md).
    Role.OPERATOR: frozenset({Permission.ADMINISTER, Permission.OPERATE}),
}
