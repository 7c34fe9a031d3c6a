"""A pandas reference implementation of the feature kernels, written the obvious way.

:func:`reference_features` recomputes every output of a :class:`~arbkit.features.feature_set.FeatureSet`
from the same :class:`~arbkit.features.engine.FeatureInputs` the compiled engine reads, and returns
one column per output name with the value after every event: NaN where the engine reports a status
other than READY. It shares no code with the kernels; only the input layout (field positions, event
kinds) and the declarations are imported. ``tests/features/test_reference_agreement.py`` compares
the two on the shipped sample; ``bench/features_batch.py`` times them.

Idioms: per-instrument forward-filled top of book, time grids as ``ts // bucket_ns`` with
``groupby().last()`` + ``reindex`` + ``ffill``, bars as ``groupby().agg(first, max, min, last)``,
``rolling(n)`` windows, ``ewm(halflife=..., times=...)`` where its definition matches the kernel's,
and a plain loop for the one recursion pandas has no idiom for (an unnormalised decayed sum).

Engine semantics followed (see :mod:`arbkit.features.dispatch`):

- a feature is *touched* by the events of its instruments; a book feature (everything but trade
  features and z-scores) is not touched by trades; a z-score is touched when its source is;
- a touched feature *updates* (computes, advances its clock) only when its books are present (or,
  for a z-score, its source is READY); otherwise it reports that status: NaN here;
- each output keeps its last emitted value (NaN included) until its feature is touched again;
- event time is made non-decreasing per feature: the running maximum over its updates.

Out of scope, refused with :class:`ReferenceScopeError`: the ``max_gap_ns`` reset, bad input (rejected
books and trades), and ``EV_GAP`` events. Units follow the kernels: ticks and lots in, bps out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from arbkit.core.instruments import InstrumentRegistry
from arbkit.features import declarations as fd
from arbkit.features.engine import FeatureInputs
from arbkit.features.feature_set import FeatureSet
from arbkit.features.layout import (ASK_DEPTH_LOTS, ASK_FAR_TICKS, ASK_LOTS, ASK_TICKS, BID_DEPTH_LOTS, BID_FAR_TICKS,
                                    BID_LOTS, BID_TICKS, EV_BOOK, EV_TRADE, IMB_N, N_FIELDS, TRADE_LOTS, TRADE_SIDE,
                                    TRADE_TICKS)

LN2 = math.log(2.0)
BPS = 1e4
"""Basis points per unit."""
NS_PER_S = 1e9

FIELD_COLUMNS = {BID_TICKS: "bid_ticks", ASK_TICKS: "ask_ticks", BID_LOTS: "bid_lots", ASK_LOTS: "ask_lots",
                 IMB_N: "imb_n", BID_DEPTH_LOTS: "bid_depth_lots", ASK_DEPTH_LOTS: "ask_depth_lots",
                 BID_FAR_TICKS: "bid_far_ticks", ASK_FAR_TICKS: "ask_far_ticks", TRADE_TICKS: "trade_ticks",
                 TRADE_LOTS: "trade_lots", TRADE_SIDE: "trade_side"}
"""Input field position → column name of the events frame."""
BOOK_COLUMNS = [FIELD_COLUMNS[j] for j in range(TRADE_TICKS)]


class ReferenceScopeError(ValueError):
    """The inputs need behaviour the reference does not implement (gap reset, bad input, book gaps)."""


# -- inputs --------------------------------------------------------------------------------------------------------
def events_frame(inputs: FeatureInputs) -> pd.DataFrame:
    """One row per event: ``ts_ns`` (int ns), ``inst`` (alias index), ``kind`` and the named fields (ticks, lots)."""
    if inputs.fields.shape[1:] != (N_FIELDS,):
        raise ReferenceScopeError(f"fields must have {N_FIELDS} columns, got shape {inputs.fields.shape}")
    frame = pd.DataFrame(inputs.fields, columns=[FIELD_COLUMNS[j] for j in range(N_FIELDS)])
    frame.insert(0, "kind", np.asarray(inputs.kind, dtype=np.int64))
    frame.insert(0, "inst", np.asarray(inputs.instrument, dtype=np.int64))
    frame.insert(0, "ts_ns", np.asarray(inputs.ts_ns, dtype=np.int64))
    return frame


def check_inputs(frame: pd.DataFrame) -> None:
    """Raise ReferenceScopeError unless every event is a usable book or trade (the reference has no rejection path)."""
    other = ~frame.kind.isin([EV_BOOK, EV_TRADE])
    if other.any():
        raise ReferenceScopeError(f"{int(other.sum())} events are neither books nor trades (first at row "
                                  f"{int(other.idxmax())}); book gaps are out of scope")
    books = frame.loc[frame.kind == EV_BOOK, BOOK_COLUMNS]
    usable = (np.isfinite(books).all(axis=1) & (books.bid_ticks > 0) & (books.ask_ticks > books.bid_ticks)
              & (books.bid_lots > 0) & (books.ask_lots > 0) & (books.bid_depth_lots > 0) & (books.ask_depth_lots > 0))
    if not usable.all():
        raise ReferenceScopeError(f"{int((~usable).sum())} book events are empty-sided, crossed or not finite "
                                  f"(first at row {int(usable.idxmin())}); bad input is out of scope")
    trades = frame.loc[frame.kind == EV_TRADE, ["trade_ticks", "trade_lots", "trade_side"]]
    usable = (trades.trade_ticks > 0) & (trades.trade_lots > 0) & trades.trade_side.isin([1.0, -1.0])
    usable &= np.isfinite(trades.trade_ticks) & np.isfinite(trades.trade_lots)
    if not usable.all():
        raise ReferenceScopeError(f"{int((~usable).sum())} trades have a bad price, quantity or side "
                                  f"(first at row {int(usable.idxmin())}); bad input is out of scope")


def log_of(values: pd.Series) -> pd.Series:
    """Natural log through the C library's ``log`` (the one compiled code calls).

    numpy's vectorised ``log`` may differ by one ulp (about 2e-15 at log(60000)); a one-tick return of
    1.6e-7 would turn that into a relative difference of 1e-8.
    """
    return values.map(math.log)


def instrument_book(frame: pd.DataFrame, index: int, tick: float) -> pd.DataFrame:
    """Top of book of instrument ``index`` after every event (forward-filled; NaN before its first book).

    Adds ``mid_ticks``, ``mid`` (quote currency) and ``log_mid``.
    """
    own = frame.loc[(frame.kind == EV_BOOK) & (frame.inst == index), BOOK_COLUMNS]
    own = own.assign(mid_ticks=0.5 * (own.bid_ticks + own.ask_ticks))
    own = own.assign(mid=own.mid_ticks * tick)
    own = own.assign(log_mid=log_of(own.mid))
    return own.reindex(frame.index).ffill()


@dataclass(frozen=True)
class Events:
    """The events frame with what every feature reads: books per instrument, tick and lot sizes, aliases."""

    frame: pd.DataFrame
    books: list[pd.DataFrame]
    tick: list[float]
    lot: list[float]
    alias_index: dict[str, int]

    @classmethod
    def build(cls, frame: pd.DataFrame, feature_set: FeatureSet, instruments: InstrumentRegistry) -> Events:
        """Index the aliases, look up tick and lot sizes, forward-fill each instrument's book."""
        aliases = list(feature_set.instruments)
        tick = [float(instruments.get(feature_set.instruments[a]).tick_size) for a in aliases]
        lot = [float(instruments.get(feature_set.instruments[a]).lot_size) for a in aliases]
        books = [instrument_book(frame, i, tick[i]) for i in range(len(aliases))]
        return cls(frame=frame, books=books, tick=tick, lot=lot, alias_index={a: i for i, a in enumerate(aliases)})

    def book(self, alias: str, rows: pd.Index) -> pd.DataFrame:
        """The book of ``alias`` after each of ``rows``."""
        return self.books[self.alias_index[alias]].loc[rows]


@dataclass(frozen=True)
class Run:
    """Where one feature runs: the rows that touch it, the rows where it updates, and its clock there (ns)."""

    touched: pd.Index
    updated: pd.Index
    time_ns: pd.Series
    """Event time on ``updated``: the running maximum of the events' times (never decreasing)."""
    source: pd.Series | None = None
    """For a z-score, its source's value on ``updated``."""

    @property
    def elapsed_ns(self) -> pd.Series:
        """Event time since the feature's first update."""
        return self.time_ns - self.time_ns.iloc[0]

    def bucket(self, width_ns: int) -> pd.Series:
        """Grid bucket (multiples of ``width_ns`` since the epoch) of each update."""
        return self.time_ns // width_ns


# -- helpers -------------------------------------------------------------------------------------------------------
def ewm_in_event_time(values: pd.Series, time_ns: pd.Series, halflife_ns: int, adjust: bool) -> pd.Series:
    """``ewm(...).mean()`` with weights 2^(-Δt / halflife) in event time.

    ``adjust=True``: Σ w x / Σ w (a ratio of decayed sums); ``adjust=False``: m ← m + (1 − 2^(-Δt/h)) (x − m)
    starting at the first value. The times are shifted to start at zero: pandas converts them to float64
    before differencing, and epoch ns (about 1.7e18) are only resolved to 256 ns there.
    """
    times = (time_ns - time_ns.iloc[0]).to_numpy().astype("datetime64[ns]")
    return values.ewm(halflife=pd.Timedelta(halflife_ns, unit="ns"), times=times, adjust=adjust).mean()


def decayed_sum(time_ns: pd.Series, values: pd.Series, halflife_ns: int) -> pd.Series:
    """Σ x_k 2^(-(t − t_k) / halflife) at every t of the series (unnormalised; pandas' ewm normalises its weights)."""
    out = np.empty(len(values))
    total, previous = 0.0, int(time_ns.iloc[0])
    for k, (t, x) in enumerate(zip(time_ns.tolist(), values.tolist())):
        total = total * 2.0 ** (-(t - previous) / halflife_ns) + x
        previous = t
        out[k] = total
    return pd.Series(out, index=values.index)


def grid_closes(values: pd.Series | pd.DataFrame, bucket: pd.Series) -> pd.Series | pd.DataFrame:
    """The last value seen in each bucket, for every bucket from the first to the last (empty ones carried)."""
    closes = values.groupby(bucket).last()
    return closes.reindex(range(int(bucket.iloc[0]), int(bucket.iloc[-1]) + 1)).ffill()


def grid_returns(values: pd.Series | pd.DataFrame, bucket: pd.Series) -> pd.Series | pd.DataFrame:
    """Return of each bucket close over the previous close; the first bucket's runs from the first value seen."""
    closes = grid_closes(values, bucket)
    opens = closes.shift(1)
    opens.iloc[0] = values.iloc[0]
    return closes - opens


def before(per_bucket: pd.Series | pd.DataFrame, bucket: pd.Series, lag: int = 1) -> np.ndarray:
    """``per_bucket`` at ``lag`` buckets before each update's bucket (NaN before the grid starts)."""
    return per_bucket.reindex(bucket - lag).to_numpy()


def hold(values: pd.Series, index: pd.Index) -> pd.Series:
    """Output after every event: each value (NaN included) is held until the feature emits again."""
    return values.reindex(index, method="ffill")


# -- book features ---------------------------------------------------------------------------------------------------
def imbalance_l1(ev: Events, decl: fd.ImbalanceL1, run: Run) -> list[pd.Series]:
    """Best-level size imbalance, in [-1, 1]."""
    b = ev.book(decl.instrument, run.updated)
    return [(b.bid_lots - b.ask_lots) / (b.bid_lots + b.ask_lots)]


def imbalance_top_n(ev: Events, decl: fd.ImbalanceTopN, run: Run) -> list[pd.Series]:
    """The depth-weighted imbalance field as given (computed from the book by the input builder), in [-1, 1]."""
    return [ev.book(decl.instrument, run.updated).imb_n]


def microprice(ev: Events, decl: fd.Microprice, run: Run) -> list[pd.Series]:
    """Size-weighted mid minus the mid, bps of the mid."""
    b = ev.book(decl.instrument, run.updated)
    micro = (b.bid_ticks * b.ask_lots + b.ask_ticks * b.bid_lots) / (b.bid_lots + b.ask_lots)
    return [(micro - b.mid_ticks) / b.mid_ticks * BPS]


def spread(ev: Events, decl: fd.Spread, run: Run) -> list[pd.Series]:
    """Spread in ticks and in bps of the mid."""
    b = ev.book(decl.instrument, run.updated)
    ticks = b.ask_ticks - b.bid_ticks
    return [ticks, ticks / b.mid_ticks * BPS]


def book_slope(ev: Events, decl: fd.BookSlope, run: Run) -> list[pd.Series]:
    """Depth (base units) per bps from the mid to the deepest level read: mean of both sides, and asymmetry."""
    b = ev.book(decl.instrument, run.updated)
    lot = ev.lot[ev.alias_index[decl.instrument]]
    bid_slope = b.bid_depth_lots * lot / ((b.mid_ticks - b.bid_far_ticks) / b.mid_ticks * BPS)
    ask_slope = b.ask_depth_lots * lot / ((b.ask_far_ticks - b.mid_ticks) / b.mid_ticks * BPS)
    return [0.5 * (bid_slope + ask_slope), (bid_slope - ask_slope) / (bid_slope + ask_slope)]


# -- trade features --------------------------------------------------------------------------------------------------
def _trades(ev: Events, alias: str, run: Run) -> pd.DataFrame:
    """The trades among the updates: quantity (base units), signed quantity, price (quote currency), time."""
    i = ev.alias_index[alias]
    rows = ev.frame.loc[run.updated]
    trades = rows[rows.kind == EV_TRADE]
    qty = trades.trade_lots * ev.lot[i]
    return pd.DataFrame({"qty": qty, "signed": trades.trade_side * qty, "price": trades.trade_ticks * ev.tick[i],
                         "time_ns": run.time_ns.loc[trades.index]})


def _decayed_ratio(num: pd.Series, den: pd.Series, time_ns: pd.Series, halflife_ns: int, run: Run) -> pd.Series:
    """Σ w·num / Σ w·den over the trades, at every update (between trades the common decay cancels); NaN before
    the first trade."""
    if num.empty:
        return pd.Series(np.nan, index=run.updated)
    ratio = (ewm_in_event_time(num, time_ns, halflife_ns, adjust=True)
             / ewm_in_event_time(den, time_ns, halflife_ns, adjust=True))
    return ratio.reindex(run.updated, method="ffill")


def trade_flow_imbalance(ev: Events, decl: fd.TradeFlowImbalance, run: Run) -> list[pd.Series]:
    """Decayed signed / total traded quantity, in [-1, 1]; READY one half-life after the first event, with a trade."""
    t = _trades(ev, decl.instrument, run)
    tfi = _decayed_ratio(t.signed, t.qty, t.time_ns, decl.halflife_ns, run)
    return [tfi.where(run.elapsed_ns >= decl.halflife_ns)]


def vwap_deviation(ev: Events, decl: fd.VwapDeviation, run: Run) -> list[pd.Series]:
    """(mid − decayed VWAP) / VWAP in bps; READY one half-life after the first event, with a book and a trade."""
    t = _trades(ev, decl.instrument, run)
    vwap = _decayed_ratio(t.price * t.qty, t.qty, t.time_ns, decl.halflife_ns, run)
    mid = ev.book(decl.instrument, run.updated).mid  # NaN while the book is absent: NO_INPUT
    return [((mid - vwap) / vwap * BPS).where(run.elapsed_ns >= decl.halflife_ns)]


def trade_intensity(ev: Events, decl: fd.TradeIntensity, run: Run) -> list[pd.Series]:
    """Decayed trade count × ln 2 / half-life, trades per second; READY one half-life after the first event."""
    is_trade = (ev.frame.kind.loc[run.updated] == EV_TRADE).astype(float)
    count = decayed_sum(run.time_ns, is_trade, decl.halflife_ns)
    return [(count * LN2 / decl.halflife_ns * NS_PER_S).where(run.elapsed_ns >= decl.halflife_ns)]


# -- volatility ------------------------------------------------------------------------------------------------------
def ewma_vol(ev: Events, decl: fd.EwmaVol, run: Run) -> list[pd.Series]:
    """sqrt(decayed Σ r² × ln 2 / half-life) of mid log returns, bps per square-root second."""
    log_mid = ev.book(decl.instrument, run.updated).log_mid
    squared = log_mid.diff().pow(2).fillna(0.0)  # the first update has no return
    rate = decayed_sum(run.time_ns, squared, decl.halflife_ns) * LN2 / decl.halflife_ns * NS_PER_S
    return [(np.sqrt(rate) * BPS).where(run.elapsed_ns >= decl.halflife_ns)]


def realized_vol(ev: Events, decl: fd.RealizedVol, run: Run) -> list[pd.Series]:
    """sqrt(Σ r²) of grid returns over the last ``buckets`` completed buckets, bps over the window."""
    log_mid = ev.book(decl.instrument, run.updated).log_mid
    bucket = run.bucket(decl.bucket_ns)
    window = grid_returns(log_mid, bucket).pow(2).rolling(decl.buckets).sum()
    vol = pd.Series(np.sqrt(before(window, bucket)) * BPS, index=run.updated)
    return [vol.where(bucket - bucket.iloc[0] >= decl.buckets)]


def range_vol(ev: Events, decl: fd.RangeVol, run: Run) -> list[pd.Series]:
    """Parkinson and Garman–Klass over the last ``bars`` completed (non-empty) bars of the log mid, bps per bar."""
    log_mid = ev.book(decl.instrument, run.updated).log_mid
    bar = run.bucket(decl.bar_ns)
    ohlc = log_mid.groupby(bar).agg(["first", "max", "min", "last"])
    high_low, close_open = ohlc["max"] - ohlc["min"], ohlc["last"] - ohlc["first"]
    parkinson = (high_low.pow(2) / (4.0 * LN2)).rolling(decl.bars).mean().to_numpy()
    garman_klass = (0.5 * high_low.pow(2) - (2.0 * LN2 - 1.0) * close_open.pow(2)).rolling(decl.bars).mean()
    completed = ohlc.index.get_indexer(bar)  # bars without updates do not exist, so the ordinal counts bars closed
    ready = pd.Series(completed >= decl.bars, index=run.updated)
    previous = np.maximum(completed - 1, 0)
    return [pd.Series(np.sqrt(parkinson[previous]) * BPS, index=run.updated).where(ready),
            pd.Series(np.sqrt(garman_klass.clip(lower=0.0).to_numpy()[previous]) * BPS, index=run.updated).where(ready)]


# -- cross-instrument ------------------------------------------------------------------------------------------------
def basis(ev: Events, decl: fd.Basis, run: Run) -> list[pd.Series]:
    """(mid_b − mid_a) / mid_a in bps, and mid_b / mid_a."""
    mid_a, mid_b = ev.book(decl.a, run.updated).mid, ev.book(decl.b, run.updated).mid
    return [(mid_b - mid_a) / mid_a * BPS, mid_b / mid_a]


def lead_lag(ev: Events, decl: fd.LeadLag, run: Run) -> list[pd.Series]:
    """Log return of a minus that of b since the close ``lag_buckets`` buckets back, bps."""
    logs = pd.DataFrame({"a": ev.book(decl.a, run.updated).log_mid, "b": ev.book(decl.b, run.updated).log_mid})
    bucket = run.bucket(decl.bucket_ns)
    lagged = before(grid_closes(logs, bucket), bucket, decl.lag_buckets)
    value = ((logs.a - lagged[:, 0]) - (logs.b - lagged[:, 1])) * BPS
    return [value.where(bucket - bucket.iloc[0] >= decl.lag_buckets)]


def ewma_covariance(ev: Events, decl: fd.EwmaCovariance, run: Run) -> list[pd.Series]:
    """Zero-mean EWMA variances and covariances of grid log returns (bps² per bucket), then correlations."""
    names = list(decl.instruments)
    logs = pd.DataFrame({x: ev.book(x, run.updated).log_mid for x in names})
    bucket = run.bucket(decl.bucket_ns)
    returns = grid_returns(logs, bucket)
    pairs = [(x, x) for x in names] + [(x, y) for i, x in enumerate(names) for y in names[i + 1:]]
    products = pd.DataFrame({pair: returns[pair[0]] * returns[pair[1]] for pair in pairs})
    products.loc[products.index[0] - 1] = 0.0  # C starts at zero, one bucket before the first close
    lam = 2.0 ** (-decl.bucket_ns / decl.halflife_ns)
    cov = products.sort_index().ewm(alpha=1.0 - lam, adjust=False).mean()  # C ← λC + (1 − λ) r rᵀ per bucket
    at = pd.DataFrame(before(cov, bucket), index=run.updated, columns=cov.columns)
    ready = (bucket - bucket.iloc[0]) * decl.bucket_ns >= decl.halflife_ns
    out = [(at[pair] * BPS**2).where(ready) for pair in pairs]
    for x, y in pairs[len(names):]:
        vx, vy = at[(x, x)], at[(y, y)]
        out.append((at[(x, y)] / np.sqrt(vx * vy)).where(ready & (vx > 0) & (vy > 0)))
    return out


# -- z-scores --------------------------------------------------------------------------------------------------------
def ewma_zscore(ev: Events, decl: fd.EwmaZScore, run: Run) -> list[pd.Series]:
    """z of the source against its event-time EWMA mean and variance before it, and x − mean (source unit).

    The variance is E[x²] − E[x]² of two adjust=False means (the kernel's incremental form is the same quantity;
    this one loses about log10(mean² / var) digits: up to 2e-12 relative on the sample's basis z-score).
    """
    x = run.source
    assert x is not None
    mean = ewm_in_event_time(x, run.time_ns, decl.halflife_ns, adjust=False)
    variance = ewm_in_event_time(x * x, run.time_ns, decl.halflife_ns, adjust=False) - mean.pow(2)
    prior_mean, prior_variance = mean.shift(1), variance.shift(1)  # a value never explains itself
    ready = (run.elapsed_ns >= decl.halflife_ns) & (prior_variance > 0)
    dev = x - prior_mean
    return [(dev / np.sqrt(prior_variance)).where(ready), dev.where(ready)]


def rolling_zscore(ev: Events, decl: fd.RollingZScore, run: Run) -> list[pd.Series]:
    """z of the source against the mean and population std of its last ``buckets`` bucket closes."""
    x = run.source
    assert x is not None
    bucket = run.bucket(decl.bucket_ns)
    closes = grid_closes(x, bucket).rolling(decl.buckets)
    mean, std = before(closes.mean(), bucket), before(closes.std(ddof=0), bucket)
    ready = (bucket - bucket.iloc[0] >= decl.buckets) & (std > 0)
    return [((x - mean) / std).where(ready)]


KINDS: dict[type, Callable[[Events, Any, Run], list[pd.Series]]] = {
    fd.ImbalanceL1: imbalance_l1, fd.ImbalanceTopN: imbalance_top_n, fd.Microprice: microprice, fd.Spread: spread,
    fd.BookSlope: book_slope, fd.TradeFlowImbalance: trade_flow_imbalance, fd.VwapDeviation: vwap_deviation,
    fd.TradeIntensity: trade_intensity, fd.EwmaVol: ewma_vol, fd.RealizedVol: realized_vol, fd.RangeVol: range_vol,
    fd.Basis: basis, fd.LeadLag: lead_lag, fd.EwmaCovariance: ewma_covariance, fd.EwmaZScore: ewma_zscore,
    fd.RollingZScore: rolling_zscore,
}
"""Declaration type → function of (events, declaration, run) giving its outputs on the run's updated rows."""


# -- driver ----------------------------------------------------------------------------------------------------------
@dataclass
class _Done:
    """What later features read: outputs after every event, and the rows that touched each feature."""

    outputs: dict[str, pd.Series]
    touched: dict[str, pd.Index]
    feature_of: dict[str, str]


def feature_run(ev: Events, decl: fd.FeatureDecl, done: _Done, max_gap_ns: int) -> Run:
    """Touched and updated rows of ``decl`` and its clock; ReferenceScopeError if its updates are further apart
    than ``max_gap_ns`` (the reset is out of scope)."""
    frame = ev.frame
    source_name = decl.source_name()
    source = None
    if source_name is not None:
        touched = done.touched[done.feature_of[source_name]]
        values = done.outputs[source_name].loc[touched]
        updated = touched[values.notna().to_numpy()]
        source = values.loc[updated]
    else:
        indices = [ev.alias_index[alias] for alias in decl.instrument_aliases()]
        mine = frame.inst.isin(indices)
        if decl.needs_book:
            mine &= frame.kind == EV_BOOK  # a trade leaves the book as it was
        touched = frame.index[mine.to_numpy()]
        present = np.ones(len(touched), dtype=bool)
        if decl.needs_book:
            for i in indices:
                present &= ev.books[i].bid_ticks.loc[touched].notna().to_numpy()
        updated = touched[present]
    time_ns = frame.ts_ns.loc[updated].cummax()
    gaps = frame.ts_ns.loc[updated] - time_ns.shift(1)
    if len(updated) and gaps.max() > max_gap_ns:
        raise ReferenceScopeError(f"feature {decl.name!r}: updates {int(gaps.max())} ns apart (row "
                                  f"{int(gaps.idxmax())}) exceed max_gap_ns {max_gap_ns}; the reset is out of scope")
    return Run(touched=touched, updated=updated, time_ns=time_ns, source=source)


def reference_features(inputs: FeatureInputs, feature_set: FeatureSet, instruments: InstrumentRegistry) -> pd.DataFrame:
    """Every output of ``feature_set`` after every event of ``inputs``: one float column per output name, NaN
    where the engine reports a status other than READY.

    Raises ReferenceScopeError for inputs that need the gap reset or the bad-input path.
    """
    frame = events_frame(inputs)
    check_inputs(frame)
    ev = Events.build(frame, feature_set, instruments)
    done = _Done(outputs={}, touched={}, feature_of={})
    for decl in feature_set.features:
        run = feature_run(ev, decl, done, feature_set.max_gap_ns)
        columns = KINDS[type(decl)](ev, decl, run) if len(run.updated) else [pd.Series(dtype=float)] * len(
            decl.output_names())
        for name, column in zip(decl.output_names(), columns, strict=True):
            values = pd.Series(np.asarray(column, dtype=np.float64), index=run.updated)
            values = values.where(np.isfinite(values))  # a non-finite result is never READY
            done.outputs[name] = hold(values.reindex(run.touched), frame.index)
            done.feature_of[name] = decl.name
        done.touched[decl.name] = run.touched
    return pd.DataFrame(done.outputs, index=frame.index)[list(feature_set.names)]


# -- agreement -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Agreement:
    """How one output of the engine compares with the reference.

    Attributes:
        name: output name.
        ready: cells READY on both sides.
        mask_differences: cells READY on one side only.
        worst_error: the largest |engine − reference| / max(rtol × |reference|, atol) over ``ready``: 1.0 is
            the edge of the tolerance (relative ``rtol``, or absolute ``atol`` near zero).
        worst_row: the row of ``worst_error`` (-1 when nothing is ready).
    """

    name: str
    ready: int
    mask_differences: int
    worst_error: float
    worst_row: int

    @property
    def ok(self) -> bool:
        return self.mask_differences == 0 and self.worst_error <= 1.0


def agreement(names: Sequence[str], values: np.ndarray, status: np.ndarray, reference: pd.DataFrame,
              rtol: float = 1e-9, atol: float | Mapping[str, float] = 1e-12) -> list[Agreement]:
    """Compare engine outputs (``values``/``status`` of a FeatureMatrix, columns in ``names`` order) with
    :func:`reference_features`, per output; ``atol`` (in the output's unit) may be given per output name."""
    result = []
    for j, name in enumerate(names):
        floor = atol[name] if isinstance(atol, Mapping) else atol
        ref = reference[name].to_numpy()
        engine_ready = status[:, j] == 0
        ref_ready = np.isfinite(ref)
        both = engine_ready & ref_ready
        scale = np.maximum(np.abs(ref[both]) * rtol, floor)
        error = np.abs(values[both, j] - ref[both]) / scale
        worst = int(np.argmax(error)) if error.size else -1
        result.append(Agreement(name=name, ready=int(both.sum()),
                                mask_differences=int((engine_ready != ref_ready).sum()),
                                worst_error=float(error[worst]) if error.size else 0.0,
                                worst_row=int(np.flatnonzero(both)[worst]) if error.size else -1))
    return result


def max_relative_difference(names: Sequence[str], values: np.ndarray, status: np.ndarray,
                            reference: pd.DataFrame) -> tuple[float, str]:
    """Largest |engine − reference| / |reference| over cells READY on both sides (reference ≠ 0), and its output."""
    worst, where = 0.0, ""
    for j, name in enumerate(names):
        ref = reference[name].to_numpy()
        both = (status[:, j] == 0) & np.isfinite(ref) & (ref != 0.0)
        if both.any():
            largest = float(np.max(np.abs(values[both, j] - ref[both]) / np.abs(ref[both])))
            if largest > worst:
                worst, where = largest, name
    return worst, where
