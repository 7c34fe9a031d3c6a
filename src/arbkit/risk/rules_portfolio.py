"""Account-level pre-trade rules: exposure per script and per account, leverage, sector exposure,
correlation bound and VaR. Limits come from :class:`~arbkit.risk.portfolio_config.PortfolioLimits`; a
limit that is not configured passes.

Like the rules of :mod:`arbkit.risk.rules`, each has a ``name``, a ``reason`` and one
``check(intent, ctx) -> RiskCheck`` that never raises. They need more of the book than the gate's
:class:`~arbkit.risk.views.ExposureView` offers, so they read ``ctx.exposure`` as a :class:`BookExposure`
(instrument list and per-script exposure); a view without it fails closed while a limit is set.

What is counted (all in USD, USDT and USDC as USD):

* **Gross lots** of an instrument: the worst case of its position with the working orders on either side
  filled, ``max(|position + buy lots|, |position − sell lots|)``; working lots are open and in-flight
  orders, so an order counts from the moment the gate approves it. The intent is added to its side.
* **Gross notional**: gross lots valued at the instrument's reference mid rounded up to a tick
  (inverse contracts at face value), summed over instruments.
* **Net exposure** (VaR, correlation): ``position + buy lots − sell lots`` valued the same way, signed.
* **Per script**: the script's own fills (position) and its own open and in-flight orders.

An intent that does not raise the controlled quantity (gross, leverage, VaR) passes even above a limit,
so a book over a lowered limit can always be reduced. Marks of instruments other than the intent's are
the market view's last reference mid whatever its age; an instrument with exposure and no mark fails
the rule closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol, runtime_checkable

import numpy as np

from arbkit.core.enums import Side
from arbkit.core.instruments import Instrument, InstrumentRegistry
from arbkit.core.messages import OrderIntent, RiskCheck
from arbkit.risk.context import Reference, RuleContext
from arbkit.risk.portfolio_config import PortfolioLimits
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.reducing import judge_reducing
from arbkit.risk.var import historical_var, parametric_var

_CENT = Decimal("0.01")


@runtime_checkable
class BookExposure(Protocol):
    """The exposure view with what account-level rules need (the engine's view implements it)."""

    def position_lots(self, instrument_id: str) -> int:
        """Signed filled position in lots of the whole account."""
        ...

    def open_order_lots(self, instrument_id: str, side: Side) -> int:
        """Lots (>= 0) of the account's open and in-flight orders on ``side``."""
        ...

    def instrument_ids(self) -> Iterable[str]:
        """Instruments with a position or a working order."""
        ...

    def script_position_lots(self, script_id: str, instrument_id: str) -> int:
        """Signed lots filled by ``script_id``'s orders on ``instrument_id``."""
        ...

    def script_open_order_lots(self, script_id: str, instrument_id: str, side: Side) -> int:
        """Lots (>= 0) of ``script_id``'s open and in-flight orders on ``side``."""
        ...


class CovarianceSource(Protocol):
    """Covariance of per-interval simple returns (:class:`~arbkit.risk.var.EwmaCovariance` is one)."""

    instrument_ids: tuple[str, ...]

    def get(self) -> np.ndarray | None:
        """Σ in returns² per interval (``instrument_ids`` order), or None while not ready."""
        ...


class ReturnSource(Protocol):
    """Past per-interval simple returns (:class:`~arbkit.risk.var.ReturnWindow` is one)."""

    instrument_ids: tuple[str, ...]

    def get(self) -> np.ndarray:
        """Rows of returns, oldest first (intervals × instruments)."""
        ...


class _Closed(Exception):
    """The book cannot be valued (reported as a failed check, never raised out of a rule)."""


class Book:
    """Signed working-inclusive lots per instrument, before and after one intent, valued at marks.

    Args:
        lots: instrument id → (position lots, buy working lots, sell working lots).
    """

    def __init__(self, lots: Mapping[str, tuple[int, int, int]], instruments: InstrumentRegistry,
                 ctx: RuleContext) -> None:
        self.lots = dict(lots)
        self._instruments = instruments
        self._ctx = ctx
        self._marks: dict[str, int] = {}
        self._gross: dict[str, Decimal] = {}
        self._after: tuple[OrderIntent, Book] | None = None

    def _instrument(self, instrument_id: str) -> Instrument:
        if instrument_id not in self._instruments:
            raise _Closed(f"exposure on unknown instrument {instrument_id!r}")
        return self._instruments.get(instrument_id)

    def mark_ticks(self, instrument_id: str) -> int:
        """Reference mid of ``instrument_id`` rounded up to a tick; raises :class:`_Closed` without one."""
        if instrument_id not in self._marks:
            reference = Reference(self._ctx.market.reference_price(instrument_id))
            if reference.problem:
                raise _Closed(f"{instrument_id}: {reference.problem}")
            self._marks[instrument_id] = reference.ceil_ticks
        return self._marks[instrument_id]

    def gross_usd(self, instrument_id: str) -> Decimal:
        """Worst-case gross notional of one instrument in USD (computed once per book)."""
        cached = self._gross.get(instrument_id)
        if cached is not None:
            return cached
        position, buys, sells = self.lots.get(instrument_id, (0, 0, 0))
        gross = max(abs(position + buys), abs(position - sells))
        if gross == 0:
            value = Decimal(0)
        else:
            value = self._instrument(instrument_id).notional_quote(self.mark_ticks(instrument_id), gross)
        self._gross[instrument_id] = value
        return value

    def net_usd(self, instrument_id: str) -> float:
        """Signed net exposure (position + buys − sells) of one instrument in USD."""
        position, buys, sells = self.lots.get(instrument_id, (0, 0, 0))
        net = position + buys - sells
        if net == 0:
            return 0.0
        instrument = self._instrument(instrument_id)
        value = instrument.notional_quote(self.mark_ticks(instrument_id), abs(net))
        return float(value) if net > 0 else -float(value)

    def total_gross_usd(self, ids: Iterable[str] | None = None) -> Decimal:
        """Gross notional in USD over ``ids`` (default: every instrument of the book)."""
        return sum((self.gross_usd(i) for i in (self.lots if ids is None else ids)), Decimal(0))

    def with_intent(self, intent: OrderIntent) -> Book:
        """A copy with the intent's lots added to its side (the same copy for the same intent)."""
        if self._after is not None and self._after[0] is intent:
            return self._after[1]
        lots = dict(self.lots)
        position, buys, sells = lots.get(intent.instrument_id, (0, 0, 0))
        if intent.side is Side.BUY:
            buys += intent.qty_lots
        else:
            sells += intent.qty_lots
        lots[intent.instrument_id] = (position, buys, sells)
        after = Book(lots, self._instruments, self._ctx)
        after._marks = self._marks
        self._after = (intent, after)
        return after


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _lots(values: Sequence[object], what: str) -> tuple[int, int, int]:
    position, buys, sells = values
    if not _is_int(position) or not _is_int(buys) or not _is_int(sells) or buys < 0 or sells < 0:  # type: ignore[operator]
        raise _Closed(f"invalid exposure of {what}: position {position!r}, working {buys!r}/{sells!r}")
    return position, buys, sells  # type: ignore[return-value]


def _is_book_view(view: object) -> bool:
    """``isinstance(view, BookExposure)``, cached per type (a protocol check walks every attribute)."""
    kind = type(view)
    known = _BOOK_VIEW_TYPES.get(kind)
    if known is None:
        known = _BOOK_VIEW_TYPES[kind] = isinstance(view, BookExposure)
    return known


_BOOK_VIEW_TYPES: dict[type, bool] = {}


def account_book(intent: OrderIntent, ctx: RuleContext, instruments: InstrumentRegistry) -> Book:
    """The whole account's book (every instrument with exposure, and the intent's), built once per evaluation."""
    cached = ctx.memo.get("account_book")
    if isinstance(cached, Book):
        return cached
    view = ctx.exposure
    if not _is_book_view(view):
        raise _Closed("the exposure view has no instrument list")
    ids = set(view.instrument_ids()) | {intent.instrument_id}  # type: ignore[attr-defined]
    lots = {i: _lots((view.position_lots(i), view.open_order_lots(i, Side.BUY), view.open_order_lots(i, Side.SELL)), i)
            for i in sorted(ids)}
    book = ctx.memo["account_book"] = Book(lots, instruments, ctx)
    return book


def script_book(intent: OrderIntent, ctx: RuleContext, instruments: InstrumentRegistry) -> Book:
    """The intent's script's own book: its fills and its working orders, on every instrument with exposure."""
    view = ctx.exposure
    if not _is_book_view(view):
        raise _Closed("the exposure view has no per-script exposure")
    script = intent.script_id
    ids = set(view.instrument_ids()) | {intent.instrument_id}
    lots = {i: _lots((view.script_position_lots(script, i), view.script_open_order_lots(script, i, Side.BUY),
                      view.script_open_order_lots(script, i, Side.SELL)), f"script {script} on {i}")
            for i in sorted(ids)}
    return Book(lots, instruments, ctx)


def _ready(intent: OrderIntent, ctx: RuleContext) -> Instrument | None:
    """The intent's instrument if the earlier rules' preconditions hold (known, well-formed), else None."""
    if ctx.instrument is None or not isinstance(intent.side, Side) or not _is_int(intent.qty_lots) \
            or intent.qty_lots <= 0:
        return None
    return ctx.instrument


def _usd(value: Decimal) -> str:
    return f"{value.quantize(_CENT)}"


_UNLIMITED: dict[tuple[str, str], RiskCheck] = {}


def _unlimited(name: str, value: str) -> RiskCheck:
    """The passing verdict of a rule whose limit is not configured (frozen, so built once and shared)."""
    check = _UNLIMITED.get((name, value))
    if check is None:
        check = _UNLIMITED[(name, value)] = RiskCheck(rule=name, passed=True, value=value, limit="none")
    return check


def _bounded(name: str, before: Decimal, after: Decimal, limit: Decimal, what: str) -> RiskCheck:
    """Pass when ``after <= limit`` or the intent does not raise the quantity (``after <= before``)."""
    passed = after <= limit or after <= before
    value = f"{what} {_usd(after)} USD (before the order {_usd(before)} USD)"
    return RiskCheck(rule=name, passed=passed, value=value, limit=_usd(limit))


class ExposureLimitRule:
    """Rejects an order that takes its script's gross notional above its limit
    (``scripts.ID`` or ``max_script_gross_notional_usd``) or the account's above
    ``max_account_gross_notional_usd``. Per instrument, ``max_position_qty`` already bounds position +
    working + the order (rule ``max_position``)."""

    name = "exposure_limit"
    reason = ReasonCode.EXPOSURE_LIMIT

    def __init__(self, limits: PortfolioLimits, instruments: InstrumentRegistry) -> None:
        self._limits = limits
        self._instruments = instruments

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        script_limit = self._limits.script_limit(intent.script_id) if isinstance(intent.script_id, str) else None
        account_limit = self._limits.max_account_gross_notional_usd
        if script_limit is None and account_limit is None:
            return _unlimited(self.name, "no exposure limit set")
        if _ready(intent, ctx) is None:
            return RiskCheck(rule=self.name, passed=False, value="no instrument, side or quantity",
                             limit="checked by an earlier rule")
        try:
            check = RiskCheck(rule=self.name, passed=True, value="within", limit="none")
            if script_limit is not None:
                book = script_book(intent, ctx, self._instruments)
                check = _bounded(self.name, book.total_gross_usd(), book.with_intent(intent).total_gross_usd(),
                                 script_limit, f"script {intent.script_id} gross notional")
                if not check.passed:
                    return check
            if account_limit is not None:
                book = account_book(intent, ctx, self._instruments)
                check = _bounded(self.name, book.total_gross_usd(), book.with_intent(intent).total_gross_usd(),
                                 account_limit, "account gross notional")
            return check
        except _Closed as exc:
            return RiskCheck(rule=self.name, passed=False, value=str(exc), limit="a valued book")


class LeverageRule:
    """Rejects an order that takes account gross notional / ``account_equity_usd`` above ``max_leverage``.

    The portfolio keeps no cash, so equity is the configured ``account_equity_usd`` (realized and
    unrealized PnL are not added).
    """

    name = "leverage"
    reason = ReasonCode.LEVERAGE

    def __init__(self, limits: PortfolioLimits, instruments: InstrumentRegistry) -> None:
        self._limits = limits
        self._instruments = instruments

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        limit, equity = self._limits.max_leverage, self._limits.account_equity_usd
        if limit is None or equity is None:
            return _unlimited(self.name, "no leverage limit set")
        if _ready(intent, ctx) is None:
            return RiskCheck(rule=self.name, passed=False, value="no instrument, side or quantity",
                             limit="checked by an earlier rule")
        try:
            book = account_book(intent, ctx, self._instruments)
            before, after = book.total_gross_usd() / equity, book.with_intent(intent).total_gross_usd() / equity
        except _Closed as exc:
            return RiskCheck(rule=self.name, passed=False, value=str(exc), limit="a valued book")
        q = Decimal("0.0001")
        return RiskCheck(rule=self.name, passed=after <= limit or after <= before,
                         value=f"{after.quantize(q)} (before the order {before.quantize(q)}; equity {_usd(equity)} USD)",
                         limit=str(limit))


class SectorExposureRule:
    """Rejects an order that takes its instrument's sector gross notional above the sector's limit
    (``sectors`` maps instrument → sector, ``max_sector_gross_notional_usd`` sector → USD). An instrument
    with no sector, or a sector with no limit, passes."""

    name = "sector_exposure"
    reason = ReasonCode.SECTOR_EXPOSURE

    def __init__(self, limits: PortfolioLimits, instruments: InstrumentRegistry) -> None:
        self._limits = limits
        self._instruments = instruments

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        sector = self._limits.sectors.get(intent.instrument_id) if isinstance(intent.instrument_id, str) else None
        limit = self._limits.max_sector_gross_notional_usd.get(sector) if sector is not None else None
        if limit is None:
            return _unlimited(self.name, "no sector limit for the instrument")
        if _ready(intent, ctx) is None:
            return RiskCheck(rule=self.name, passed=False, value="no instrument, side or quantity",
                             limit="checked by an earlier rule")
        try:
            book = account_book(intent, ctx, self._instruments)
            members = [i for i in book.lots if self._limits.sectors.get(i) == sector]
            return _bounded(self.name, book.total_gross_usd(members), book.with_intent(intent).total_gross_usd(members),
                            limit, f"sector {sector} gross notional")
        except _Closed as exc:
            return RiskCheck(rule=self.name, passed=False, value=str(exc), limit="a valued book")


def _vectors(book: Book, intent: OrderIntent, ids: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Net USD exposure of the book before and after the intent, in ``ids`` order; instruments with
    exposure outside ``ids`` raise :class:`_Closed`."""
    after = book.with_intent(intent)
    missing = sorted(i for i in after.lots if i not in ids and after.net_usd(i) != 0.0)
    if missing:
        raise _Closed(f"no covariance or returns for {missing[0]}")
    return np.array([book.net_usd(i) for i in ids]), np.array([after.net_usd(i) for i in ids])


class CorrelationBoundRule:
    """Rejects an order correlated with the book above ``max_correlation`` while the book after the order
    is concentrated above ``max_concentration``.

    With w the book's net USD exposure before the order, d = w_after − w the order's, and Σ the
    covariance: ρ = dᵀΣw / sqrt(dᵀΣd · wᵀΣw) (0 for an empty or riskless book); concentration is the
    Herfindahl index H = Σ|w_afterᵢ|² / (Σ|w_afterᵢ|)². Deny when ρ > max_correlation and H > max_concentration.
    Σ not ready, or exposure on an instrument Σ does not cover, fails closed.
    """

    name = "correlation_bound"
    reason = ReasonCode.CORRELATION_BOUND

    def __init__(self, limits: PortfolioLimits, instruments: InstrumentRegistry,
                 covariance: CovarianceSource | None) -> None:
        self._bound = limits.correlation
        self._instruments = instruments
        self._covariance = covariance

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        bound = self._bound
        if bound is None:
            return _unlimited(self.name, "no correlation bound set")
        limit = f"correlation {bound.max_correlation} while concentration > {bound.max_concentration}"
        if _ready(intent, ctx) is None:
            return RiskCheck(rule=self.name, passed=False, value="no instrument, side or quantity",
                             limit="checked by an earlier rule")
        sigma = None if self._covariance is None else self._covariance.get()
        if sigma is None or self._covariance is None:
            return _not_ready(self.name, "no return covariance yet (no source, or fewer returns than it needs)",
                              intent, ctx, limit)
        try:
            w, w_after = _vectors(account_book(intent, ctx, self._instruments), intent, self._covariance.instrument_ids)
        except _Closed as exc:
            return RiskCheck(rule=self.name, passed=False, value=str(exc), limit=limit)
        d = w_after - w
        rho = correlation(d, w, sigma)
        h = concentration(w_after)
        denied = rho > float(bound.max_correlation) and h > float(bound.max_concentration)
        return RiskCheck(rule=self.name, passed=not denied, value=f"correlation {rho:.4f}, concentration {h:.4f}",
                         limit=limit)


def correlation(d: np.ndarray, w: np.ndarray, sigma: np.ndarray) -> float:
    """ρ = dᵀΣw / sqrt(dᵀΣd · wᵀΣw); 0 when either variance is 0.

    >>> round(correlation(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([[1.0, 0.5], [0.5, 1.0]])), 3)
    0.5
    """
    dd, ww = float(d @ sigma @ d), float(w @ sigma @ w)
    if dd <= 0 or ww <= 0:
        return 0.0
    return float(d @ sigma @ w) / (dd * ww) ** 0.5


def concentration(w: np.ndarray) -> float:
    """Herfindahl index of absolute exposures, Σ|wᵢ|² / (Σ|wᵢ|)²; 0 for an empty book.

    >>> concentration(np.array([3.0, -1.0]))
    0.625
    """
    total = float(np.abs(w).sum())
    return 0.0 if total == 0 else float((w ** 2).sum()) / total ** 2


class VarLimitRule:
    """Rejects an order that takes the book's VaR above a limit and raises it.

    Parametric: z(confidence) × sqrt(wᵀΣw) × sqrt(horizon_intervals), Σ from the covariance source.
    Historical: the 1 − confidence loss quantile of ``returns @ w`` over the return window ×
    sqrt(horizon_intervals). w is the account's net USD exposure, with the order. Each is checked only
    while its ``max_*_var_usd`` is set; a source not ready fails closed.
    """

    name = "var_limit"
    reason = ReasonCode.VAR_LIMIT

    def __init__(self, limits: PortfolioLimits, instruments: InstrumentRegistry,
                 covariance: CovarianceSource | None = None, returns: ReturnSource | None = None) -> None:
        self._var = limits.var
        self._instruments = instruments
        self._covariance = covariance
        self._returns = returns

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        var = self._var
        if var is None or (var.max_parametric_var_usd is None and var.max_historical_var_usd is None):
            return _unlimited(self.name, "no VaR limit set")
        if _ready(intent, ctx) is None:
            return RiskCheck(rule=self.name, passed=False, value="no instrument, side or quantity",
                             limit="checked by an earlier rule")
        confidence, horizon = float(var.confidence), var.horizon_intervals
        check = RiskCheck(rule=self.name, passed=True, value="within", limit="none")
        try:
            book = account_book(intent, ctx, self._instruments)
            if var.max_parametric_var_usd is not None:
                sigma = None if self._covariance is None else self._covariance.get()
                if sigma is None or self._covariance is None:
                    return _not_ready(self.name, "no return covariance yet for parametric VaR", intent, ctx,
                                      "a ready covariance, or a reducing intent")
                w, w_after = _vectors(book, intent, self._covariance.instrument_ids)
                before = parametric_var(w, sigma, confidence=confidence, horizon_intervals=horizon)
                after = parametric_var(w_after, sigma, confidence=confidence, horizon_intervals=horizon)
                check = _bounded(self.name, _dec(before), _dec(after), var.max_parametric_var_usd,
                                 f"parametric VaR({var.confidence}, {horizon} intervals)")
                if not check.passed:
                    return check
            if var.max_historical_var_usd is not None:
                rows = None if self._returns is None else self._returns.get()
                if rows is None or self._returns is None or rows.shape[0] < var.min_history:
                    seen = 0 if rows is None else rows.shape[0]
                    return _not_ready(self.name, f"{seen} returns, fewer than min_history {var.min_history} for "
                                      "historical VaR", intent, ctx, "a full return window, or a reducing intent")
                w, w_after = _vectors(book, intent, self._returns.instrument_ids)
                before = historical_var(w, rows, confidence=confidence, horizon_intervals=horizon)
                after = historical_var(w_after, rows, confidence=confidence, horizon_intervals=horizon)
                check = _bounded(self.name, _dec(before), _dec(after), var.max_historical_var_usd,
                                 f"historical VaR({var.confidence}, {horizon} intervals, {rows.shape[0]} returns)")
            return check
        except _Closed as exc:
            return RiskCheck(rule=self.name, passed=False, value=str(exc), limit="a valued book")


def _not_ready(rule: str, why: str, intent: OrderIntent, ctx: RuleContext, limit: str) -> RiskCheck:
    """Fail closed while a return source is not ready, except for an intent that only reduces its position."""
    reducing, move = judge_reducing(intent, ctx)
    return RiskCheck(rule=rule, passed=reducing, value=f"{why}; {move}", limit=limit)


def _dec(value: float) -> Decimal:
    """A float statistic as a Decimal (its shortest repr)."""
    return Decimal(repr(value))


def portfolio_rules(limits: PortfolioLimits, instruments: InstrumentRegistry,
                    covariance: CovarianceSource | None = None,
                    returns: ReturnSource | None = None) -> tuple[ExposureLimitRule, LeverageRule, SectorExposureRule,
                                                                  CorrelationBoundRule, VarLimitRule]:
    """The account-level rules in the order they run (each passes while its limit is not configured)."""
    return (ExposureLimitRule(limits, instruments), LeverageRule(limits, instruments),
            SectorExposureRule(limits, instruments), CorrelationBoundRule(limits, instruments, covariance),
            VarLimitRule(limits, instruments, covariance, returns))
