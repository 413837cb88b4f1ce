"""Seeded synthetic cybercrime ecosystems with a realistic shape, as bundles for `POST /v1/bundles`.

The generator draws a market, not a random graph:

- **Hubs.** Threat actors buy from crime-as-a-service providers and launder through financiers chosen by
  preferential attachment (Price's model): a provider or financier is picked in proportion to the
  relationships it has already won, or, with the remaining probability, as a newcomer. A handful of
  bulletproof hosters, forums, exchanges and mixers end up serving a large share of the actors.
- **Affiliate programs.** Each ransomware-as-a-service provider is run (OPERATES) by a core of one to three
  actor groups; affiliates are AFFILIATED_WITH a core actor and USE the program, and program sizes are
  heavy-tailed too. Affiliates also hop between programs.
- **Supply chains.** Initial-access brokers, botnets and crypters SUPPLY actors and other services; services
  USE the bulletproof hosters, crypters and forums they depend on.
- **Infrastructure.** Every domain, IP address, server, onion service and wallet address is OPERATED by an
  actor or a provider of a fitting kind (bulletproof hosters run most servers); popular infrastructure is
  USED by many.
- **Money.** Financiers launder for actors and providers (LAUNDERS_FOR); PAYS relationships follow the existing ones
  (victims pay the actors that target them, actors pay the services they use, money is deposited with and
  cashed out of financiers, financiers layer between each other) and carry an amount and a currency.
- **Victims.** Organizations, individuals and whole sectors, with an ISO 3166 alpha-2 `country` and a
  `sector`, are TARGETED by actors (and by scam compounds, phishing-kit sellers and botnets).

- **Disruption planning** (opt-in, ``planning=True``). Actors, providers, financiers and infrastructure get
  `countries` (where an action against them would happen: hosters and exchanges in one to three jurisdictions,
  domains, URLs, onion services and wallets in none that is known) and an `attributes.disruption_cost`; the
  ecosystem comes with a coalition of member profiles (national police forces, a financial intelligence unit, a
  registrar alliance that acts anywhere) to plan with. The rest of the ecosystem is the same as without it.

Every relationship respects `ALLOWED_KIND_PAIRS`; there are no self-loops and no duplicate (type, source,
target) triples. Entity and relationship counts are exactly the ones asked for. The same seed gives the
same ecosystem, byte for byte: all randomness comes from `random.Random` instances seeded from `seed`.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from ipaddress import IPv4Address
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import networkx as nx

from atlas_graph.models.vocabulary import (
    ALLOWED_KIND_PAIRS,
    CATEGORIES,
    ActorCategory,
    EntityKind,
    FinancierKind,
    InfrastructureKind,
    RelationshipType,
    ServiceKind,
    Tlp,
    VictimKind,
)
from atlas_graph.processes import collector_paused

JsonObject = dict[str, Any]
"""A JSON object as plain Python: the shape of one entity, relationship or bundle."""

_Key = TypeVar("_Key", bound=Hashable)
_CategoryKey = tuple[EntityKind, str]
_Item = TypeVar("_Item")


class Activity(StrEnum):
    """What a share of the generated relationships stands for; `relationship_mix` weighs them.

    The order is the generation order: payments come last because they follow the other relationships.
    """

    AFFILIATE_PROGRAMS = "affiliate_programs"
    SERVICE_PURCHASES = "service_purchases"
    ACCESS_BROKERAGE = "access_brokerage"
    SUPPLY_CHAIN = "supply_chain"
    OPERATION = "operation"
    INFRASTRUCTURE_USE = "infrastructure_use"
    LAUNDERING = "laundering"
    TARGETING = "targeting"
    PAYMENTS = "payments"


DEFAULT_KIND_SHARES: Mapping[EntityKind, float] = MappingProxyType(
    {
        EntityKind.SERVICE_PROVIDER: 0.05,
        EntityKind.FINANCIER: 0.03,
        EntityKind.ACTOR: 0.25,
        EntityKind.INFRASTRUCTURE: 0.40,
        EntityKind.VICTIM: 0.27,
    }
)
"""Share of the entities of each kind. Providers and financiers are few; they are the hubs."""

DEFAULT_RELATIONSHIP_MIX: Mapping[Activity, float] = MappingProxyType(
    {
        Activity.AFFILIATE_PROGRAMS: 0.08,
        Activity.SERVICE_PURCHASES: 0.20,
        Activity.ACCESS_BROKERAGE: 0.04,
        Activity.SUPPLY_CHAIN: 0.05,
        Activity.OPERATION: 0.10,
        Activity.INFRASTRUCTURE_USE: 0.10,
        Activity.LAUNDERING: 0.10,
        Activity.TARGETING: 0.20,
        Activity.PAYMENTS: 0.13,
    }
)
"""Share of the relationships each activity generates (before any shortfall is spread over the others)."""

DEFAULT_TLP_WEIGHTS: Mapping[Tlp, float] = MappingProxyType(
    {Tlp.CLEAR: 0.12, Tlp.GREEN: 0.50, Tlp.AMBER: 0.30, Tlp.AMBER_STRICT: 0.04, Tlp.RED: 0.04}
)
"""How often each TLP level marks an entity or a relationship: mostly GREEN and AMBER."""

DEFAULT_OBSERVED_FROM = date(2019, 1, 1)
DEFAULT_OBSERVED_UNTIL = date(2025, 12, 31)
"""The window of every `first_seen` and `last_seen`: fixed, so that output never depends on today."""

# ----------------------------------------------------------------------------------------- random helpers


class _WeightedChoice(Generic[_Item]):
    """Draws items in proportion to fixed weights, in logarithmic time; items of weight 0 never come up."""

    __slots__ = ("_items", "_cumulative")

    def __init__(self, weighted: Iterable[tuple[_Item, float]]) -> None:
        positive = [(item, weight) for item, weight in weighted if weight > 0]
        self._items = [item for item, _ in positive]
        total = sum(weight for _, weight in positive)
        running = 0.0
        self._cumulative: list[float] = []
        for _, weight in positive:
            running += weight
            self._cumulative.append(running / total)
        if self._cumulative:
            self._cumulative[-1] = 1.0  # above any rng.random(), whatever the rounding

    def __bool__(self) -> bool:
        return bool(self._items)

    def pick(self, rng: random.Random) -> _Item:
        return self._items[bisect.bisect_right(self._cumulative, rng.random())]


class _PreferentialPicker:
    """Picks nodes in proportion to the relationships they have won, or newcomers (Price's model).

    `pick` only proposes; the caller `reward`s the node once its relationship is accepted, which gives the
    node one more ticket in the urn and, for a newcomer, lets the next newcomer in.
    """

    __slots__ = ("nodes", "_attachment", "_rng", "_entered", "_tickets")

    def __init__(self, nodes: Sequence[int], *, attachment: float, rng: random.Random) -> None:
        self.nodes = list(nodes)
        rng.shuffle(self.nodes)  # arrival order: which node becomes a hub must not follow its id
        self._attachment = attachment
        self._rng = rng
        self._entered = 0
        self._tickets: list[int] = []

    def __bool__(self) -> bool:
        return bool(self.nodes)

    def pick(self) -> int:
        rng = self._rng
        if self._tickets and rng.random() < self._attachment:
            return self._tickets[int(rng.random() * len(self._tickets))]
        if self._entered < len(self.nodes):
            return self.nodes[self._entered]
        return self.nodes[int(rng.random() * len(self.nodes))]

    def reward(self, node: int) -> None:
        self._tickets.append(node)
        if self._entered < len(self.nodes) and self.nodes[self._entered] == node:
            self._entered += 1


def _category_key(category: StrEnum) -> _CategoryKey:
    """Key a category by its kind too: "individual" or "other" name categories of several kinds, and a
    StrEnum member equals (and hashes like) its value, so bare categories would collide as dict keys."""
    return _KIND_OF_CATEGORY[type(category)], category.value


def _members(by_category: Mapping[_CategoryKey, list[int]], category: StrEnum) -> list[int]:
    return by_category.get(_category_key(category), [])


def _weighted_sample(rng: random.Random, weighted: Mapping[_Key, float], k: int) -> list[_Key]:
    """Draw `k` distinct keys, heavier ones more likely (Efraimidis and Spirakis' keys)."""
    keyed = sorted(weighted, key=lambda key: rng.random() ** (1 / weighted[key]), reverse=True)
    return keyed[:k]


# Providers and financiers come first so that a batch of actors can carry the actors' relationships to them.
_ENTITY_ORDER = (
    EntityKind.SERVICE_PROVIDER,
    EntityKind.FINANCIER,
    EntityKind.ACTOR,
    EntityKind.INFRASTRUCTURE,
    EntityKind.VICTIM,
)

_ACTOR_CATEGORY_SHARES = {
    ActorCategory.GROUP: 0.45,
    ActorCategory.INDIVIDUAL: 0.45,
    ActorCategory.CAMPAIGN: 0.10,
}

_SERVICE_CATEGORY_SHARES = {
    ServiceKind.BULLETPROOF_HOSTING: 0.10,
    ServiceKind.MALWARE_AS_A_SERVICE: 0.12,
    ServiceKind.RANSOMWARE_AS_A_SERVICE: 0.06,
    ServiceKind.INITIAL_ACCESS_BROKERAGE: 0.12,
    ServiceKind.PHISHING_KIT: 0.12,
    ServiceKind.BOTNET: 0.07,
    ServiceKind.CRYPTING: 0.08,
    ServiceKind.TRAFFIC_DISTRIBUTION: 0.06,
    ServiceKind.FORUM: 0.05,
    ServiceKind.MARKETPLACE: 0.06,
    ServiceKind.SCAM_COMPOUND: 0.04,
    ServiceKind.MULE_RECRUITMENT: 0.05,
    ServiceKind.MALWARE: 0.03,
    ServiceKind.TOOL: 0.02,
    ServiceKind.OTHER: 0.02,
}

_FINANCIER_CATEGORY_SHARES = {
    FinancierKind.EXCHANGE: 0.22,
    FinancierKind.MIXER: 0.10,
    FinancierKind.OTC_BROKER: 0.20,
    FinancierKind.MULE_NETWORK: 0.18,
    FinancierKind.PAYMENT_PROCESSOR: 0.10,
    FinancierKind.BANK: 0.05,
    FinancierKind.WALLET_CLUSTER: 0.15,
}

_INFRASTRUCTURE_CATEGORY_SHARES = {
    InfrastructureKind.DOMAIN: 0.30,
    InfrastructureKind.IP_ADDRESS: 0.22,
    InfrastructureKind.SERVER: 0.14,
    InfrastructureKind.HOSTING: 0.04,
    InfrastructureKind.ONION_SERVICE: 0.06,
    InfrastructureKind.WALLET_ADDRESS: 0.16,
    InfrastructureKind.URL: 0.08,
}

_VICTIM_CATEGORY_SHARES = {
    VictimKind.ORGANIZATION: 0.72,
    VictimKind.INDIVIDUAL: 0.25,
    VictimKind.SECTOR: 0.03,
}

_CATEGORY_SHARES: Mapping[EntityKind, Mapping[Any, float]] = {
    EntityKind.ACTOR: _ACTOR_CATEGORY_SHARES,
    EntityKind.SERVICE_PROVIDER: _SERVICE_CATEGORY_SHARES,
    EntityKind.FINANCIER: _FINANCIER_CATEGORY_SHARES,
    EntityKind.INFRASTRUCTURE: _INFRASTRUCTURE_CATEGORY_SHARES,
    EntityKind.VICTIM: _VICTIM_CATEGORY_SHARES,
}

# Victimology skews to sectors that pay ransoms and cannot afford downtime.
_SECTOR_WEIGHTS = {
    "manufacturing": 16,
    "health": 12,
    "education": 10,
    "government": 9,
    "finance": 9,
    "technology": 9,
    "retail": 7,
    "construction": 6,
    "legal": 5,
    "transport": 5,
    "energy": 4,
    "telecommunications": 3,
    "hospitality": 2,
    "media": 1,
    "agriculture": 1,
    "nonprofit": 1,
}
_INDIVIDUAL_SECTOR = "consumer"
_SECTOR_NOUNS = {
    "manufacturing": "Industries",
    "health": "Clinic",
    "education": "Academy",
    "government": "Municipality",
    "finance": "Credit Union",
    "technology": "Software",
    "retail": "Stores",
    "construction": "Builders",
    "legal": "Law Group",
    "transport": "Logistics",
    "energy": "Power",
    "telecommunications": "Telecom",
    "hospitality": "Hotels",
    "media": "Media",
    "agriculture": "Farms",
    "nonprofit": "Foundation",
}

_VICTIM_COUNTRY_WEIGHTS = {
    "US": 40, "GB": 6, "DE": 6, "CA": 5, "FR": 4, "IT": 4, "ES": 3, "AU": 3, "BR": 3, "IN": 3,
    "JP": 2, "NL": 2, "MX": 2, "CH": 1.5, "BE": 1.5, "SE": 1, "AT": 1, "PL": 1, "ZA": 1, "KR": 1,
    "SG": 1, "AE": 1, "TR": 1, "ID": 1, "TH": 1, "IL": 1, "AR": 1, "CL": 0.5, "NZ": 0.5, "IE": 0.5,
}  # fmt: skip
_ACTOR_COUNTRY_WEIGHTS = {
    "RU": 30, "UA": 8, "CN": 8, "NG": 8, "IR": 5, "BR": 5, "US": 5, "KP": 4, "VN": 4, "IN": 4,
    "RO": 3, "BY": 3, "KZ": 2, "TR": 2, "PK": 2, "MM": 2, "KH": 2, "GH": 2, "GB": 1, "DE": 1,
}  # fmt: skip
_PROVIDER_COUNTRY_WEIGHTS = {
    "RU": 25, "NL": 8, "MD": 6, "SC": 5, "HK": 6, "PA": 4, "BG": 4, "UA": 6, "US": 5, "DE": 3,
    "SG": 3, "CN": 6, "RO": 3, "KZ": 2, "BY": 3, "VN": 2,
}  # fmt: skip
_SCAM_COMPOUND_COUNTRY_WEIGHTS = {"MM": 40, "KH": 35, "LA": 15, "PH": 10}
_FINANCIER_COUNTRY_WEIGHTS = {
    "SC": 10, "RU": 10, "HK": 10, "AE": 8, "SG": 6, "CY": 5, "MT": 4, "VG": 4, "KY": 3, "PA": 4,
    "US": 6, "GB": 5, "TR": 5, "NG": 4, "CN": 8, "KH": 4, "LT": 4,
}  # fmt: skip
_HOSTING_COUNTRY_WEIGHTS = {
    "NL": 14, "US": 14, "DE": 10, "RU": 14, "HK": 8, "SC": 4, "MD": 5, "BG": 5, "FR": 5, "SG": 5,
    "RO": 4, "PA": 3, "LT": 3, "UA": 4, "GB": 4,
}  # fmt: skip

_PRICING_MODELS = {
    ServiceKind.BULLETPROOF_HOSTING: "subscription",
    ServiceKind.MALWARE_AS_A_SERVICE: "subscription",
    ServiceKind.RANSOMWARE_AS_A_SERVICE: "revenue_share",
    ServiceKind.INITIAL_ACCESS_BROKERAGE: "per_sale",
    ServiceKind.PHISHING_KIT: "subscription",
    ServiceKind.BOTNET: "per_install",
    ServiceKind.CRYPTING: "per_build",
    ServiceKind.TRAFFIC_DISTRIBUTION: "per_visit",
    ServiceKind.FORUM: "membership",
    ServiceKind.MARKETPLACE: "commission",
    ServiceKind.SCAM_COMPOUND: "revenue_share",
    ServiceKind.MULE_RECRUITMENT: "commission",
    ServiceKind.MALWARE: "one_time",
    ServiceKind.TOOL: "one_time",
    ServiceKind.OTHER: "unknown",
}
_KYC_WEIGHTS: Mapping[FinancierKind, Mapping[str, float]] = {
    FinancierKind.EXCHANGE: {"none": 0.35, "weak": 0.45, "strong": 0.20},
    FinancierKind.MIXER: {"none": 1.0},
    FinancierKind.OTC_BROKER: {"none": 0.6, "weak": 0.4},
    FinancierKind.MULE_NETWORK: {"none": 1.0},
    FinancierKind.PAYMENT_PROCESSOR: {"weak": 0.7, "strong": 0.3},
    FinancierKind.BANK: {"weak": 0.2, "strong": 0.8},
    FinancierKind.WALLET_CLUSTER: {"none": 1.0},
    FinancierKind.OTHER: {"none": 0.5, "weak": 0.5},
}
_WALLET_NETWORK_WEIGHTS = {"bitcoin": 0.5, "monero": 0.2, "ethereum": 0.15, "tron": 0.15}
_WALLET_PREFIXES = {"bitcoin": "bc1q", "monero": "4", "ethereum": "0x", "tron": "T"}
_ORGANIZATION_SIZE_WEIGHTS = {"small": 0.6, "medium": 0.3, "large": 0.1}

# Mundane words, so that "<Adjective> <Noun> <number>" never reads like a real group's name.
_ADJECTIVES = (
    "Amber", "Brisk", "Calm", "Dapper", "Eager", "Fuzzy", "Gentle", "Hollow", "Idle", "Jolly", "Keen",
    "Lucky", "Mellow", "Nimble", "Oblong", "Plain", "Quiet", "Rusty", "Sunny", "Tidy", "Upbeat", "Vivid",
    "Wry", "Zesty", "Dusty", "Minty", "Woolly", "Tepid", "Soggy", "Crisp", "Velvet", "Polite",
)  # fmt: skip
_NOUNS = (
    "Kettle", "Lantern", "Teapot", "Ladder", "Pebble", "Button", "Spoon", "Basket", "Candle", "Mitten",
    "Pillow", "Saucer", "Thimble", "Whistle", "Barrel", "Bucket", "Carpet", "Doorknob", "Easel", "Funnel",
    "Goblet", "Hammock", "Inkwell", "Jigsaw", "Kazoo", "Ladle", "Marble", "Napkin", "Ottoman", "Pretzel",
    "Quilt", "Rucksack", "Sandal", "Toaster", "Umbrella", "Walnut", "Zipper", "Teacup",
)  # fmt: skip

_SERVICE_LABELS = {
    ServiceKind.BULLETPROOF_HOSTING: "Bulletproof Hosting",
    ServiceKind.MALWARE_AS_A_SERVICE: "Malware Service",
    ServiceKind.RANSOMWARE_AS_A_SERVICE: "Ransomware Program",
    ServiceKind.INITIAL_ACCESS_BROKERAGE: "Access Shop",
    ServiceKind.PHISHING_KIT: "Phishing Kit",
    ServiceKind.BOTNET: "Botnet",
    ServiceKind.CRYPTING: "Crypter",
    ServiceKind.TRAFFIC_DISTRIBUTION: "Traffic System",
    ServiceKind.FORUM: "Forum",
    ServiceKind.MARKETPLACE: "Market",
    ServiceKind.SCAM_COMPOUND: "Compound",
    ServiceKind.MULE_RECRUITMENT: "Mule Recruiters",
    ServiceKind.MALWARE: "Malware Family",
    ServiceKind.TOOL: "Toolkit",
    ServiceKind.OTHER: "Service",
}
_FINANCIER_LABELS = {
    FinancierKind.EXCHANGE: "Exchange",
    FinancierKind.MIXER: "Mixer",
    FinancierKind.OTC_BROKER: "OTC Desk",
    FinancierKind.MULE_NETWORK: "Mule Network",
    FinancierKind.PAYMENT_PROCESSOR: "Payments",
    FinancierKind.BANK: "Bank",
    FinancierKind.WALLET_CLUSTER: "Wallet Cluster",
    FinancierKind.OTHER: "Financier",
}
_ID_SLUGS = {
    EntityKind.ACTOR: "actor",
    EntityKind.SERVICE_PROVIDER: "service-provider",
    EntityKind.FINANCIER: "financier",
    EntityKind.INFRASTRUCTURE: "infrastructure",
    EntityKind.VICTIM: "victim",
}

# IP addresses come from the documentation networks (RFC 5737), then from 240.0.0.0/4, reserved since
# RFC 1112: neither is ever routed, so no synthetic address can point at a real host.
_DOCUMENTATION_IPV4_NETWORKS = ("192.0.2", "198.51.100", "203.0.113")
_RESERVED_IPV4_START = int(IPv4Address("240.0.0.1"))
_PRIVATE_ASN_RANGE = (64512, 65534)  # RFC 6996: private-use AS numbers, never a real network's.

# What actors buy outright. Ransomware programs and access brokers reach actors through their own activities.
_SERVICE_DEMAND = {
    ServiceKind.BULLETPROOF_HOSTING: 0.18,
    ServiceKind.FORUM: 0.14,
    ServiceKind.PHISHING_KIT: 0.13,
    ServiceKind.MALWARE_AS_A_SERVICE: 0.12,
    ServiceKind.CRYPTING: 0.10,
    ServiceKind.MARKETPLACE: 0.10,
    ServiceKind.BOTNET: 0.08,
    ServiceKind.TRAFFIC_DISTRIBUTION: 0.07,
    ServiceKind.MULE_RECRUITMENT: 0.04,
    ServiceKind.SCAM_COMPOUND: 0.01,
    ServiceKind.MALWARE: 0.01,
    ServiceKind.TOOL: 0.02,
}
_ACCESS_SUPPLIERS = {
    ServiceKind.INITIAL_ACCESS_BROKERAGE: 0.65,
    ServiceKind.BOTNET: 0.15,
    ServiceKind.CRYPTING: 0.10,
    ServiceKind.MALWARE: 0.05,
    ServiceKind.TOOL: 0.05,
}
_FINANCIER_DEMAND = {
    FinancierKind.EXCHANGE: 0.28,
    FinancierKind.MIXER: 0.18,
    FinancierKind.OTC_BROKER: 0.18,
    FinancierKind.MULE_NETWORK: 0.12,
    FinancierKind.PAYMENT_PROCESSOR: 0.08,
    FinancierKind.BANK: 0.04,
    FinancierKind.WALLET_CLUSTER: 0.12,
}
_ATTACKING_SERVICES = {ServiceKind.SCAM_COMPOUND: 0.5, ServiceKind.PHISHING_KIT: 0.3, ServiceKind.BOTNET: 0.2}

_S = ServiceKind
_SUPPLY_CHAIN: tuple[tuple[ServiceKind, RelationshipType, ServiceKind, float], ...] = (
    (_S.MALWARE_AS_A_SERVICE, RelationshipType.USES, _S.CRYPTING, 3),
    (_S.MALWARE_AS_A_SERVICE, RelationshipType.USES, _S.BULLETPROOF_HOSTING, 3),
    (_S.MALWARE_AS_A_SERVICE, RelationshipType.USES, _S.FORUM, 2),
    (_S.RANSOMWARE_AS_A_SERVICE, RelationshipType.USES, _S.BULLETPROOF_HOSTING, 3),
    (_S.RANSOMWARE_AS_A_SERVICE, RelationshipType.USES, _S.CRYPTING, 2),
    (_S.RANSOMWARE_AS_A_SERVICE, RelationshipType.USES, _S.FORUM, 2),
    (_S.PHISHING_KIT, RelationshipType.USES, _S.BULLETPROOF_HOSTING, 2),
    (_S.PHISHING_KIT, RelationshipType.USES, _S.TRAFFIC_DISTRIBUTION, 2),
    (_S.BOTNET, RelationshipType.USES, _S.BULLETPROOF_HOSTING, 2),
    (_S.INITIAL_ACCESS_BROKERAGE, RelationshipType.USES, _S.FORUM, 2),
    (_S.INITIAL_ACCESS_BROKERAGE, RelationshipType.USES, _S.MARKETPLACE, 1),
    (_S.MARKETPLACE, RelationshipType.USES, _S.BULLETPROOF_HOSTING, 1),
    (_S.FORUM, RelationshipType.USES, _S.BULLETPROOF_HOSTING, 1),
    (_S.SCAM_COMPOUND, RelationshipType.USES, _S.MULE_RECRUITMENT, 1),
    (_S.OTHER, RelationshipType.USES, _S.BULLETPROOF_HOSTING, 1),
    (_S.INITIAL_ACCESS_BROKERAGE, RelationshipType.SUPPLIES, _S.RANSOMWARE_AS_A_SERVICE, 3),
    (_S.BOTNET, RelationshipType.SUPPLIES, _S.RANSOMWARE_AS_A_SERVICE, 2),
    (_S.BOTNET, RelationshipType.SUPPLIES, _S.INITIAL_ACCESS_BROKERAGE, 1),
    (_S.CRYPTING, RelationshipType.SUPPLIES, _S.MALWARE_AS_A_SERVICE, 2),
    (_S.TRAFFIC_DISTRIBUTION, RelationshipType.SUPPLIES, _S.MALWARE_AS_A_SERVICE, 1),
    (_S.TOOL, RelationshipType.SUPPLIES, _S.MALWARE_AS_A_SERVICE, 1),
    (_S.MALWARE, RelationshipType.SUPPLIES, _S.BOTNET, 1),
    (_S.FORUM, RelationshipType.OPERATES, _S.MARKETPLACE, 1),
)
"""Which services depend on which: (source category, relationship type, target category, weight)."""

# Who runs each kind of infrastructure; EntityKind.ACTOR stands for "an actor, not a service".
_OPERATORS: Mapping[InfrastructureKind, Mapping[ServiceKind | EntityKind, float]] = {
    InfrastructureKind.SERVER: {
        _S.BULLETPROOF_HOSTING: 0.55, _S.MALWARE_AS_A_SERVICE: 0.1, _S.BOTNET: 0.1,
        _S.RANSOMWARE_AS_A_SERVICE: 0.05, EntityKind.ACTOR: 0.2,
    },
    InfrastructureKind.IP_ADDRESS: {
        _S.BULLETPROOF_HOSTING: 0.6, _S.BOTNET: 0.1, _S.TRAFFIC_DISTRIBUTION: 0.05, EntityKind.ACTOR: 0.25,
    },
    InfrastructureKind.HOSTING: {_S.BULLETPROOF_HOSTING: 0.85, EntityKind.ACTOR: 0.15},
    InfrastructureKind.DOMAIN: {
        _S.PHISHING_KIT: 0.25, _S.TRAFFIC_DISTRIBUTION: 0.15, _S.MALWARE_AS_A_SERVICE: 0.1,
        _S.FORUM: 0.05, _S.MARKETPLACE: 0.05, EntityKind.ACTOR: 0.4,
    },
    InfrastructureKind.URL: {_S.PHISHING_KIT: 0.4, _S.TRAFFIC_DISTRIBUTION: 0.2, EntityKind.ACTOR: 0.4},
    InfrastructureKind.ONION_SERVICE: {
        _S.RANSOMWARE_AS_A_SERVICE: 0.35, _S.FORUM: 0.2, _S.MARKETPLACE: 0.2, _S.MALWARE_AS_A_SERVICE: 0.05,
        EntityKind.ACTOR: 0.2,
    },
    InfrastructureKind.WALLET_ADDRESS: {
        _S.RANSOMWARE_AS_A_SERVICE: 0.15, _S.SCAM_COMPOUND: 0.15, _S.MULE_RECRUITMENT: 0.1,
        _S.MARKETPLACE: 0.1, EntityKind.ACTOR: 0.5,
    },
    InfrastructureKind.OTHER: {_S.BULLETPROOF_HOSTING: 0.5, EntityKind.ACTOR: 0.5},
}  # fmt: skip

_CURRENCY_WEIGHTS = {
    "BTC": 0.35,
    "USDT": 0.25,
    "XMR": 0.15,
    "ETH": 0.08,
    "USD": 0.10,
    "EUR": 0.05,
    "RUB": 0.02,
}
# Fixed, synthetic exchange rates: amounts must not depend on the day the generator runs.
_USD_PER_UNIT = {
    "BTC": 50_000.0,
    "USDT": 1.0,
    "XMR": 150.0,
    "ETH": 2_500.0,
    "USD": 1.0,
    "EUR": 1.08,
    "RUB": 0.011,
}
_DECIMALS = {"BTC": 8, "USDT": 2, "XMR": 6, "ETH": 6, "USD": 2, "EUR": 2, "RUB": 2}
_PAYMENT_SPREAD = 1.1  # sigma of the log-normal amounts: a payment 3x the median is common, 30x is rare.

_SECTORS = _WeightedChoice(_SECTOR_WEIGHTS.items())
_VICTIM_COUNTRIES = _WeightedChoice(_VICTIM_COUNTRY_WEIGHTS.items())
_ACTOR_COUNTRIES = _WeightedChoice(_ACTOR_COUNTRY_WEIGHTS.items())
_PROVIDER_COUNTRIES = _WeightedChoice(_PROVIDER_COUNTRY_WEIGHTS.items())
_SCAM_COMPOUND_COUNTRIES = _WeightedChoice(_SCAM_COMPOUND_COUNTRY_WEIGHTS.items())
_FINANCIER_COUNTRIES = _WeightedChoice(_FINANCIER_COUNTRY_WEIGHTS.items())
_HOSTING_COUNTRIES = _WeightedChoice(_HOSTING_COUNTRY_WEIGHTS.items())
_KYC_LEVELS = {channel: _WeightedChoice(levels.items()) for channel, levels in _KYC_WEIGHTS.items()}
_WALLET_NETWORKS = _WeightedChoice(_WALLET_NETWORK_WEIGHTS.items())
_ORGANIZATION_SIZES = _WeightedChoice(_ORGANIZATION_SIZE_WEIGHTS.items())
_CURRENCIES = _WeightedChoice(_CURRENCY_WEIGHTS.items())

_RAAS_CORE_SIZE_WEIGHTS = {1: 0.65, 2: 0.25, 3: 0.10}
# Campaigns are activity, not people: they neither join affiliate programs nor run services.
_HANDS_ON_ACTOR_CATEGORIES = (ActorCategory.GROUP, ActorCategory.INDIVIDUAL)
_HOPPER_USES_PROGRAM = 0.5  # how often an affiliate that joins one more program also USES its service

_STALL_LIMIT = 500
"""Consecutive rejected candidates (duplicates, self-loops, nothing to pick) before an activity stops."""

_REPORT_URL = "https://example.invalid/report/{}"
# Confidence in 40..95, skewed to the top like Beta(2, 1.3): most shared claims are fairly sure, few certain.
_CONFIDENCES = _WeightedChoice(
    (confidence, x * (1 - x) ** 0.3) for confidence in range(40, 96) for x in [(confidence - 39.5) / 56]
)
_KIND_OF_CATEGORY: Mapping[type[StrEnum], EntityKind] = {enum: kind for kind, enum in CATEGORIES.items()}
_ALLOWED = frozenset(
    (relationship_type, source, target)
    for relationship_type, pairs in ALLOWED_KIND_PAIRS.items()
    for source, target in pairs
)

# Disruption planning: who the actions would hit, and where.
_PLANNED_KINDS = (EntityKind.ACTOR, EntityKind.SERVICE_PROVIDER, EntityKind.FINANCIER, EntityKind.INFRASTRUCTURE)
_UNKNOWN_WHEREABOUTS = {
    EntityKind.ACTOR: 0.3,  # most suspects are known only by handle
    EntityKind.SERVICE_PROVIDER: 0.15,
    EntityKind.FINANCIER: 0.1,
    EntityKind.INFRASTRUCTURE: 0.1,  # of the located kinds; domains, URLs, onions and wallets have no country
}
"""Share of the entities of each kind whose country is not known, so that only a member acting anywhere can act."""
_SPREAD_COUNTRIES: Mapping[StrEnum, tuple[_WeightedChoice[str], float]] = {
    ServiceKind.BULLETPROOF_HOSTING: (_HOSTING_COUNTRIES, 0.5),
    FinancierKind.EXCHANGE: (_FINANCIER_COUNTRIES, 0.4),
    FinancierKind.PAYMENT_PROCESSOR: (_FINANCIER_COUNTRIES, 0.4),
}
"""Categories that operate across borders: (where else they are, how likely each extra country is)."""
_COST_RANGES = {
    EntityKind.ACTOR: (3, 6),  # an arrest takes an investigation and a warrant
    EntityKind.SERVICE_PROVIDER: (2, 4),
    EntityKind.FINANCIER: (2, 4),
    EntityKind.INFRASTRUCTURE: (1, 1),  # a takedown or a suspension request
}
"""Inclusive range of `attributes.disruption_cost` per kind: relative effort, in units of one domain suspension."""

PLANNING_COALITION: tuple[Mapping[str, Any], ...] = (
    {"name": "nl-police", "jurisdictions": ("NL",), "actions": ("arrest", "takedown", "seize")},
    {"name": "de-police", "jurisdictions": ("DE",), "actions": ("arrest", "takedown", "seize")},
    {"name": "us-doj", "jurisdictions": ("US",), "actions": ("arrest", "takedown", "seize", "sanction")},
    {"name": "uk-nca", "jurisdictions": ("GB",), "actions": ("arrest", "takedown", "seize")},
    {"name": "eu-fiu", "jurisdictions": ("CY", "DE", "LT", "MT", "NL"), "actions": ("freeze",)},
    {"name": "registrar-alliance", "jurisdictions": ("*",), "actions": ("suspend", "sinkhole")},
)
"""The member profiles a planning ecosystem comes with: who can act, where (``*``: anywhere) and how."""


# ---------------------------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class Ecosystem:
    """A synthetic ecosystem in the API's bundle shape.

    Attributes
    ----------
    entities : list of dict
        Entity objects as `POST /v1/bundles` takes them, providers and financiers first.
    relationships : list of dict
        Relationship objects, each referencing its endpoints by ``{"id": ...}``, ordered by the position
        of their later endpoint among `entities`: the relationships among the first k entities come first.
    seed : int or None
        The seed that reproduces this ecosystem, or None if it was assembled by hand.
    coalition : list of dict
        Member profiles to plan disruptions with, each ``{"name", "jurisdictions", "actions"}`` (lists of
        strings); empty unless the ecosystem was generated with ``planning=True``.
    """

    entities: list[JsonObject]
    relationships: list[JsonObject]
    seed: int | None = None
    coalition: list[JsonObject] = field(default_factory=list)

    def as_bundle(self) -> JsonObject:
        """Return the whole ecosystem as one bundle: ``{"entities": [...], "relationships": [...]}``."""
        return {"entities": self.entities, "relationships": self.relationships}

    def batches(self, size: int) -> Iterator[JsonObject]:
        """Yield bundles of at most `size` items that can be posted one after the other.

        Every relationship of a batch references only entities of that batch or of earlier ones. A
        relationship goes out in the first batch in which both its endpoints are known, so batches mix
        entities and relationships. The bundles share their entity and relationship dicts with `self`.

        Parameters
        ----------
        size : int
            The most entities plus relationships one bundle may hold; at least 1.

        Yields
        ------
        bundle : dict
            ``{"entities": [...], "relationships": [...]}``, every bundle but the last one full.

        Raises
        ------
        ValueError
            If `size` is below 1, or a relationship references an entity that is not in `entities`.

        Examples
        --------
        >>> ecosystem = generate_ecosystem(entities=20, relationships=40, seed=1)
        >>> bundles = list(ecosystem.batches(25))
        >>> [len(b["entities"]) + len(b["relationships"]) for b in bundles]
        [25, 25, 10]
        """
        if size < 1:
            raise ValueError(f"batch size must be at least 1, got {size}")
        position = {entity["id"]: index for index, entity in enumerate(self.entities)}
        try:
            ready_at = [
                max(position[relationship["source"]["id"]], position[relationship["target"]["id"]])
                for relationship in self.relationships
            ]
        except KeyError as missing:
            raise ValueError(f"a relationship references {missing}, which is not among the entities") from None
        # A stable sort keeps the given order among relationships that become postable together.
        pending = sorted(range(len(self.relationships)), key=ready_at.__getitem__)
        next_entity = next_pending = 0
        while next_entity < len(self.entities) or next_pending < len(pending):
            entities: list[JsonObject] = []
            relationships: list[JsonObject] = []
            while len(entities) + len(relationships) < size:
                if next_pending < len(pending) and ready_at[pending[next_pending]] < next_entity:
                    relationships.append(self.relationships[pending[next_pending]])
                    next_pending += 1
                elif next_entity < len(self.entities):
                    entities.append(self.entities[next_entity])
                    next_entity += 1
                else:
                    break
            yield {"entities": entities, "relationships": relationships}

    def to_networkx(self) -> nx.MultiDiGraph:
        """Return the ecosystem as the analysis layer's graph.

        Nodes are entity ids with the attributes ``kind``, ``name`` and ``category``; every relationship
        is an edge keyed by its type, with the attributes ``type``, ``confidence`` and ``organizations``
        (always 1: one synthetic source asserts everything). Entities generated with ``planning=True`` also
        give their nodes ``countries`` (a frozenset) and ``cost`` (their `disruption_cost`).

        Examples
        --------
        >>> graph = generate_ecosystem(entities=50, relationships=200, seed=3).to_networkx()
        >>> graph.number_of_nodes(), graph.number_of_edges()
        (50, 200)
        """
        graph = nx.MultiDiGraph()
        graph.add_nodes_from((entity["id"], _node_attributes(entity)) for entity in self.entities)
        graph.add_edges_from(
            (
                relationship["source"]["id"],
                relationship["target"]["id"],
                relationship["type"],
                {"type": relationship["type"], "confidence": relationship["confidence"], "organizations": 1},
            )
            for relationship in self.relationships
        )
        return graph


def _node_attributes(entity: JsonObject) -> JsonObject:
    attributes: JsonObject = {"kind": entity["kind"], "name": entity["name"], "category": entity.get("category")}
    if "countries" in entity:
        attributes["countries"] = frozenset(entity["countries"])
    cost = entity.get("attributes", {}).get("disruption_cost")
    if cost is not None:
        attributes["cost"] = float(cost)
    return attributes


def generate_ecosystem(
    *,
    entities: int = 1000,
    relationships: int = 5000,
    seed: int | None = None,
    kind_shares: Mapping[EntityKind, float] = DEFAULT_KIND_SHARES,
    relationship_mix: Mapping[Activity, float] = DEFAULT_RELATIONSHIP_MIX,
    hub_attachment: float = 0.85,
    actor_attachment: float = 0.5,
    infrastructure_attachment: float = 0.5,
    victim_attachment: float = 0.3,
    affiliate_share: float = 0.35,
    tlp_weights: Mapping[Tlp, float] = DEFAULT_TLP_WEIGHTS,
    observed_from: date = DEFAULT_OBSERVED_FROM,
    observed_until: date = DEFAULT_OBSERVED_UNTIL,
    id_prefix: str = "syn",
    planning: bool = False,
) -> Ecosystem:
    """Generate a synthetic cybercrime ecosystem with heavy-tailed hubs, affiliate programs and money flows.

    Parameters
    ----------
    entities : int, default 1000
        Exactly how many entities to generate; at least one per kind with a positive share.
    relationships : int, default 5000
        Exactly how many relationships to generate.
    seed : int or None, default None
        Seed of all randomness. None draws one from the operating system; it is kept in
        `Ecosystem.seed`, so any ecosystem can be generated again.
    kind_shares : mapping of EntityKind to float, default DEFAULT_KIND_SHARES
        Relative number of entities of each kind; missing kinds get none.
    relationship_mix : mapping of Activity to float, default DEFAULT_RELATIONSHIP_MIX
        Relative number of relationships each activity generates. An activity that runs out of
        relationships to add (a small or saturated graph) leaves its shortfall to the others.
    hub_attachment : float, default 0.85
        Probability that a provider, financier or affiliate program is chosen in proportion to the
        relationships it already has rather than as a newcomer. Higher means fewer, bigger hubs: the degree
        distribution of Price's model has the exponent ``1 + 1 / hub_attachment``.
    actor_attachment : float, default 0.5
        The same for how active actors are: a few actors buy, target and launder far more than the rest.
    infrastructure_attachment : float, default 0.5
        The same for infrastructure that many actors share.
    victim_attachment : float, default 0.3
        The same for victims (and victim sectors) hit again and again.
    affiliate_share : float, default 0.35
        Share of the actors that are affiliates of a ransomware-as-a-service program.
    tlp_weights : mapping of Tlp to float, default DEFAULT_TLP_WEIGHTS
        Relative frequency of each TLP level on entities and relationships.
    observed_from, observed_until : datetime.date, default 2019-01-01 and 2025-12-31
        The window in which every `first_seen` and `last_seen` falls.
    id_prefix : str, default "syn"
        First part of every entity id (``"syn-actor-000042"``); give two ecosystems loaded into the same
        database different prefixes, or their entities will be merged.
    planning : bool, default False
        Also give actors, providers, financiers and infrastructure `countries` and an
        `attributes.disruption_cost`, and return the `PLANNING_COALITION` as `Ecosystem.coalition`. These
        draws come from a random stream of their own: everything else is the same as with ``planning=False``.

    Returns
    -------
    Ecosystem
        The entities and relationships, as JSON-ready dicts.

    Raises
    ------
    ValueError
        If a count, share or probability is out of range, or `relationships` is more than the distinct
        relationships the entities allow.

    Notes
    -----
    Relationships are added one activity at a time, each to its share of `relationships`; candidates that
    would duplicate a (type, source, target) triple or loop on one entity are rejected and drawn again. An
    activity that keeps being rejected (say, every affiliate already works for every program) stops, and
    what it left over goes to the other activities in proportion to their shares; in graphs too dense for
    that, to any allowed relationship. The counts are therefore exact.

    Preferential attachment follows Price's model [1]_: with probability ``attachment`` a node is drawn from
    an urn holding one ticket per relationship it has won, otherwise the next newcomer (in a seeded order)
    enters, or, once all have entered, a node is drawn uniformly.

    Memory and time are linear in ``entities + relationships`` (the time and memory of a
    100,000-entity, 500,000-relationship graph are in docs/performance.md).

    References
    ----------
    .. [1] de Solla Price, D., "A general theory of bibliometric and other cumulative advantage
       processes", J. Am. Soc. Inf. Sci. 27, 292-306 (1976).

    Examples
    --------
    >>> ecosystem = generate_ecosystem(entities=200, relationships=1000, seed=42)
    >>> len(ecosystem.entities), len(ecosystem.relationships)
    (200, 1000)
    >>> ecosystem.entities[0]["id"]
    'syn-service-provider-000001'
    >>> ecosystem == generate_ecosystem(entities=200, relationships=1000, seed=42)
    True
    >>> planned = generate_ecosystem(entities=200, relationships=1000, seed=42, planning=True)
    >>> hoster = planned.entities[1]
    >>> hoster["category"], hoster["countries"], hoster["attributes"]["disruption_cost"]
    ('bulletproof_hosting', ['NL', 'UA'], 3)
    >>> planned.relationships == ecosystem.relationships
    True
    >>> [member["name"] for member in planned.coalition][:2]
    ['nl-police', 'de-police']
    """
    _check_arguments(
        entities=entities,
        relationships=relationships,
        kind_shares=kind_shares,
        relationship_mix=relationship_mix,
        probabilities={
            "hub_attachment": hub_attachment,
            "actor_attachment": actor_attachment,
            "infrastructure_attachment": infrastructure_attachment,
            "victim_attachment": victim_attachment,
            "affiliate_share": affiliate_share,
        },
        tlp_weights=tlp_weights,
        observed_from=observed_from,
        observed_until=observed_until,
    )
    counts = _apportion(entities, kind_shares, at_least_one=True)
    capacity = _relationship_capacity(counts)
    if relationships > capacity:
        raise ValueError(f"{entities} entities of these kinds allow at most {capacity} relationships")
    if seed is None:
        seed = random.SystemRandom().randrange(2**63)
    # Separate streams: the same seed and entity count give the same entities whatever `relationships` is.
    entity_rng = random.Random(f"atlas-graph/{seed}/entities")
    relationship_rng = random.Random(f"atlas-graph/{seed}/relationships")

    with collector_paused():
        cast = _cast_entities(
            counts,
            rng=entity_rng,
            affiliate_share=affiliate_share,
            hub_attachment=hub_attachment,
            observed_from=observed_from.toordinal(),
            observed_until=observed_until.toordinal(),
        )
        reports = max(20, entities // 8)  # not from `relationships`: entities must not depend on it
        details = _Details(entity_rng, tlp_weights=tlp_weights, reports=reports)
        ids = _entity_ids(cast, id_prefix)
        entity_objects = [_entity_object(cast, index, ids[index], details) for index in range(len(cast.kinds))]

        world = _World.build(
            cast,
            rng=relationship_rng,
            hub_attachment=hub_attachment,
            actor_attachment=actor_attachment,
            infrastructure_attachment=infrastructure_attachment,
            victim_attachment=victim_attachment,
        )
        edges = _EdgeStore(cast.kinds)
        _add_relationships(world, edges, total=relationships, mix=relationship_mix)
        details = _Details(relationship_rng, tlp_weights=tlp_weights, reports=reports)
        relationship_objects = _relationship_objects(edges, cast, ids, details)
        coalition: list[JsonObject] = []
        if planning:
            _add_planning_details(entity_objects, cast, rng=random.Random(f"atlas-graph/{seed}/planning"))
            coalition = [
                {key: list(value) if isinstance(value, tuple) else value for key, value in member.items()}
                for member in PLANNING_COALITION
            ]
        return Ecosystem(entities=entity_objects, relationships=relationship_objects, seed=seed, coalition=coalition)


def _check_arguments(
    *,
    entities: int,
    relationships: int,
    kind_shares: Mapping[EntityKind, float],
    relationship_mix: Mapping[Activity, float],
    probabilities: Mapping[str, float],
    tlp_weights: Mapping[Tlp, float],
    observed_from: date,
    observed_until: date,
) -> None:
    if relationships < 0:
        raise ValueError(f"relationships must not be negative, got {relationships}")
    for name, weights in (
        ("kind_shares", kind_shares),
        ("relationship_mix", relationship_mix),
        ("tlp_weights", tlp_weights),
    ):
        if any(weight < 0 or not math.isfinite(weight) for weight in weights.values()):
            raise ValueError(f"{name} must be finite and not negative, got {dict(weights)}")
        if not any(weight > 0 for weight in weights.values()):
            raise ValueError(f"{name} needs at least one positive share")
    kinds_present = sum(1 for share in kind_shares.values() if share > 0)
    if entities < kinds_present:
        raise ValueError(f"entities must be at least {kinds_present}, one per kind, got {entities}")
    for name, probability in probabilities.items():
        if not 0 <= probability <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {probability}")
    if observed_until < observed_from:
        raise ValueError(f"observed_until {observed_until} is before observed_from {observed_from}")


def _apportion(total: int, weights: Mapping[_Key, float], *, at_least_one: bool = False) -> dict[_Key, int]:
    """Split `total` in proportion to `weights` by largest remainders, so the parts add up exactly."""
    positive = [key for key, weight in weights.items() if weight > 0]
    counts = {key: 0 for key in weights}
    remaining = total
    if at_least_one:
        for key in positive:
            counts[key] = 1
        remaining -= len(positive)
    weight_sum = sum(weights[key] for key in positive)
    quotas = {key: remaining * weights[key] / weight_sum for key in positive}
    for key in positive:
        counts[key] += int(quotas[key])
    leftover = remaining - sum(int(quota) for quota in quotas.values())
    by_remainder = sorted(positive, key=lambda key: quotas[key] - int(quotas[key]), reverse=True)
    for key in by_remainder[:leftover]:
        counts[key] += 1
    return counts


def _relationship_capacity(counts: Mapping[EntityKind, int]) -> int:
    """How many distinct (type, source, target) triples without self-loops these entities allow."""
    return sum(
        counts.get(source, 0) * counts.get(target, 0) - (counts.get(source, 0) if source == target else 0)
        for _, source, target in _ALLOWED
    )


# -------------------------------------------------------------------------------------------- the entities


@dataclass
class _Program:
    """A ransomware-as-a-service program: the provider, the actors who run it, its affiliates."""

    provider: int
    cores: list[int]
    affiliates: list[int] = field(default_factory=list)


@dataclass
class _Cast:
    """Who is who, by entity index: kinds, categories, roles, lifetimes and the affiliate programs."""

    kinds: list[EntityKind]
    categories: list[StrEnum]
    sequence: list[int]  # 1-based number within the kind, for ids and names
    category_sequence: list[int]  # 1-based number within the category, for addresses
    by_kind: dict[EntityKind, list[int]]
    by_category: dict[_CategoryKey, list[int]]  # see _category_key
    first_seen: list[int]  # date ordinals
    last_seen: list[int | None]  # None: still active
    observed_until: int
    programs: list[_Program]
    roles: dict[int, str]
    sector_victims: dict[int, tuple[str, str]]  # index -> (sector, country), distinct pairs


def _cast_entities(
    counts: Mapping[EntityKind, int],
    *,
    rng: random.Random,
    affiliate_share: float,
    hub_attachment: float,
    observed_from: int,
    observed_until: int,
) -> _Cast:
    kinds: list[EntityKind] = []
    categories: list[StrEnum] = []
    sequence: list[int] = []
    category_sequence: list[int] = []
    category_numbers: dict[_CategoryKey, int] = defaultdict(int)
    by_kind: dict[EntityKind, list[int]] = {kind: [] for kind in EntityKind}
    by_category: dict[_CategoryKey, list[int]] = defaultdict(list)
    sector_pairs = {
        (sector, country): sector_weight * country_weight
        for sector, sector_weight in _SECTOR_WEIGHTS.items()
        for country, country_weight in _VICTIM_COUNTRY_WEIGHTS.items()
    }
    for kind in _ENTITY_ORDER:
        shares = dict(_CATEGORY_SHARES[kind])
        category_counts = _apportion(counts.get(kind, 0), shares)
        if kind is EntityKind.VICTIM:
            # A sector victim is "the health sector in DE": there are only so many distinct ones.
            excess = max(0, category_counts[VictimKind.SECTOR] - len(sector_pairs))
            category_counts[VictimKind.SECTOR] -= excess
            category_counts[VictimKind.ORGANIZATION] += excess
        kind_categories: list[StrEnum] = [category for category, count in category_counts.items() for _ in range(count)]
        rng.shuffle(kind_categories)
        for number, category in enumerate(kind_categories, start=1):
            index = len(kinds)
            kinds.append(kind)
            categories.append(category)
            sequence.append(number)
            category_numbers[_category_key(category)] += 1
            category_sequence.append(category_numbers[_category_key(category)])
            by_kind[kind].append(index)
            by_category[_category_key(category)].append(index)

    span = observed_until - observed_from
    first_seen = [observed_from + int(rng.random() * (span + 1)) for _ in kinds]
    last_seen: list[int | None] = []
    for first in first_seen:
        if rng.random() < 0.2:
            last_seen.append(None)  # still active
        else:
            lifetime = int(rng.expovariate(1 / 700))
            last_seen.append(min(first + lifetime, observed_until))

    victims_by_sector = _members(by_category, VictimKind.SECTOR)
    pairs = _weighted_sample(rng, sector_pairs, len(victims_by_sector))
    sector_victims = dict(zip(victims_by_sector, pairs, strict=True))

    programs = _cast_programs(by_category, rng=rng, affiliate_share=affiliate_share, hub_attachment=hub_attachment)
    roles = {core: "ransomware_core" for program in programs for core in program.cores}
    roles.update({affiliate: "ransomware_affiliate" for program in programs for affiliate in program.affiliates})
    return _Cast(
        kinds=kinds,
        categories=categories,
        sequence=sequence,
        category_sequence=category_sequence,
        by_kind=by_kind,
        by_category=dict(by_category),
        first_seen=first_seen,
        last_seen=last_seen,
        observed_until=observed_until,
        programs=programs,
        roles=roles,
        sector_victims=sector_victims,
    )


def _cast_programs(
    by_category: Mapping[_CategoryKey, list[int]],
    *,
    rng: random.Random,
    affiliate_share: float,
    hub_attachment: float,
) -> list[_Program]:
    """Give every ransomware program a core of actor groups and a heavy-tailed crowd of affiliates."""
    providers = _members(by_category, ServiceKind.RANSOMWARE_AS_A_SERVICE)
    groups = list(_members(by_category, ActorCategory.GROUP))
    individuals = list(_members(by_category, ActorCategory.INDIVIDUAL))
    actor_count = sum(len(_members(by_category, category)) for category in ActorCategory)
    rng.shuffle(groups)
    rng.shuffle(individuals)
    core_sizes = _WeightedChoice(_RAAS_CORE_SIZE_WEIGHTS.items())
    programs: list[_Program] = []
    for provider in providers:
        cores = []
        for _ in range(core_sizes.pick(rng)):
            pool = groups or individuals  # a lone individual runs a program only when groups run out
            if pool:
                cores.append(pool.pop())
        if cores:
            programs.append(_Program(provider=provider, cores=cores))
    if not programs:
        return []

    taken = {core for program in programs for core in program.cores}
    eligible = sorted(
        index
        for category in _HANDS_ON_ACTOR_CATEGORIES
        for index in _members(by_category, category)
        if index not in taken
    )
    rng.shuffle(eligible)
    affiliates = eligible[: round(affiliate_share * actor_count)]
    popularity = _PreferentialPicker(range(len(programs)), attachment=hub_attachment, rng=rng)
    for affiliate in affiliates:
        number = popularity.pick()
        popularity.reward(number)
        programs[number].affiliates.append(affiliate)
    return programs


def _entity_ids(cast: _Cast, id_prefix: str) -> list[str]:
    return [
        f"{id_prefix}-{_ID_SLUGS[kind]}-{number:06d}" for kind, number in zip(cast.kinds, cast.sequence, strict=True)
    ]


class _Details:
    """Draws the metadata every entity and relationship carries: confidence, TLP, references, dates."""

    def __init__(self, rng: random.Random, *, tlp_weights: Mapping[Tlp, float], reports: int) -> None:
        self.rng = rng
        self._tlps = _WeightedChoice((str(tlp.value), weight) for tlp, weight in tlp_weights.items())
        # Strings shared by everything that cites the same report or was seen on the same day: half a
        # million relationships would otherwise hold half a million copies.
        self._report_urls = [_REPORT_URL.format(number) for number in range(1, reports + 1)]
        self._days: dict[int, str] = {}

    def confidence(self) -> int:
        confidence: int = _CONFIDENCES.pick(self.rng)
        return confidence

    def tlp(self) -> str:
        tlp: str = self._tlps.pick(self.rng)
        return tlp

    def references(self, least: int, most: int) -> list[str]:
        rng = self.rng
        urls = self._report_urls
        count = least + int(rng.random() * (most - least + 1))
        return [urls[int(rng.random() * len(urls))] for _ in range(count)]

    def day(self, ordinal: int) -> str:
        text = self._days.get(ordinal)
        if text is None:
            text = self._days[ordinal] = date.fromordinal(ordinal).isoformat()
        return text


def _entity_object(cast: _Cast, index: int, entity_id: str, details: _Details) -> JsonObject:
    rng = details.rng
    kind = cast.kinds[index]
    category = cast.categories[index]
    number = cast.sequence[index]
    adjective = _ADJECTIVES[int(rng.random() * len(_ADJECTIVES))]
    noun = _NOUNS[int(rng.random() * len(_NOUNS))]
    aliases: list[str] = []
    attributes: JsonObject = {}

    if kind is EntityKind.ACTOR:
        role = cast.roles.get(index, "independent")
        if category is ActorCategory.CAMPAIGN:
            name = f"Operation {adjective} {noun} {number:05d}"
        elif category is ActorCategory.INDIVIDUAL:
            name = f"{adjective.lower()}{noun.lower()}_{number:05d}"
        else:
            name = f"{adjective} {noun} {number:05d}"
        if rng.random() < 0.35:
            aliases.append(f"ACT-{number:05d}")
            if rng.random() < 0.4:
                aliases.append(f"{noun.lower()}{adjective.lower()}{number % 1000:03d}")
        attributes = {"country": _ACTOR_COUNTRIES.pick(rng), "role": role}
        description = f"Synthetic threat actor ({category.value}, {role.replace('_', ' ')}); not a real one."
    elif kind is EntityKind.SERVICE_PROVIDER:
        service = ServiceKind(category)
        name = f"{adjective}{noun} {_SERVICE_LABELS[service]} {number:04d}"
        if rng.random() < 0.2:
            aliases.append(f"{adjective.lower()}_{noun.lower()}_{number}")
        countries = _SCAM_COMPOUND_COUNTRIES if service is ServiceKind.SCAM_COMPOUND else _PROVIDER_COUNTRIES
        attributes = {"country": countries.pick(rng), "pricing_model": _PRICING_MODELS[service]}
        if service is ServiceKind.RANSOMWARE_AS_A_SERVICE:
            attributes["revenue_share_percent"] = 10 + 5 * int(rng.random() * 5)
        description = f"Synthetic {service.value.replace('_', ' ')} provider; not a real one."
    elif kind is EntityKind.FINANCIER:
        channel = FinancierKind(category)
        name = f"{adjective} {noun} {_FINANCIER_LABELS[channel]} {number:04d}"
        attributes = {"country": _FINANCIER_COUNTRIES.pick(rng), "kyc": _KYC_LEVELS[channel].pick(rng)}
        description = f"Synthetic {channel.value.replace('_', ' ')} financier; not a real one."
    elif kind is EntityKind.INFRASTRUCTURE:
        name, attributes = _infrastructure_name(
            InfrastructureKind(category), number, cast.category_sequence[index], adjective, noun, rng
        )
        description = f"Synthetic {category.value.replace('_', ' ')}; documentation or reserved names only."
    else:
        name, attributes = _victim_name(cast, index, adjective, noun, rng)
        description = f"Synthetic victim ({category.value}); not a real one."

    entity: JsonObject = {
        "id": entity_id,
        "kind": kind.value,
        "name": name,
        "aliases": aliases,
        "category": category.value,
        "attributes": attributes,
        "confidence": details.confidence(),
        "tlp": details.tlp(),
        "first_seen": details.day(cast.first_seen[index]),
    }
    last_seen = cast.last_seen[index]
    if last_seen is not None:
        entity["last_seen"] = details.day(last_seen)
    entity["references"] = details.references(1, 2)
    entity["description"] = description
    return entity


def _infrastructure_name(
    category: InfrastructureKind,
    number: int,
    number_in_category: int,
    adjective: str,
    noun: str,
    rng: random.Random,
) -> tuple[str, JsonObject]:
    """A name that is obviously synthetic: reserved TLDs, documentation addresses, invalid wallet formats."""
    words = f"{adjective}{noun}".lower()
    country = _HOSTING_COUNTRIES.pick(rng)
    asn = _PRIVATE_ASN_RANGE[0] + int(rng.random() * (_PRIVATE_ASN_RANGE[1] - _PRIVATE_ASN_RANGE[0] + 1))
    if category is InfrastructureKind.DOMAIN:
        return f"{adjective.lower()}-{noun.lower()}-{number}.invalid", {}
    if category is InfrastructureKind.URL:
        return f"https://{words}{number}.invalid/{rng.getrandbits(24):06x}", {}
    if category is InfrastructureKind.IP_ADDRESS:
        offset = number_in_category - 1  # numbered, so that no address repeats within one ecosystem
        documentation_addresses = 254 * len(_DOCUMENTATION_IPV4_NETWORKS)
        if offset < documentation_addresses:
            address = f"{_DOCUMENTATION_IPV4_NETWORKS[offset // 254]}.{offset % 254 + 1}"
        else:
            address = str(IPv4Address(_RESERVED_IPV4_START + offset - documentation_addresses))
        return address, {"country": country, "asn": asn}
    if category is InfrastructureKind.SERVER:
        return f"srv{number}.{words}.invalid", {"country": country, "asn": asn}
    if category is InfrastructureKind.HOSTING:
        return f"{adjective}{noun} hosting segment {number:05d}", {"country": country, "asn": asn}
    if category is InfrastructureKind.ONION_SERVICE:
        # Digits 0, 1, 8 and 9 never occur in real onion addresses.
        return f"syn{number:06d}{words}.onion", {}
    if category is InfrastructureKind.WALLET_ADDRESS:
        network = _WALLET_NETWORKS.pick(rng)
        return f"{_WALLET_PREFIXES[network]}-syn-{number:06d}", {"network": network}
    return f"synthetic-infrastructure-{number:06d}", {}


def _victim_name(cast: _Cast, index: int, adjective: str, noun: str, rng: random.Random) -> tuple[str, JsonObject]:
    category = cast.categories[index]
    number = cast.sequence[index]
    if category is VictimKind.SECTOR:
        sector, country = cast.sector_victims[index]
        return f"{sector.capitalize()} sector ({country})", {"country": country, "sector": sector}
    country = _VICTIM_COUNTRIES.pick(rng)
    if category is VictimKind.INDIVIDUAL:
        return f"Individual {number:06d}", {"country": country, "sector": _INDIVIDUAL_SECTOR}
    sector = _SECTORS.pick(rng)
    name = f"{adjective} {noun} {_SECTOR_NOUNS[sector]} {number:05d}"
    return name, {"country": country, "sector": sector, "size": _ORGANIZATION_SIZES.pick(rng)}


def _add_planning_details(entity_objects: list[JsonObject], cast: _Cast, *, rng: random.Random) -> None:
    """Give the entities a planner acts on their `countries` and `disruption_cost`, in place."""
    for index, entity in enumerate(entity_objects):
        kind = cast.kinds[index]
        if kind not in _PLANNED_KINDS:
            continue
        attributes = entity["attributes"]
        known = attributes.get("country")
        countries: list[str] = []
        if known is not None and rng.random() >= _UNKNOWN_WHEREABOUTS[kind]:
            countries.append(known)
            spread = _SPREAD_COUNTRIES.get(cast.categories[index])
            if spread is not None:
                places, likelihood = spread
                for _ in range(2):
                    if rng.random() < likelihood:
                        country = places.pick(rng)
                        if country not in countries:
                            countries.append(country)
        entity["countries"] = sorted(countries)
        least, most = _COST_RANGES[kind]
        attributes["disruption_cost"] = least + int(rng.random() * (most - least + 1))


# --------------------------------------------------------------------------------------- the relationships


class _EdgeStore:
    """The relationships accepted so far, in columns, refusing duplicates, self-loops and disallowed kinds."""

    def __init__(self, kinds: Sequence[EntityKind]) -> None:
        self.kinds = kinds
        self.types: list[RelationshipType] = []
        self.sources: list[int] = []
        self.targets: list[int] = []
        self.payments: dict[int, tuple[float, str]] = {}
        self.by_pattern: dict[tuple[RelationshipType, EntityKind, EntityKind], list[int]] = defaultdict(list)
        self._keys: set[int] = set()
        self._type_numbers = {relationship_type: number for number, relationship_type in enumerate(RelationshipType)}

    def __len__(self) -> int:
        return len(self.types)

    def add(
        self,
        relationship_type: RelationshipType,
        source: int,
        target: int,
        payment: tuple[float, str] | None = None,
    ) -> bool:
        """Add the relationship unless it loops or exists; say whether it was added."""
        if source == target:
            return False
        size = len(self.kinds)
        key = (self._type_numbers[relationship_type] * size + source) * size + target
        if key in self._keys:
            return False
        pattern = (relationship_type, self.kinds[source], self.kinds[target])
        if pattern not in _ALLOWED:
            raise RuntimeError(f"bug: generated {pattern}, which ALLOWED_KIND_PAIRS forbids")
        if (payment is None) == (relationship_type is RelationshipType.PAYS):
            raise RuntimeError("bug: PAYS, and only PAYS, carries a payment")
        self._keys.add(key)
        edge = len(self.types)
        self.types.append(relationship_type)
        self.sources.append(source)
        self.targets.append(target)
        if payment is not None:
            self.payments[edge] = payment
        self.by_pattern[pattern].append(edge)
        return True

    def pattern(self, relationship_type: RelationshipType, source: EntityKind, target: EntityKind) -> list[int]:
        """The live list of relationships of this type between these kinds (it grows as edges are added)."""
        return self.by_pattern[(relationship_type, source, target)]


@dataclass
class _World:
    """The seeded pickers every activity draws from, so that popularity carries across activities."""

    cast: _Cast
    rng: random.Random
    actors: _PreferentialPicker
    victims: _PreferentialPicker
    infrastructure: _PreferentialPicker
    services: dict[_CategoryKey, _PreferentialPicker]  # one per service and financier category with members
    programs: _PreferentialPicker  # affiliate programs, by their index in `cast.programs`

    @classmethod
    def build(
        cls,
        cast: _Cast,
        *,
        rng: random.Random,
        hub_attachment: float,
        actor_attachment: float,
        infrastructure_attachment: float,
        victim_attachment: float,
    ) -> _World:
        services = {
            _category_key(category): _PreferentialPicker(
                _members(cast.by_category, category), attachment=hub_attachment, rng=rng
            )
            for category in (*ServiceKind, *FinancierKind)
            if _members(cast.by_category, category)
        }
        # Programs keep the popularity they had when affiliates signed up.
        programs = _PreferentialPicker(range(len(cast.programs)), attachment=hub_attachment, rng=rng)
        programs.nodes.sort()
        for number, program in enumerate(cast.programs):
            for _ in range(len(program.affiliates) + 1):
                programs.reward(number)
        return cls(
            cast=cast,
            rng=rng,
            actors=_PreferentialPicker(cast.by_kind[EntityKind.ACTOR], attachment=actor_attachment, rng=rng),
            victims=_PreferentialPicker(cast.by_kind[EntityKind.VICTIM], attachment=victim_attachment, rng=rng),
            infrastructure=_PreferentialPicker(
                cast.by_kind[EntityKind.INFRASTRUCTURE], attachment=infrastructure_attachment, rng=rng
            ),
            services=services,
            programs=programs,
        )

    def choice(self, weights: Mapping[Any, float]) -> _WeightedChoice[Any]:
        """A weighted choice among the categories of `weights` that have at least one entity."""
        return _WeightedChoice(
            (category, weight)
            for category, weight in weights.items()
            if (category is EntityKind.ACTOR and self.actors) or self.has(category)
        )

    def pick(self, category: StrEnum) -> tuple[int, _PreferentialPicker]:
        """Propose an actor (for `EntityKind.ACTOR`) or a member of a service or financier category."""
        picker = self.actors if category is EntityKind.ACTOR else self.services[_category_key(category)]
        return picker.pick(), picker

    def actor_or_service(self, *, service_share: float) -> tuple[int, _PreferentialPicker | None]:
        """An actor by popularity or, with probability `service_share` (always, with no actor), any service provider
        alike; a service drawn so has no picker to reward."""
        services = self.cast.by_kind[EntityKind.SERVICE_PROVIDER]
        if services and (not self.actors or self.rng.random() < service_share):
            return services[int(self.rng.random() * len(services))], None
        return self.actors.pick(), self.actors

    def has(self, category: StrEnum) -> bool:
        """Whether any service provider or financier is of this category."""
        return _category_key(category) in self.services


_Activity = Callable[[_World, _EdgeStore], Iterator[bool]]
"""An endless (or finite) stream of attempts to add one relationship, each yielding whether it worked."""


def _affiliate_programs(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    rng = world.rng
    programs = world.cast.programs
    for program in programs:
        for core in program.cores:
            yield edges.add(RelationshipType.OPERATES, core, program.provider)
    for program in programs:
        for affiliate in program.affiliates:
            yield edges.add(RelationshipType.AFFILIATED_WITH, affiliate, rng.choice(program.cores))
            yield edges.add(RelationshipType.USES, affiliate, program.provider)
    affiliates = [affiliate for program in programs for affiliate in program.affiliates]
    if not affiliates:
        return
    # Affiliates drift to other programs, the big ones most often.
    while True:
        affiliate = affiliates[int(rng.random() * len(affiliates))]
        number = world.programs.pick()
        program = programs[number]
        joined = edges.add(RelationshipType.AFFILIATED_WITH, affiliate, rng.choice(program.cores))
        if joined:
            world.programs.reward(number)
        yield joined
        if joined and rng.random() < _HOPPER_USES_PROGRAM:
            yield edges.add(RelationshipType.USES, affiliate, program.provider)


def _service_purchases(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    yield from _actors_reach(world, edges, RelationshipType.USES, world.choice(_SERVICE_DEMAND), actor_first=True)


def _access_brokerage(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    yield from _actors_reach(
        world, edges, RelationshipType.SUPPLIES, world.choice(_ACCESS_SUPPLIERS), actor_first=False
    )


def _actors_reach(
    world: _World,
    edges: _EdgeStore,
    relationship_type: RelationshipType,
    categories: _WeightedChoice[Any],
    *,
    actor_first: bool,
) -> Iterator[bool]:
    """Relationships between a (preferentially picked) actor and a (preferentially picked) service."""
    if not categories or not world.actors:
        return
    rng = world.rng
    while True:
        actor = world.actors.pick()
        service, picker = world.pick(categories.pick(rng))
        source, target = (actor, service) if actor_first else (service, actor)
        yield _rewarded(edges.add(relationship_type, source, target), (world.actors, actor), (picker, service))


def _supply_chain(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    rng = world.rng
    links = _WeightedChoice(
        ((source, relationship_type, target), weight)
        for source, relationship_type, target, weight in _SUPPLY_CHAIN
        if world.has(source) and world.has(target)
    )
    if not links:
        return
    by_category = world.cast.by_category
    while True:
        source_category, relationship_type, target_category = links.pick(rng)
        # Every service has suppliers; the suppliers are the hubs.
        members = _members(by_category, source_category)
        source = members[int(rng.random() * len(members))]
        target, picker = world.pick(target_category)
        yield _rewarded(edges.add(relationship_type, source, target), (picker, target))


def _operation(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    rng = world.rng
    cast = world.cast
    runners = sorted(index for category in _HANDS_ON_ACTOR_CATEGORIES for index in _members(cast.by_category, category))
    if runners:
        # Ransomware programs are run by their cores (see the affiliate programs); every other service by
        # an actor group or individual.
        for service in cast.by_kind[EntityKind.SERVICE_PROVIDER]:
            if cast.categories[service] is not ServiceKind.RANSOMWARE_AS_A_SERVICE:
                yield edges.add(RelationshipType.OPERATES, runners[int(rng.random() * len(runners))], service)
    operators = {category: world.choice(_OPERATORS[category]) for category in InfrastructureKind}
    fallback = world.choice({EntityKind.ACTOR: 1.0, **dict.fromkeys(ServiceKind, 1.0)})

    def operate(item: int) -> bool:
        choice = operators[InfrastructureKind(cast.categories[item])] or fallback
        if not choice:
            return False
        operator, picker = world.pick(choice.pick(rng))
        added = edges.add(RelationshipType.OPERATES, operator, item)
        return _rewarded(added, (picker, operator), (world.infrastructure, item))

    yield from _each_then_by_popularity(world.infrastructure, operate)


def _rewarded(added: bool, *winners: tuple[_PreferentialPicker | None, int]) -> bool:
    """Say whether a relationship was added; if it was, give each winner its ticket, in the order listed.

    The order matters: it is the order of the urn, hence of every later pick. A None picker is an end that was
    not picked preferentially, which earns no ticket.
    """
    if added:
        for picker, node in winners:
            if picker is not None:
                picker.reward(node)
    return added


def _each_then_by_popularity(picker: _PreferentialPicker, attempt: Callable[[int], bool]) -> Iterator[bool]:
    """One attempt at each of the picker's nodes in arrival order, so that none is left out; then attempts at the
    nodes it picks by popularity."""
    for node in list(picker.nodes):
        yield attempt(node)
    while picker:
        yield attempt(picker.pick())


def _infrastructure_use(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    services = world.cast.by_kind[EntityKind.SERVICE_PROVIDER]
    if not world.infrastructure or not (world.actors or services):
        return
    while True:
        user, user_picker = world.actor_or_service(service_share=0.2)
        item = world.infrastructure.pick()
        yield _rewarded(edges.add(RelationshipType.USES, user, item), (user_picker, user), (world.infrastructure, item))


def _laundering(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    rng = world.rng
    channels = world.choice(_FINANCIER_DEMAND)
    services = world.cast.by_kind[EntityKind.SERVICE_PROVIDER]
    if not channels or not (world.actors or services):
        return
    while True:
        financier, financier_picker = world.pick(channels.pick(rng))
        client, client_picker = world.actor_or_service(service_share=0.25)
        if rng.random() < 0.7:
            added = edges.add(RelationshipType.LAUNDERS_FOR, financier, client)
        else:
            added = edges.add(RelationshipType.USES, client, financier)
        yield _rewarded(added, (financier_picker, financier), (client_picker, client))


def _targeting(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    rng = world.rng
    cast = world.cast
    attacking_services = world.choice(_ATTACKING_SERVICES)
    if not world.victims or not (world.actors or attacking_services):
        return

    def attack(victim: int) -> bool:
        # Scam compounds and phishing kits go after individuals; ransomware crews after organizations.
        service_share = 0.5 if cast.categories[victim] is VictimKind.INDIVIDUAL else 0.1
        if attacking_services and (not world.actors or rng.random() < service_share):
            attacker, picker = world.pick(attacking_services.pick(rng))
        else:
            attacker, picker = world.actors.pick(), world.actors
        added = edges.add(RelationshipType.TARGETS, attacker, victim)
        return _rewarded(added, (picker, attacker), (world.victims, victim))

    yield from _each_then_by_popularity(world.victims, attack)


def _payments(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    """Money that follows the relationships already there, plus layering between financiers."""
    rng = world.rng
    actor, service, financier, victim = (
        EntityKind.ACTOR,
        EntityKind.SERVICE_PROVIDER,
        EntityKind.FINANCIER,
        EntityKind.VICTIM,
    )
    uses, supplies, launders = RelationshipType.USES, RelationshipType.SUPPLIES, RelationshipType.LAUNDERS_FOR
    # (relationships the money follows, whether it flows against them, median amount in US dollars)
    flows: list[tuple[tuple[list[int], bool, float], float]] = [
        ((edges.pattern(RelationshipType.TARGETS, actor, victim), True, 120_000.0), 0.22),  # ransoms
        ((edges.pattern(uses, actor, service), False, 900.0), 0.22),  # purchases
        ((edges.pattern(supplies, service, actor), True, 3_000.0), 0.06),  # access bought
        ((edges.pattern(launders, financier, actor), True, 30_000.0), 0.12),  # deposits
        ((edges.pattern(launders, financier, actor), False, 25_000.0), 0.10),  # cash-outs
        ((edges.pattern(launders, financier, service), True, 60_000.0), 0.06),
        ((edges.pattern(uses, service, service), False, 5_000.0), 0.06),  # services paying their suppliers
        (
            (edges.pattern(RelationshipType.AFFILIATED_WITH, actor, actor), False, 30_000.0),
            0.06,
        ),  # the core's cut
    ]
    choices = _WeightedChoice(flows)
    channels = world.choice(_FINANCIER_DEMAND)
    layering = 0.10 if len(world.cast.by_kind[EntityKind.FINANCIER]) > 1 else 0.0
    while True:
        if rng.random() < layering:
            payer, payer_picker = world.pick(channels.pick(rng))
            payee, payee_picker = world.pick(channels.pick(rng))
            added = edges.add(RelationshipType.PAYS, payer, payee, _payment(rng, 80_000.0))
            yield _rewarded(added, (payer_picker, payer), (payee_picker, payee))
            continue
        followed, against, median = choices.pick(rng)
        if not followed:
            yield False
            continue
        edge = followed[int(rng.random() * len(followed))]
        payer, payee = edges.sources[edge], edges.targets[edge]
        if against:
            payer, payee = payee, payer
        yield edges.add(RelationshipType.PAYS, payer, payee, _payment(rng, median))


def _payment(rng: random.Random, median_usd: float) -> tuple[float, str]:
    """A log-normal amount around `median_usd`, in a currency drawn from crime's usual ones."""
    currency = _CURRENCIES.pick(rng)
    usd = rng.lognormvariate(math.log(median_usd), _PAYMENT_SPREAD)
    decimals = _DECIMALS[currency]
    return max(round(usd / _USD_PER_UNIT[currency], decimals), 10.0**-decimals), currency


def _any_allowed(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    """Relationships of any allowed type and kinds, for graphs too small or dense for the activities."""
    rng = world.rng
    by_kind = world.cast.by_kind
    patterns = _WeightedChoice(
        (pattern, len(by_kind[pattern[1]]) * len(by_kind[pattern[2]])) for pattern in sorted(_ALLOWED)
    )
    while True:
        relationship_type, source_kind, target_kind = patterns.pick(rng)
        sources, targets = by_kind[source_kind], by_kind[target_kind]
        source = sources[int(rng.random() * len(sources))]
        target = targets[int(rng.random() * len(targets))]
        payment = _payment(rng, 10_000.0) if relationship_type is RelationshipType.PAYS else None
        yield edges.add(relationship_type, source, target, payment)


def _every_allowed(world: _World, edges: _EdgeStore) -> Iterator[bool]:
    """Every allowed relationship in turn: the last resort when the graph is nearly complete."""
    rng = world.rng
    by_kind = world.cast.by_kind
    for relationship_type, source_kind, target_kind in sorted(_ALLOWED):
        for source in by_kind[source_kind]:
            for target in by_kind[target_kind]:
                payment = _payment(rng, 10_000.0) if relationship_type is RelationshipType.PAYS else None
                yield edges.add(relationship_type, source, target, payment)


_ACTIVITIES: Mapping[Activity, _Activity] = {
    Activity.AFFILIATE_PROGRAMS: _affiliate_programs,
    Activity.SERVICE_PURCHASES: _service_purchases,
    Activity.ACCESS_BROKERAGE: _access_brokerage,
    Activity.SUPPLY_CHAIN: _supply_chain,
    Activity.OPERATION: _operation,
    Activity.INFRASTRUCTURE_USE: _infrastructure_use,
    Activity.LAUNDERING: _laundering,
    Activity.TARGETING: _targeting,
    Activity.PAYMENTS: _payments,
}


def _add_relationships(world: _World, edges: _EdgeStore, *, total: int, mix: Mapping[Activity, float]) -> None:
    """Run every activity to its share of `total`, then hand any shortfall to those that still can add."""
    streams = {activity: _ACTIVITIES[activity](world, edges) for activity in Activity if mix.get(activity, 0) > 0}
    budgets = _apportion(total, {activity: mix[activity] for activity in streams})
    live = []
    for activity, stream in streams.items():
        if not _drain(stream, budgets[activity]):
            live.append(activity)
    while len(edges) < total and live:
        budgets = _apportion(total - len(edges), {activity: mix[activity] for activity in live})
        live = [activity for activity in live if not _drain(streams[activity], budgets[activity])]
    for last_resort in (_any_allowed, _every_allowed):
        if len(edges) < total:
            _drain(last_resort(world, edges), total - len(edges))
    if len(edges) != total:  # the capacity check up front makes this unreachable
        raise RuntimeError(f"bug: generated {len(edges)} relationships instead of {total}")


def _drain(stream: Iterator[bool], budget: int) -> bool:
    """Add up to `budget` relationships from `stream`; say whether it ran dry or stalled first."""
    added = misses = 0
    while added < budget:
        outcome = next(stream, None)
        if outcome is None:
            return True
        if outcome:
            added += 1
            misses = 0
        else:
            misses += 1
            if misses >= _STALL_LIMIT:
                return True
    return False


def _relationship_objects(edges: _EdgeStore, cast: _Cast, ids: Sequence[str], details: _Details) -> list[JsonObject]:
    # Half a million iterations: the draws are bound to locals, sparing an attribute look-up each (docs/performance.md).
    random_fraction = details.rng.random
    confidence, tlp, references, day = details.confidence, details.tlp, details.references, details.day
    sources, targets, types, payments = edges.sources, edges.targets, edges.types, edges.payments
    first_seen, last_seen, observed_until = cast.first_seen, cast.last_seen, cast.observed_until
    type_names = {relationship_type: str(relationship_type.value) for relationship_type in RelationshipType}
    # Ordered by the later endpoint, as entities are ordered, so that any prefix of both lists is postable.
    ready_at = [max(source, target) for source, target in zip(sources, targets, strict=True)]
    objects: list[JsonObject] = []
    for edge in sorted(range(len(ready_at)), key=ready_at.__getitem__):
        source, target = sources[edge], targets[edge]
        # A relationship is seen while both its endpoints are.
        earliest = max(first_seen[source], first_seen[target])
        source_end, target_end = last_seen[source], last_seen[target]
        latest = min(
            observed_until if source_end is None else source_end,
            observed_until if target_end is None else target_end,
        )
        latest = max(latest, earliest)  # endpoints whose sightings never overlap: seen together once
        first = earliest + int(random_fraction() * 0.5 * (latest - earliest + 1))
        relationship: JsonObject = {
            "type": type_names[types[edge]],
            "source": {"id": ids[source]},
            "target": {"id": ids[target]},
            "confidence": confidence(),
            "tlp": tlp(),
            "first_seen": day(first),
        }
        if random_fraction() < 0.75:
            relationship["last_seen"] = day(first + int(random_fraction() * (latest - first + 1)))
        payment = payments.get(edge)
        if payment is not None:
            relationship["attributes"] = {"amount": payment[0], "currency": payment[1]}
        relationship["references"] = references(0, 2)
        objects.append(relationship)
    return objects
