"""Who is calling: the organization and role behind a request's API key, and what that role may do."""

from __future__ import annotations

from dataclasses import dataclass

from atlas_graph.errors import PermissionDenied
from atlas_graph.models.vocabulary import ROLE_PERMISSIONS, Permission, Role

OPERATOR_ORGANIZATION = "(operator)"
"""What an operator key acts as: no member's name, since a member's name starts with a letter or a digit."""


@dataclass(frozen=True)
class Caller:
    """The organization and role behind a request's API key."""

    organization: str
    role: Role
    key_id: str
    request_id: str | None = None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"role {self.role.value!r} may not {permission.value}")

    def administered(self, organization: str | None) -> str | None:
        """The organization whose keys or audit trail this administrator may see: None for all (the operator).

        A member's admin gets its own organization, and 403 for any other name, existing or not, without a look-up:
        the answer says nothing of which organizations exist.
        """
        self.require(Permission.ADMINISTER)
        if self.can(Permission.OPERATE):
            return organization
        if organization is not None and organization != self.organization:
            raise PermissionDenied("a member's admin administers only its own organization")
        return self.organization


LOCAL_ADMINISTRATOR = Caller(organization="(local administrator)", role=Role.OPERATOR, key_id="cli")
"""Who acts when the `atlas-graph` command changes organizations and keys: the operator of this installation."""
