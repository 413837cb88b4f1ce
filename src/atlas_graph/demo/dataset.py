"""Builds the demo's synthetic layer around the real ATT&CK objects (see README.md in this folder)."""

from __future__ import annotations

import json
import random
from importlib import resources
from typing import Any

from atlas_graph.synthetic import PLANNING_COALITION

ATTACK_FILE = "attack_subset.stix.json"
SYNTHETIC = "(synthetic)"
NOTE = "Synthetic demo data made up by atlas-graph; not a real entity."

# name, category, countries (where an action against it would happen; none known: only a member acting anywhere
# can), disruption cost (relative effort, one domain suspension = 1; see docs/planning.md).
PROVIDERS = [
    ("Yellowstone Bulletproof Hosting", "bulletproof_hosting", ["NL"], 3),
    ("Riverbank Bulletproof Hosting", "bulletproof_hosting", ["RU"], 3),
    ("GateKeeper Access Broker", "initial_access_brokerage", ["RU"], 4),
    ("Lantern Access Broker", "initial_access_brokerage", ["US"], 3),
    ("Chameleon Crypter", "crypting", ["UA"], 2),
    ("Dark Bazaar Forum", "forum", [], 2),
    ("Phishmonger Kits", "phishing_kit", ["BR"], 2),
    ("Swarm Botnet Rental", "botnet", ["DE"], 3),
]
FINANCIERS = [
    ("Nimbus Exchange", "exchange", ["LT"], 3),
    ("Tumbleweed Mixer", "mixer", [], 2),
    ("Harbor OTC Desk", "otc_broker", ["AE"], 3),
    ("Courier Mule Network", "mule_network", ["GB"], 2),
]
# What the providers run on: (operator, name, category, countries). Domains and onion services have no country.
INFRASTRUCTURE = [
    ("Dark Bazaar Forum", "darkbazaar onion service", "onion_service", []),
    ("Phishmonger Kits", "phishmonger-kits.example", "domain", []),
    ("Swarm Botnet Rental", "Swarm C2 servers", "server", ["DE"]),
    ("Yellowstone Bulletproof Hosting", "Yellowstone rack in Amsterdam", "server", ["NL"]),
]
SECTORS = ["health", "finance", "energy", "government", "education", "manufacturing", "retail", "logistics"]
COUNTRIES = ["DE", "FR", "US", "GB", "UA", "PL", "JP", "BR", "IN", "NL"]


COALITION = PLANNING_COALITION
"""The demo's coalition: member organizations with profiles (who can act, where, how), the generator's."""


def attack_bundle() -> dict[str, Any]:
    """The real layer: a STIX bundle of ATT&CK objects."""
    text = resources.files("atlas_graph.demo").joinpath(ATTACK_FILE).read_text(encoding="utf-8")
    bundle: dict[str, Any] = json.loads(text)
    return bundle


def synthetic_bundle(attack: dict[str, Any], *, seed: int = 7) -> dict[str, Any]:
    """The synthetic layer, as a POST /v1/bundles body whose relationships reach into the real layer by STIX id."""
    rng = random.Random(seed)
    objects = [o for o in attack["objects"] if not o.get("revoked") and not o.get("x_mitre_deprecated")]
    groups = [o["id"] for o in objects if o["type"] in ("intrusion-set", "threat-actor")]
    malware = [o["id"] for o in objects if o["type"] == "malware"]

    def named(name: str) -> str:
        return f"{name} {SYNTHETIC}"

    entities: list[dict[str, Any]] = []
    relationships: list[dict[str, Any]] = []

    def claim(**extra: Any) -> dict[str, Any]:
        return {"confidence": rng.randint(45, 90), "description": NOTE, **extra}

    def entity(kind: str, name: str, category: str, countries: list[str], attributes: dict[str, Any]) -> None:
        entities.append(
            {
                "kind": kind,
                "name": name,
                "category": category,
                "countries": countries,
                "attributes": attributes,
                **claim(),
            }
        )

    for kind, table in (("service_provider", PROVIDERS), ("financier", FINANCIERS)):
        for name, category, countries, cost in table:
            entity(kind, named(name), category, countries, {"disruption_cost": cost})
    for operator, name, category, countries in INFRASTRUCTURE:
        entity("infrastructure", named(name), category, countries, {"disruption_cost": 1})
        relationships.append(
            {
                "type": "OPERATES",
                "source": {"kind": "service_provider", "name": named(operator)},
                "target": {"kind": "infrastructure", "name": named(name)},
                **claim(),
            }
        )
    victims = []
    for index in range(24):
        sector = SECTORS[index % len(SECTORS)]
        country = COUNTRIES[rng.randrange(len(COUNTRIES))]
        name = named(f"{sector.title()} organization {index + 1:02d}")
        victims.append(name)
        entity("victim", name, "organization", [country], {"sector": sector, "country": country})

    def ref_provider(name: str) -> dict[str, str]:
        return {"kind": "service_provider", "name": named(name)}

    def ref_financier(name: str) -> dict[str, str]:
        return {"kind": "financier", "name": named(name)}

    # Most groups host with the first bulletproof provider: the chokepoint the demo ranking should find.
    for group in groups:
        host = PROVIDERS[0][0] if rng.random() < 0.75 else PROVIDERS[1][0]
        relationships.append({"type": "USES", "source": {"id": group}, "target": ref_provider(host), **claim()})
        for provider, *_ in rng.sample(PROVIDERS[2:], 2):
            relationships.append({"type": "USES", "source": {"id": group}, "target": ref_provider(provider), **claim()})
        financier = FINANCIERS[rng.randrange(len(FINANCIERS))][0]
        relationships.append(
            {"type": "LAUNDERS_FOR", "source": ref_financier(financier), "target": {"id": group}, **claim()}
        )
        for victim in rng.sample(victims, 3):
            relationships.append(
                {"type": "TARGETS", "source": {"id": group}, "target": {"kind": "victim", "name": victim}, **claim()}
            )
    for software in malware:
        relationships.append(
            {"type": "USES", "source": {"id": software}, "target": ref_provider(PROVIDERS[4][0]), **claim()}
        )
    relationships.append(
        {
            "type": "PAYS",
            "source": ref_financier(FINANCIERS[1][0]),
            "target": ref_financier(FINANCIERS[0][0]),
            "amount": 1_250_000.0,
            "currency": "USD",
            **claim(),
        }
    )
    relationships.append(
        {
            "type": "OPERATES",
            "source": ref_provider(PROVIDERS[5][0]),
            "target": ref_provider(PROVIDERS[2][0]),
            **claim(),
        }
    )
    return {"entities": entities, "relationships": relationships}
