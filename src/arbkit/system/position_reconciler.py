"""Post-trade control: positions are reconciled against fills continuously, from three records.


For every script and instrument, three signed positions (lots) must agree:

- **book**: the script's portfolio, built from the fills the order path applied;
- **orders**: the OMS, the signed filled quantity of each of the script's orders;
- **venue**: what the venue says it filled on those same orders (``filled_lots`` by client order id).

And the account's portfolio must equal the sum of the scripts' books. A venue order the OMS never
recorded is a mismatch of the account. A disagreement that lasts longer than ``mismatch_grace_ms``
raises an alert (journaled, kind ``alert``, code ``POSITION_MISMATCH``, with the three values) and moves
the script (or the account) to the configured trading state, REDUCING by default; that is journaled
too, by ``post_trade_reconciliation``. The state stays until a person changes it. Each mismatch is
alerted once; when the records agree again an alert ``POSITION_RECONCILED`` says so.

Mode-agnostic, like :mod:`arbkit.system.pnl_monitor`: the order path calls :meth:`on_fill`, the engine
loop :meth:`on_time`.
"""

from __future__ import annotations

from typing import Protocol

from arbkit.audit.alerts import Alert
from arbkit.oms.order_manager import OrderManager
from arbkit.portfolio.portfolio import Portfolio
from arbkit.portfolio.script_books import ScriptBooks
from arbkit.risk.gate import RiskGate
from arbkit.risk.post_trade_config import PostTradeConfig
from arbkit.risk.states import ACCOUNT_SCOPE, STATE_RANK, TradingState, script_scope
from arbkit.system.interval_check import IntervalCheck

RECONCILER_ACTOR = "post_trade_reconciliation"
"""Actor of the alerts and trading-state changes this control makes."""


class FilledLotsSource(Protocol):
    """A venue that says how much it filled per order, and which orders it has."""

    def filled_lots(self, client_order_id: str) -> int:
        """Lots the venue filled on the order (0 if it never received it)."""
        ...

    def client_order_ids(self) -> list[str]:
        """Every client order id the venue received."""
        ...


class PositionReconciler(IntervalCheck[Alert]):
    """Reconciles book, OMS and venue positions per (script, instrument); see the module docstring."""

    def __init__(self, gate: RiskGate, oms: OrderManager, account: Portfolio, scripts: ScriptBooks,
                 venue: FilledLotsSource, config: PostTradeConfig) -> None:
        self._gate = gate
        self._oms = oms
        self._account = account
        self._scripts = scripts
        self._venue = venue
        self._config = config
        self._interval_ns = config.reconcile_interval_ms * 1_000_000
        self._grace_ns = config.mismatch_grace_ms * 1_000_000
        self._first_seen: dict[tuple[str, str], int] = {}
        self._alerted: set[tuple[str, str]] = set()
        super().__init__()

    def differences(self) -> dict[tuple[str, str], dict[str, int]]:
        """Disagreements now: ``(scope, instrument id)`` → the positions compared (lots)."""
        orders: dict[tuple[str, str], int] = {}
        venue: dict[tuple[str, str], int] = {}
        for order in self._oms:
            key = (order.script_id, order.instrument_id)
            sign = int(order.side)
            orders[key] = orders.get(key, 0) + sign * order.filled_lots
            venue[key] = venue.get(key, 0) + sign * self._venue.filled_lots(order.client_order_id)
        found: dict[tuple[str, str], dict[str, int]] = {}
        per_instrument: dict[str, int] = {}
        keys = set(orders) | {(s, i) for s in self._scripts.script_ids()
                              for i in self._scripts.portfolio(s).instrument_ids()}
        for script_id, instrument_id in sorted(keys):
            book = self._scripts.position_lots(script_id, instrument_id)
            per_instrument[instrument_id] = per_instrument.get(instrument_id, 0) + book
            values = {"book": book, "orders": orders.get((script_id, instrument_id), 0),
                      "venue": venue.get((script_id, instrument_id), 0)}
            if len(set(values.values())) > 1:
                found[(script_scope(script_id), instrument_id)] = values
        for instrument_id in sorted(set(per_instrument) | set(self._account.instrument_ids())):
            account = self._account.position_lots(instrument_id)
            if account != per_instrument.get(instrument_id, 0):
                found[(ACCOUNT_SCOPE, instrument_id)] = {"account": account,
                                                         "scripts": per_instrument.get(instrument_id, 0)}
        unknown = [cid for cid in self._venue.client_order_ids() if cid not in self._oms]
        if unknown:
            found[(ACCOUNT_SCOPE, "*")] = {"venue orders unknown to the OMS": len(unknown)}
        return found

    def check(self, now_ns: int) -> list[Alert]:
        """Compare the records now; raise alerts and move scopes for mismatches past their grace."""
        self._schedule(now_ns, self._interval_ns)
        found = self.differences()
        raised: list[Alert] = []
        for key in [k for k in self._first_seen if k not in found]:
            del self._first_seen[key]
            if key in self._alerted:
                self._alerted.discard(key)
                raised.append(self._raise("POSITION_RECONCILED", key, now_ns, {},
                                          f"{key[0]} on {key[1]}: book, orders and venue agree again", ""))
        for key, values in found.items():
            first = self._first_seen.setdefault(key, now_ns)
            if key in self._alerted or now_ns - first < self._grace_ns:
                continue
            self._alerted.add(key)
            scope, instrument_id = key
            shown = ", ".join(f"{name} {lots}" for name, lots in values.items())
            action = self._restrict(scope, f"position mismatch on {instrument_id}: {shown} (lots)")
            raised.append(self._raise("POSITION_MISMATCH", key, now_ns, values,
                                      f"{scope} on {instrument_id}: positions disagree: {shown} (lots)", action))
        return raised

    def _restrict(self, scope: str, why: str) -> str:
        target = TradingState(self._config.action)
        current = self._gate.trading_state(scope)
        if STATE_RANK[current] >= STATE_RANK[target]:
            return f"{scope} already {current.value}"
        self._gate.set_trading_state(scope, target, RECONCILER_ACTOR, why)
        return f"{scope} -> {target.value}"

    def _raise(self, code: str, key: tuple[str, str], now_ns: int, values: dict[str, int], detail: str,
               action: str) -> Alert:
        alert = Alert(code=code, scope=key[0], ts_ns=now_ns, detail=detail,
                      values={"instrument_id": key[1], **{k: str(v) for k, v in values.items()}}, action=action)
        return self._gate.alerts.raise_alert(alert, actor=RECONCILER_ACTOR)
