"""Marks PnL per script and for the account and hands it to the risk gate's loss breakers.

Mode-agnostic: the order path calls :meth:`PnlMonitor.on_fill` after each fill it applies, the engine
loop (backtest, paper or live) calls :meth:`PnlMonitor.on_time` as its clock moves. PnL is equity since
start in USD (realized + unrealized − fees) at the latest usable mark of each instrument; a position
whose instrument has never had a mark leaves its scope unmarked until it has one.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

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
        super().__init__()

    def on_fill(self, fill: Fill, now_ns: int) -> list[Trip]:
        """A fill was applied to the account's and its script's books: check the breakers at ``now_ns``."""
        return self.check(now_ns)

    def check(self, now_ns: int) -> list[Trip]:
        """Mark every scope now and hand the PnL to the gate (nothing when no breaker is configured)."""
        self._schedule(now_ns, self._gate.breaker_check_interval_ns)
        if not self._gate.breakers_enabled:
            return []
        self._last_marks.update(self._marks())
        pnl: dict[str, Decimal] = {}
        account = self._equity(self._account)
        if account is not None:
            pnl[ACCOUNT_SCOPE] = account
        for script_id in self._scripts.script_ids():
            equity = self._equity(self._scripts.portfolio(script_id))
            if equity is not None:
                pnl[script_scope(script_id)] = equity
        return self._gate.on_pnl(pnl)

    def _equity(self, book: Portfolio) -> Decimal | None:
        try:
            return book.equity(self._last_marks)
        except PortfolioError:  # a position with no mark yet: this scope waits for one
            return None
