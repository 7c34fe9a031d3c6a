"""Online call scoring gives the training labels row for row on the shipped sample's real decision points."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testkit import build_engine, default_config, sample_timeline

from arbkit.lifecycle.call_scoring import DirectionCallScorer, ReversionCallScorer, ScoringInputError
from arbkit.lifecycle.modes import LifecycleError
from arbkit.models.labels import forward_return, reversion_label
from arbkit.models.metrics import classification_metrics

MESSAGES = 60_000
"""Messages of the shipped sample replayed for the parity tests (enough for ~1,000 decision points)."""


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    """Decision points of the basis signal over the start of the sample (pipeline pass 1), plus the config."""
    from arbkit.audit.journal import Journal
    from arbkit.scripts.basis_signal import BasisSignal, SignalRecorder

    config = default_config()
    strategy = config.strategy
    recorder = SignalRecorder(BasisSignal(config.features.spec(), strategy.spot_instrument, strategy.perp_instrument,
                                          config.features.decision_interval_ms * 1_000_000))
    with Journal(":memory:") as scratch:
        build_engine(config, scratch, [lambda: (recorder, "none")]).run(sample_timeline()[:MESSAGES])
    arrays = recorder.arrays()
    assert len(arrays["ts_ns"]) >= 1_000, "too few decision points for a meaningful parity test"
    return {"config": config, **arrays}


def _probabilities(features: np.ndarray) -> np.ndarray:
    """A deterministic stand-in model: P(reversion) rising with |z| (features[:, 1])."""
    return 1.0 / (1.0 + np.exp(-(np.abs(features[:, 1]) - 1.5) * 2.0))


def test_reversion_scorer_matches_reversion_label_row_for_row_on_the_sample(recorded: dict[str, Any]) -> None:
    config, ts, features = recorded["config"], recorded["ts_ns"], recorded["features"]
    horizon_ns = config.model.horizon_ms * 1_000_000
    basis, mean = features[:, 0], features[:, 0] - features[:, 2]
    candidate = np.abs(features[:, 1]) >= config.model.min_abs_z
    prob = _probabilities(features)
    batch = reversion_label(ts, basis, mean, horizon_ns, config.model.revert_fraction)

    scorer = ReversionCallScorer(horizon_ns, config.model.revert_fraction, threshold=0.5)
    for i in range(len(ts)):
        scorer.observe(int(ts[i]), float(basis[i]), float(mean[i]), float(prob[i]), candidate=bool(candidate[i]))

    online = {t: (label, predicted) for t, label, predicted in scorer.resolved_labels()}
    row_of = {int(t): i for i, t in enumerate(ts)}
    assert len(row_of) == len(ts), "decision times are unique, so a time names one row"
    compared = 0
    for t, (label, predicted) in online.items():
        i = row_of[t]
        assert candidate[i]
        assert predicted == int(prob[i] >= 0.5)
        if batch[i] >= 0:
            assert label == batch[i], f"row {i} at {t} ns: online {label}, batch {batch[i]}"
            compared += 1
        else:  # horizon past the data: the batch cannot say, online knows only a hit that already happened
            assert label == 1
    # every candidate the batch labels is resolved online, but those whose horizon ends exactly at the last row
    defined = candidate & (batch >= 0)
    missing = [i for i in np.flatnonzero(defined) if int(ts[i]) not in online]
    assert all(ts[i] + horizon_ns == ts[-1] for i in missing)
    assert compared >= 200 and compared == int(defined.sum()) - len(missing)
    assert scorer.pending == int(candidate.sum()) - len(online)
    # and the scores are the batch classification metrics of the same rows
    rows = np.array(sorted(row_of[t] for t in online))
    labels = np.array([online[int(ts[i])][0] for i in rows])
    assert set(np.unique(labels)) == {0, 1}
    expected = classification_metrics(labels, prob[rows], threshold=0.5)
    assert scorer.precision == pytest.approx(expected["precision"])
    assert scorer.recall == pytest.approx(expected["recall"])
    assert scorer.f1 == pytest.approx(expected["f1"])
    assert scorer.resolved == len(online) and scorer.positive_calls == sum(p for _, p in online.values())


def test_direction_scorer_matches_forward_return_sign_row_for_row_on_the_sample(recorded: dict[str, Any]) -> None:
    ts, price = recorded["ts_ns"], recorded["perp_mid"]
    horizon_ns = 1_000_000_000
    prob = 1.0 / (1.0 + np.exp(recorded["features"][:, 2]))  # "up" when the basis is below its mean
    batch = forward_return(ts, price, horizon_ns)

    scorer = DirectionCallScorer(horizon_ns, threshold=0.5)
    for i in range(len(ts)):
        scorer.observe(int(ts[i]), float(price[i]), float(prob[i]))

    resolved = scorer.resolved_labels()
    n = len(resolved)
    assert [t for t, _, _ in resolved] == ts[:n].tolist(), "resolution is in time order"
    assert n == int(np.sum(ts + horizon_ns < ts[-1])), "a row resolves once an observation falls after its horizon"
    labels = np.array([label for _, label, _ in resolved])
    np.testing.assert_array_equal(labels, batch.label[:n].astype(int))
    np.testing.assert_array_equal(scorer.resolved_returns_bps(), batch.value[:n])
    assert {-1, 1} <= set(labels.tolist())
    up = (labels == 1).astype(int)
    called = prob[:n] >= 0.5
    assert scorer.precision == pytest.approx(up[called].mean())
    assert scorer.recall == pytest.approx(called[up == 1].mean())


def test_reversion_hit_resolves_at_once_and_a_miss_only_after_the_horizon() -> None:
    scorer = ReversionCallScorer(horizon_ns=10, revert_fraction=0.5, threshold=0.6)
    scorer.observe(0, 4.0, 0.0, 0.9)        # gap 4, target 2
    scorer.observe(5, 3.0, 0.0, 0.1)        # not reverted; queued as a non-call (gap 3, target 1.5)
    assert (scorer.resolved, scorer.pending) == (0, 2)
    scorer.observe(10, -2.0, 0.0, None)     # |−2 − 0| <= 2: first call hit at the horizon's last ns
    assert scorer.resolved_labels() == [(0, 1, 1)]
    scorer.observe(15, 2.5, 0.0, None)      # 5 + 10 = 15 is still inside the second call's horizon
    assert scorer.pending == 1
    scorer.observe(16, 0.0, 0.0, None)      # after the horizon: a miss, even though this row reverts
    assert scorer.resolved_labels() == [(0, 1, 1), (5, 0, 0)]
    assert (scorer.tp, scorer.fp, scorer.fn, scorer.tn) == (1, 0, 0, 1)
    assert (scorer.precision, scorer.recall, scorer.f1) == (1.0, 1.0, 1.0)


def test_non_candidate_points_still_resolve_earlier_calls_but_are_not_scored() -> None:
    scorer = ReversionCallScorer(horizon_ns=100, revert_fraction=1.0, threshold=0.5)
    scorer.observe(0, 1.0, 0.5, 0.7)
    scorer.observe(1, 0.5, 0.5, 0.9, candidate=False)
    assert scorer.resolved_labels() == [(0, 1, 1)] and scorer.pending == 0


def test_scores_are_none_until_defined() -> None:
    scorer = DirectionCallScorer(horizon_ns=1, threshold=0.5)
    assert (scorer.precision, scorer.recall, scorer.f1, scorer.resolved) == (None, None, None, 0)
    scorer.observe(0, 100.0, 0.2)
    scorer.observe(5, 99.0, None)           # down, not called: recall and precision still undefined
    assert (scorer.tn, scorer.precision, scorer.recall, scorer.f1) == (1, None, None, None)
    assert scorer.scores().resolved == 1


def test_direction_flat_price_is_not_up() -> None:
    scorer = DirectionCallScorer(horizon_ns=10, threshold=0.5)
    scorer.observe(0, 100.0, 0.9)
    scorer.observe(20, 100.0, None)
    assert scorer.resolved_labels() == [(0, 0, 1)] and scorer.fp == 1


@pytest.mark.parametrize("field, args", [
    ("basis_bps", (0, float("nan"), 0.0, 0.5)),
    ("mean_bps", (0, 1.0, float("inf"), 0.5)),
    ("probability", (0, 1.0, 0.0, float("nan"))),
])
def test_reversion_non_finite_input_is_refused_naming_the_value(field: str, args: tuple[Any, ...]) -> None:
    scorer = ReversionCallScorer(horizon_ns=10, revert_fraction=0.5, threshold=0.5)
    with pytest.raises(ScoringInputError, match=f"{field} must be finite"):
        scorer.observe(*args)
    assert scorer.pending == 0


def test_decreasing_time_is_refused_and_changes_nothing() -> None:
    scorer = ReversionCallScorer(horizon_ns=10, revert_fraction=0.5, threshold=0.5)
    scorer.observe(100, 2.0, 0.0, 0.9)
    with pytest.raises(ScoringInputError, match="non-decreasing: got 99 ns after 100 ns"):
        scorer.observe(99, 0.0, 0.0, 0.9)
    assert scorer.pending == 1 and scorer.resolved == 0
    scorer.observe(100, 0.0, 0.0, None)     # the same ns is allowed
    assert scorer.resolved == 1
    direction = DirectionCallScorer(horizon_ns=10, threshold=0.5)
    direction.observe(5, 1.0, None)
    with pytest.raises(ScoringInputError, match="got 4 ns after 5 ns"):
        direction.observe(4, 1.0, None)


def test_errors_are_lifecycle_errors_and_value_errors() -> None:
    assert issubclass(ScoringInputError, LifecycleError) and issubclass(ScoringInputError, ValueError)


@pytest.mark.parametrize("kwargs, message", [
    ({"horizon_ns": 0, "revert_fraction": 0.5, "threshold": 0.5}, "horizon_ns must be > 0, got 0"),
    ({"horizon_ns": 1.5, "revert_fraction": 0.5, "threshold": 0.5}, "horizon_ns must be an integer"),
    ({"horizon_ns": 10, "revert_fraction": 0.0, "threshold": 0.5}, r"revert_fraction must be in \(0, 1\], got 0.0"),
    ({"horizon_ns": 10, "revert_fraction": 0.5, "threshold": 1.0}, r"threshold must be in \(0, 1\), got 1.0"),
    ({"horizon_ns": 10, "revert_fraction": 0.5, "threshold": float("nan")}, "threshold must be in"),
])
def test_bad_parameters_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ScoringInputError, match=message):
        ReversionCallScorer(**kwargs)


@given(price=st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not (math.isfinite(v) and v > 0)))
def test_direction_refuses_any_price_that_is_not_finite_and_positive(price: float) -> None:
    scorer = DirectionCallScorer(horizon_ns=10, threshold=0.5)
    with pytest.raises(ScoringInputError, match="price must be"):
        scorer.observe(0, price, 0.5)
    assert scorer.pending == 0


@given(probability=st.floats().filter(lambda v: not 0.0 <= v <= 1.0))
def test_probability_outside_unit_interval_is_refused(probability: float) -> None:
    scorer = ReversionCallScorer(horizon_ns=10, revert_fraction=0.5, threshold=0.5)
    with pytest.raises(ScoringInputError, match="probability must be"):
        scorer.observe(0, 1.0, 0.0, probability)


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.floats(-50, 50), st.floats(0, 1)), min_size=1, max_size=60),
       st.integers(1, 30), st.sampled_from([0.25, 0.5, 1.0]))
def test_reversion_parity_with_batch_on_random_series(rows: list[tuple[int, float, float]], horizon: int,
                                                      fraction: float) -> None:
    ts = np.cumsum([r[0] for r in rows]).astype(np.int64)
    basis = np.array([r[1] for r in rows])
    mean = np.roll(basis, 1) * 0.5
    prob = np.array([r[2] for r in rows])
    batch = reversion_label(ts, basis, mean, horizon, fraction)
    scorer = ReversionCallScorer(horizon, fraction, threshold=0.5)
    for i in range(len(ts)):
        scorer.observe(int(ts[i]), float(basis[i]), float(mean[i]), float(prob[i]))
    seen = 0
    for position, (_, label, predicted) in zip(scorer.resolved_indices(), scorer.resolved_labels(), strict=True):
        assert predicted == int(prob[position] >= 0.5)
        assert label == batch[position] or (batch[position] == -1 and label == 1)
        seen += 1
    assert seen + scorer.pending == len(ts)



@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(95, 105), st.floats(0, 1)), min_size=1, max_size=60),
       st.integers(1, 30))
def test_direction_parity_with_forward_return_on_random_series(rows: list[tuple[int, int, float]], horizon: int) -> None:
    ts = np.cumsum([r[0] for r in rows]).astype(np.int64)
    price = np.array([float(r[1]) for r in rows])
    prob = np.array([r[2] for r in rows])
    batch = forward_return(ts, price, horizon)
    scorer = DirectionCallScorer(horizon, threshold=0.5)
    for i in range(len(ts)):
        scorer.observe(int(ts[i]), float(price[i]), float(prob[i]))
    resolved = scorer.resolved_labels()
    assert scorer.resolved_indices() == list(range(len(resolved)))
    assert len(resolved) == int(np.sum(ts + horizon < ts[-1]))
    for i, (_, label, predicted) in enumerate(resolved):
        assert label == int(batch.label[i]) and predicted == int(prob[i] >= 0.5)
    assert scorer.pending == len(ts) - len(resolved)


def test_resolved_since_returns_only_the_new_labels_in_resolution_order() -> None:
    scorer = ReversionCallScorer(horizon_ns=10, revert_fraction=0.5, threshold=0.5, label_history=3)
    scorer.observe(0, 4.0, 0.0, 0.9)        # target 2
    scorer.observe(1, 1.0, 0.0, 0.2)        # hits the first; queued itself (target 0.5)
    assert scorer.resolved_since(0) == [(0, 1, 1)]
    seen = scorer.resolved
    scorer.observe(2, 9.0, 0.0, 0.7)        # no hit; queued (target 4.5)
    scorer.observe(3, 0.1, 0.0, None)       # hits 1 and 2 at once
    assert scorer.resolved_since(seen) == [(1, 1, 0), (2, 1, 1)]
    assert scorer.resolved_since(scorer.resolved) == []
    scorer.observe(4, 9.0, 0.0, 0.7)
    scorer.observe(20, 9.0, 0.0, None)      # the call at 4 expires
    assert scorer.resolved_since(0) == [(1, 1, 0), (2, 1, 1), (4, 0, 1)]  # only label_history = 3 are kept
    assert scorer.resolved == 4
    with pytest.raises(ScoringInputError, match=r"n_resolved must be in \[0, 4\] \(calls resolved so far\), got 5"):
        scorer.resolved_since(5)
