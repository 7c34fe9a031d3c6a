"""Marks PnL per script and for the account and hands it to the risk gate's loss breakers.

Mode-agnostic: the order path calls :meth:`PnlMonitor.on_fill` after each fill it applies, the engine
loop (backtest, paper or live) calls :meth:`PnlMonitor.on_time` as its clock moves. PnL is equity since
start in USD (realized + unrealized − fees) at the latest usable mark of each instrument; a position
whose instrument has never had a mark leaves its scope unmarked until it has one.

A scope's equity is recomputed (exact arithmetic, the costly part of a check) only when what it depends
on changed since the last check: a fill, or the mark of an instrument it holds open (or of an inverse
instrument, whose realized PnL and fees are converted at the mark). The monitor must hear of every fill
applied to the portfolios it watches (:meth:`PnlMonitor.on_fill`; the order path sees to it).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from arbkit.core.enums import InstrumentKind
from arbkit.core.messages import Fill
from arbkit.portfolio.portfolio import Portfolio, PortfolioError
from arbkit.portfolio.script_books import ScriptBooks
from arbkit.risk.breakers import Trip
from arbkit.risk.gate import RiskGate
from arbkit.risk.states import ACCOUNT_SCOPE, script_scope
from arbkit.system.interval_check import IntervalCheck

Marks = Callable[[], dict[str, int]]
"""Current mark price (ticks) per instrument with a usable book."""


class PnlMonitor(IntervalCheck[Trip]):
    """Feeds :meth:`RiskGate.on_pnl` after every fill and every ``gate.breaker_check_interval_ns``.

    Args:
        gate: the risk gate whose breakers judge the PnL.
        account: the account's portfolio (the order path applies fills to it first).
        scripts: per-script portfolios (the order path applies each fill to them).
        marks: the current marks.
    """

    def __init__(self, gate: RiskGate, account: Portfolio, scripts: ScriptBooks, marks: Marks) -> None:
        self._gate = gate
        self._account = account
        self._scripts = scripts
        self._marks = marks
        self._last_marks: dict[str, int] = {}
        self._fills_seen = 0
        self._equity_cache: dict[str, tuple[tuple[object, ...], Decimal | None]] = {}
        """scope → (what its equity depended on, the equity then)."""
        self._inverse: dict[str, bool] = {}
        super().__init__()

    def on_fill(self, fill: Fill, now_ns: int) -> list[Trip]:
        """A fill was applied to the account's and its script's books: check the breakers at ``now_ns``."""
        self._fills_seen += 1
        return self.check(now_ns)

    def check(self, now_ns: int) -> list[Trip]:
        """Mark every scope now and hand the PnL to the gate (nothing when no breaker is configured)."""
        self._schedule(now_ns, self._gate.breaker_check_interval_ns)
        if not self._gate.breakers_enabled:
            return []
        self._last_marks.update(self._marks())
        pnl: dict[str, Decimal] = {}
        account = self._equity(ACCOUNT_SCOPE, self._account)
        if account is not None:
            pnl[ACCOUNT_SCOPE] = account
        for script_id in self._scripts.script_ids():
            scope = script_scope(script_id)
            equity = self._equity(scope, self._scripts.portfolio(script_id))
            if equity is not None:
                pnl[scope] = equity
        return self._gate.on_pnl(pnl)

    def _equity(self, scope: str, book: Portfolio) -> Decimal | None:
        key = self._inputs(book)
        cached = self._equity_cache.get(scope)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            equity: Decimal | None = book.equity(self._last_marks)
        except PortfolioError:  # a position with no mark yet: this scope waits for one
            equity = None
        self._equity_cache[scope] = (key, equity)
        return equity

    def _inputs(self, book: Portfolio) -> tuple[object, ...]:
        """What ``book``'s equity depends on: the fills applied and the marks (ticks) of the instruments that
        use one (an open position, or an inverse instrument)."""
        marks = self._last_marks
        inputs: list[object] = [self._fills_seen]
        for instrument_id in book.instrument_ids():
            if book.position_lots(instrument_id) != 0 or self._is_inverse(book, instrument_id):
                inputs.append((instrument_id, marks.get(instrument_id)))
        return tuple(inputs)

    def _is_inverse(self, book: Portfolio, instrument_id: str) -> bool:
        inverse = self._inverse.get(instrument_id)
        if inverse is None:
            inverse = book.instruments.get(instrument_id).kind is InstrumentKind.INVERSE_PERP
            self._inverse[instrument_id] = inverse
        return inverse
