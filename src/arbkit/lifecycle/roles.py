"""Who may deploy, promote, retire and roll back model versions: roles as code (TOML).

.. code-block:: toml

    [roles]
    risk_officer = ["promote", "retire", "rollback", "deploy"]
    quant = ["deploy"]
    [people]
    alice = ["risk_officer"]
    bob = ["quant"]

>>> access = AccessControl.from_toml_dict({"roles": {"quant": ["deploy"]}, "people": {"bob": ["quant"]}}, "doc")
>>> access.allows("bob", "deploy"), access.allows("bob", "promote")
(True, False)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from arbkit.lifecycle.toml_input import read_lifecycle_toml
from arbkit.lifecycle.modes import LifecycleError, PermissionDeniedError

PERMISSIONS: frozenset[str] = frozenset({"deploy", "promote", "retire", "rollback"})
"""``deploy``: put a version in shadow; ``promote``: move it up (or deploy it straight to canary/live);
``retire``: take it out; ``rollback``: a manual rollback."""


class _AccessFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    roles: dict[str, tuple[str, ...]] = {}
    people: dict[str, tuple[str, ...]] = {}


class AccessControl:
    """Roles (sets of permissions) and the people holding them, read from TOML; immutable after loading.

    Args:
        roles: role name → permissions it grants (each in :data:`PERMISSIONS`).
        people: person → role names (each a key of ``roles``).
        source: where it was read from, named in errors.
    """

    def __init__(self, roles: dict[str, frozenset[str]], people: dict[str, tuple[str, ...]], source: str) -> None:
        self._roles = dict(roles)
        self._people = dict(people)
        self._source = source

    @classmethod
    def load(cls, path: str | Path) -> AccessControl:
        """Read the roles TOML at ``path`` (LifecycleError naming the file if it cannot be read or is invalid)."""
        return cls.from_toml_dict(read_lifecycle_toml(path, "roles file"), str(path))

    @classmethod
    def from_toml_dict(cls, data: dict[str, Any], source: str) -> AccessControl:
        """Validate parsed TOML: only ``[roles]`` and ``[people]``, known permissions, defined roles, no empty names."""
        for section in ("roles", "people"):
            table = data.get(section, {})
            for key, value in table.items() if isinstance(table, dict) else ():
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise LifecycleError(f"{source}: [{section}] {key} = {value!r} must be a list of names")
        try:
            raw = msgspec.convert(data, _AccessFile)
        except msgspec.ValidationError as exc:
            message = str(exc).replace("`$.", "`").replace("`$`", "the file")
            raise LifecycleError(f"{source}: {message}") from None
        roles: dict[str, frozenset[str]] = {}
        for role, permissions in raw.roles.items():
            if not role.strip():
                raise LifecycleError(f"{source}: [roles] has an empty role name")
            unknown = sorted(set(permissions) - PERMISSIONS)
            if unknown:
                raise LifecycleError(f"{source}: [roles] {role} grants unknown permission(s) "
                                     f"{', '.join(repr(p) for p in unknown)}; permissions are "
                                     f"{', '.join(sorted(PERMISSIONS))}")
            roles[role] = frozenset(permissions)
        for person, held in raw.people.items():
            if not person.strip():
                raise LifecycleError(f"{source}: [people] has an empty person name")
            missing = [r for r in held if r not in roles]
            if missing:
                raise LifecycleError(f"{source}: [people] {person} holds undefined role(s) "
                                     f"{', '.join(repr(r) for r in missing)}; roles defined: "
                                     f"{', '.join(sorted(roles)) or 'none'}")
        return cls(roles, dict(raw.people), source)

    @property
    def source(self) -> str:
        """Where the roles were read from."""
        return self._source

    def roles_of(self, person: str) -> tuple[str, ...]:
        """The roles ``person`` holds (empty for an unknown person)."""
        return self._people.get(person, ())

    def granting(self, permission: str) -> tuple[str, ...]:
        """The roles that grant ``permission``, sorted."""
        return tuple(sorted(r for r, perms in self._roles.items() if permission in perms))

    def allows(self, person: str, permission: str) -> bool:
        """True if one of ``person``'s roles grants ``permission`` (LifecycleError for an unknown permission)."""
        _check_permission(permission)
        return any(permission in self._roles[r] for r in self._people.get(person, ()))

    def require(self, person: str, permission: str) -> None:
        """Return if ``person`` may do ``permission``, else PermissionDeniedError naming the person, the permission,
        their roles and the roles that grant it."""
        if not isinstance(person, str) or not person.strip():
            raise PermissionDeniedError(f"an approver must be named to {permission!r}; got {person!r}")
        if self.allows(person, permission):
            return
        granted_by = ", ".join(self.granting(permission)) or "no role"
        if person not in self._people:
            raise PermissionDeniedError(f"{person!r} is not listed in {self._source}, so may not {permission!r}; "
                                        f"{permission!r} is granted by: {granted_by}")
        held = ", ".join(self._people[person]) or "none"
        raise PermissionDeniedError(f"{person!r} may not {permission!r}: their roles ({held}) do not grant it; "
                                    f"{permission!r} is granted by: {granted_by}")


def _check_permission(permission: str) -> None:
    if permission not in PERMISSIONS:
        raise LifecycleError(f"unknown permission {permission!r}; permissions are {', '.join(sorted(PERMISSIONS))}")
