"""atlas-graph's errors, raised as domain errors and mapped to HTTP status codes once, in api/exception_handlers.py.

The tree::

    AtlasGraphError
    ├── ConfigurationError          settings that cannot work (bad URI, missing Java or Maven)
    ├── LocalNeo4jError             the local Neo4j could not be provisioned, started or stopped
    ├── StoreUnavailable            Neo4j is unreachable or refused our credentials          -> 503
    ├── AuthenticationFailed        missing, malformed, unknown or revoked API key           -> 401
    ├── PermissionDenied            the key's role lacks the permission                      -> 403
    ├── NotFound                    no such thing, or none the caller may see                -> 404
    ├── Conflict                    the request contradicts what is stored                   -> 409
    ├── InvalidInput                valid JSON that breaks a domain rule, per item and field -> 422
    ├── PayloadTooLarge             a body or bundle over its limit                          -> 413
    └── RateLimited                 too many requests for a key, or failed keys from an address -> 429
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class AtlasGraphError(Exception):
    """The root of every error atlas-graph raises on purpose."""


class ConfigurationError(AtlasGraphError):
    """Settings or the machine cannot support what was asked."""


class LocalNeo4jError(AtlasGraphError):
    """The local Neo4j could not be provisioned, started or stopped."""


class StoreUnavailable(AtlasGraphError):
    """Neo4j cannot be reached or refuses our credentials."""


class AuthenticationFailed(AtlasGraphError):
    """The request carries no usable API key."""


class PermissionDenied(AtlasGraphError):
    """The caller's role does not allow this request."""


class NotFound(AtlasGraphError):
    """The thing does not exist, or does not exist for this caller."""


class Conflict(AtlasGraphError):
    """The request contradicts stored state (a duplicate name, say)."""


@dataclass(frozen=True)
class Problem:
    """One offending item: where it is in the request and what is wrong with it."""

    location: tuple[str | int, ...]
    message: str


class InvalidInput(AtlasGraphError):
    """Well-formed input that breaks a domain rule; lists every problem, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(f"{'.'.join(map(str, p.location))}: {p.message}" for p in self.problems[:5])
        more = len(self.problems) - 5
        # The message stays readable; `problems` lists every one.
        super().__init__(shown + (f"; and {more} more problem(s)" if more > 0 else ""))


class PayloadTooLarge(AtlasGraphError):
    """A request body or bundle over its documented limit."""


class RateLimited(AtlasGraphError):
    """A key made more requests, or an address more failed authentications, than allowed; `retry_after` in s."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)
