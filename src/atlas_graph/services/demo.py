"""Loads the demo: real ATT&CK objects and a synthetic layer, as two organizations, and a key to look at them."""

from __future__ import annotations

from dataclasses import dataclass

from atlas_graph.demo.dataset import COALITION, attack_bundle, synthetic_bundle
from atlas_graph.errors import AuthenticationFailed
from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.vocabulary import Role, Tlp
from atlas_graph.services import access, organizations
from atlas_graph.services.caller import Caller
from atlas_graph.services.ingestion import ingest_bundle
from atlas_graph.stix.importer import import_stix_bundle
from atlas_graph.store import entities as entity_store
from atlas_graph.store.graph import GraphStore

ATTACK_ORGANIZATION = "Demo - MITRE ATT&CK"
SYNTHETIC_ORGANIZATION = "Demo - Synthetic layer"
VIEWER_ORGANIZATION = "Demo Analysts"


@dataclass(frozen=True)
class DemoLoaded:
    entities: int
    relationships: int
    token: str


def graph_is_empty(store: GraphStore) -> bool:
    """No entity at all (any organization's): the only case in which `scripts/run` loads the demo."""
    return entity_store.count_all_entities(store) == 0


def load_demo(store: GraphStore, *, max_items: int, kept_token: str | None = None) -> DemoLoaded:
    """Import both layers (idempotent: running it again changes nothing but timestamps) and give an analyst key.

    `kept_token`, the key an earlier load gave, is given back while it still works as the demo analyst's, so that
    loading again does not pile up keys; otherwise a new key is issued.
    """
    for name in (ATTACK_ORGANIZATION, SYNTHETIC_ORGANIZATION, VIEWER_ORGANIZATION):
        organizations.ensure_organization(store, name=name)
    # A coalition to plan with: members that hold no intelligence here, only what they can do and where.
    for member in COALITION:
        organizations.ensure_organization(store, name=member["name"])
        organizations.update_profile(
            store, name=member["name"], jurisdictions=list(member["jurisdictions"]), actions=list(member["actions"])
        )
    attack = attack_bundle()
    real = import_stix_bundle(
        store,
        caller=Caller(organization=ATTACK_ORGANIZATION, role=Role.INTEGRATION, key_id="demo"),
        bundle=attack,
        default_tlp=Tlp.CLEAR,
        default_confidence=80,
        on_invalid="skip",
        max_items=max_items,
    )
    synthetic = ingest_bundle(
        store,
        caller=Caller(organization=SYNTHETIC_ORGANIZATION, role=Role.INTEGRATION, key_id="demo"),
        bundle=BundleIn.model_validate(synthetic_bundle(attack)),
        max_items=max_items,
        action="demo.load",
    )
    return DemoLoaded(
        entities=real.imported_entities + len(synthetic.entities),
        relationships=real.imported_relationships + len(synthetic.relationships),
        token=_analyst_token(store, kept_token),
    )


def _analyst_token(store: GraphStore, kept_token: str | None) -> str:
    if kept_token:
        try:
            caller = access.authenticate(store, token=kept_token)
        except AuthenticationFailed:
            caller = None
        if caller is not None and caller.organization == VIEWER_ORGANIZATION and caller.role is Role.ANALYST:
            return kept_token
    return access.issue_key(store, organization=VIEWER_ORGANIZATION, role=Role.ANALYST, label="demo").token
