"""Bar realised-vol features against a hand computation; detection metrics against a hand count."""

from __future__ import annotations

import math

import msgspec
import numpy as np
import pytest
from regime_kit import NS_PER_MS, NS_PER_S

from arbkit.core.errors import ConfigError
from arbkit.regime.errors import RegimeError
from arbkit.regime.evaluation import Episode, evaluate_detections
from arbkit.regime.status import UpdateStatus
from arbkit.regime.vol_features import BarVolSpec

T0 = 1_723_161_000 * NS_PER_S
SPEC = BarVolSpec(bar_ns=1 * NS_PER_S, sample_ns=250 * NS_PER_MS, halflife_ns=2 * NS_PER_S, warmup_ns=0,
                  ewma_column=True)


def irregular_stream(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ts = T0 + np.cumsum(rng.integers(1, 120, n)) * NS_PER_MS
    return ts, 100.0 * np.exp(np.cumsum(rng.normal(0, 2e-4, n)))


def by_hand(ts: np.ndarray, mid: np.ndarray, spec: BarVolSpec) -> tuple[list[int], np.ndarray]:
    """Sample the mid in force just before each grid time, sum squared log returns per bar (plain Python)."""
    grid = np.arange((ts[0] // spec.sample_ns + 1) * spec.sample_ns, ts[-1] + 1, spec.sample_ns)
    sampled = np.log(mid[np.searchsorted(ts, grid, side="left") - 1])  # last event strictly before the grid time
    rows, bar_ends, ewma, last_end = [], [], None, None
    sums, count = 0.0, 0
    for k in range(len(grid)):
        if k > 0:
            sums += (sampled[k] - sampled[k - 1]) ** 2
            count += 1
        if grid[k] % spec.bar_ns == 0 and grid[k] > ts[0] // spec.bar_ns * spec.bar_ns:
            if count:
                rate = sums / (count * spec.sample_ns / NS_PER_S)
                ewma = rate if ewma is None else ewma + (1 - math.exp(-math.log(2) * (grid[k] - last_end)
                                                                      / spec.halflife_ns)) * (rate - ewma)
                last_end = grid[k]
                rows.append([math.log(max(1e4 * math.sqrt(rate), spec.floor_bps_per_sqrt_s)),
                             math.log(max(1e4 * math.sqrt(ewma), spec.floor_bps_per_sqrt_s))])
                bar_ends.append(int(grid[k]))
            sums, count = 0.0, 0
    return bar_ends, np.array(rows)


def test_bar_rows_equal_a_hand_computation_on_an_irregular_stream() -> None:
    ts, mid = irregular_stream(3000, seed=1)
    bars = SPEC.batch(ts, mid)
    bar_ends, rows = by_hand(ts, mid, SPEC)

    assert list(bars.bar_end_ns) == bar_ends[: len(bars.bar_end_ns)]
    np.testing.assert_allclose(bars.rows, rows[: len(bars.rows)], rtol=1e-12)
    assert len(bar_ends) - len(bars.bar_end_ns) <= 1, "the last bar closes only when a later event arrives"
    assert (ts[bars.event_index] >= bars.bar_end_ns).all()
    assert (ts[bars.event_index - 1] < bars.bar_end_ns).all(), "a row is emitted on the first event after the close"


def test_streaming_features_equal_batch_bit_for_bit() -> None:
    ts, mid = irregular_stream(2000, seed=2)
    bars = SPEC.batch(ts, mid)
    engine = SPEC.streaming()
    emitted = [(i, row) for i, (t, m) in enumerate(zip(ts, mid)) if (row := engine.update(int(t), float(m))) is not None]
    assert [i for i, _ in emitted] == list(bars.event_index)
    np.testing.assert_array_equal(np.array([r for _, r in emitted]), bars.rows)


def test_rows_start_once_the_warm_up_has_passed_and_are_the_same_rows_as_without_it() -> None:
    ts, mid = irregular_stream(3000, seed=5)
    warm = msgspec.structs.replace(SPEC, warmup_ns=20 * NS_PER_S)
    cold_bars, warm_bars = SPEC.batch(ts, mid), warm.batch(ts, mid)
    engine = warm.streaming()
    engine.update(int(ts[0]), float(mid[0]))

    assert engine.status == UpdateStatus.WARMING_UP
    assert warm_bars.bar_end_ns[0] >= ts[0] + 20 * NS_PER_S > warm_bars.bar_end_ns[0] - NS_PER_S
    skipped = len(cold_bars.bar_end_ns) - len(warm_bars.bar_end_ns)
    np.testing.assert_array_equal(warm_bars.rows, cold_bars.rows[skipped:])


def test_the_realised_vol_of_a_known_random_walk_is_recovered() -> None:
    rng = np.random.default_rng(3)
    ts = T0 + np.arange(200_000, dtype=np.int64) * 5 * NS_PER_MS
    vol = 4.0  # bps per sqrt(s)
    mid = 100.0 * np.exp(np.cumsum(rng.normal(0, vol * 1e-4 * math.sqrt(0.005), len(ts))))
    rows = BarVolSpec(ewma_column=True).batch(ts, mid).rows
    assert math.exp(np.median(rows[:, 1])) == pytest.approx(vol, rel=0.05)
    assert math.exp(np.mean(rows[:, 0])) == pytest.approx(vol, rel=0.1), "log of a 10-return estimate: Jensen bias"


def test_a_gap_restarts_the_engine_and_bad_input_is_refused() -> None:
    engine = SPEC.streaming()
    ts, mid = irregular_stream(500, seed=4)
    for t, m in zip(ts, mid):
        engine.update(int(t), float(m))
    assert engine.update(int(ts[-1]) - 1, 100.0) is None and engine.status == UpdateStatus.TIME_BACKWARDS
    assert engine.update(int(ts[-1]) + 1, float("nan")) is None and engine.status == UpdateStatus.INVALID_INPUT
    assert engine.update(int(ts[-1]) + 1, 0.0) is None and engine.invalid_count == 3
    assert engine.update(int(ts[-1]) + SPEC.max_gap_ns + 1, 100.0) is None
    assert engine.status == UpdateStatus.GAP_RESET and engine.gap_resets == 1


def test_spec_digest_changes_with_any_parameter_and_bad_specs_raise() -> None:
    assert BarVolSpec().digest() == BarVolSpec().digest()
    assert BarVolSpec().digest() != BarVolSpec(bar_ns=2 * NS_PER_S).digest()
    assert BarVolSpec().names == ("log_rv",) and BarVolSpec(ewma_column=True).names == ("log_rv", "log_rv_ewma")
    assert BarVolSpec().digest() != BarVolSpec(ewma_column=True).digest()
    with pytest.raises(ConfigError, match="multiple of sample_ns"):
        BarVolSpec(bar_ns=NS_PER_S, sample_ns=300 * NS_PER_MS)


def test_detection_metrics_against_a_hand_count() -> None:
    s = NS_PER_S
    ts = np.arange(0, 100, 1, dtype=np.int64) * s
    flagged = np.zeros(100, dtype=bool)
    flagged[[5, 6, 40]] = True        # two false alarms: 3 s wrongly flagged
    flagged[62:90] = True             # episode [60, 80): detected at 62; stays on 10 s past its end
    flagged[95] = True                # inside the 20 s allowance after the episode: not a false alarm

    report = evaluate_detections(ts, flagged, [Episode(name="e", start_ns=60 * s, end_ns=80 * s)], detector="x",
                                 start_ns=0, end_ns=100 * s, allowance_ns=20 * s)

    (episode,) = report.episodes
    assert (episode.delay_ns, episode.detected_index) == (2 * s, 62)
    assert episode.covered_fraction == pytest.approx(18 / 20)
    assert report.false_alarms == 2 and report.clean_ns == 60 * s
    assert report.false_alarms_per_hour == pytest.approx(2 / (60 / 3600))
    assert report.wrongly_flagged_fraction == pytest.approx(3 / 60)
    assert "delay 2000.0 ms (event 62)" in str(report)


def test_a_missed_episode_has_no_delay_and_bad_arrays_raise() -> None:
    ts = np.arange(10, dtype=np.int64) * NS_PER_S
    report = evaluate_detections(ts, np.zeros(10, dtype=bool), [Episode(name="e", start_ns=2, end_ns=5 * NS_PER_S)],
                                 detector="x")
    assert report.episodes[0].delay_ns is None and "MISSED" in str(report)
    with pytest.raises(RegimeError, match="non-decreasing"):
        evaluate_detections(ts[::-1], np.zeros(10, dtype=bool), [], detector="x")
