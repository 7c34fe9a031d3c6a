"""Known-answer tests: independent estimators recover what the generator planted, from the rows alone.

Every estimator reads the BBO mids (ts_event clock) of the generated TickFrames; the planted values
come from the market's :class:`PlantedTruth`, never from the config the test built.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from synthetic_kit import (KNOWN_ANSWER_SEEDS, ar1_fit, bbo_mid_prices, cross_correlation_peak, default_market,
                           realised_vol, sample_as_of)

NS_PER_S = 1_000_000_000


@pytest.mark.parametrize("seed", KNOWN_ANSWER_SEEDS)
def test_mid_return_cross_correlation_peaks_at_the_planted_lead_lag(seed: int) -> None:
    market = default_market(seed)
    truth = market.truth.lead_lag
    step_ns = 5_000_000
    grid = np.arange(market.truth.start_ns + NS_PER_S, market.truth.flash_crash.start_ns, step_ns)
    leader = np.diff(np.log(sample_as_of(*bbo_mid_prices(market.frames[truth.leader_venue]), grid)))
    follower = np.diff(np.log(sample_as_of(*bbo_mid_prices(market.frames[truth.follower_venue]), grid)))

    lag_ns = cross_correlation_peak(leader, follower, max_lag=40) * step_ns

    assert truth.clock == "ts_event"
    assert abs(lag_ns - truth.lag_ns) <= step_ns, f"peak at {lag_ns} ns, planted {truth.lag_ns} ns"


@pytest.mark.parametrize("seed", KNOWN_ANSWER_SEEDS)
def test_ar1_fit_of_the_sampled_basis_recovers_the_planted_half_life_and_mean(seed: int) -> None:
    market = default_market(seed)
    truth = market.truth.basis
    step_ns = 100_000_000
    grid = np.arange(market.truth.start_ns, market.truth.end_ns, step_ns)
    perp = sample_as_of(*bbo_mid_prices(market.frames[truth.perp_venue]), grid)
    spot = sample_as_of(*bbo_mid_prices(market.frames[truth.spot_venue]), grid)
    basis_bps = 1e4 * np.log(perp / spot)

    phi, intercept = ar1_fit(basis_bps)
    half_life_ns = step_ns * math.log(2.0) / -math.log(phi)
    mean_bps = intercept / (1.0 - phi)

    assert half_life_ns == pytest.approx(truth.half_life_ns, rel=0.30)
    assert mean_bps == pytest.approx(truth.mean_bps, abs=1.0), "mean within 1 bp (about 3 standard errors)"
    assert np.std(basis_bps) == pytest.approx(truth.stationary_std_bps, rel=0.25)


@pytest.mark.parametrize("seed", KNOWN_ANSWER_SEEDS)
def test_realised_vol_ratio_after_the_switch_matches_the_planted_multiplier(seed: int) -> None:
    market = default_market(seed)
    truth, crash = market.truth.regime_switch, market.truth.flash_crash
    step_ns = 100_000_000
    # the perp's returns also carry the basis, whose variance at 100 ms outweighs the random walk's
    for venue in (market.truth.lead_lag.leader_venue, market.truth.lead_lag.follower_venue):
        ts, mid = bbo_mid_prices(market.frames[venue])
        before = np.arange(market.truth.start_ns + NS_PER_S, truth.at_ns, step_ns)
        after = np.arange(truth.at_ns, crash.start_ns - NS_PER_S, step_ns)  # the crash is not volatility
        ratio = realised_vol(np.log(sample_as_of(ts, mid, after))) / realised_vol(np.log(sample_as_of(ts, mid, before)))
        assert ratio == pytest.approx(truth.vol_multiplier, rel=0.25), f"{venue}: vol ratio {ratio:.3f}"


@pytest.mark.parametrize("seed", KNOWN_ANSWER_SEEDS)
def test_min_mid_in_the_crash_window_is_the_planted_drop(seed: int) -> None:
    market = default_market(seed)
    crash, lag_ns = market.truth.flash_crash, market.truth.lead_lag.lag_ns
    starts = {market.truth.lead_lag.follower_venue: crash.follower_start_ns}
    for venue, frame in market.frames.items():
        start = starts.get(venue, crash.start_ns)
        ts, mid = bbo_mid_prices(frame)
        before = sample_as_of(ts, mid, np.array([start - 1]))[0]
        window = (ts >= start) & (ts <= start + crash.fall_ns + crash.recovery_ns)
        drop_pct = 100.0 * (1.0 - mid[window].min() / before)
        bottom_at = ts[window][np.argmin(mid[window])]
        after = sample_as_of(ts, mid, np.array([start + crash.fall_ns + crash.recovery_ns + lag_ns]))[0]

        assert drop_pct == pytest.approx(crash.drop_pct, abs=1.0), f"{venue}: drop {drop_pct:.3f} %"
        assert abs(bottom_at - (start + crash.bottom_ns - crash.start_ns)) <= crash.fall_ns // 4
        assert after / before == pytest.approx(1.0, abs=0.01), f"{venue}: no recovery"
