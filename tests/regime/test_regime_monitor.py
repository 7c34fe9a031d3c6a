"""The monitor's label: dislocated over warming_up over the classifier; one RegimeChange per label change."""

from __future__ import annotations

import numpy as np
import pytest
from regime_kit import NS_PER_MS, NS_PER_S

from arbkit.regime.errors import RegimeError, RegimeModelMismatchError
from arbkit.regime.events import DISLOCATED, ORDERLY, WARMING_UP, RegimeChange
from arbkit.regime.guard import DislocationGuard, GuardConfig
from arbkit.regime.model import FORMAT_VERSION, RegimeModel, RegimeModelParams
from arbkit.regime.monitor import RegimeMonitor
from arbkit.regime.status import UpdateStatus

T0 = 1_723_161_000 * NS_PER_S
GUARD = GuardConfig(warmup_ns=1 * NS_PER_S, warmup_events=10, cooldown_ns=2 * NS_PER_S, max_gap_ns=3 * NS_PER_S)


def two_means() -> RegimeModel:
    """A k-means model with centroids 0 (calm) and 10 (volatile) on one feature."""
    return RegimeModel(RegimeModelParams(format_version=FORMAT_VERSION, kind="kmeans", feature_names=("log_rv",),
                                         feature_digest="d", regime_names=("calm", "volatile"), order_by="log_rv",
                                         means=[[0.0], [10.0]]))


def drive(monitor: RegimeMonitor, n: int, start: int = 0, mid: float = 100.0, row_every: int = 10,
          value: float = 1.0) -> list[RegimeChange]:
    """``n`` ticks 10 ms apart (a tiny alternating mid), a feature row every ``row_every`` ticks."""
    out = []
    for i in range(start, start + n):
        x = np.array([value]) if monitor.classifier is not None and i % row_every == 0 else None
        change = monitor.update(T0 + i * 10 * NS_PER_MS, mid * (1 + 1e-6 * (i % 2)), x)
        if change:
            out.append(change)
    return out


def test_labels_and_causes_through_warm_up_regime_change_dislocation_and_recovery() -> None:
    monitor = RegimeMonitor("BTCUSDT.BINANCE_SPOT", classifier=two_means().online(),
                            guard=DislocationGuard(GUARD))
    assert monitor.current == WARMING_UP
    assert monitor.regimes == (WARMING_UP, "calm", "volatile", DISLOCATED)

    changes = drive(monitor, 200)
    changes += drive(monitor, 100, start=200, value=9.0)
    crash = monitor.update(T0 + 300 * 10 * NS_PER_MS, 95.0)
    changes.append(crash)  # type: ignore[arg-type]
    changes += drive(monitor, 300, start=301, mid=95.0, value=9.0)

    assert [(c.old, c.new, c.cause) for c in changes] == [
        (WARMING_UP, "calm", "kmeans"), ("calm", "volatile", "kmeans"), ("volatile", DISLOCATED, "dislocation_guard"),
        (DISLOCATED, "volatile", "guard_cleared")]
    assert all(c.scope == "BTCUSDT.BINANCE_SPOT" for c in changes)
    assert crash is not None and crash.ts_ns == T0 + 3 * NS_PER_S and "jump: mid moved" in crash.detail
    assert changes[0].ts_ns == T0 + 1 * NS_PER_S, "warm once the guard has warmup_ns and warmup_events"
    assert changes[1].detail == "p(calm)=0.000, p(volatile)=1.000"


def test_a_guard_only_monitor_says_orderly_when_warm() -> None:
    monitor = RegimeMonitor("market", guard=DislocationGuard(GUARD))
    changes = drive(monitor, 150)
    assert monitor.regimes == (WARMING_UP, ORDERLY, DISLOCATED)
    assert [(c.old, c.new, c.cause) for c in changes] == [(WARMING_UP, ORDERLY, "warmup")]


def test_a_classifier_only_monitor_never_says_dislocated() -> None:
    monitor = RegimeMonitor("ETHUSDT.BINANCE_USDM", classifier=two_means().online())
    changes = drive(monitor, 30)
    changes += [monitor.update(T0 + 10 * NS_PER_S, 50.0, np.array([9.5]))]  # type: ignore[list-item]
    assert monitor.regimes == (WARMING_UP, "calm", "volatile")
    assert [(c.old, c.new) for c in changes] == [(WARMING_UP, "calm"), ("calm", "volatile")]


def test_a_gap_restarts_the_warm_up_with_cause_gap_reset() -> None:
    monitor = RegimeMonitor("m", classifier=two_means().online(max_gap_ns=GUARD.max_gap_ns),
                            guard=DislocationGuard(GUARD))
    drive(monitor, 200)
    assert monitor.current == "calm"

    change = monitor.update(T0 + 2 * NS_PER_S + GUARD.max_gap_ns + 1, 100.0, np.array([1.0]))

    assert change is not None and (change.new, change.cause) == (WARMING_UP, "gap_reset")
    assert monitor.status == UpdateStatus.GAP_RESET


@pytest.mark.parametrize(("mid", "x", "kwargs", "status"), [
    (float("nan"), None, {}, UpdateStatus.INVALID_INPUT),
    (0.0, None, {}, UpdateStatus.INVALID_INPUT),
    (100.0, np.array([float("inf")]), {}, UpdateStatus.INVALID_INPUT),
    (100.0, None, {"spread_bps": -1.0}, UpdateStatus.INVALID_INPUT),
    (100.0, None, {"depth": float("nan")}, UpdateStatus.INVALID_INPUT),
])
def test_bad_input_is_refused_as_a_whole_and_changes_no_component(mid, x, kwargs, status) -> None:  # type: ignore[no-untyped-def]
    monitor = RegimeMonitor("m", classifier=two_means().online(), guard=DislocationGuard(GUARD))
    drive(monitor, 200)
    guard_events, label = monitor.guard._istate.copy(), monitor.current  # type: ignore[union-attr]

    assert monitor.update(T0 + 2 * NS_PER_S + 5, mid, x, **kwargs) is None

    assert monitor.status == status and monitor.invalid_count == 1 and monitor.current == label
    np.testing.assert_array_equal(monitor.guard._istate[:6], guard_events[:6])  # type: ignore[union-attr]


def test_time_going_backwards_is_refused() -> None:
    monitor = RegimeMonitor("m", guard=DislocationGuard(GUARD))
    drive(monitor, 50)
    assert monitor.update(T0, 100.0) is None and monitor.status == UpdateStatus.TIME_BACKWARDS


def test_misuse_raises_typed_errors() -> None:
    with pytest.raises(RegimeError, match="neither"):
        RegimeMonitor("m")
    with pytest.raises(RegimeError, match="no classifier"):
        RegimeMonitor("m", guard=DislocationGuard(GUARD)).update(T0, 100.0, np.array([1.0]))
    monitor = RegimeMonitor("m", classifier=two_means().online(), guard=DislocationGuard(GUARD))
    with pytest.raises(RegimeModelMismatchError):
        monitor.update(T0, 100.0, np.array([1.0, 2.0]))
    assert monitor.guard.status == UpdateStatus.WARMING_UP and monitor.guard._istate[1] == 0  # type: ignore[union-attr]
    reserved = RegimeModel(RegimeModelParams(format_version=FORMAT_VERSION, kind="kmeans", feature_names=("x",),
                                             feature_digest="d", regime_names=("calm", DISLOCATED), order_by="x",
                                             means=[[0.0], [1.0]]))
    with pytest.raises(RegimeError, match="reserved"):
        RegimeMonitor("m", classifier=reserved.online())
