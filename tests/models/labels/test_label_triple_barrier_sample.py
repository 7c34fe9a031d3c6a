"""Triple barrier on the shipped sample, with the target from the feature library's EWMA volatility."""

from __future__ import annotations

import math

import numpy as np
import pytest
from testkit import USDM_BTC, registry

from arbkit.data.events import EventTable
from arbkit.data.replay import Replay
from arbkit.data.sample import SAMPLE_USDM_BTC, sample_path
from arbkit.features.batch_inputs import gaps_in, inputs_from_events
from arbkit.features.declarations import EwmaVol
from arbkit.features.engine import FeatureEngine
from arbkit.features.feature_set import FeatureSet
from arbkit.features.layout import ASK_TICKS, BID_TICKS, EV_BOOK
from arbkit.models.label_barrier import BARRIER_NONE, BARRIER_PROFIT_TAKE, BARRIER_STOP_LOSS, BARRIER_VERTICAL
from arbkit.models.labels import triple_barrier

S = 1_000_000_000
VERTICAL_NS = 10 * S


@pytest.fixture(scope="module")
def perp() -> dict[str, np.ndarray]:
    """Event time, mid (USDT) and 30 s EWMA volatility (bps per √s) after every perp book event of the sample."""
    features = FeatureSet(name="vol", instruments={"perp": USDM_BTC},
                          features=(EwmaVol(name="vol", instrument="perp", halflife_ns=30 * S),))
    messages = list(Replay.from_binance_files([[sample_path(SAMPLE_USDM_BTC)]], registry()))
    inputs = inputs_from_events(EventTable.from_messages(messages, {USDM_BTC: 0}), features, {0: "perp"},
                                gaps=gaps_in(messages, {USDM_BTC: 0}))
    matrix = FeatureEngine(features, registry()).batch(inputs)
    book = inputs.kind == EV_BOOK
    tick = float(registry().get(USDM_BTC).tick_size)
    mid = (inputs.fields[book, BID_TICKS] + inputs.fields[book, ASK_TICKS]) / 2.0 * tick
    return {"ts": inputs.ts_ns[book], "mid": mid, "vol": matrix.values[book, 0]}


def test_triple_barrier_on_the_sample_touches_each_barrier_and_respects_the_target(perp: dict[str, np.ndarray]) -> None:
    ts, mid, vol = perp["ts"], perp["mid"], perp["vol"]
    target = vol * math.sqrt(VERTICAL_NS / S)                       # bps per √s × √s = bps over the horizon
    events = np.flatnonzero(np.isfinite(target))[::5]
    out = triple_barrier(ts, mid, pt_mult=1.0, sl_mult=1.0, vertical_ns=VERTICAL_NS,
                         volatility_bps=np.nan_to_num(target, nan=1.0), events_idx=events)
    assert out.barrier is not None
    counts = {code: int((out.barrier == code).sum())
              for code in (BARRIER_PROFIT_TAKE, BARRIER_STOP_LOSS, BARRIER_VERTICAL, BARRIER_NONE)}
    print(f"{len(events)} events over {(ts[-1] - ts[0]) / S:.0f} s: profit-take {counts[BARRIER_PROFIT_TAKE]}, "
          f"stop-loss {counts[BARRIER_STOP_LOSS]}, vertical {counts[BARRIER_VERTICAL]}, "
          f"undefined {counts[BARRIER_NONE]}")
    assert min(counts[BARRIER_PROFIT_TAKE], counts[BARRIER_STOP_LOSS], counts[BARRIER_VERTICAL]) > 20
    width = target[events]
    pt, sl = out.barrier == BARRIER_PROFIT_TAKE, out.barrier == BARRIER_STOP_LOSS
    vert = out.barrier == BARRIER_VERTICAL
    assert (out.value[pt] >= width[pt]).all() and (out.value[sl] <= -width[sl]).all()
    assert (np.abs(out.value[vert]) < width[vert]).all()
    assert (out.t1[vert] == out.t0[vert] + VERTICAL_NS).all() and (out.t1 <= out.t0 + VERTICAL_NS).all()
    # only events whose vertical barrier passes the last book event can be undefined
    assert (out.t0[~out.defined] + VERTICAL_NS > ts[-1]).all() and (~out.defined).sum() <= len(events) // 20


def test_meta_labels_of_a_momentum_side_on_the_sample_are_profit_take_hits(perp: dict[str, np.ndarray]) -> None:
    ts, mid, vol = perp["ts"], perp["mid"], perp["vol"]
    target = np.nan_to_num(vol * math.sqrt(VERTICAL_NS / S), nan=1.0)
    momentum = np.sign(np.r_[np.zeros(1), np.diff(np.log(mid))])  # primary model: follow the last mid move
    events = np.flatnonzero(np.isfinite(vol) & (momentum != 0.0))
    side = np.where(momentum == 0.0, 1.0, momentum)
    meta = triple_barrier(ts, mid, pt_mult=1.0, sl_mult=1.0, vertical_ns=VERTICAL_NS, volatility_bps=target,
                          events_idx=events, side=side, vertical_label="zero")
    assert meta.barrier is not None and set(meta.label[meta.defined].tolist()) == {0.0, 1.0}
    assert (meta.label[meta.defined] == (meta.barrier[meta.defined] == BARRIER_PROFIT_TAKE)).all()
