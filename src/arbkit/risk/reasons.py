"""Reason codes of risk-gate rejections, and the message template of each.

A rejected :class:`~arbkit.core.messages.RiskDecision` carries ``reason_code`` = one of these values
and ``detail`` = the template filled with the failing check's value and limit.

>>> ReasonCode.MAX_ORDER_QTY.value
'MAX_ORDER_QTY'
>>> ReasonCode.MAX_ORDER_QTY.describe(value="2.5", limit="1")
'order quantity 2.5 exceeds max_order_qty 1'
>>> ReasonCode.REGIME.describe(value="regime 'dislocated' on market", limit="{calm}", script="dip")
"script dip may not increase risk in regime 'dislocated' on market (allowed regimes: {calm})"
"""

from __future__ import annotations

from enum import Enum


class ReasonCode(str, Enum):
    """Why the risk gate rejected an intent. Rules run in the order listed here."""

    KILL_SWITCH = "KILL_SWITCH"
    EXECUTION_THROTTLE = "EXECUTION_THROTTLE"
    UNKNOWN_INSTRUMENT = "UNKNOWN_INSTRUMENT"
    RESTRICTED = "RESTRICTED"
    DRAWDOWN = "DRAWDOWN"
    DAILY_LOSS = "DAILY_LOSS"
    TRADING_STATE = "TRADING_STATE"
    NO_LIMITS = "NO_LIMITS"
    INVALID_INTENT = "INVALID_INTENT"
    MAX_ORDER_QTY = "MAX_ORDER_QTY"
    REGIME = "REGIME"
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"
    PRICE_COLLAR = "PRICE_COLLAR"
    MAX_ORDER_VALUE = "MAX_ORDER_VALUE"
    MAX_POSITION = "MAX_POSITION"
    EXPOSURE_LIMIT = "EXPOSURE_LIMIT"
    LEVERAGE = "LEVERAGE"
    SECTOR_EXPOSURE = "SECTOR_EXPOSURE"
    CORRELATION_BOUND = "CORRELATION_BOUND"
    VAR_LIMIT = "VAR_LIMIT"
    DUPLICATE = "DUPLICATE"
    MAX_MESSAGES = "MAX_MESSAGES"

    def describe(self, value: str, limit: str, script: str = "") -> str:
        """Human-readable explanation naming the offending value, the limit and (where it matters) the script."""
        return _TEMPLATES[self].format(value=value, limit=limit, script=script or "unknown")


_TEMPLATES: dict[ReasonCode, str] = {
    ReasonCode.KILL_SWITCH: "kill switch is engaged ({value}); all new intents in its scope are rejected",
    ReasonCode.EXECUTION_THROTTLE: ("script {script} is disabled by the execution throttle: {value} reached "
                                    "max_fills {limit}; a person must re-enable it"),
    ReasonCode.UNKNOWN_INSTRUMENT: "instrument {value} is not in the instrument registry",
    ReasonCode.RESTRICTED: "{value} is not permitted ({limit})",
    ReasonCode.DRAWDOWN: "script {script} is under a tripped drawdown breaker: {value} (allowed: {limit})",
    ReasonCode.DAILY_LOSS: "script {script} is under a tripped daily-loss breaker: {value} (allowed: {limit})",
    ReasonCode.TRADING_STATE: "script {script} may not trade now: {value} (allowed: {limit})",
    ReasonCode.NO_LIMITS: "instrument {value} has no risk limits configured",
    ReasonCode.INVALID_INTENT: "invalid intent: {value} (expected {limit})",
    ReasonCode.DUPLICATE: "duplicate intent of script {script}: {value} (allowed: {limit})",
    ReasonCode.MAX_ORDER_QTY: "order quantity {value} exceeds max_order_qty {limit}",
    ReasonCode.REGIME: "script {script} may not increase risk in {value} (allowed regimes: {limit})",
    ReasonCode.NO_REFERENCE_PRICE: "no usable reference price: {value} (required {limit})",
    ReasonCode.PRICE_COLLAR: "limit price is {value} bps from the reference mid, beyond price_collar_bps {limit}",
    ReasonCode.MAX_ORDER_VALUE: "order notional {value} USD exceeds max_order_notional_usd {limit}",
    ReasonCode.MAX_POSITION: "worst-case position {value} would exceed max_position_qty {limit}",
    ReasonCode.EXPOSURE_LIMIT: "{value} would exceed the gross notional limit {limit} USD",
    ReasonCode.LEVERAGE: "account leverage {value} would exceed max_leverage {limit}",
    ReasonCode.SECTOR_EXPOSURE: "{value} would exceed max_sector_gross_notional_usd {limit} USD",
    ReasonCode.CORRELATION_BOUND: "order too correlated with a concentrated book: {value} (bound: {limit})",
    ReasonCode.VAR_LIMIT: "{value} would exceed the VaR limit {limit} USD",
    ReasonCode.MAX_MESSAGES: "{value} would exceed max_messages {limit}",
}
