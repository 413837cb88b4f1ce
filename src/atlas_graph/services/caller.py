"""Who is calling: the organization and role behind a request's API key, and what that role may do."""

from __future__ import annotations

from dataclasses import dataclass

from atlas_graph.errors import PermissionDenied
from atlas_graph.models.vocabulary import ROLE_PERMISSIONS, Permission, Role


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


LOCAL_ADMINISTRATOR = Caller(organization="(local administrator)", role=Role.ADMIN, key_id="cli")
"""Who acts when the `atlas-graph` command changes organizations and keys: the operator of this installation."""
