"""Roles as code: who may deploy, promote, retire and roll back; refusals name the person, permission and roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arbkit.lifecycle.modes import LifecycleError, PermissionDeniedError
from arbkit.lifecycle.roles import PERMISSIONS, AccessControl
from testkit import TEST_ROLES

ROLES_TOML = TEST_ROLES


@pytest.fixture
def access(tmp_path: Path) -> AccessControl:
    path = tmp_path / "roles.toml"
    path.write_text(ROLES_TOML, encoding="utf-8")
    return AccessControl.load(path)


def test_risk_officer_may_promote_and_quant_may_only_deploy(access: AccessControl) -> None:
    access.require("alice", "promote")
    access.require("bob", "deploy")
    assert [access.allows("bob", p) for p in ("deploy", "promote", "retire", "rollback")] == [True, False, False, False]
    assert all(access.allows("alice", p) for p in PERMISSIONS)


def test_refusal_names_person_permission_their_roles_and_the_granting_roles(access: AccessControl) -> None:
    with pytest.raises(PermissionDeniedError) as info:
        access.require("bob", "promote")
    assert str(info.value) == ("'bob' may not 'promote': their roles (quant) do not grant it; 'promote' is granted "
                               "by: risk_officer")


def test_unknown_person_is_refused_naming_the_file(access: AccessControl) -> None:
    with pytest.raises(PermissionDeniedError, match=r"'mallory' is not listed in .*roles\.toml, so may not 'retire'; "
                                                    r"'retire' is granted by: risk_officer"):
        access.require("mallory", "retire")


@pytest.mark.parametrize("person", ["", "   "])
def test_empty_approver_is_refused(access: AccessControl, person: str) -> None:
    with pytest.raises(PermissionDeniedError, match="an approver must be named to 'promote'"):
        access.require(person, "promote")


def test_unknown_permission_asked_for_is_an_error_not_a_refusal(access: AccessControl) -> None:
    with pytest.raises(LifecycleError, match="unknown permission 'approve'; permissions are deploy, promote, "
                                             "retire, rollback") as info:
        access.allows("alice", "approve")
    assert not isinstance(info.value, PermissionDeniedError)


@pytest.mark.parametrize(("data", "message"), [
    ({"roles": {"quant": ["deploy", "approve"]}}, r"r\.toml: \[roles\] quant grants unknown permission\(s\) 'approve'"),
    ({"people": {"bob": ["quant"]}}, r"r\.toml: \[people\] bob holds undefined role\(s\) 'quant'; roles defined: none"),
    ({"people": {"": []}}, r"r\.toml: \[people\] has an empty person name"),
    ({"roles": {" ": ["deploy"]}}, r"r\.toml: \[roles\] has an empty role name"),
    ({"groups": {}}, r"r\.toml: Object contains unknown field `groups`"),
    ({"roles": {"quant": "deploy"}}, r"r\.toml: \[roles\] quant = 'deploy' must be a list of names"),
    ({"people": {"bob": [1]}}, r"r\.toml: \[people\] bob = \[1\] must be a list of names"),
    ({"people": []}, r"r\.toml: Expected `object`, got `array` - at `people`"),
])
def test_malformed_roles_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(LifecycleError, match=message):
        AccessControl.from_toml_dict(data, "r.toml")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "roles.toml"
    bad.write_text("[roles\n", encoding="utf-8")
    with pytest.raises(LifecycleError, match=r"roles file .*roles\.toml.* is not valid TOML"):
        AccessControl.load(bad)


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.sets(st.sampled_from(sorted(PERMISSIONS)))),
       st.sets(st.sampled_from(["a", "b", "c"])), st.sampled_from(sorted(PERMISSIONS)))
def test_allowed_exactly_when_a_held_role_grants_it(roles: dict[str, set[str]], held: set[str],
                                                    permission: str) -> None:
    held = {r for r in held if r in roles}
    access = AccessControl.from_toml_dict({"roles": {r: sorted(p) for r, p in roles.items()},
                                           "people": {"carol": sorted(held)}}, "r")
    assert access.allows("carol", permission) == any(permission in roles[r] for r in held)
