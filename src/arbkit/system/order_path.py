"""The only way from an intent to a venue: risk gate → OMS → venue, and venue events back.

Nothing else in arbkit calls a venue's ``submit``. Every intent gets exactly one journaled risk
decision; a rejected intent never becomes an order and is kept with its reason code.
"""

from __future__ import annotations

from typing import Protocol

from arbkit.core.messages import Fill, Order, OrderIntent, RiskDecision
from arbkit.oms.order_manager import OrderManager
from arbkit.portfolio.portfolio import Portfolio
from arbkit.portfolio.script_books import ScriptBooks
from arbkit.risk.gate import RiskGate
from arbkit.risk.kill_switch import ALL_SCOPE, scope_covers
from arbkit.sim.events import CancelRejected, OrderAccepted, OrderCanceled, OrderFilled, OrderRejected, VenueEvent
from arbkit.system.kill_report import KillReport


class PostTradeControl(Protocol):
    """A control that watches fills and the clock after the fact (loss breakers, position reconciliation)."""

    def on_fill(self, fill: Fill, now_ns: int) -> object:
        """A fill was applied to the OMS and the portfolio."""
        ...

    def on_time(self, now_ns: int) -> object:
        """The engine clock reached ``now_ns``."""
        ...


ALWAYS = -1
"""Due time (ns) of a control that does not say when it next checks: it hears of every clock move."""


class Venue(Protocol):
    """A venue an order path sends to (simulated, paper or live)."""

    def submit(self, order: Order) -> None:
        """Send a new order."""
        ...

    def cancel(self, client_order_id: str) -> None:
        """Request a cancel."""
        ...


class OrderPath:
    """Risk-gated order flow for all scripts of one engine.

    Args:
        gate: the pre-trade risk gate (journals intents and decisions).
        oms: order state (journals orders and fills).
        venue: where approved orders go.
        portfolio: receives fills.
        script_books: receive fills too, per script (a new one if None).
        post_trade: controls told of every fill after it is applied, and of the clock through :meth:`on_time`
            (:class:`~arbkit.system.pnl_monitor.PnlMonitor`, :class:`~arbkit.system.position_reconciler.PositionReconciler`).

    The gate hears of every fill (:meth:`RiskGate.on_fill`, execution throttle) and every cancel sent
    (:meth:`RiskGate.on_cancel_sent`, message limits) here, whatever the mode.
    """

    def __init__(self, gate: RiskGate, oms: OrderManager, venue: Venue, portfolio: Portfolio,
                 post_trade: list[PostTradeControl] | None = None, script_books: ScriptBooks | None = None) -> None:
        self.gate = gate
        self.script_books = script_books if script_books is not None else ScriptBooks(portfolio.instruments)
        self.post_trade = list(post_trade or [])
        self.oms = oms
        self.venue = venue
        self.portfolio = portfolio
        self.rejections: list[tuple[OrderIntent, RiskDecision]] = []
        self.fills: list[Fill] = []
        self.venue_rejections: list[OrderRejected] = []
        self.intents = 0
        self.kill_reports: list[KillReport] = []
        self._due_ns = ALWAYS
        """Earliest ``next_check_ns`` of the post-trade controls (int ns): before it, :meth:`on_time` has nothing to do."""

    def submit(self, intent: OrderIntent) -> RiskDecision:
        """Evaluate ``intent``; if approved create the order and send it. Returns the decision."""
        self.intents += 1
        decision = self.gate.evaluate(intent)
        if not decision.approved:
            self.rejections.append((intent, decision))
            return decision
        order = self.oms.create(intent)
        self.venue.submit(order)
        return decision

    def cancel(self, client_order_id: str) -> None:
        """Send a cancel for an open order; the gate counts it as a message of the order's script and venue.

        Cancels reduce risk, so the gate counts them but never refuses them.
        """
        order = self.oms.get(client_order_id)
        self.gate.on_cancel_sent(order.script_id, order.instrument_id)
        self.venue.cancel(client_order_id)

    def kill(self, actor: str, reason: str, scope: str = ALL_SCOPE) -> KillReport:
        """Engage the gate's kill switch for ``scope`` and cancel every open order in it.

        ``scope`` is ``"all"``, ``"script:<id>"``, ``"venue:<venue>"`` or ``"instrument:<id>"``. New intents
        in scope are refused (``KILL_SWITCH``) from now on; cancels go out through :meth:`cancel`. The
        returned report (also kept in :attr:`kill_reports`) counts requested and confirmed cancels per
        venue and is updated by :meth:`on_venue_events`.
        """
        self.gate.kill_switch.engage(actor, reason, scope)
        report = KillReport(scope, actor, reason, self.gate.clock_ns())
        for order in self.oms.open_orders():
            venue = self.gate.instrument_venue(order.instrument_id)
            if scope_covers(scope, order.script_id, venue, order.instrument_id):
                report.add(order.client_order_id, venue)
                self.cancel(order.client_order_id)
        self.kill_reports.append(report)
        return report

    def on_time(self, now_ns: int) -> None:
        """Tell the post-trade controls the engine clock reached ``now_ns`` (each checks on its own interval).

        Called on every replayed message, so it returns at once before the earliest ``next_check_ns`` (int ns)
        the controls announce; a control without that attribute hears of every clock move. Controls are
        fixed at construction.
        """
        if now_ns < self._due_ns:
            return
        for control in self.post_trade:
            control.on_time(now_ns)
        self._due_ns = self._next_due_ns()

    def _next_due_ns(self) -> int:
        due: int | None = None
        for control in self.post_trade:
            next_ns = getattr(control, "next_check_ns", None)
            if next_ns is None:
                return ALWAYS
            due = next_ns if due is None else min(due, next_ns)
        return ALWAYS if due is None else due

    def _resolve_kills(self, client_order_id: str, canceled: bool) -> None:
        for report in self.kill_reports:
            if not report.complete:
                report.resolve(client_order_id, canceled)

    def open_orders(self, script_id: str, instrument_id: str | None = None) -> list[Order]:
        """Open and in-flight orders of one script (optionally one instrument)."""
        return [o for o in self.oms.open_orders(instrument_id) if o.script_id == script_id]

    def on_venue_events(self, events: list[VenueEvent]) -> None:
        """Apply venue events to the OMS and the portfolio, in order."""
        for event in events:
            if isinstance(event, OrderFilled):
                if not self.oms.apply_fill(event.fill):
                    continue  # a repeated fill: the OMS ignored and counted it
                self.portfolio.apply_fill(event.fill)
                self.script_books.apply_fill(event.fill)
                self.gate.on_fill(event.fill)
                self.fills.append(event.fill)
                if self.post_trade:
                    now_ns = self.gate.clock_ns()
                    for control in self.post_trade:
                        control.on_fill(event.fill, now_ns)
                    self._due_ns = self._next_due_ns()  # a check after a fill moves its next one
                if not self.oms.get(event.fill.client_order_id).status.is_open:
                    self._resolve_kills(event.fill.client_order_id, canceled=False)
            elif isinstance(event, OrderAccepted):
                self.oms.on_accepted(event.client_order_id, event.ts_ns)
            elif isinstance(event, OrderCanceled):
                self.oms.on_canceled(event.client_order_id, event.ts_ns)
                self._resolve_kills(event.client_order_id, canceled=True)
            elif isinstance(event, OrderRejected):
                self.oms.on_rejected(event.client_order_id, event.ts_ns, f"{event.reason.value}: {event.detail}")
                self.venue_rejections.append(event)
                self._resolve_kills(event.client_order_id, canceled=False)
            elif isinstance(event, CancelRejected):
                continue  # the order already closed; its final state came with its own event
            else:
                raise TypeError(f"unexpected venue event {type(event).__name__}")
