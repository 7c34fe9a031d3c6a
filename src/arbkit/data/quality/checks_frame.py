"""Row-level checks: the frame schema (pandera), non-positive values, duplicates and the clock offset."""

from __future__ import annotations

from typing import ClassVar

import msgspec
import numpy as np
import pandera.polars as pap
import polars as pl
from pandera.errors import SchemaErrors

from arbkit.data.quality.columns import Columns
from arbkit.data.quality.result import CheckContext, CheckResult, Example, Severity, examples_at, result
from arbkit.data.schema import BBO, DELTA, F_CLEAR, F_LAST, F_RECV_IS_EVENT, F_REPAIRED, F_SNAPSHOT, SIZE_UNKNOWN, TRADE

KNOWN_FLAGS = F_LAST | F_SNAPSHOT | F_CLEAR | F_RECV_IS_EVENT | F_REPAIRED

TICK_FRAME_SCHEMA = pap.DataFrameSchema(
    {
        "ts_event": pap.Column(pl.Int64, nullable=False, checks=pap.Check.gt(0)),
        "ts_recv": pap.Column(pl.Int64, nullable=False, checks=pap.Check.gt(0)),
        "venue": pap.Column(pl.String, nullable=False, checks=pap.Check.str_length(min_value=1)),
        "instrument_id": pap.Column(pl.String, nullable=False, checks=pap.Check.str_length(min_value=3)),
        "kind": pap.Column(pl.UInt8, nullable=False, checks=pap.Check.isin([DELTA, TRADE, BBO])),
        "side": pap.Column(pl.Int8, nullable=False, checks=pap.Check.isin([-1, 0, 1])),
        "price": pap.Column(pl.Int64, nullable=False),
        "size": pap.Column(pl.Int64, nullable=False),
        "update_id": pap.Column(pl.Int64, nullable=False, checks=pap.Check.ge(-1)),
        "flags": pap.Column(pl.UInt16, nullable=False, checks=pap.Check.in_range(0, KNOWN_FLAGS)),
    },
    strict=True,
    name="tick_frame",
)
"""Frame-level rules (dtypes, non-null, value sets of kind/side/flags), validated lazily so every failure
is collected. Price and size rules are :class:`NonPositive`'s, which can repair them."""


class SchemaCheck(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Dtypes, nulls and value ranges of every column, with pandera (polars backend, lazy validation).

    Count: failure cases (one per offending value or missing column).
    """

    name: ClassVar[str] = "schema"
    severity: ClassVar[Severity] = Severity.ERROR

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        frame = pl.from_arrow(cols.table)
        assert isinstance(frame, pl.DataFrame)
        try:
            TICK_FRAME_SCHEMA.validate(frame, lazy=True)
        except SchemaErrors as exc:
            cases = exc.failure_cases
            examples = tuple(
                Example(row=-1 if row["index"] is None else int(row["index"]),
                        values={"column": str(row["column"]), "check": str(row["check"]), "value": str(row["failure_case"])})
                for row in cases.head(5).iter_rows(named=True))
            checks = sorted({f"{row['column']}: {row['check']}" for row in cases.iter_rows(named=True)})
            return result(self.name, self.severity, cases.height, examples=examples,
                          detail="failure cases of the tick frame schema: " + "; ".join(checks[:8]))
        return result(self.name, self.severity, 0, detail="dtypes, nulls and value sets of all 10 columns")


class NonPositive(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Rows with price <= 0, or size < 0 other than ``SIZE_UNKNOWN`` (-1). Count: rows. Repair: drop them."""

    name: ClassVar[str] = "non_positive"
    severity: ClassVar[Severity] = Severity.ERROR
    repairable: ClassVar[bool] = True

    def mask(self, cols: Columns) -> np.ndarray:
        """True on offending rows."""
        return (cols.price <= 0) | ((cols.size < 0) & (cols.size != SIZE_UNKNOWN))

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        mask = self.mask(cols)
        rows = np.flatnonzero(mask)
        bad_size = int(np.count_nonzero((cols.size < 0) & (cols.size != SIZE_UNKNOWN)))
        return result(self.name, self.severity, len(rows), examples=examples_at(rows, cols.pick("kind", "side", "price", "size")),
                      detail="rows with price <= 0 ticks or size < 0 lots (size -1 = unknown is allowed)",
                      stats={"price_le_0": int(np.count_nonzero(cols.price <= 0)), "size_lt_0": bad_size})

    def drop(self, cols: Columns) -> np.ndarray:
        """Rows a repair drops."""
        return self.mask(cols)


class Duplicates(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Repeated rows. Count: rows that repeat an earlier one, by one of three rules:

    - ``exact``: all ten columns equal to an earlier row (the first copy is kept);
    - ``level_in_message``: the same (instrument, update_id, side, price) twice in one venue message
      (DELTA rows; the last one is kept, as a book applying the message would);
    - ``trade_id``: a trade id (``update_id`` of a TRADE row, >= 0) seen before for the instrument.

    Repair: drop the repeats.
    """

    name: ClassVar[str] = "duplicates"
    severity: ClassVar[Severity] = Severity.WARNING
    repairable: ClassVar[bool] = True

    def masks(self, cols: Columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(exact, level_in_message, trade_id) masks of the rows counted (disjoint, in that order)."""
        table = pl.from_arrow(cols.table.select(["ts_event", "ts_recv", "instrument_id", "kind", "side", "price",
                                                 "size", "update_id", "flags", "venue"]))
        assert isinstance(table, pl.DataFrame)
        exact = ~table.select(pl.struct(pl.all()).is_first_distinct()).to_series().to_numpy()
        keys = pl.DataFrame({"i": cols.instrument, "m": cols.message, "u": cols.update_id, "s": cols.side,
                             "p": cols.price, "k": cols.kind})
        is_delta = (cols.kind == DELTA) & ~exact
        level = np.zeros(cols.n, dtype=bool)
        if is_delta.any():
            sub = keys.filter(pl.Series(is_delta))
            level[np.flatnonzero(is_delta)] = ~sub.select(pl.struct(["i", "m", "u", "s", "p"]).is_last_distinct()).to_series().to_numpy()
        is_trade = (cols.kind == TRADE) & (cols.update_id >= 0) & ~exact
        trade = np.zeros(cols.n, dtype=bool)
        if is_trade.any():
            sub = keys.filter(pl.Series(is_trade))
            trade[np.flatnonzero(is_trade)] = ~sub.select(pl.struct(["i", "u"]).is_first_distinct()).to_series().to_numpy()
        return exact, level, trade

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        exact, level, trade = self.masks(cols)
        rows = np.flatnonzero(exact | level | trade)
        return result(self.name, self.severity, len(rows),
                      examples=examples_at(rows, cols.pick("ts_recv", "kind", "side", "price", "size", "update_id")),
                      detail="rows repeating an earlier row (exact), a level within one message, or a trade id",
                      stats={"exact": int(exact.sum()), "level_in_message": int(level.sum()), "trade_id": int(trade.sum())})

    def drop(self, cols: Columns) -> np.ndarray:
        """Rows a repair drops."""
        exact, level, trade = self.masks(cols)
        return exact | level | trade


class ClockOffset(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Distribution of ``ts_recv - ts_event`` (ms), over rows with two clocks (no ``F_RECV_IS_EVENT``).

    Count: instruments whose median offset is beyond ``max_abs_median_ms`` (information: a recorder
    whose clock runs behind the venue's, like the Binance recorder's -1.27 s, is not an error).
    """

    max_abs_median_ms: float = 500.0

    name: ClassVar[str] = "clock_offset"
    severity: ClassVar[Severity] = Severity.INFO

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        two_clocks = (cols.flags & F_RECV_IS_EVENT) == 0
        offsets = (cols.ts_recv[two_clocks] - cols.ts_event[two_clocks]) / 1e6
        stats: dict[str, int | float] = {"rows": int(offsets.size), "max_abs_median_ms": self.max_abs_median_ms}
        if offsets.size == 0:
            return result(self.name, self.severity, 0, detail="no row has two clocks", stats=stats)
        p1, median, p99 = np.percentile(offsets, [1, 50, 99])
        stats.update(median_ms=round(float(median), 3), p1_ms=round(float(p1), 3), p99_ms=round(float(p99), 3),
                     min_ms=round(float(offsets.min()), 3), max_ms=round(float(offsets.max()), 3))
        flagged: list[str] = []
        examples: list[Example] = []
        for instrument_id, rows in cols.groups():
            rows = rows[two_clocks[rows]]
            if rows.size == 0:
                continue
            med = float(np.median((cols.ts_recv[rows] - cols.ts_event[rows]) / 1e6))
            stats[f"median_ms[{instrument_id}]"] = round(med, 3)
            if abs(med) > self.max_abs_median_ms:
                flagged.append(instrument_id)
                examples.append(Example(row=int(rows[0]), values={"instrument_id": instrument_id, "median_ms": round(med, 3)}))
        return result(self.name, self.severity, len(flagged), examples=tuple(examples),
                      detail=f"ts_recv - ts_event: median {median:.1f} ms, p1 {p1:.1f} ms, p99 {p99:.1f} ms; "
                             f"instruments with |median| > {self.max_abs_median_ms:g} ms: {flagged or 'none'}",
                      stats=stats)
