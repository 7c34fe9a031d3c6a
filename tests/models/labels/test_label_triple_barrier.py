"""Triple barrier and meta-labels: each barrier by hand, a slow reference, no look-ahead, and the shipped sample."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from label_kit import S, price_series, slow_triple_barrier

from arbkit.models.label_barrier import BARRIER_NONE, BARRIER_PROFIT_TAKE, BARRIER_STOP_LOSS, BARRIER_VERTICAL
from arbkit.models.label_set import LabelSet
from arbkit.models.labels import triple_barrier

TS = np.arange(6, dtype=np.int64) * S


def prices(*bps: float) -> np.ndarray:
    """Prices whose log return from the first is ``bps`` at each row."""
    return 100.0 * np.exp(np.array((0.0, *bps)) / 1e4)


def label_row0(price: np.ndarray, **kwargs: object) -> tuple[float, float, int, int]:
    args: dict[str, Any] = {"pt_mult": 2.0, "sl_mult": 1.0, "vertical_ns": 3 * S, "volatility_bps": 10.0, **kwargs}
    out = triple_barrier(TS, price, events_idx=np.array([0]), **args)
    assert out.barrier is not None
    return float(out.label[0]), float(out.value[0]), int(out.barrier[0]), int(out.t1[0])


def test_profit_take_first_is_plus_one_at_the_touch_time() -> None:
    label, value, barrier, t1 = label_row0(prices(5.0, 21.0, -50.0, 0.0, 0.0))
    assert (label, barrier, t1) == (1.0, BARRIER_PROFIT_TAKE, 2 * S) and value == pytest.approx(21.0)


def test_stop_loss_first_is_minus_one_even_if_profit_take_comes_later() -> None:
    label, value, barrier, t1 = label_row0(prices(-10.0, 40.0, 0.0, 0.0, 0.0))
    assert (label, barrier, t1) == (-1.0, BARRIER_STOP_LOSS, S) and value == pytest.approx(-10.0)


def test_vertical_barrier_labels_the_sign_or_zero_and_reads_the_last_price_by_the_horizon() -> None:
    path = prices(5.0, -9.0, 7.0, 90.0, 0.0)     # the 90 bps move is at 4 s, after the 3 s vertical barrier
    label, value, barrier, t1 = label_row0(path)
    assert (label, barrier, t1) == (1.0, BARRIER_VERTICAL, 3 * S) and value == pytest.approx(7.0)
    assert label_row0(path, vertical_label="zero")[0] == 0.0


def test_a_zero_multiplier_disables_its_barrier() -> None:
    assert label_row0(prices(-30.0, 0.0, 0.0, 0.0, 0.0), sl_mult=0.0)[2] == BARRIER_VERTICAL
    assert label_row0(prices(30.0, 0.0, 0.0, 0.0, 0.0), pt_mult=0.0)[2] == BARRIER_VERTICAL


def test_an_event_without_a_touch_before_the_data_end_is_undefined_but_an_early_touch_is_not() -> None:
    ts = np.array([0, S, 2 * S], dtype=np.int64)
    out = triple_barrier(ts, prices(1.0, 25.0), pt_mult=2.0, sl_mult=1.0, vertical_ns=10 * S, volatility_bps=10.0)
    assert out.barrier is not None
    assert out.barrier.tolist() == [BARRIER_PROFIT_TAKE, BARRIER_PROFIT_TAKE, BARRIER_NONE]
    assert out.defined.tolist() == [True, True, False] and np.isnan(out.value[2]) and out.t1[2] == 12 * S


def test_meta_labels_score_the_primary_side() -> None:
    path = prices(-25.0, 0.0, 0.0, 0.0, 0.0)        # the price falls 25 bps at 1 s
    short = np.full(6, -1.0)
    long = np.ones(6)
    # short: the fall is its profit-take (2 × 10 bps) → 1; long: its stop-loss → 0
    assert label_row0(path, side=short)[:3] == (1.0, pytest.approx(-25.0), BARRIER_PROFIT_TAKE)
    assert label_row0(path, side=long)[0::2] == (0.0, BARRIER_STOP_LOSS)
    # a vertical touch with a gain counts as 1 under "sign" (de Prado's bin = ret > 0), 0 under "zero"
    drift = prices(3.0, 5.0, 6.0, 0.0, 0.0)
    assert label_row0(drift, side=long)[0] == 1.0 and label_row0(drift, side=short)[0] == 0.0
    assert label_row0(drift, side=long, vertical_label="zero")[0] == 0.0
    out = triple_barrier(TS, drift, pt_mult=2, sl_mult=1, vertical_ns=3 * S, volatility_bps=10.0, side=long,
                         events_idx=np.array([0]))
    assert out.definition["name"] == "meta_label" and out.definition["pt_mult"] == 2.0


def test_the_target_is_read_per_event_row() -> None:
    vol = np.array([10.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    out = triple_barrier(TS, prices(4.0, 4.0, 4.0, 4.0, 4.0), pt_mult=2, sl_mult=1, vertical_ns=2 * S,
                         volatility_bps=vol, events_idx=np.array([0, 1]))
    assert out.barrier is not None and out.barrier.tolist() == [BARRIER_VERTICAL, BARRIER_VERTICAL]
    out = triple_barrier(TS, prices(4.0, 4.0, 4.0, 4.0, 4.0), pt_mult=2, sl_mult=1, vertical_ns=2 * S,
                         volatility_bps=vol[::-1].copy(), events_idx=np.array([0]))
    assert out.barrier is not None and out.barrier.tolist() == [BARRIER_PROFIT_TAKE]


@dataclass(frozen=True)
class Case:
    ts: np.ndarray
    price: np.ndarray
    events: np.ndarray
    pt: float
    sl: float
    vertical: int
    vol: np.ndarray
    side: np.ndarray
    meta: bool
    vertical_label: Literal["sign", "zero"]

    def run(self, price: np.ndarray | None = None) -> LabelSet:
        return triple_barrier(self.ts, self.price if price is None else price, pt_mult=self.pt, sl_mult=self.sl,
                              vertical_ns=self.vertical, volatility_bps=self.vol, events_idx=self.events,
                              side=self.side if self.meta else None, vertical_label=self.vertical_label)


@st.composite
def barrier_case(draw: st.DrawFn) -> Case:
    ts, price = draw(price_series())
    n = len(ts)
    events = np.flatnonzero(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return Case(ts=ts, price=price, events=events.astype(np.int64) if len(events) else np.array([0]),
                pt=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])), sl=draw(st.sampled_from([0.0, 0.5, 1.0, 3.0])),
                vertical=draw(st.sampled_from([1, S, 2 * S, 10 * S])),
                vol=np.array(draw(st.lists(st.sampled_from([1.0, 5.0, 20.0]), min_size=n, max_size=n))),
                side=np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n))),
                meta=draw(st.booleans()), vertical_label=draw(st.sampled_from(["sign", "zero"])))


@settings(max_examples=200, deadline=None)
@given(barrier_case())
def test_triple_barrier_equals_the_slow_reference(case: Case) -> None:
    out = case.run()
    side = case.side[case.events] if case.meta else np.ones(len(case.events))
    vol = case.vol[case.events]
    upper = [case.pt * v if case.pt else np.inf for v in vol]
    lower = [case.sl * v if case.sl else np.inf for v in vol]
    expected = slow_triple_barrier(case.ts.tolist(), np.log(case.price).tolist(), case.events.tolist(), upper, lower,
                                   case.vertical, side.tolist())
    assert out.barrier is not None
    assert out.t1.tolist() == [t for t, _, _ in expected] and out.barrier.tolist() == [b for _, _, b in expected]
    np.testing.assert_allclose(out.value, [v for _, v, _ in expected], rtol=1e-12, atol=1e-9)
    assert ((out.t0 <= out.t1) & (out.t1 <= out.t0 + case.vertical)).all()
    allowed = {0.0, 1.0} if case.meta else {-1.0, 0.0, 1.0}
    assert set(out.label[out.defined].tolist()) <= allowed and (out.defined == (out.barrier != BARRIER_NONE)).all()


@settings(max_examples=150, deadline=None)
@given(barrier_case(), st.data())
def test_prices_after_an_events_t1_do_not_change_its_label(case: Case, data: st.DataObject) -> None:
    before = case.run()
    k = data.draw(st.integers(0, len(before) - 1))
    later = case.ts > before.t1[k]
    after = case.run(case.price * np.where(later, data.draw(st.sampled_from([0.3, 4.0])), 1.0))
    assert before.barrier is not None and after.barrier is not None
    assert (after.t1[k], after.barrier[k]) == (before.t1[k], before.barrier[k])
    np.testing.assert_array_equal([after.label[k], after.value[k]], [before.label[k], before.value[k]])
