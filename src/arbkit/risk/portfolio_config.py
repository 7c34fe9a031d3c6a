"""Account-level limits of the risk config: exposure per script and per account, leverage, sectors,
correlation and VaR (rules of :mod:`arbkit.risk.rules_portfolio`).

The whole ``[portfolio]`` table is optional and every limit in it is off while absent: a limit that is
not configured does not bind (the per-instrument limits, ``max_position_qty`` included, always apply).
Money is in USD (USDT and USDC count as USD), ratios are plain decimals, VaR confidence is a fraction.

>>> config = portfolio_section({"max_account_gross_notional_usd": 250000, "account_equity_usd": "50000",
...                             "max_leverage": 3}, "portfolio")
>>> config.max_leverage, config.account_equity_usd
(Decimal('3'), Decimal('50000'))
>>> portfolio_section({"max_leverage": 0}, "portfolio")
Traceback (most recent call last):
...
arbkit.core.errors.ConfigError: portfolio: max_leverage must be a finite decimal > 0, got Decimal('0')
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

from arbkit.core.errors import ConfigError
from arbkit.risk.flow_config import FlowConfigError, flow_section


def _positive(name: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise FlowConfigError(f"{name} must be a finite decimal > 0, got {value!r}")


def _fraction(name: str, value: object, *, upper_inclusive: bool) -> None:
    if value is None:
        return
    ok = isinstance(value, Decimal) and value.is_finite() and 0 < value and (
        value <= 1 if upper_inclusive else value < 1)
    if not ok:
        bound = "<= 1" if upper_inclusive else "< 1"
        raise FlowConfigError(f"{name} must be a decimal > 0 and {bound}, got {value!r}")


class CorrelationBound(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Rule ``correlation_bound``: refuse an order whose correlation with the book is above
    ``max_correlation`` while the book after the order is more concentrated than ``max_concentration``.

    Attributes:
        max_correlation: bound on ρ = dᵀΣw / sqrt(dᵀΣd · wᵀΣw), d the order and w the book in USD (0 < x <= 1).
        max_concentration: bound on the Herfindahl index Σ|wᵢ|² / (Σ|wᵢ|)² of the book after the order
            (1 / number of instruments for an even book, 1 for a single instrument; 0 < x <= 1).
    """

    max_correlation: Decimal
    max_concentration: Decimal

    def __post_init__(self) -> None:
        _fraction("max_correlation", self.max_correlation, upper_inclusive=True)
        _fraction("max_concentration", self.max_concentration, upper_inclusive=True)


class VarLimit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Rule ``var_limit``: the book's VaR with the order must stay <= the limit unless the order lowers it.

    Attributes:
        confidence: one-sided confidence level (default 0.99).
        horizon_intervals: horizon in return intervals of the covariance / return window (default 1);
            parametric VaR scales with its square root, historical VaR uses one-interval returns × sqrt.
        max_parametric_var_usd: limit on z × sqrt(wᵀΣw) × sqrt(horizon_intervals); None: not checked.
        max_historical_var_usd: limit on the loss quantile of the book over the return window; None: not checked.
        min_history: fewest returns in the window before historical VaR is computed (default 20);
            with fewer, an order that adds exposure is refused while the limit is set.
    """

    confidence: Decimal = Decimal("0.99")
    horizon_intervals: int = 1
    max_parametric_var_usd: Decimal | None = None
    max_historical_var_usd: Decimal | None = None
    min_history: int = 20

    def __post_init__(self) -> None:
        _fraction("confidence", self.confidence, upper_inclusive=False)
        _positive("max_parametric_var_usd", self.max_parametric_var_usd)
        _positive("max_historical_var_usd", self.max_historical_var_usd)
        for name in ("horizon_intervals", "min_history"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise FlowConfigError(f"{name} must be an int > 0, got {value!r}")


class ReturnSampling(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the composition root turns reference mids into the returns ``correlation_bound`` and ``var_limit`` read.

    Attributes:
        interval_ms: one simple return per instrument per interval of the engine clock (default 1000 ms);
            VaR's horizon is ``horizon_intervals`` of these.
        ewma_decay: λ of the RiskMetrics EWMA covariance per interval, in (0, 1) (default 0.97).
        window: returns kept for historical VaR (default 500 intervals).
        min_returns: returns the covariance needs before it is ready (default 20); until then the two
            rules refuse orders that add exposure.
    """

    interval_ms: int = 1_000
    ewma_decay: Decimal = Decimal("0.97")
    window: int = 500
    min_returns: int = 20

    def __post_init__(self) -> None:
        _fraction("ewma_decay", self.ewma_decay, upper_inclusive=False)
        for name in ("interval_ms", "window", "min_returns"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise FlowConfigError(f"{name} must be an int > 0, got {value!r}")


class PortfolioLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Account-level limits (table ``[portfolio]``). Every limit is off while absent.

    Attributes:
        max_account_gross_notional_usd: gross notional of the whole account (all scripts, all instruments).
        max_script_gross_notional_usd: gross notional of one script (default for scripts not in ``scripts``).
        scripts: per-script gross notional limits by script id.
        account_equity_usd: equity the leverage is measured against (the portfolio keeps no cash).
        max_leverage: gross notional / ``account_equity_usd``; requires ``account_equity_usd``.
        sectors: instrument id → sector or asset class (``"btc"``, ``"majors"``); unmapped instruments
            belong to no sector and no sector limit applies to them.
        max_sector_gross_notional_usd: gross notional limit by sector name.
        correlation: the correlation bound; None: off.
        var: the VaR limits; None: off.
        returns: how returns are sampled for ``correlation`` and ``var`` (used only when one is set).
    """

    max_account_gross_notional_usd: Decimal | None = None
    max_script_gross_notional_usd: Decimal | None = None
    scripts: dict[str, Decimal] = msgspec.field(default_factory=dict)
    account_equity_usd: Decimal | None = None
    max_leverage: Decimal | None = None
    sectors: dict[str, str] = msgspec.field(default_factory=dict)
    max_sector_gross_notional_usd: dict[str, Decimal] = msgspec.field(default_factory=dict)
    correlation: CorrelationBound | None = None
    var: VarLimit | None = None
    returns: ReturnSampling = msgspec.field(default_factory=ReturnSampling)

    @property
    def needs_returns(self) -> bool:
        """True when a rule that reads the return covariance or history is configured."""
        return self.correlation is not None or self.var is not None

    def __post_init__(self) -> None:
        for name in ("max_account_gross_notional_usd", "max_script_gross_notional_usd", "account_equity_usd",
                     "max_leverage"):
            _positive(name, getattr(self, name))
        for script, value in self.scripts.items():
            _positive(f"scripts.{script}", value)
        for sector, value in self.max_sector_gross_notional_usd.items():
            _positive(f"max_sector_gross_notional_usd.{sector}", value)
        if self.max_leverage is not None and self.account_equity_usd is None:
            raise FlowConfigError("max_leverage needs account_equity_usd (the equity leverage is measured against)")
        unknown = sorted(set(self.max_sector_gross_notional_usd) - set(self.sectors.values()))
        if unknown:
            raise FlowConfigError(f"max_sector_gross_notional_usd names sector {unknown[0]!r} that no instrument "
                                  f"in sectors belongs to")

    def script_limit(self, script_id: str) -> Decimal | None:
        """The gross notional limit of ``script_id`` in USD, or None if none applies."""
        return self.scripts.get(script_id, self.max_script_gross_notional_usd)


def portfolio_section(table: Any, where: str = "portfolio") -> PortfolioLimits:
    """Build :class:`PortfolioLimits` from a TOML table; raises :class:`ConfigError` naming ``where`` and the field."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table, got {type(table).__name__} {table!r}")
    return flow_section(exact_decimals(table), PortfolioLimits, where)


def exact_decimals(value: Any) -> Any:
    """Floats (also inside tables) become the Decimal of their shortest repr; other values pass."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {key: exact_decimals(item) for key, item in value.items()}
    return value
