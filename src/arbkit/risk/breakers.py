"""Drawdown and daily-loss breakers: PnL per scope, trips, and the two rules that enforce them.

The gate hears each scope's PnL (USD, equity since start: realized + unrealized − fees) through
:meth:`arbkit.risk.gate.RiskGate.on_pnl`, after every fill and every ``check_interval_ms``. A scope
("account" or "script:<id>") trips when

- **drawdown** = peak PnL − PnL > ``max_drawdown_usd`` (reason ``DRAWDOWN``), or
- **daily loss** = PnL at the start of the UTC day − PnL > ``max_daily_loss_usd`` (reason ``DAILY_LOSS``).

A trip moves the scope's trading state to the breaker's ``action`` (REDUCING or HALTED, never to a
looser state), raises an alert (journaled, kind ``alert``), and from then on the rule of that breaker
refuses the scope's intents with its own reason code: every intent when the action is HALTED, every
non-reducing one when it is REDUCING. No timer lifts a trip. A person setting the scope back to
ACTIVE (:meth:`RiskGate.set_trading_state`, audited) clears its trips and restarts the drawdown peak
at the PnL of that moment; the daily loss keeps its start-of-day reference, so a scope over its daily
limit trips again at the next check unless the limit was raised (:meth:`RiskGate.set_breaker_limits`).

>>> from decimal import Decimal
>>> from arbkit.risk.breaker_config import BreakerLimits, BreakersConfig
>>> breakers = LossBreakers(BreakersConfig(account=BreakerLimits(max_drawdown_usd=Decimal(100))))
>>> breakers.update("account", Decimal(250), now_ns=0)
[]
>>> [(t.code.value, str(t.value_usd), t.action) for t in breakers.update("account", Decimal(140), now_ns=1)]
[('DRAWDOWN', '110', 'REDUCING')]
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from arbkit.core.messages import OrderIntent, RiskCheck
from arbkit.risk.breaker_config import BreakerLimits, BreakersConfig
from arbkit.risk.context import RuleContext
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.reducing import judge_reducing
from arbkit.risk.errors import RiskError
from arbkit.risk.states import ACCOUNT_SCOPE, SCRIPT_PREFIX, script_scope

NS_PER_DAY = 86_400 * 1_000_000_000


class Trip(msgspec.Struct, frozen=True, kw_only=True):
    """A breaker that fired.

    Attributes:
        scope: ``"account"`` or ``"script:<id>"``.
        code: ``DRAWDOWN`` or ``DAILY_LOSS``.
        action: the trading state it moved the scope to (``REDUCING`` or ``HALTED``).
        value_usd: the drawdown or the day's loss at the trip (USD).
        limit_usd: the limit it exceeded (USD).
        pnl_usd: the scope's PnL at the trip (USD).
        ts_ns: gate clock at the trip (int ns).
    """

    scope: str
    code: ReasonCode
    action: str
    value_usd: Decimal
    limit_usd: Decimal
    pnl_usd: Decimal
    ts_ns: int

    def describe(self) -> str:
        """``"DRAWDOWN of script:basis: 110 USD > max_drawdown_usd 100 (PnL 140 USD)"``."""
        name = "max_drawdown_usd" if self.code is ReasonCode.DRAWDOWN else "max_daily_loss_usd"
        return f"{self.code.value} of {self.scope}: {self.value_usd} USD > {name} {self.limit_usd} (PnL {self.pnl_usd} USD)"


class _ScopeState(msgspec.Struct, kw_only=True):
    pnl_usd: Decimal
    peak_usd: Decimal
    day: int
    day_open_usd: Decimal


class LossBreakers:
    """PnL marks, peaks, day opens and trips per scope (mutated only through the gate, which journals)."""

    def __init__(self, config: BreakersConfig) -> None:
        self._config = config
        self._states: dict[str, _ScopeState] = {}
        self._trips: dict[str, dict[ReasonCode, Trip]] = {}

    @property
    def config(self) -> BreakersConfig:
        """The breakers in force now (the config, with runtime changes applied)."""
        return self._config

    @property
    def enabled(self) -> bool:
        """True when any scope has a breaker (PnL need not be marked otherwise)."""
        return self._config.enabled

    def limits_for(self, scope: str) -> BreakerLimits | None:
        """Limits in force for ``scope`` (``"account"`` or ``"script:<id>"``), None when it has none."""
        return self._config.for_scope(scope)

    def set_limits(self, scope: str, limits: BreakerLimits | None) -> BreakerLimits | None:
        """Replace ``scope``'s limits (None: no breaker); returns the previous ones. The gate journals it.

        Raises :class:`RiskError` when removing a script's breaker that ``default_script`` would still
        cover (set that script's limits instead).
        """
        old = self.limits_for(scope)
        if scope == ACCOUNT_SCOPE:
            self._config = msgspec.structs.replace(self._config, account=limits)
            return old
        script_id = scope.removeprefix(SCRIPT_PREFIX)
        scripts = dict(self._config.scripts)
        if limits is None:
            if self._config.default_script is not None:
                raise RiskError(f"cannot remove the breaker of {scope!r}: default_script "
                                f"{self._config.default_script} covers every script; set its limits instead")
            scripts.pop(script_id, None)
        else:
            scripts[script_id] = limits
        self._config = msgspec.structs.replace(self._config, scripts=scripts)
        return old

    def update(self, scope: str, pnl_usd: Decimal, now_ns: int) -> list[Trip]:
        """Mark ``scope`` at ``pnl_usd`` (USD) at ``now_ns``; returns the breakers that newly tripped."""
        day = now_ns // NS_PER_DAY
        state = self._states.get(scope)
        if state is None:  # PnL counts from zero at the gate's start
            state = self._states[scope] = _ScopeState(pnl_usd=Decimal(0), peak_usd=Decimal(0), day=day,
                                                      day_open_usd=Decimal(0))
        if day != state.day:
            state.day, state.day_open_usd = day, state.pnl_usd  # the day opens at the last mark before it
        state.pnl_usd = pnl_usd
        state.peak_usd = max(state.peak_usd, pnl_usd)
        limits = self.limits_for(scope)
        if limits is None:
            return []
        trips = self._trips.setdefault(scope, {})
        new: list[Trip] = []
        checks = ((ReasonCode.DRAWDOWN, state.peak_usd - pnl_usd, limits.max_drawdown_usd),
                  (ReasonCode.DAILY_LOSS, state.day_open_usd - pnl_usd, limits.max_daily_loss_usd))
        for code, value, limit in checks:
            if limit is not None and value > limit and code not in trips:
                trip = Trip(scope=scope, code=code, action=limits.action, value_usd=value, limit_usd=limit,
                            pnl_usd=pnl_usd, ts_ns=now_ns)
                trips[code] = trip
                new.append(trip)
        return new

    def reset(self, scope: str) -> list[Trip]:
        """Clear ``scope``'s trips (a person set it ACTIVE) and restart its drawdown peak at its PnL now."""
        cleared = list(self._trips.pop(scope, {}).values())
        state = self._states.get(scope)
        if state is not None:
            state.peak_usd = state.pnl_usd
        return cleared

    def trips(self) -> list[Trip]:
        """Every breaker tripped and not cleared, oldest first."""
        return sorted((t for by_code in self._trips.values() for t in by_code.values()), key=lambda t: t.ts_ns)

    def governing(self, script_id: str, code: ReasonCode) -> Trip | None:
        """The trip of kind ``code`` that governs ``script_id``: its own or the account's (HALTED first)."""
        own = self._trips.get(script_scope(script_id), {}).get(code)
        account = self._trips.get(ACCOUNT_SCOPE, {}).get(code)
        if own is None or account is None:
            return own or account
        return account if account.action == "HALTED" and own.action != "HALTED" else own

    def measure(self, scope: str, code: ReasonCode) -> Decimal | None:
        """The current drawdown or day's loss of ``scope`` (USD), None before its first mark."""
        state = self._states.get(scope)
        if state is None:
            return None
        return state.peak_usd - state.pnl_usd if code is ReasonCode.DRAWDOWN else state.day_open_usd - state.pnl_usd


class _BreakerRule:
    """Refuses intents of a scope whose breaker of kind :attr:`reason` tripped (all when HALTED)."""

    name = ""
    reason = ReasonCode.DRAWDOWN

    def __init__(self, breakers: LossBreakers) -> None:
        self._breakers = breakers

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        script_id = intent.script_id if isinstance(intent.script_id, str) else ""
        trip = self._breakers.governing(script_id, self.reason)
        if trip is None:
            return RiskCheck(rule=self.name, passed=True, value="not tripped", limit=self._limit_text(script_id))
        if trip.action == "HALTED":
            return RiskCheck(rule=self.name, passed=False, value=f"{trip.describe()}; {trip.scope} is HALTED",
                             limit="no new intents until a person sets the scope ACTIVE")
        reducing, why = judge_reducing(intent, ctx)
        return RiskCheck(rule=self.name, passed=reducing, value=f"{trip.describe()}; {why}",
                         limit="only reducing intents until a person sets the scope ACTIVE")


    def _limit_text(self, script_id: str) -> str:
        field = "max_drawdown_usd" if self.reason is ReasonCode.DRAWDOWN else "max_daily_loss_usd"
        parts = []
        for scope in (script_scope(script_id), ACCOUNT_SCOPE):
            limits = self._breakers.limits_for(scope)
            limit = None if limits is None else getattr(limits, field)
            if limit is not None:
                measured = self._breakers.measure(scope, self.reason)
                now = "no mark yet" if measured is None else f"now {measured}"
                parts.append(f"{scope} {field} {limit} ({now})")
        return "; ".join(parts) or "no breaker configured"


class DrawdownRule(_BreakerRule):
    """Rule ``drawdown`` (reason ``DRAWDOWN``)."""

    name = "drawdown"
    reason = ReasonCode.DRAWDOWN


class DailyLossRule(_BreakerRule):
    """Rule ``daily_loss`` (reason ``DAILY_LOSS``)."""

    name = "daily_loss"
    reason = ReasonCode.DAILY_LOSS
