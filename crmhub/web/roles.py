"""Roles and what each may do: the permission policy as data.

Roles are ordered (viewer < steward < admin); a permission names the weakest role that has it,
so a stronger role has every permission of a weaker one.
"""

from __future__ import annotations

import enum

from crmhub.store.schema import USER_ROLES


class Role(enum.StrEnum):
    """A user's (or an API token's) role."""

    VIEWER = "viewer"
    STEWARD = "steward"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in the order of strength (viewer 0)."""
        return USER_ROLES.index(self.value)

    def at_least(self, other: Role) -> bool:
        """True if this role is as strong as ``other`` or stronger."""
        return self.rank >= other.rank


class Permission(enum.StrEnum):
    """Something a request may need to be allowed to do."""

    READ = "read"  # see customers, pairs, the audit log
    DECIDE = "decide"  # settle a candidate pair: same / different / not sure
    CHANGE_GOLDEN = "change_golden"  # merge and unmerge golden records
    MANAGE_USERS = "manage_users"  # users, roles and API tokens


#: The weakest role holding each permission.
PERMISSION_ROLE: dict[Permission, Role] = {
    Permission.READ: Role.VIEWER,
    Permission.DECIDE: Role.STEWARD,
    Permission.CHANGE_GOLDEN: Role.STEWARD,
    Permission.MANAGE_USERS: Role.ADMIN,
}


def allows(role: Role, permission: Permission) -> bool:
    """True if ``role`` has ``permission``."""
    return role.at_least(PERMISSION_ROLE[permission])


def parse_role(text: str) -> Role:
    """The role named ``text``; :class:`UsageError` naming the valid ones otherwise."""
    from crmhub.errors import UsageError

    try:
        return Role(text.strip().lower())
    except ValueError:
        raise UsageError(
            f"unknown role {text!r}",
            hint=f"use one of: {', '.join(r.value for r in Role)}",
        ) from None
