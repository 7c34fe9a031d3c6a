"""Pre-trade rules. Each is a small class with a ``name``, the ``reason`` it rejects with, and one
``check(intent, ctx) -> RiskCheck`` that never raises on any intent.

The gate runs :func:`default_rules` in order and stops at the first failure, so a rule may rely on the
rules before it (a known instrument with limits and a well-formed intent). Each rule still fails closed
if called alone without those.

Units: quantities in ``RiskCheck.value``/``limit`` are base units (or contracts for inverse perps),
notional in USD, collar in basis points, ages in ms.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext
from typing import Protocol

from arbkit.core.enums import OrderType, Side
from arbkit.core.instruments import Instrument
from arbkit.core.messages import OrderIntent, RiskCheck
from arbkit.risk.config import InstrumentLimits
from arbkit.risk.context import RuleContext
from arbkit.risk.kill_switch import KillSwitch
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.regime_policy import RegimePolicy
from arbkit.risk.regime_state import RegimeBoard
from arbkit.risk.rules_flow import DuplicateRule, ExecutionThrottleRule, MaxMessagesRule, RestrictedRule

_BPS = Decimal(10_000)
_BPS_STEP = Decimal("0.0001")
_PRECISION = 60  # digits for collar arithmetic, so even absurd prices compare exactly


class RiskRule(Protocol):
    """One pre-trade control."""

    name: str
    reason: ReasonCode

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        """Verdict on ``intent``; ``passed=False`` means reject with :attr:`reason`."""
        ...


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _not_ready(name: str, what: str) -> RiskCheck:
    return RiskCheck(rule=name, passed=False, value=what, limit="checked by an earlier rule")


# RiskCheck is frozen: a verdict whose text does not depend on the intent's numbers is built once and shared.
_CACHE_MAX = 4_096


class _LimitTexts:
    """The limit strings of one (frozen) :class:`InstrumentLimits`, formatted once."""

    __slots__ = ("collar", "limits", "order_qty", "order_value", "position", "reference")

    def __init__(self, limits: InstrumentLimits) -> None:
        self.limits = limits  # held, so the id it is filed under is not reused while it is cached
        self.order_qty = str(limits.max_order_qty)
        self.order_value = str(limits.max_order_notional_usd)
        self.position = f"±{limits.max_position_qty}"
        self.collar = str(limits.price_collar_bps)
        self.reference = f"a mid at most {limits.reference_max_age_ms} ms old"


_LIMIT_TEXTS: dict[int, _LimitTexts] = {}


def _texts(limits: InstrumentLimits) -> _LimitTexts:
    texts = _LIMIT_TEXTS.get(id(limits))
    if texts is None or texts.limits is not limits:
        if len(_LIMIT_TEXTS) >= 256:
            _LIMIT_TEXTS.clear()
        texts = _LIMIT_TEXTS[id(limits)] = _LimitTexts(limits)
    return texts


class KillSwitchRule:
    """Rejects every intent an engaged kill-switch scope covers (all, or a script, venue or instrument)."""

    name = "kill_switch"
    reason = ReasonCode.KILL_SWITCH

    def __init__(self, kill_switch: KillSwitch) -> None:
        self._kill_switch = kill_switch

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        venue = ctx.instrument.venue if ctx.instrument is not None else None
        blocked = self._kill_switch.blocking(str(intent.script_id), venue, str(intent.instrument_id))
        if blocked is not None:
            scope, actor, why = blocked
            where = "" if scope == "all" else f"{scope} "
            return RiskCheck(rule=self.name, passed=False, value=f"{where}engaged by {actor}: {why}", limit="released")
        return _RELEASED


_RELEASED = RiskCheck(rule=KillSwitchRule.name, passed=True, value="released", limit="released")


class KnownInstrumentRule:
    """Rejects an intent for an instrument the registry does not know."""

    name = "known_instrument"
    reason = ReasonCode.UNKNOWN_INSTRUMENT

    def __init__(self) -> None:
        self._passed: dict[str, RiskCheck] = {}  # by registered instrument id

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        if ctx.instrument is not None:
            check = self._passed.get(intent.instrument_id)
            if check is None:
                if len(self._passed) >= _CACHE_MAX:
                    self._passed.clear()
                check = self._passed[intent.instrument_id] = RiskCheck(
                    rule=self.name, passed=True, value=repr(intent.instrument_id), limit="a registered instrument id")
            return check
        return RiskCheck(rule=self.name, passed=False, value=repr(intent.instrument_id),
                         limit="a registered instrument id")


class LimitsConfiguredRule:
    """Rejects an instrument without configured limits (no limits is not unlimited)."""

    name = "limits_configured"
    reason = ReasonCode.NO_LIMITS

    def __init__(self) -> None:
        self._passed: dict[str, RiskCheck] = {}  # by instrument id with limits

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        if ctx.limits is not None and isinstance(intent.instrument_id, str):
            check = self._passed.get(intent.instrument_id)
            if check is None:
                if len(self._passed) >= _CACHE_MAX:
                    self._passed.clear()
                check = self._passed[intent.instrument_id] = RiskCheck(
                    rule=self.name, passed=True, value=repr(intent.instrument_id),
                    limit="an instrument with [instruments.ID] limits")
            return check
        return RiskCheck(rule=self.name, passed=ctx.limits is not None, value=repr(intent.instrument_id),
                         limit="an instrument with [instruments.ID] limits")


class ValidIntentRule:
    """Rejects malformed intents: qty <= 0, a limit order without a price > 0, a market order with a price."""

    name = "valid_intent"
    reason = ReasonCode.INVALID_INTENT

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        problem, expected = self._problem(intent)
        if problem:
            return RiskCheck(rule=self.name, passed=False, value=problem, limit=expected)
        return _WELL_FORMED

    @staticmethod
    def _problem(intent: OrderIntent) -> tuple[str, str]:
        if not isinstance(intent.side, Side):
            return f"side {intent.side!r}", "BUY or SELL"
        if not isinstance(intent.order_type, OrderType):
            return f"order_type {intent.order_type!r}", "market or limit"
        if not _is_int(intent.qty_lots) or intent.qty_lots <= 0:
            return f"qty_lots {intent.qty_lots!r}", "an int > 0"
        price = intent.price_ticks
        if intent.order_type is OrderType.MARKET:
            if price is not None:
                return f"market order with price_ticks {price!r}", "price_ticks None for a market order"
        elif price is None or not _is_int(price) or price <= 0:
            return f"limit order with price_ticks {price!r}", "an int > 0 for a limit order"
        return "", ""


_WELL_FORMED = RiskCheck(rule=ValidIntentRule.name, passed=True, value="well-formed", limit="well-formed")


class MaxOrderQtyRule:
    """Rejects an order larger than ``max_order_qty`` (base units or contracts)."""

    name = "max_order_qty"
    reason = ReasonCode.MAX_ORDER_QTY

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        if ctx.instrument is None or ctx.limits is None:
            return _not_ready(self.name, "no instrument or limits")
        size = ctx.instrument.lots_to_size(intent.qty_lots)
        limits = ctx.limits
        return RiskCheck(rule=self.name, passed=size <= limits.max_order_qty, value=str(size),
                         limit=_texts(limits).order_qty)


class ReferencePriceRule:
    """Rejects when there is no reference mid or it is older than ``reference_max_age_ms``."""

    name = "reference_price"
    reason = ReasonCode.NO_REFERENCE_PRICE

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        if ctx.limits is None:
            return _not_ready(self.name, "no limits")
        limit = _texts(ctx.limits).reference
        problem = ctx.reference_problem()
        if problem:
            return RiskCheck(rule=self.name, passed=False, value=problem, limit=limit)
        mid = ctx.reference().mid_ticks
        key = (mid, limit)
        check = self._passed.get(key)
        if check is None:
            if len(self._passed) >= _CACHE_MAX:
                self._passed.clear()
            check = self._passed[key] = RiskCheck(rule=self.name, passed=True, value=f"mid {mid} ticks", limit=limit)
        return check

    def __init__(self) -> None:
        self._passed: dict[tuple[object, str], RiskCheck] = {}  # by (exact mid, limit text)


class PriceCollarRule:
    """Rejects a limit price more than ``price_collar_bps`` from the reference mid. Market orders pass."""

    name = "price_collar"
    reason = ReasonCode.PRICE_COLLAR

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        if ctx.limits is None:
            return _not_ready(self.name, "no limits")
        limit = ctx.limits.price_collar_bps
        if intent.order_type is OrderType.MARKET:
            return RiskCheck(rule=self.name, passed=True, value="market order", limit=_texts(ctx.limits).collar)
        mid = ctx.reference().mid_ticks
        if ctx.reference_problem() or mid is None or not _is_int(intent.price_ticks):
            return _not_ready(self.name, "no fresh reference mid or no limit price")
        with localcontext() as decimal_context:
            decimal_context.prec = _PRECISION
            distance = abs(Decimal(intent.price_ticks) - mid)  # type: ignore[arg-type]
            passed = distance * _BPS <= limit * mid
            bps = (distance * _BPS / mid).quantize(_BPS_STEP)
        return RiskCheck(rule=self.name, passed=passed, value=str(bps), limit=_texts(ctx.limits).collar)


class MaxOrderValueRule:
    """Rejects an order worth more than ``max_order_notional_usd``.

    Limit orders are valued at their price, market orders at the reference mid rounded up to a tick,
    inverse contracts at face value (contracts × multiplier). USDT/USDC quotes count as USD.
    """

    name = "max_order_value"
    reason = ReasonCode.MAX_ORDER_VALUE

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        if ctx.instrument is None or ctx.limits is None:
            return _not_ready(self.name, "no instrument or limits")
        if intent.order_type is OrderType.MARKET:
            if ctx.reference_problem():
                return _not_ready(self.name, "no fresh reference mid for a market order")
            price_ticks = ctx.reference().ceil_ticks
        elif _is_int(intent.price_ticks):
            price_ticks = intent.price_ticks  # type: ignore[assignment]
        else:
            return _not_ready(self.name, "no limit price")
        with localcontext() as decimal_context:
            decimal_context.prec = _PRECISION
            notional = ctx.instrument.notional_quote(price_ticks, intent.qty_lots)
        limits = ctx.limits
        return RiskCheck(rule=self.name, passed=notional <= limits.max_order_notional_usd, value=str(notional),
                         limit=_texts(limits).order_value)


class MaxPositionRule:
    """Rejects an order whose worst-case position would exceed ``max_position_qty`` in absolute value.

    Worst case in the order's direction: ``position + sign × (same-side working lots + order lots)``.
    An order that only shrinks the worst-case position towards zero (without crossing it) passes even
    when that position is above the limit, so a position over a lowered limit can always be reduced.
    """

    name = "max_position"
    reason = ReasonCode.MAX_POSITION

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        instrument, limits = ctx.instrument, ctx.limits
        if instrument is None or limits is None or not isinstance(intent.side, Side):
            return _not_ready(self.name, "no instrument, limits or side")
        position = ctx.exposure.position_lots(instrument.id)
        working = ctx.exposure.open_order_lots(instrument.id, intent.side)
        limit = _texts(limits).position
        if not _is_int(position) or not _is_int(working) or working < 0:
            return RiskCheck(rule=self.name, passed=False,
                             value=f"invalid exposure: position {position!r}, working {working!r}", limit=limit)
        sign = int(intent.side)
        before = position + sign * working
        after = before + sign * intent.qty_lots
        value = str(instrument.lots_to_size(after))
        within = instrument.lots_to_size(abs(after)) <= limits.max_position_qty
        reducing = 0 <= after < before or before < after <= 0
        if not within and reducing:
            value += f" (reduces from {instrument.lots_to_size(before)})"
        return RiskCheck(rule=self.name, passed=within or reducing, value=value, limit=limit)


class RegimeRule:
    """Rejects a risk-increasing intent of a regime-gated script while a governing regime is not allowed.

    A script is gated when it declared ``allowed_regimes`` (see :mod:`arbkit.risk.regime_policy`); an
    ungated script passes. The governing scopes are the script's ``regime_scopes``, or the intent's
    instrument id when the board tracks it, otherwise ``"market"``. A scope no monitor tracks has no
    regime, which is never allowed.

    Risk-increasing is judged on the worst-case position, as :class:`MaxPositionRule` computes it:
    ``before = position + sign × same-side working lots``, ``after = before + sign × order lots``. The
    intent passes when it only moves that position towards zero without crossing it
    (``0 <= after < before`` or ``before < after <= 0``); anything else, a flip through zero included,
    increases risk. The exposure is the instrument's (portfolio + OMS), as the gate sees it.

    Args:
        board: current regime per scope.
        policies: the gate's live mapping script id → policy (changes through ``set_regime_policy`` apply
            to the next intent).
    """

    name = "regime"
    reason = ReasonCode.REGIME

    def __init__(self, board: RegimeBoard, policies: Mapping[str, RegimePolicy]) -> None:
        self._board = board
        self._policies = policies

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        policy = self._policies.get(intent.script_id) if isinstance(intent.script_id, str) else None
        if policy is None:
            return _NOT_GATED
        allowed = policy.allowed_text()
        instrument = ctx.instrument
        if instrument is None or not isinstance(intent.side, Side) or not _is_int(intent.qty_lots):
            return _not_ready(self.name, "no instrument, side or quantity")
        regimes = [(scope, self._board.current(scope)) for scope in policy.scopes_for(instrument.id, self._board)]
        outside = [(scope, regime) for scope, regime in regimes if not policy.allows(regime)]
        if not outside:
            return RiskCheck(rule=self.name, passed=True, value=_regime_text(regimes), limit=allowed)
        position = ctx.exposure.position_lots(instrument.id)
        working = ctx.exposure.open_order_lots(instrument.id, intent.side)
        if not _is_int(position) or not _is_int(working) or working < 0:
            return RiskCheck(rule=self.name, passed=False, limit=allowed,
                             value=f"{_regime_text(outside)}; invalid exposure: position {position!r}, "
                                   f"working {working!r}")
        before, after = worst_case_move(intent.side, intent.qty_lots, position, working)
        reducing = is_reducing(before, after)
        move = f"worst-case position {_size(instrument, before)} -> {_size(instrument, after)}"
        verdict = "reduces" if reducing else "increases"
        return RiskCheck(rule=self.name, passed=reducing, value=f"{_regime_text(outside)} ({verdict} {move})",
                         limit=allowed)


_NOT_GATED = RiskCheck(rule=RegimeRule.name, passed=True, value="script not regime-gated", limit="any regime")


def worst_case_move(side: Side, qty_lots: int, position_lots: int, working_lots: int) -> tuple[int, int]:
    """Worst-case position ``(before, after)`` in lots of an order of ``qty_lots`` on ``side``.

    ``before = position + sign × same-side working lots``, ``after = before + sign × qty_lots``
    (the computation of :class:`MaxPositionRule` and :class:`RegimeRule`).
    """
    sign = int(side)
    before = position_lots + sign * working_lots
    return before, before + sign * qty_lots


def is_reducing(before_lots: int, after_lots: int) -> bool:
    """True when the worst-case position only moves towards zero without crossing it (a flip increases risk)."""
    return 0 <= after_lots < before_lots or before_lots < after_lots <= 0


def _size(instrument: Instrument, lots: int) -> str:
    """Quantity of ``lots`` without trailing zeros or exponent (``0``, ``0.1``, ``-2``)."""
    return f"{instrument.lots_to_size(lots).normalize():f}"


def _regime_text(regimes: list[tuple[str, str | None]]) -> str:
    """``regime 'calm' on BTCUSDT.BINANCE_SPOT`` (joined with ``, `` for several scopes)."""
    parts = [f"regime {regime!r} on {scope}" if regime is not None else f"unknown regime on {scope} (no monitor)"
             for scope, regime in regimes]
    return ", ".join(parts)


class FlowRules:
    """The stateful order-flow rules of one gate (see :mod:`arbkit.risk.rules_flow`)."""

    __slots__ = ("duplicate", "messages", "restricted", "throttle")

    def __init__(self, restricted: RestrictedRule, duplicate: DuplicateRule, messages: MaxMessagesRule,
                 throttle: ExecutionThrottleRule) -> None:
        self.restricted = restricted
        self.duplicate = duplicate
        self.messages = messages
        self.throttle = throttle


def default_rules(kill_switch: KillSwitch, board: RegimeBoard, policies: Mapping[str, RegimePolicy],
                  flow: FlowRules, *, trading_state: RiskRule, breakers: tuple[RiskRule, ...] = (),
                  portfolio: tuple[RiskRule, ...] = ()) -> tuple[RiskRule, ...]:
    """Every rule, in the order the gate runs them: kill switch first, then the execution throttle, the
    instrument checks, the loss breakers ``breakers`` (drawdown, daily loss; :mod:`arbkit.risk.breakers`),
    the trading state (ACTIVE / REDUCING / HALTED), the intent checks, regime before
    the price checks, and last the duplicate check and the message limit, which judge only an order that
    would otherwise be sent. The account-level rules ``portfolio`` (built by
    :func:`arbkit.risk.rules_portfolio.portfolio_rules`) run right after ``max_position``, when given."""
    return (
        KillSwitchRule(kill_switch),
        flow.throttle,
        KnownInstrumentRule(),
        flow.restricted,
        *breakers,
        trading_state,
        LimitsConfiguredRule(),
        ValidIntentRule(),
        MaxOrderQtyRule(),
        RegimeRule(board, policies),
        ReferencePriceRule(),
        PriceCollarRule(),
        MaxOrderValueRule(),
        MaxPositionRule(),
        *portfolio,
        flow.duplicate,
        flow.messages,
    )
