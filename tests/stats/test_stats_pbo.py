"""Probability of backtest overfitting (CSCV): hand cases, a loop reference, the noise limit, bad input."""

from __future__ import annotations

import itertools
import math
from typing import Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from arbkit.stats import PboResult, StatsError, pbo_cscv


def _reference_logits(m: np.ndarray, s: int, metric: str) -> list[float]:
    """CSCV written as the paper's loop, with scipy's average ranks (an independent reference)."""
    t, n = m.shape
    rows = t // s
    blocks = np.split(m[t - rows * s:], s)
    out = []
    for is_blocks in itertools.combinations(range(s), s // 2):
        ins = np.vstack([blocks[i] for i in is_blocks])
        oos = np.vstack([blocks[i] for i in range(s) if i not in is_blocks])
        score = (lambda x: x.mean(axis=0) / x.std(axis=0, ddof=1)) if metric == "sharpe" else (lambda x: x.mean(0))
        best = int(np.argmax(score(ins)))
        omega = rankdata(score(oos))[best] / (n + 1)
        out.append(math.log(omega / (1 - omega)))
    return out


@pytest.mark.parametrize("metric", ["sharpe", "mean"])
def test_one_configuration_best_in_every_period_gives_pbo_zero(metric: Literal["sharpe", "mean"]) -> None:
    rng = np.random.default_rng(11)
    noise = rng.normal(0.0, 0.01, size=(320, 9))
    m = np.column_stack([noise, noise.max(axis=1) + 0.002])  # the last column dominates every period
    r = pbo_cscv(m, n_splits=16, metric=metric)
    assert r.pbo == 0.0
    assert r.n_combinations == math.comb(16, 8) == len(r.logits)
    np.testing.assert_allclose(r.logits, math.log(10))  # OOS rank N of N: ω = N/(N+1), λ = ln N
    assert r.prob_oos_loss == 0.0


def test_configurations_that_swap_between_halves_give_pbo_one() -> None:
    # S = 2: A earns +1 in the first half and -1 in the second, B the opposite; the IS winner always loses OOS
    a = np.concatenate([np.ones(10), -np.ones(10)])
    r = pbo_cscv(np.column_stack([a, -a]), n_splits=2, metric="mean")
    assert r.pbo == 1.0
    np.testing.assert_allclose(r.logits, [math.log(0.5), math.log(0.5)])  # rank 1 of 2: ω = 1/3
    assert r.is_performance == (1.0, 1.0) and r.oos_performance == (-1.0, -1.0)
    assert r.prob_oos_loss == 1.0


@pytest.mark.parametrize(("metric", "seed"), [("sharpe", 0), ("sharpe", 1), ("mean", 2)])
def test_matches_a_loop_reference(metric: Literal["sharpe", "mean"], seed: int) -> None:
    m = np.random.default_rng(seed).normal(0.001, 0.01, size=(61, 7))  # 61 = 6 × 10 + 1 dropped row
    r = pbo_cscv(m, n_splits=6, metric=metric)
    ref = _reference_logits(m, 6, metric)
    np.testing.assert_allclose(r.logits, ref, rtol=1e-12)
    assert r.pbo == pytest.approx(np.mean(np.array(ref) <= 0))
    assert r.n_rows_used == 60 and r.n_configs == 7 and r.n_splits == 6


def test_noise_gives_pbo_near_one_half() -> None:
    """Pure noise: the IS winner's OOS rank is uniform on 1..N, so for even N, E[PBO] = P(rank <= N/2) = 1/2.

    One matrix's PBO is very noisy (its C(S, S/2) splits reuse the same data: the standard deviation over
    seeds was measured at about 0.21 for T = 400, N = 20, S = 8), so the test averages 200 seeded
    matrices: standard error 0.21 / √200 ≈ 0.015, and the 0.06 tolerance is 4 standard errors.
    """
    values = [pbo_cscv(np.random.default_rng(seed).normal(0.0, 0.01, size=(400, 20)), n_splits=8).pbo
              for seed in range(200)]
    assert abs(np.mean(values) - 0.5) < 0.06
    assert 0.0 < min(values) and max(values) < 1.0


def test_degradation_pairs_and_fit() -> None:
    m = np.random.default_rng(5).normal(0.0, 0.01, size=(80, 12))
    r = pbo_cscv(m, n_splits=8)
    ip, op = np.array(r.is_performance), np.array(r.oos_performance)
    assert ip.size == op.size == r.n_combinations == 70
    slope, intercept = np.polyfit(ip, op, 1)
    assert (r.degradation_slope, r.degradation_intercept) == (pytest.approx(slope), pytest.approx(intercept))
    assert r.prob_oos_loss == pytest.approx(np.mean(op < 0))
    assert r.as_dict()["n_combinations"] == 70 and isinstance(r, PboResult)


def test_callable_metric_and_constant_columns() -> None:
    m = np.random.default_rng(8).normal(0.0, 0.01, size=(40, 5))

    def mean(rows: np.ndarray) -> np.ndarray:
        return rows.mean(axis=0)

    assert pbo_cscv(m, n_splits=4, metric=mean).logits == pytest.approx(pbo_cscv(m, n_splits=4, metric="mean").logits)
    assert pbo_cscv(m, n_splits=4, metric=mean).metric == "mean"
    flat = np.column_stack([m, np.full(40, 0.01)])  # constant column: NaN Sharpe, never selected, ranked lowest
    r = pbo_cscv(flat, n_splits=4)
    assert not any(math.isnan(x) for x in r.is_performance)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=2, max_value=8),
       st.sampled_from([2, 4, 6]))
def test_pbo_is_a_probability(seed: int, n: int, s: int) -> None:
    m = np.random.default_rng(seed).normal(0.0, 1.0, size=(2 * s + 7, n))
    r = pbo_cscv(m, n_splits=s)
    assert 0.0 <= r.pbo <= 1.0
    assert all(math.isfinite(x) for x in r.logits)


# -- malformed input ---------------------------------------------------------------------------
@pytest.mark.parametrize(("matrix", "kwargs", "match"), [
    (np.zeros(10), {}, "2-D T × N matrix, got shape \\(10,\\)"),
    (np.zeros((40, 1)), {"n_splits": 4}, "N = 1 configuration\\(s\\); CSCV needs at least 2"),
    (np.zeros((40, 3)), {"n_splits": 5}, "n_splits must be even, got 5"),
    (np.zeros((40, 3)), {"n_splits": 0}, "n_splits must be >= 2, got 0"),
    (np.zeros((400, 3)), {"n_splits": 22}, "n_splits 22 is above the limit 20"),
    (np.zeros((15, 3)), {"n_splits": 8}, "T = 15 rows; n_splits 8 needs at least 16"),
    (np.array([[0.0, 1.0], [np.nan, 2.0]] * 4), {"n_splits": 2}, "row 1, column 0 is nan"),
    (np.zeros((40, 3)), {"n_splits": 4, "metric": "sortino"}, "metric must be 'sharpe', 'mean' or a callable"),
    (np.zeros((40, 3)), {"n_splits": 4, "metric": lambda x: x.mean()}, "one score per configuration"),
])
def test_malformed_input_is_refused(matrix: np.ndarray, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(StatsError, match=match):
        pbo_cscv(matrix, **kwargs)  # type: ignore[arg-type]
