"""The feature engine: one compiled call per event in production, the same kernel looped over history.

>>> from arbkit.adapters.binance.instruments import binance_registry
>>> from arbkit.book.order_book import OrderBook
>>> from arbkit.features.declarations import Spread, ImbalanceL1
>>> fs = FeatureSet(name="tob", instruments={"spot": "BTCUSDT.BINANCE_SPOT"},
...                 features=(Spread(name="spread", instrument="spot"), ImbalanceL1(name="imb", instrument="spot")))
>>> engine = FeatureEngine(fs, binance_registry())
>>> engine.vector() is None          # nothing seen: not ready, never a NaN passed off as a number
True
>>> book = OrderBook("BTCUSDT.BINANCE_SPOT")
>>> book.apply([(6_170_000, 300_000)], [(6_170_001, 100_000)])   # ticks of 0.01, lots of 1e-5 BTC
0
>>> engine.on_book(1_000, "spot", book)
>>> [round(float(v), 6) for v in engine.vector()]      # spread ticks, spread bps, best-level imbalance
[1.0, 0.001621, 0.5]
"""

from __future__ import annotations

from decimal import Decimal

import msgspec
import numpy as np
from arbkit.features.jit import kernel

from arbkit.book.order_book import OrderBook
from arbkit.core.errors import ConfigError
from arbkit.core.instruments import InstrumentRegistry
from arbkit.features.book_inputs import fill_book_fields, fill_trade_fields
from arbkit.features.dispatch import run_batch, run_event
from arbkit.features.feature_set import FeatureSet
from arbkit.features.layout import (EV_BOOK, EV_GAP, EV_TRADE, H_BAD_BOOK, H_BAD_TRADE, H_BOOK_LEVELS, H_EVENTS,
                                    H_I64_SIZE, H_ROW_OFF, H_SCRATCH_OFF, N_FIELDS, READY, FeatureStatus)
from arbkit.features.program import Program


@kernel
def _on_book(mem, buf, ts, inst):  # type: ignore[no-untyped-def]
    """Read the book's fields into the scratch row and run the event.

    Few arguments make a cheap call from Python: the packed state ``mem`` and the book buffer.
    """
    i64 = mem[:mem[H_I64_SIZE]]
    f64 = mem[mem[H_I64_SIZE]:].view(np.float64)
    n = i64[H_BOOK_LEVELS]
    s = i64[H_SCRATCH_OFF]
    row = f64[i64[H_ROW_OFF]:i64[H_ROW_OFF] + N_FIELDS]
    fill_book_fields(buf, n, i64[s:s + n], i64[s + n:s + 2 * n], row)
    return run_event(i64, f64, ts, inst, EV_BOOK, row)


@kernel
def _on_trade(mem, ts, inst, price_ticks, qty_lots, side):  # type: ignore[no-untyped-def]
    i64 = mem[:mem[H_I64_SIZE]]
    f64 = mem[mem[H_I64_SIZE]:].view(np.float64)
    row = f64[i64[H_ROW_OFF]:i64[H_ROW_OFF] + N_FIELDS]
    fill_trade_fields(price_ticks, qty_lots, side, row)
    return run_event(i64, f64, ts, inst, EV_TRADE, row)


class FeatureInputs(msgspec.Struct, kw_only=True):
    """Events as columns, the input of :meth:`FeatureEngine.batch`.

    Attributes:
        ts_ns: event time of each event, int64 ns.
        instrument: alias index (position in ``FeatureSet.instruments``) of each event, int64.
        kind: ``EV_BOOK``, ``EV_TRADE`` or ``EV_GAP`` (int64).
        fields: float64 (n, N_FIELDS): the book or trade fields (ticks, lots) of each event.
    """

    ts_ns: np.ndarray
    instrument: np.ndarray
    kind: np.ndarray
    fields: np.ndarray

    def __len__(self) -> int:
        return len(self.ts_ns)


class FeatureMatrix(msgspec.Struct, kw_only=True):
    """Outputs after every event: ``values`` float64 (n, k), NaN where ``status`` (int64, (n, k)) is not READY."""

    names: tuple[str, ...]
    ts_ns: np.ndarray
    values: np.ndarray
    status: np.ndarray

    def ready_rows(self) -> np.ndarray:
        """Boolean mask of the rows where every output is READY."""
        return np.all(self.status == READY, axis=1)


def instrument_units(feature_set: FeatureSet, instruments: InstrumentRegistry) -> dict[str, tuple[Decimal, Decimal]]:
    """alias → (tick size, lot size) from the registry; ConfigError for an unknown instrument."""
    units = {}
    for alias, instrument_id in feature_set.instruments.items():
        if instrument_id not in instruments:
            raise ConfigError(f"feature set {feature_set.name!r}: instrument {instrument_id!r} (alias {alias!r}) is "
                              "not in the instrument registry")
        instrument = instruments.get(instrument_id)
        units[alias] = (instrument.tick_size, instrument.lot_size)
    return units


class FeatureEngine:
    """Streaming features of one :class:`FeatureSet` (and its batch twin, :meth:`batch`).

    Call ``on_book`` after every venue message applied to a book, ``on_trade`` for every trade and
    ``on_gap`` when a book goes out of sync; read :attr:`values` / :attr:`status` or :meth:`vector`.
    Instruments are given by alias or alias index.
    """

    def __init__(self, feature_set: FeatureSet, instruments: InstrumentRegistry) -> None:
        self.feature_set = feature_set
        self._program = Program(feature_set, instrument_units(feature_set, instruments))
        self._row = np.zeros(N_FIELDS)
        self.reset()

    # -- state ----------------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the initial state (nothing seen)."""
        self._mem, self._i64, self._f64 = self._program.packed()
        p = self._program
        self.values = self._f64[p.value_off:p.value_off + p.n_outputs]
        """Current outputs (a live view): NaN where not READY."""
        self.status = self._i64[p.status_off:p.status_off + p.n_outputs]
        """Current :class:`FeatureStatus` code of each output (a live view)."""

    @property
    def names(self) -> tuple[str, ...]:
        """Output names, in column order."""
        return self.feature_set.names

    def alias_index(self, instrument: str | int) -> int:
        """Index of an instrument alias (or instrument id); ConfigError if the set does not read it."""
        if isinstance(instrument, int) and not isinstance(instrument, bool):
            if 0 <= instrument < len(self._program.alias_index):
                return instrument
        elif instrument in self._program.alias_index:
            return self._program.alias_index[instrument]
        else:
            for alias, instrument_id in self.feature_set.instruments.items():
                if instrument_id == instrument:
                    return self._program.alias_index[alias]
        raise ConfigError(f"feature set {self.feature_set.name!r} reads no instrument {instrument!r}; aliases: "
                          f"{', '.join(self._program.alias_index)}")

    def ready(self) -> bool:
        """True when every output is READY."""
        return bool(np.all(self.status == READY))

    def vector(self) -> np.ndarray | None:
        """A copy of all outputs when every one is READY, else None (never a NaN passed off as a value)."""
        return self.values.copy() if self.ready() else None

    def value(self, name: str) -> float | None:
        """One output by name when READY, else None."""
        j = self.feature_set.index(name)
        return float(self.values[j]) if self.status[j] == READY else None

    def status_of(self, name: str) -> FeatureStatus:
        """Status of one output by name."""
        return FeatureStatus(int(self.status[self.feature_set.index(name)]))

    @property
    def counters(self) -> dict[str, int]:
        """Events seen, book events and trades rejected as bad input."""
        return {"events": int(self._i64[H_EVENTS]), "rejected_books": int(self._i64[H_BAD_BOOK]),
                "rejected_trades": int(self._i64[H_BAD_TRADE])}

    # -- streaming ------------------------------------------------------------------------------------------------
    def on_book(self, ts_ns: int, instrument: str | int, book: OrderBook) -> None:
        """The book of ``instrument`` changed at event time ``ts_ns`` (ns); reads its top levels."""
        _on_book(self._mem, book.buf, ts_ns, self.alias_index(instrument))

    def on_book_index(self, ts_ns: int, index: int, book_buf: np.ndarray) -> None:
        """:meth:`on_book` for callers that resolved the alias index once (the hot path)."""
        _on_book(self._mem, book_buf, ts_ns, index)

    def on_trade(self, ts_ns: int, instrument: str | int, price_ticks: int, qty_lots: int, side: int) -> bool:
        """A trade (price ticks, quantity lots, aggressor side +1 buy / -1 sell); False if rejected as bad input."""
        return bool(_on_trade(self._mem, ts_ns, self.alias_index(instrument), float(price_ticks),
                              float(qty_lots), float(side)))

    def on_gap(self, ts_ns: int, instrument: str | int) -> None:
        """The book of ``instrument`` is out of sync until its next book event."""
        self._row[:] = np.nan
        run_event(self._i64, self._f64, ts_ns, self.alias_index(instrument), EV_GAP, self._row)

    def on_fields(self, ts_ns: int, instrument: str | int, kind: int, fields: np.ndarray) -> bool:
        """A raw event (fields as in :mod:`arbkit.features.layout`); False if rejected as bad input."""
        row = np.asarray(fields, dtype=np.float64)
        if row.shape != (N_FIELDS,):
            raise ConfigError(f"fields must have shape ({N_FIELDS},), got {row.shape}")
        return bool(run_event(self._i64, self._f64, ts_ns, self.alias_index(instrument), kind, row))

    # -- batch ----------------------------------------------------------------------------------------------------
    def batch(self, inputs: FeatureInputs) -> FeatureMatrix:
        """Outputs after every event of ``inputs``, from a fresh state (this engine's state is untouched)."""
        n = len(inputs)
        i64 = self._program.i64.copy()
        f64 = self._program.f64.copy()
        values = np.empty((n, self._program.n_outputs))
        status = np.empty((n, self._program.n_outputs), dtype=np.int64)
        run_batch(i64, f64, np.ascontiguousarray(inputs.ts_ns, dtype=np.int64),
                  np.ascontiguousarray(inputs.instrument, dtype=np.int64),
                  np.ascontiguousarray(inputs.kind, dtype=np.int64),
                  np.ascontiguousarray(inputs.fields, dtype=np.float64), values, status)
        return FeatureMatrix(names=self.names, ts_ns=np.asarray(inputs.ts_ns), values=values, status=status)
