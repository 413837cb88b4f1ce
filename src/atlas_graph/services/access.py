"""API keys: made, parsed and checked; who is calling is a `Caller` (services/caller.py)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from atlas_graph.errors import AuthenticationFailed
from atlas_graph.models.vocabulary import Role
from atlas_graph.services import audit
from atlas_graph.services.caller import LOCAL_ADMINISTRATOR, Caller
from atlas_graph.store import organizations as organization_store
from atlas_graph.store.graph import GraphStore

KEY_PREFIX = "atlas"
_KEY_PATTERN = re.compile(r"^atlas_(?P<key_id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IssuedKey:
    """A new key: `token` is shown once and never stored."""

    key_id: str
    token: str
    organization: str
    role: Role


def hash_secret(secret: str) -> str:
    """SHA-256 suffices: the secret is 256 random bits, so there is nothing to brute-force (unlike a password)."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def parse_token(token: str) -> tuple[str, str]:
    """Split a presented key into (key_id, secret); raises AuthenticationFailed when malformed."""
    match = _KEY_PATTERN.match(token)
    if match is None:
        raise AuthenticationFailed("malformed API key")
    return match.group("key_id"), match.group("secret")


def issue_key(
    store: GraphStore, *, organization: str, role: Role, label: str | None = None, actor: Caller | None = None
) -> IssuedKey:
    """Create a key for an existing organization and return its token, which only the caller ever sees."""
    key_id = secrets.token_hex(8)
    # token_urlsafe(32) is 43 characters of 256 random bits.
    secret = secrets.token_urlsafe(32)
    started = audit.entry(actor or LOCAL_ADMINISTRATOR, "key.create", organization=organization, role=role.value)
    audit.audited(
        store,
        started,
        lambda: organization_store.create_api_key(
            store,
            organization=organization,
            key_id=key_id,
            secret_hash=hash_secret(secret),
            role=role.value,
            label=label,
            now=datetime.now(UTC),
            audit=started,
        ),
    )
    return IssuedKey(key_id=key_id, token=f"{KEY_PREFIX}_{key_id}_{secret}", organization=organization, role=role)


def authenticate(store: GraphStore, *, token: str, request_id: str | None = None) -> Caller:
    """The caller a presented key stands for; unknown, revoked and malformed keys all fail alike."""
    key_id, secret = parse_token(token)
    credentials = organization_store.find_api_key(store, key_id=key_id)
    if credentials is None or not hmac.compare_digest(credentials.secret_hash, hash_secret(secret)):
        raise AuthenticationFailed("unknown API key")
    if credentials.revoked:
        raise AuthenticationFailed("revoked API key")
    return Caller(
        organization=credentials.organization, role=Role(credentials.role), key_id=key_id, request_id=request_id
    )


def revoke_key(store: GraphStore, *, key_id: str, actor: Caller | None = None) -> datetime:
    started = audit.entry(actor or LOCAL_ADMINISTRATOR, "key.revoke", key_id=key_id)
    return audit.audited(
        store,
        started,
        lambda: organization_store.revoke_api_key(store, key_id=key_id, now=datetime.now(UTC), audit=started),
    )
