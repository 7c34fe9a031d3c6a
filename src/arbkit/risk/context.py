"""What a rule may look at while checking one intent: a read-only snapshot built by the gate."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

from arbkit.core.instruments import Instrument, InstrumentRegistry
from arbkit.core.time import NANOS_PER_MILLI
from arbkit.risk.config import InstrumentLimits
from arbkit.risk.views import ExposureView, MarketView

_EXACT: dict[float, Decimal] = {}
"""Memo of ``Decimal(mid)`` (exact, so a pure function of the value): books repeat their mids."""
_EXACT_MAX = 4_096


def exact_decimal(value: float) -> Decimal:
    """``Decimal(value)`` (the exact value of the float or int), memoised."""
    result = _EXACT.get(value)
    if result is None:
        if len(_EXACT) >= _EXACT_MAX:
            _EXACT.clear()
        result = _EXACT[value] = Decimal(value)
    return result


class Reference:
    """A reference mid as the market view reported it.

    Attributes:
        mid_ticks: mid price in ticks (may be a half tick), as an exact Decimal of the float received;
            None when the view had no price or the value was not a finite number > 0.
        ts_ns: time of the book state it comes from (int ns), or None.
        problem: "" if usable as far as its value goes, otherwise why not.
    """

    __slots__ = ("mid_ticks", "ts_ns", "problem")

    def __init__(self, raw: object) -> None:
        self.mid_ticks: Decimal | None = None
        self.ts_ns: int | None = None
        self.problem = ""
        if raw is None:
            self.problem = "no reference mid (no book or one side empty)"
            return
        if not isinstance(raw, tuple) or len(raw) != 2:
            self.problem = f"malformed reference {raw!r}"
            return
        mid, ts_ns = raw
        if isinstance(mid, bool) or not isinstance(mid, (int, float)) or not math.isfinite(mid) or mid <= 0:
            self.problem = f"reference mid {mid!r} is not a finite number > 0"
            return
        if isinstance(ts_ns, bool) or not isinstance(ts_ns, int):
            self.problem = f"reference ts_ns {ts_ns!r} is not int ns"
            return
        self.mid_ticks = exact_decimal(mid)
        self.ts_ns = ts_ns

    @property
    def ceil_ticks(self) -> int:
        """Mid rounded up to a whole tick (valuing a market order at it is conservative)."""
        assert self.mid_ticks is not None
        return math.ceil(self.mid_ticks)


class RuleContext:
    """Read-only inputs of one evaluation.

    Attributes:
        now_ns: the gate clock's time when evaluation started (int ns).
        instrument: the intent's instrument, or None if unknown.
        limits: the instrument's limits, or None if none are configured.
        market, exposure: the engine's views.
        memo: values several rules derive from the same inputs, computed once per evaluation (the
            account's book of :mod:`arbkit.risk.rules_portfolio`); rules must not mutate them.
    """

    __slots__ = ("now_ns", "instrument", "limits", "market", "exposure", "memo", "_reference", "_problem")

    def __init__(self, *, instrument_id: object, now_ns: int, instruments: InstrumentRegistry,
                 limits: Mapping[str, InstrumentLimits], market: MarketView, exposure: ExposureView) -> None:
        known = isinstance(instrument_id, str) and instrument_id in instruments
        self.now_ns = now_ns
        self.instrument: Instrument | None = instruments.get(instrument_id) if known else None  # type: ignore[arg-type]
        self.limits: InstrumentLimits | None = limits.get(instrument_id) if known else None  # type: ignore[arg-type]
        self.market = market
        self.exposure = exposure
        self.memo: dict[str, object] = {}
        self._reference: Reference | None = None
        self._problem: str | None = None

    def reference(self) -> Reference:
        """The instrument's reference mid, fetched from the market view once per evaluation."""
        if self._reference is None:
            raw = self.market.reference_price(self.instrument.id) if self.instrument is not None else None
            self._reference = Reference(raw)
        return self._reference

    def reference_problem(self) -> str:
        """"" if the reference mid is usable and fresh under the instrument's limits, otherwise why not."""
        problem = self._problem
        if problem is None:
            problem = self._problem = self._reference_problem()
        return problem

    def _reference_problem(self) -> str:
        reference = self.reference()
        if reference.problem:
            return reference.problem
        if self.limits is None:
            return "no limits configured"
        assert reference.ts_ns is not None
        age_ns = self.now_ns - reference.ts_ns
        if age_ns > self.limits.reference_max_age_ms * NANOS_PER_MILLI:
            return f"reference mid is {Decimal(age_ns) / NANOS_PER_MILLI} ms old"
        return ""
