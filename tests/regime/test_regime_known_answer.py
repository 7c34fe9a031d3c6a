"""Known answers on the synthetic market: the planted volatility switch and the planted flash crash.

Run with ``-s`` to see the figures (detection delay, false alarms). The HMM is fitted on the test
market before its switch plus a calibration market of another seed (see
:mod:`arbkit.regime.known_answer`); the planted times come from the market's truth, the k-sigma event
from an independent numpy recomputation of the guard's documented statistic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from regime_kit import CALIBRATION_SEED, KNOWN_ANSWER_SEEDS, k_sigma_ratio, known_answer, market

from arbkit.regime.errors import RegimeError
from arbkit.regime.guard import DislocationGuard
from arbkit.regime.known_answer import KnownAnswerConfig, run_known_answer
from arbkit.regime.monitor import RegimeMonitor
from arbkit.regime.status import UpdateStatus

MAX_SWITCH_DELAY_BARS = 3
"""The first bar wholly after the switch closes one bar_ns after it; the sticky HMM may need two more."""


@pytest.mark.parametrize("seed", KNOWN_ANSWER_SEEDS)
def test_hmm_detects_the_planted_volatility_switch_within_three_bars_without_false_alarms(seed: int) -> None:
    result = known_answer(seed)
    print(f"\n{result}")
    (episode,) = result.switch.episodes
    bar_ns = result.config.features.bar_ns

    assert result.model.regimes == ("calm", "volatile")
    assert episode.start_ns == result.truth.regime_switch.at_ns
    assert episode.delay_ns is not None and 0 < episode.delay_ns <= MAX_SWITCH_DELAY_BARS * bar_ns
    assert result.switch.false_alarms == 0 and result.switch.wrongly_flagged_fraction == 0.0
    assert episode.covered_fraction > 0.95
    vol = np.exp(np.array(result.model.params.means)[:, 0])  # fitted bar vol per regime, bps per sqrt(s)
    planted = result.truth.regime_switch
    assert vol[0] == pytest.approx(planted.vol_before_bps_per_sqrt_s, rel=0.15)
    assert vol[1] == pytest.approx(planted.vol_after_bps_per_sqrt_s, rel=0.15)


@pytest.mark.parametrize("seed", KNOWN_ANSWER_SEEDS)
def test_guard_fires_on_the_first_event_whose_move_exceeds_k_sigma_and_that_event_is_in_the_crash(seed: int) -> None:
    result = known_answer(seed)
    crash = result.truth.flash_crash
    ts, mid = result.bbo.ts_ns, result.bbo.mid

    ratio, sigma_bps = k_sigma_ratio(ts, mid, result.config.guard)
    guard = result.config.guard
    first_k_sigma = int(np.flatnonzero(ratio > 1.0)[0])
    fired = result.guard.first_fire()
    config = result.truth.config
    fall_per_step_bps = 1e2 * crash.drop_pct / (crash.fall_ns / config.step_ns)  # the planted linear fall
    limit_bps = guard.jump_sigmas * max(sigma_bps[fired], guard.sigma_floor_bps)
    steps_to_cross = math.ceil(limit_bps / fall_per_step_bps) + 1  # + 1: tick rounding of the quotes

    assert fired == first_k_sigma
    assert crash.start_ns <= ts[fired] <= crash.bottom_ns, "the first k-sigma move of the whole day is the crash"
    assert ts[fired] - crash.start_ns <= steps_to_cross * config.step_ns
    assert not result.guard.tripped[fired - 1] and result.guard.tripped[fired]
    (episode,) = result.crash.episodes
    assert episode.detected_index == fired and episode.delay_ns == ts[fired] - crash.start_ns
    assert result.crash.false_alarms == 0
    assert not result.guard.tripped[ts >= crash.end_ns + result.config.guard.cooldown_ns + 100_000_000].any()


def test_the_per_tick_monitor_reproduces_the_batch_run_as_regime_changes() -> None:
    result = known_answer(KNOWN_ANSWER_SEEDS[0])
    bbo, bars = result.bbo, result.bars
    monitor = RegimeMonitor(result.venue, classifier=result.model.online(max_gap_ns=result.config.features.max_gap_ns),
                            guard=DislocationGuard(result.config.guard))
    engine = result.config.features.streaming()
    changes = []
    for t, m, s in zip(bbo.ts_ns.tolist(), bbo.mid.tolist(), bbo.spread_bps.tolist()):
        change = monitor.update(t, m, engine.update(t, m), spread_bps=s)
        if change:
            changes.append(change)

    # the label the batch outputs imply, event by event: dislocated > warming_up > the classifier's regime
    row_label = np.full(len(bbo), -1)
    row_label[bars.event_index] = result.labels
    last_row = np.maximum.accumulate(np.where(np.isin(np.arange(len(bbo)), bars.event_index), np.arange(len(bbo)), -1))
    class_label = np.where(last_row >= 0, row_label[np.maximum(last_row, 0)], -1)
    names = np.array(["warming_up", *result.model.regimes, "dislocated"])
    implied = np.where(result.guard.tripped, len(names) - 1,
                       np.where((class_label < 0) | (result.guard.status == UpdateStatus.WARMING_UP), 0,
                                class_label + 1))
    at = np.flatnonzero(np.diff(np.concatenate([[0], implied])) != 0)

    assert [(c.ts_ns, c.new) for c in changes] == [(int(bbo.ts_ns[i]), str(names[implied[i]])) for i in at]
    causes = {(c.new if c.new in ("dislocated",) else c.old if c.old == "dislocated" else "class", c.cause)
              for c in changes}
    assert causes == {("class", "hmm"), ("dislocated", "dislocation_guard"), ("dislocated", "guard_cleared")}
    assert [c.new for c in changes].count("dislocated") == 1, "one trip: the crash"


def test_known_answer_refuses_a_market_of_another_seed() -> None:
    with pytest.raises(RegimeError, match="seed 777"):
        run_known_answer(KnownAnswerConfig(seed=11, calibration_seed=CALIBRATION_SEED), market=market(777),
                         calibration=market(CALIBRATION_SEED))
