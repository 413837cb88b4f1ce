"""Member organizations and their API keys, as stored in Neo4j."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction
from neo4j.exceptions import ConstraintError

from atlas_graph.errors import Conflict, NotFound
from atlas_graph.store.audit import AuditEntry, append_in
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.values import native_datetime

CREATE_ORGANIZATION = "write/organization_create"
LIST_ORGANIZATIONS = "read/organization_list"
CREATE_API_KEY = "write/api_key_create"
CREATE_OPERATOR_KEY = "write/operator_key_create"
API_KEY_BY_ID = "read/api_key_by_id"
LIST_API_KEYS = "read/api_key_list"
REVOKE_API_KEY = "write/api_key_revoke"
UPDATE_PROFILE = "write/organization_profile_update"
LIST_PROFILES = "read/organization_profiles"
QUERIES = (
    CREATE_ORGANIZATION,
    LIST_ORGANIZATIONS,
    CREATE_API_KEY,
    CREATE_OPERATOR_KEY,
    API_KEY_BY_ID,
    LIST_API_KEYS,
    REVOKE_API_KEY,
    UPDATE_PROFILE,
    LIST_PROFILES,
)


@dataclass(frozen=True)
class StoredOrganization:
    name: str
    created_at: datetime
    active_keys: int = 0


@dataclass(frozen=True)
class StoredProfile:
    """What a member can do, and where: the coalition's planning reads these."""

    name: str
    jurisdictions: tuple[str, ...]
    actions: tuple[str, ...]
    updated_at: datetime


@dataclass(frozen=True)
class StoredApiKey:
    key_id: str
    organization: str | None  # None: an operator key
    role: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class ApiKeyCredentials:
    """What authentication needs to know of a key."""

    secret_hash: str
    role: str
    organization: str | None  # None: an operator key
    revoked: bool


def create_organization(store: GraphStore, *, name: str, now: datetime, audit: AuditEntry) -> StoredOrganization:
    def work(tx: ManagedTransaction) -> StoredOrganization:
        record = tx.run(store.queries[CREATE_ORGANIZATION], name=name, now=now).single(strict=True)
        append_in(tx, store, audit.finished(outcome="succeeded", created=name))
        return StoredOrganization(name=record["name"], created_at=native_datetime(record["created_at"]))

    try:
        return store.write_transaction(work)
    except ConstraintError:
        raise Conflict(f"organization {name!r} already exists") from None


def list_organizations(store: GraphStore) -> list[StoredOrganization]:
    return [
        StoredOrganization(
            name=record["name"],
            created_at=native_datetime(record["created_at"]),
            active_keys=record["active_keys"],
        )
        for record in store.read(LIST_ORGANIZATIONS)
    ]


def create_api_key(
    store: GraphStore,
    *,
    organization: str | None,
    key_id: str,
    secret_hash: str,
    role: str,
    label: str | None,
    now: datetime,
    audit: AuditEntry,
) -> None:
    def work(tx: ManagedTransaction) -> bool:
        parameters = {
            "organization": organization,
            "key_id": key_id,
            "secret_hash": secret_hash,
            "role": role,
            "label": label,
            "now": now,
        }
        query = CREATE_API_KEY if organization is not None else CREATE_OPERATOR_KEY
        if tx.run(store.queries[query], parameters).single() is None:
            return False
        append_in(tx, store, audit.finished(outcome="succeeded", issued_key=key_id, to=organization, role=role))
        return True

    if not store.write_transaction(work):
        raise NotFound(f"no organization named {organization!r}")


def find_api_key(store: GraphStore, *, key_id: str) -> ApiKeyCredentials | None:
    records = store.read(API_KEY_BY_ID, {"key_id": key_id})
    if not records:
        return None
    record = records[0]
    return ApiKeyCredentials(
        secret_hash=record["secret_hash"],
        role=record["role"],
        organization=record["organization"],
        revoked=record["revoked_at"] is not None,
    )


def list_api_keys(store: GraphStore, *, organization: str | None = None) -> list[StoredApiKey]:
    return [
        StoredApiKey(
            key_id=record["key_id"],
            organization=record["organization"],
            role=record["role"],
            label=record["label"],
            created_at=native_datetime(record["created_at"]),
            revoked_at=native_datetime(record["revoked_at"]) if record["revoked_at"] is not None else None,
        )
        for record in store.read(LIST_API_KEYS, {"organization": organization})
    ]


def revoke_api_key(
    store: GraphStore, *, key_id: str, organization: str | None, now: datetime, audit: AuditEntry
) -> datetime:
    """Revoke a key; with `organization`, only one of that organization's (else NotFound, as for a missing key)."""

    def work(tx: ManagedTransaction) -> datetime | None:
        record = tx.run(store.queries[REVOKE_API_KEY], key_id=key_id, organization=organization, now=now).single()
        if record is None:
            return None
        append_in(tx, store, audit.finished(outcome="succeeded", revoked_key=key_id))
        return native_datetime(record["revoked_at"])

    revoked_at = store.write_transaction(work)
    if revoked_at is None:
        raise NotFound(f"no API key with id {key_id!r}")
    return revoked_at


def _profile(record: Any) -> StoredProfile:
    return StoredProfile(
        name=record["name"],
        jurisdictions=tuple(record["jurisdictions"]),
        actions=tuple(record["actions"]),
        updated_at=native_datetime(record["updated_at"]),
    )


def update_profile(
    store: GraphStore,
    *,
    name: str,
    jurisdictions: list[str] | None,
    actions: list[str] | None,
    now: datetime,
    audit: AuditEntry,
) -> StoredProfile:
    """Set an organization's profile (None keeps a field); NotFound when there is no such organization."""

    def work(tx: ManagedTransaction) -> StoredProfile | None:
        record = tx.run(
            store.queries[UPDATE_PROFILE], name=name, jurisdictions=jurisdictions, actions=actions, now=now
        ).single()
        if record is None:
            return None
        profile = _profile(record)
        append_in(
            tx,
            store,
            audit.finished(
                outcome="succeeded", jurisdictions=list(profile.jurisdictions), actions=list(profile.actions)
            ),
        )
        return profile

    profile = store.write_transaction(work)
    if profile is None:
        raise NotFound(f"no organization named {name!r}")
    return profile


def list_profiles(store: GraphStore) -> list[StoredProfile]:
    """The organizations that have a profile, by name."""
    return [_profile(record) for record in store.read(LIST_PROFILES)]
