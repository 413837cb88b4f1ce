"""API keys: made, parsed and checked; who is calling is a `Caller` (services/caller.py)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from atlas_graph.errors import AuthenticationFailed, InvalidInput, Problem
from atlas_graph.models.vocabulary import Permission, Role
from atlas_graph.services import audit
from atlas_graph.services.caller import LOCAL_ADMINISTRATOR, OPERATOR_ORGANIZATION, Caller
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
    store: GraphStore,
    *,
    organization: str | None,
    role: Role,
    label: str | None = None,
    actor: Caller | None = None,
) -> IssuedKey:
    """Create a key and return its token, which only the caller ever sees.

    The operator issues keys to any organization, and operator keys, which belong to none; a member's admin issues
    keys only to its own organization (`organization` None means that one), and never an operator key.
    """
    actor = actor or LOCAL_ADMINISTRATOR
    key_id = secrets.token_hex(8)
    # token_urlsafe(32) is 43 characters of 256 random bits.
    secret = secrets.token_urlsafe(32)
    started = audit.entry(actor, "key.create", organization=organization, role=role.value)

    def create() -> str | None:
        holder = _key_holder(actor, organization, role)
        organization_store.create_api_key(
            store,
            organization=holder,
            key_id=key_id,
            secret_hash=hash_secret(secret),
            role=role.value,
            label=label,
            now=datetime.now(UTC),
            audit=started,
        )
        return holder

    holder = audit.audited(store, started, create)
    return IssuedKey(
        key_id=key_id,
        token=f"{KEY_PREFIX}_{key_id}_{secret}",
        organization=holder or OPERATOR_ORGANIZATION,
        role=role,
    )


def _key_holder(actor: Caller, organization: str | None, role: Role) -> str | None:
    """The organization a new key of `role` belongs to, as `actor` may issue it (None: an operator key)."""
    if role is Role.OPERATOR:
        actor.require(Permission.OPERATE)
        if organization is not None:
            raise InvalidInput([Problem(("organization",), "an operator key belongs to no organization: omit it")])
        return None
    holder = actor.administered(organization)
    if holder is None:
        raise InvalidInput([Problem(("organization",), "required: the organization the key acts for")])
    return holder


def authenticate(store: GraphStore, *, token: str, request_id: str | None = None) -> Caller:
    """The caller a presented key stands for; unknown, revoked and malformed keys all fail alike."""
    key_id, secret = parse_token(token)
    credentials = organization_store.find_api_key(store, key_id=key_id)
    if credentials is None or not hmac.compare_digest(credentials.secret_hash, hash_secret(secret)):
        raise AuthenticationFailed("unknown API key")
    if credentials.revoked:
        raise AuthenticationFailed("revoked API key")
    role = Role(credentials.role)
    if (credentials.organization is None) != (role is Role.OPERATOR):
        # Never made so; a key stored this way is not to be trusted with either reading.
        raise AuthenticationFailed("unknown API key")
    return Caller(
        organization=credentials.organization or OPERATOR_ORGANIZATION, role=role, key_id=key_id, request_id=request_id
    )


def revoke_key(store: GraphStore, *, key_id: str, actor: Caller | None = None) -> datetime:
    """Revoke a key; a member's admin reaches only its own organization's, and another's is 404 like a missing one."""
    actor = actor or LOCAL_ADMINISTRATOR
    started = audit.entry(actor, "key.revoke", key_id=key_id)
    return audit.audited(
        store,
        started,
        lambda: organization_store.revoke_api_key(
            store,
            key_id=key_id,
            organization=actor.administered(None),
            now=datetime.now(UTC),
            audit=started,
        ),
    )
