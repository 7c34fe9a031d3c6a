"""The dislocation guard fires on the event that shows the jump or the liquidity collapse, and only then."""

from __future__ import annotations

import math

import numpy as np
import pytest
from regime_kit import NS_PER_MS, NS_PER_S, k_sigma_ratio

from arbkit.core.errors import ConfigError
from arbkit.regime.guard import CLEARED_NOW, RESET_NOW, TRIPPED_NOW, DislocationGuard, GuardCause, GuardConfig
from arbkit.regime.status import UpdateStatus

T0 = 1_723_161_000 * NS_PER_S
QUICK = GuardConfig(warmup_ns=2 * NS_PER_S, warmup_events=20, cooldown_ns=1 * NS_PER_S)


def random_walk(n: int, step_ns: int, vol_bps_per_sqrt_s: float, seed: int, start: float = 60_000.0,
                ) -> tuple[np.ndarray, np.ndarray]:
    """A Gaussian random walk of the log mid on a regular grid (ts int ns, mid)."""
    rng = np.random.default_rng(seed)
    step_sd = vol_bps_per_sqrt_s * 1e-4 * math.sqrt(step_ns / NS_PER_S)
    ts = T0 + np.arange(n, dtype=np.int64) * step_ns
    return ts, start * np.exp(np.cumsum(rng.normal(0.0, step_sd, n)))


def feed(guard: DislocationGuard, ts: np.ndarray, mid: np.ndarray, **arrays: np.ndarray) -> list[UpdateStatus]:
    return [guard.update(int(t), float(m), **{k: float(v[i]) for k, v in arrays.items()})
            for i, (t, m) in enumerate(zip(ts, mid))]


def test_a_jump_fires_on_the_very_event_that_shows_it() -> None:
    ts, mid = random_walk(4000, 10 * NS_PER_MS, 3.0, seed=1)
    mid[3000:] *= 0.99  # a 1 % drop at event 3000
    guard = DislocationGuard(QUICK)

    trace = guard.update_many(ts, mid)

    assert trace.first_fire() == 3000
    assert not trace.tripped[2999] and trace.tripped[3000]
    assert trace.cause[3000] == GuardCause.JUMP


def test_the_first_fire_is_the_first_event_whose_documented_statistic_exceeds_one() -> None:
    ts, mid = random_walk(6000, 7 * NS_PER_MS, 2.0, seed=4)
    mid[4000:4040] *= np.linspace(1.0, 0.995, 40)  # a 50 bp slide over 40 events, then a level shift
    mid[4040:] *= 0.995
    config = GuardConfig(warmup_ns=2 * NS_PER_S, sigma_floor_bps=0.5)

    ratio, _ = k_sigma_ratio(ts, mid, config)
    expected = int(np.flatnonzero(ratio > 1.0)[0])
    trace = DislocationGuard(config).update_many(ts, mid)

    assert 4000 < expected < 4040, "the slide, not the noise before it, is what exceeds k sigma"
    assert trace.first_fire() == expected


def test_a_one_tick_move_in_a_quiet_market_does_not_fire_because_of_the_sigma_floor() -> None:
    ts = T0 + np.arange(3000, dtype=np.int64) * 10 * NS_PER_MS
    mid = np.full(3000, 60_000.0)
    mid[2500:] += 0.01  # one tick of 0.01 USDT = 0.0017 bps, after 25 s of no move at all
    floored = DislocationGuard(QUICK).update_many(ts, mid)
    unfloored = DislocationGuard(GuardConfig(warmup_ns=2 * NS_PER_S, sigma_floor_bps=0.0)).update_many(ts, mid)

    assert floored.first_fire() == -1
    assert unfloored.first_fire() == 2500, "without the floor sigma is zero and any tick fires"


def test_a_wide_spread_fires_and_names_the_numbers() -> None:
    ts, mid = random_walk(1000, 10 * NS_PER_MS, 2.0, seed=2)
    spread = np.full(1000, 0.5)
    spread[900] = 40.0
    guard = DislocationGuard(QUICK)
    statuses = feed(guard, ts[:901], mid[:901], spread_bps=spread[:901])

    assert statuses[-1] == UpdateStatus.OK and guard.tripped and guard.cause == GuardCause.WIDE_SPREAD
    assert guard.explain() == "wide spread: 40.0 bps > limit 25.0 bps"


def test_a_depth_collapse_fires_against_the_depth_ewma() -> None:
    ts, mid = random_walk(1000, 10 * NS_PER_MS, 2.0, seed=3)
    depth = np.full(1000, 100.0)
    depth[800] = 4.0   # 4 % of its EWMA of 100
    depth[600] = 6.0   # 6 %: above the 5 % limit, no fire
    trace = DislocationGuard(QUICK).update_many(ts, mid, depth=depth)

    assert trace.first_fire() == 800 and trace.cause[800] == GuardCause.THIN_DEPTH


def test_stays_tripped_for_the_cooldown_after_the_last_firing_event_then_clears() -> None:
    ts, mid = random_walk(1000, 10 * NS_PER_MS, 2.0, seed=5)
    mid[500:] *= 0.98  # the level shift keeps firing while pre-drop events are in the 100 ms window
    guard = DislocationGuard(QUICK)
    changes = []
    for i, (t, m) in enumerate(zip(ts, mid)):
        guard.update(int(t), float(m))
        if guard.change:
            changes.append((i, guard.change, int(guard.cause)))
    trace = DislocationGuard(QUICK).update_many(ts, mid)
    fired = np.flatnonzero(trace.cause)

    (tripped_at, tripped, _), (cleared_at, cleared, cause_at_clear) = changes
    assert (tripped_at, tripped) == (500, TRIPPED_NOW) and cleared == CLEARED_NOW and cause_at_clear == 0
    assert fired[0] == 500 and fired[-1] < 500 + 12, "fires while a pre-drop price is within window_ns"
    assert ts[cleared_at] >= ts[fired[-1]] + QUICK.cooldown_ns > ts[cleared_at - 1]
    assert trace.tripped[fired[0]:cleared_at].all() and not trace.tripped[cleared_at:].any()


def test_a_gap_longer_than_max_gap_resets_the_guard_and_restarts_its_warm_up() -> None:
    ts, mid = random_walk(800, 10 * NS_PER_MS, 2.0, seed=6)
    guard = DislocationGuard(QUICK)
    feed(guard, ts[:500], mid[:500])
    guard.update(int(ts[500]), float(mid[500]) * 0.97)
    assert guard.tripped

    status = guard.update(int(ts[501]) + QUICK.max_gap_ns + 1, float(mid[501]) * 0.5)

    assert status == UpdateStatus.GAP_RESET and guard.change == RESET_NOW
    assert not guard.tripped and not guard.warm and guard.gap_resets == 1
    assert guard.update(int(ts[501]) + QUICK.max_gap_ns + 2, float(mid[501])) == UpdateStatus.WARMING_UP


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 0.0, -60_000.0])
def test_a_bad_mid_is_refused_counted_and_changes_nothing(bad: float) -> None:
    ts, mid = random_walk(600, 10 * NS_PER_MS, 2.0, seed=7)
    guard, twin = DislocationGuard(QUICK), DislocationGuard(QUICK)
    feed(guard, ts[:300], mid[:300])
    feed(twin, ts[:300], mid[:300])

    assert guard.update(int(ts[300]), bad) == UpdateStatus.INVALID_INPUT
    assert guard.invalid_count == 1 and not guard.tripped

    rest = guard.update_many(ts[300:], mid[300:])
    rest_twin = twin.update_many(ts[300:], mid[300:])
    np.testing.assert_array_equal(rest.status, rest_twin.status)
    np.testing.assert_array_equal(rest.cause, rest_twin.cause)


def test_time_going_backwards_is_refused_and_equal_times_are_accepted() -> None:
    guard = DislocationGuard(QUICK)
    assert guard.update(T0, 100.0) == UpdateStatus.WARMING_UP
    assert guard.update(T0, 100.01) == UpdateStatus.WARMING_UP
    assert guard.update(T0 - 1, 100.0) == UpdateStatus.TIME_BACKWARDS
    assert guard.invalid_count == 1


def test_streaming_equals_batch() -> None:
    ts, mid = random_walk(3000, 10 * NS_PER_MS, 3.0, seed=8)
    mid[2000:] *= 0.99
    spread = np.abs(np.random.default_rng(1).normal(1.0, 8.0, 3000))
    batch = DislocationGuard(QUICK).update_many(ts, mid, spread_bps=spread)
    guard = DislocationGuard(QUICK)
    for i in range(3000):
        assert guard.update(int(ts[i]), float(mid[i]), spread_bps=float(spread[i])) == batch.status[i]
        assert guard.tripped == batch.tripped[i] and int(guard.cause) == batch.cause[i]


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("jump_sigmas", 0.0, "jump_sigmas 0.0 must be > 0"),
    ("window_ns", 0, "window_ns 0"),
    ("sigma_floor_bps", -1.0, "sigma_floor_bps -1.0"),
    ("depth_collapse_fraction", 1.5, "depth_collapse_fraction 1.5"),
    ("warmup_events", 1, "warmup_events 1"),
    ("max_gap_ns", 0, "max_gap_ns 0"),
])
def test_bad_config_raises_config_error_naming_the_value(field: str, value: float, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        GuardConfig(**{field: value})
