"""Builders shared by the feature tests: a set using every kind with short windows, and generated streams."""

from __future__ import annotations

from hypothesis import strategies as st

from arbkit.core.enums import Side
from arbkit.core.messages import BookGap, BookUpdate, Trade
from arbkit.features.declarations import (Basis, BookSlope, EwmaCovariance, EwmaVol, EwmaZScore, ImbalanceL1,
                                          ImbalanceTopN, LeadLag, Microprice, RangeVol, RealizedVol, RollingZScore,
                                          Spread, TradeFlowImbalance, TradeIntensity, VwapDeviation)
from arbkit.features.feature_set import FeatureSet
from testkit import SPOT_BTC, USDM_BTC

MS = 1_000_000


def every_kind_set(max_gap_ns: int = 200 * MS) -> FeatureSet:
    """One feature of every kind over spot and perp, with windows of a few ms so short streams warm up."""
    return FeatureSet(name="every_kind", instruments={"spot": SPOT_BTC, "perp": USDM_BTC}, book_levels=3,
                      max_gap_ns=max_gap_ns, features=(
                          ImbalanceL1(name="imb", instrument="spot"),
                          ImbalanceTopN(name="imb_top", instrument="perp"),
                          Microprice(name="micro", instrument="spot"),
                          Spread(name="spread", instrument="perp"),
                          BookSlope(name="slope", instrument="spot"),
                          TradeFlowImbalance(name="tfi", instrument="spot", halflife_ns=2 * MS),
                          VwapDeviation(name="vwap", instrument="perp", halflife_ns=2 * MS),
                          TradeIntensity(name="intensity", instrument="perp", halflife_ns=2 * MS),
                          EwmaVol(name="ewvol", instrument="spot", halflife_ns=3 * MS),
                          RealizedVol(name="rv", instrument="perp", bucket_ns=1 * MS, buckets=3),
                          RangeVol(name="range", instrument="spot", bar_ns=1 * MS, bars=2),
                          Basis(name="basis", a="spot", b="perp"),
                          LeadLag(name="ll", a="spot", b="perp", bucket_ns=1 * MS, lag_buckets=2),
                          EwmaCovariance(name="cov", instruments=("spot", "perp"), bucket_ns=1 * MS,
                                         halflife_ns=2 * MS),
                          EwmaZScore(name="bz", source="basis.bps", halflife_ns=2 * MS),
                          RollingZScore(name="rz", source="basis.bps", bucket_ns=1 * MS, buckets=3),
                      ))


GAP = "gap"
"""Marks a generated event that is a sequence gap of the instrument's book."""

_STEP_NS = st.sampled_from([0, 0, 0, 100_000, 400_000, 1_000_000, 3_000_000, -200_000, 500 * MS])
"""Bursts (many events at one ns), ordinary steps, out-of-order stamps and gaps longer than max_gap_ns."""
EVENT = st.tuples(st.integers(0, 1), st.sampled_from([False, False, False, True, True, GAP]), _STEP_NS,
                  st.integers(-6, 6), st.integers(0, 50), st.sampled_from([Side.BUY, Side.SELL]))
"""(instrument, book diff / trade / sequence gap, time step, price offset, size, aggressor)."""


def messages_from_events(events: list[tuple[int, bool | str, int, int, int, Side]]
                         ) -> list[BookUpdate | Trade | BookGap]:
    """Two snapshots around 5,000,000 / 5,001,000 ticks, then the generated diffs, trades and gaps in order."""
    ids = (SPOT_BTC, USDM_BTC)
    centre = (5_000_000, 50_010)  # spot ticks of 0.01, perp ticks of 0.1 (about 50,000 USDT both)
    ts = 1_700_000_000_000_000_000
    out: list[BookUpdate | Trade | BookGap] = []
    for k in (0, 1):
        c = centre[k]
        out.append(BookUpdate(instrument_id=ids[k], ts_event=ts, ts_recv=ts, first_update_id=1, last_update_id=1,
                              bids=tuple((c - 1 - i, 1000 + 10 * i) for i in range(5)),
                              asks=tuple((c + 1 + i, 1200 + 10 * i) for i in range(5)), is_snapshot=True))
    uid = [1, 1]
    for n, (k, is_trade, step, offset, size, side) in enumerate(events):
        ts += step
        c = centre[k]
        if is_trade == GAP:
            out.append(BookGap(instrument_id=ids[k], ts_recv=ts, source="generated", line=n,
                               expected_update_id=uid[k] + 1, got_first_update_id=uid[k] + 5, got_prev_update_id=-1,
                               reason="generated gap"))
            continue
        if is_trade:
            out.append(Trade(instrument_id=ids[k], ts_event=ts, ts_recv=ts, price_ticks=c + offset,
                             size_lots=size + 1, aggressor=side, trade_id=n))
            continue
        uid[k] += 1
        level = (c + offset, size * 7)
        bids, asks = ((level,), ()) if offset <= 0 else ((), (level,))
        out.append(BookUpdate(instrument_id=ids[k], ts_event=ts, ts_recv=ts, first_update_id=uid[k],
                              last_update_id=uid[k], bids=bids, asks=asks))
    return out
