"""API keys: their format, hashing, and what each role may do."""

from __future__ import annotations

import secrets

import pytest

from atlas_graph.errors import AuthenticationFailed, PermissionDenied
from atlas_graph.models.vocabulary import Permission, Role
from atlas_graph.services.access import hash_secret, parse_token
from atlas_graph.services.caller import Caller


def _token() -> tuple[str, str, str]:
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    return f"atlas_{key_id}_{secret}", key_id, secret


def test_parse_token_splits_id_and_secret() -> None:
    token, key_id, secret = _token()
    assert parse_token(token) == (key_id, secret)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "atlas",
        "atlas_",
        "Bearer x",
        "atlas_0123456789abcdef_short",
        "atlas_XYZ3456789abcdef_" + "a" * 43,
        "other_0123456789abcdef_" + "a" * 43,
        "atlas_0123456789abcdef_" + "a" * 44,
        "atlas_0123456789abcdef_" + "!" * 43,
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(AuthenticationFailed, match="malformed"):
        parse_token(token)


def test_secret_has_at_least_128_bits() -> None:
    _, _, secret = _token()
    # 43 URL-safe base64 characters carry 6 bits each.
    assert len(secret) * 6 >= 128


def test_hash_is_deterministic_and_does_not_contain_the_secret() -> None:
    _, _, secret = _token()
    assert hash_secret(secret) == hash_secret(secret)
    assert hash_secret(secret) != hash_secret(secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert secret not in hash_secret(secret)


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (
            Role.READER,
            {Permission.READ},
            {Permission.WRITE, Permission.CURATE, Permission.RETRACT, Permission.ADMINISTER},
        ),
        (
            Role.ANALYST,
            {Permission.READ, Permission.WRITE, Permission.CURATE, Permission.RETRACT},
            {Permission.ADMINISTER},
        ),
        (
            Role.INTEGRATION,
            {Permission.WRITE, Permission.RETRACT},
            {Permission.READ, Permission.CURATE, Permission.ADMINISTER},
        ),
        # A member's admin no longer operates the coalition (issue 17): that is the operator's, who reads no claims.
        (Role.ADMIN, set(Permission) - {Permission.OPERATE}, {Permission.OPERATE}),
        (Role.OPERATOR, {Permission.ADMINISTER, Permission.OPERATE}, {Permission.READ, Permission.WRITE}),
    ],
)
def test_role_permissions(role: Role, allowed: set[Permission], denied: set[Permission]) -> None:
    caller = Caller(organization="Org", role=role, key_id="0123456789abcdef")
    for permission in allowed:
        caller.require(permission)
    for permission in denied:
        with pytest.raises(PermissionDenied):
            caller.require(permission)
