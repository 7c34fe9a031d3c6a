"""Regime declarations and the regime board refuse malformed labels, types and inconsistent changes with typed
errors that name the offending value."""

from __future__ import annotations

from typing import Any

import pytest
from risk_helpers import T0

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.errors import ArbkitError
from arbkit.regime.events import RegimeChange
from arbkit.risk.errors import RegimeGateError, RiskError
from arbkit.risk.gate import RiskGate
from arbkit.risk.regime_policy import RegimePolicy, policy_of
from arbkit.risk.regime_state import RegimeBoard


def change(**overrides: Any) -> RegimeChange:
    fields: dict[str, Any] = {"ts_ns": T0, "scope": "market", "old": "warming_up", "new": "calm", "cause": "hmm",
                              "detail": "p(calm)=0.9"}
    fields.update(overrides)
    return RegimeChange(**fields)


class Declared:
    """A script-like object carrying whatever declaration the test gives it."""

    def __init__(self, **attributes: Any) -> None:
        self.script_id = "declared"
        self.__dict__.update(attributes)


def test_regime_gate_error_is_a_risk_error_and_an_arbkit_error() -> None:
    assert issubclass(RegimeGateError, RiskError) and issubclass(RegimeGateError, ArbkitError)


@pytest.mark.parametrize(("allowed", "match"), [
    ("calm", r"frozenset \(or tuple\) of str labels, got str 'calm'"),
    (frozenset({1}), r"allowed_regimes item must be a str regime label, got int 1"),
    (frozenset({""}), r"non-empty label .* got ''"),
    (frozenset({" calm"}), r"without surrounding whitespace, got ' calm'"),
    (frozenset({"x" * 65}), r"at most 64 characters"),
    (None, r"got NoneType None"),
    ({"calm": 1}, r"got dict"),
])
def test_malformed_allowed_regimes_raise_naming_the_value(allowed: Any, match: str) -> None:
    with pytest.raises(RegimeGateError, match=match):
        RegimePolicy(allowed)


@pytest.mark.parametrize(("scopes", "match"), [
    ("market", r"regime_scopes must be a tuple of str scopes, got str 'market'"),
    ((None,), r"regime_scopes item must be a str regime label, got NoneType None"),
    (("",), r"non-empty label"),
])
def test_malformed_regime_scopes_raise_naming_the_value(scopes: Any, match: str) -> None:
    with pytest.raises(RegimeGateError, match=match):
        RegimePolicy({"calm"}, scopes)


def test_policy_of_reads_the_declaration_and_names_the_script_on_error() -> None:
    assert policy_of(Declared()) is None
    assert policy_of(Declared(allowed_regimes=None)) is None
    policy = policy_of(Declared(allowed_regimes=frozenset({"volatile", "calm"}), regime_scopes=("market",)))
    assert policy == RegimePolicy(["calm", "volatile"], ("market",))
    assert policy is not None and policy.as_payload() == {"allowed_regimes": ["calm", "volatile"],
                                                          "regime_scopes": ["market"]}
    assert policy_of(Declared(allowed_regimes=frozenset())).allowed_text() == "{}"  # type: ignore[union-attr]
    with pytest.raises(RegimeGateError, match=r"script 'declared': allowed_regimes .* got str 'calm'"):
        policy_of(Declared(allowed_regimes="calm"))
    with pytest.raises(RegimeGateError, match=r"declares regime_scopes \('market',\) but no allowed_regimes"):
        policy_of(Declared(regime_scopes=("market",)))


@pytest.mark.parametrize(("bad", "match"), [
    ({"ts_ns": 1.5}, r"ts_ns must be int ns in \[0, 2\*\*63\), got 1.5"),
    ({"ts_ns": True}, r"ts_ns must be int ns .* got True"),
    ({"ts_ns": -1}, r"got -1"),
    ({"scope": 7}, r"regime change scope must be a str regime label, got int 7"),
    ({"new": ""}, r"new regime of scope 'market' must be a non-empty label"),
    ({"new": None}, r"new regime of scope 'market' must be a str regime label, got NoneType None"),
    ({"old": "calm"}, r"says old regime 'calm', but the board has 'warming_up'"),
    ({"new": "warming_up"}, r"from 'warming_up' to itself is not a change"),
    ({"scope": "ETHUSDT.BINANCE_SPOT"}, r"untracked scope 'ETHUSDT.BINANCE_SPOT'; tracked: market"),
    ({"cause": ""}, r"cause of the regime change of scope 'market'"),
    ({"detail": None}, r"detail must be a str, got NoneType None"),
])
def test_malformed_regime_changes_raise_and_change_nothing(journal: Journal, bad: dict[str, Any], match: str) -> None:
    board = RegimeBoard(journal)
    board.track("market", "warming_up")
    with pytest.raises(RegimeGateError, match=match):
        board.apply(change(**bad))
    assert board.current("market") == "warming_up" and board.change_count == 0
    assert journal.count(kinds.REGIME_CHANGE) == 0


def test_board_refuses_what_is_not_a_regime_change(journal: Journal) -> None:
    board = RegimeBoard(journal)
    board.track("market", "warming_up")
    with pytest.raises(RegimeGateError, match=r"expected a RegimeChange, got dict"):
        board.apply({"scope": "market", "old": "warming_up", "new": "calm"})  # type: ignore[arg-type]


def test_board_tracks_scopes_once_with_one_label(journal: Journal) -> None:
    board = RegimeBoard(journal)
    board.track("market", "warming_up")
    board.track("market", "warming_up")  # idempotent
    with pytest.raises(RegimeGateError, match=r"'market' is already tracked with regime 'warming_up', not 'calm'"):
        board.track("market", "calm")
    with pytest.raises(RegimeGateError, match=r"regime scope must be a str regime label, got int 3"):
        board.track(3, "calm")  # type: ignore[arg-type]
    assert board.scopes == ("market",) and board.current("nowhere") is None and "market" in board


def test_board_counts_and_remembers_changes_in_order(journal: Journal) -> None:
    board = RegimeBoard(journal)
    board.track("market", "warming_up")
    board.apply(change(ts_ns=T0 + 1))
    board.apply(change(ts_ns=T0 + 2, old="calm", new="dislocated", cause="dislocation_guard"))
    board.apply(change(ts_ns=T0 + 3, old="dislocated", new="calm", cause="guard_cleared"))
    assert board.current("market") == "calm" and board.change_count == 3
    assert board.last_change("market") == change(ts_ns=T0 + 3, old="dislocated", new="calm", cause="guard_cleared")
    assert [(e.ts_ns, e.payload["new"]) for e in journal.entries(kind=kinds.REGIME_CHANGE)] == [
        (T0 + 1, "calm"), (T0 + 2, "dislocated"), (T0 + 3, "calm")]


def test_gate_refuses_a_malformed_policy_registration(gate: RiskGate) -> None:
    with pytest.raises(RiskError, match=r"policy must be a RegimePolicy or None, got frozenset"):
        gate.set_regime_policy("s1", frozenset({"calm"}), actor="alice", reason="why")  # type: ignore[arg-type]
    with pytest.raises(RiskError, match=r"script_id must be a non-empty str, got ''"):
        gate.set_regime_policy("", RegimePolicy({"calm"}), actor="alice", reason="why")
    with pytest.raises(RiskError, match=r"reason must be a non-empty str"):
        gate.set_regime_policy("s1", RegimePolicy({"calm"}), actor="alice", reason=" ")
