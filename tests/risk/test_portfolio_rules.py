"""Account-level rules: each denies with its reason code just outside its limit and passes just inside."""

from __future__ import annotations

import numpy as np
import pytest
from portfolio_helpers import (
    BTC_LOTS_PER_UNIT,
    ETH_LOTS_PER_UNIT,
    ETH_SPOT,
    REGISTRY,
    ScriptExposure,
    context,
    limits,
    order,
    two_mid_market,
)
from risk_helpers import StaticExposure
from testkit import SPOT_BTC

from arbkit.core.enums import Side
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.rules_portfolio import (
    CorrelationBoundRule,
    ExposureLimitRule,
    LeverageRule,
    SectorExposureRule,
    VarLimitRule,
    portfolio_rules,
)
from arbkit.risk.var import EwmaCovariance, ReturnWindow

TENTH_BTC = BTC_LOTS_PER_UNIT // 10  # 6000 USD at 60000
TWO_ETH = 2 * ETH_LOTS_PER_UNIT  # 6000 USD at 3000


class FixedCovariance:
    """A covariance source with a known Σ."""

    def __init__(self, sigma: list[list[float]]) -> None:
        self.instrument_ids = (SPOT_BTC, ETH_SPOT)
        self._sigma = np.array(sigma)

    def get(self) -> np.ndarray:
        return self._sigma


def test_rules_without_configured_limits_pass() -> None:
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, 100 * BTC_LOTS_PER_UNIT)
    intent = order(SPOT_BTC, 100 * BTC_LOTS_PER_UNIT)
    for rule in portfolio_rules(limits(), REGISTRY):
        assert rule.check(intent, context(intent, book)).passed, rule.name


def test_script_exposure_counts_in_flight_orders_and_passes_at_the_limit() -> None:
    rule = ExposureLimitRule(limits(max_script_gross_notional_usd=12000), REGISTRY)
    book = ScriptExposure()
    book.send("s1", SPOT_BTC, Side.BUY, TENTH_BTC)  # in flight: 6000 USD
    book.hold("s2", SPOT_BTC, 10 * TENTH_BTC)  # another script's position does not count
    inside = order(SPOT_BTC, TENTH_BTC)
    check = rule.check(inside, context(inside, book))
    assert check.passed and check.value.startswith("script s1 gross notional 12000.00 USD") and check.limit == "12000.00"
    outside = order(SPOT_BTC, TENTH_BTC + 1)
    check = rule.check(outside, context(outside, book))
    assert not check.passed and rule.reason is ReasonCode.EXPOSURE_LIMIT
    assert "12000.00" in ReasonCode.EXPOSURE_LIMIT.describe(check.value, check.limit)


def test_per_script_limit_overrides_the_default() -> None:
    rule = ExposureLimitRule(limits(max_script_gross_notional_usd=100000, scripts={"s1": 6000}), REGISTRY)
    intent = order(SPOT_BTC, TENTH_BTC + 1)
    assert not rule.check(intent, context(intent, ScriptExposure())).passed
    other = order(SPOT_BTC, TENTH_BTC + 1, script_id="s2")
    assert rule.check(other, context(other, ScriptExposure())).passed


def test_account_exposure_sums_scripts_and_instruments() -> None:
    rule = ExposureLimitRule(limits(max_account_gross_notional_usd=18000), REGISTRY)
    book = ScriptExposure()
    book.hold("s2", ETH_SPOT, -TWO_ETH)  # short 6000 USD counts gross
    book.send("s3", SPOT_BTC, Side.BUY, TENTH_BTC)
    assert rule.check(order(SPOT_BTC, TENTH_BTC), context(order(SPOT_BTC, TENTH_BTC), book)).passed
    outside = order(SPOT_BTC, TENTH_BTC + 1)
    check = rule.check(outside, context(outside, book))
    assert not check.passed and check.value.startswith("account gross notional 18000.00")


def test_account_over_its_limit_may_still_reduce() -> None:
    rule = ExposureLimitRule(limits(max_account_gross_notional_usd=1000), REGISTRY)
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, TENTH_BTC)
    reduce = order(SPOT_BTC, TENTH_BTC // 2, side=Side.SELL)
    assert rule.check(reduce, context(reduce, book)).passed
    flip = order(SPOT_BTC, 2 * TENTH_BTC + 1, side=Side.SELL)
    assert not rule.check(flip, context(flip, book)).passed


def test_exposure_without_a_mark_or_per_script_view_fails_closed() -> None:
    rule = ExposureLimitRule(limits(max_script_gross_notional_usd=10**9), REGISTRY)
    book = ScriptExposure()
    book.hold("s1", ETH_SPOT, TWO_ETH)
    market = two_mid_market()
    del market.mids[ETH_SPOT]
    intent = order(SPOT_BTC, 1)
    check = rule.check(intent, context(intent, book, market))
    assert not check.passed and ETH_SPOT in check.value
    check = rule.check(intent, context(intent, StaticExposure()))
    assert not check.passed and "per-script" in check.value


def test_leverage_is_gross_over_configured_equity() -> None:
    rule = LeverageRule(limits(account_equity_usd=10000, max_leverage="1.2"), REGISTRY)
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, TENTH_BTC)
    inside = order(ETH_SPOT, TWO_ETH)
    check = rule.check(inside, context(inside, book))
    assert check.passed and check.value.startswith("1.2000 ")
    outside = order(ETH_SPOT, TWO_ETH + ETH_LOTS_PER_UNIT // 1000)
    check = rule.check(outside, context(outside, book))
    assert not check.passed and rule.reason is ReasonCode.LEVERAGE and check.limit == "1.2"


def test_sector_exposure_counts_only_the_sector() -> None:
    table = {"sectors": {SPOT_BTC: "btc", ETH_SPOT: "eth"}, "max_sector_gross_notional_usd": {"btc": 12000}}
    rule = SectorExposureRule(limits(**table), REGISTRY)
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, TENTH_BTC)
    book.hold("s1", ETH_SPOT, 100 * TWO_ETH)
    inside = order(SPOT_BTC, TENTH_BTC)
    assert rule.check(inside, context(inside, book)).passed
    outside = order(SPOT_BTC, TENTH_BTC + 1)
    check = rule.check(outside, context(outside, book))
    assert not check.passed and rule.reason is ReasonCode.SECTOR_EXPOSURE and "sector btc" in check.value
    eth = order(ETH_SPOT, TWO_ETH)
    assert rule.check(eth, context(eth, book)).passed  # no limit on sector eth


@pytest.mark.parametrize(("max_correlation", "passed"), [("0.81", True), ("0.79", False)])
def test_correlation_bound_with_a_known_covariance(max_correlation: str, passed: bool) -> None:
    """σ = 1 % for both, correlation 0.8; book long 6000 USD BTC, order buys 6000 USD ETH:
    ρ = 36e6 × 0.8e-4 / (60 × 60) = 0.8, concentration after = (36e6 + 36e6) / 12000² = 0.5."""
    bound = {"max_correlation": max_correlation, "max_concentration": "0.4"}
    rule = CorrelationBoundRule(limits(correlation=bound), REGISTRY, FixedCovariance([[1e-4, 0.8e-4], [0.8e-4, 1e-4]]))
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, TENTH_BTC)
    intent = order(ETH_SPOT, TWO_ETH)
    check = rule.check(intent, context(intent, book))
    assert check.passed is passed and check.value == "correlation 0.8000, concentration 0.5000"
    assert rule.reason is ReasonCode.CORRELATION_BOUND


def test_correlation_bound_ignores_a_diversified_book() -> None:
    bound = {"max_correlation": "0.5", "max_concentration": "0.5"}  # concentration 0.5 is not above
    rule = CorrelationBoundRule(limits(correlation=bound), REGISTRY, FixedCovariance([[1e-4, 0.8e-4], [0.8e-4, 1e-4]]))
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, TENTH_BTC)
    intent = order(ETH_SPOT, TWO_ETH)
    assert rule.check(intent, context(intent, book)).passed


def test_correlation_bound_without_covariance_fails_closed() -> None:
    bound = {"max_correlation": "0.5", "max_concentration": "0.5"}
    rule = CorrelationBoundRule(limits(correlation=bound), REGISTRY, EwmaCovariance([SPOT_BTC, ETH_SPOT], decay=0.9))
    intent = order(ETH_SPOT, TWO_ETH)
    assert not rule.check(intent, context(intent, ScriptExposure())).passed


def test_sources_not_ready_refuse_adding_exposure_and_pass_reducing_intents() -> None:
    bound = {"max_correlation": "0.5", "max_concentration": "0.5"}
    var = {"max_parametric_var_usd": 100, "max_historical_var_usd": 100}
    cov = EwmaCovariance([SPOT_BTC, ETH_SPOT], decay=0.9)  # never updated: not ready
    window = ReturnWindow([SPOT_BTC, ETH_SPOT], 50)
    rules = (CorrelationBoundRule(limits(correlation=bound), REGISTRY, cov),
             VarLimitRule(limits(var=var), REGISTRY, cov, window))
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, TENTH_BTC)
    sell, buy = order(SPOT_BTC, TENTH_BTC // 2, side=Side.SELL), order(SPOT_BTC, TENTH_BTC // 2, n=2)
    for rule in rules:
        reduced, added = rule.check(sell, context(sell, book)), rule.check(buy, context(buy, book))
        assert reduced.passed and "intent reduces" in reduced.value, reduced
        assert not added.passed and "intent increases" in added.value, added
    assert "no return covariance yet" in rules[0].check(buy, context(buy, book)).value


# σ = 1 % and 2 %, correlation 0.5. Book long 6000 USD BTC; buying 6000 USD ETH gives
# wᵀΣw = 36e6 × (1e-4 + 4e-4 + 2 × 1e-4) = 25200, VaR(99 %) = 2.3263479 × 158.745079 = 369.2963 USD.
VAR_SIGMA = [[1e-4, 1e-4], [1e-4, 4e-4]]


@pytest.mark.parametrize(("limit_usd", "passed"), [("369.30", True), ("369.29", False)])
def test_parametric_var_with_the_order_against_its_limit(limit_usd: str, passed: bool) -> None:
    rule = VarLimitRule(limits(var={"max_parametric_var_usd": limit_usd}), REGISTRY, FixedCovariance(VAR_SIGMA))
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, TENTH_BTC)
    intent = order(ETH_SPOT, TWO_ETH)
    check = rule.check(intent, context(intent, book))
    assert check.passed is passed and check.value.startswith("parametric VaR(0.99, 1 intervals) 369.30 USD")
    assert "(before the order 139.58 USD)" in check.value and rule.reason is ReasonCode.VAR_LIMIT


def test_parametric_var_over_the_limit_may_still_reduce() -> None:
    rule = VarLimitRule(limits(var={"max_parametric_var_usd": 1}), REGISTRY, FixedCovariance(VAR_SIGMA))
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, TENTH_BTC)
    hedge = order(SPOT_BTC, TENTH_BTC // 2, side=Side.SELL)
    assert rule.check(hedge, context(hedge, book)).passed
    more = order(SPOT_BTC, 1)
    assert not rule.check(more, context(more, book)).passed


def _window(rows: list[tuple[float, float]]) -> ReturnWindow:
    window = ReturnWindow([SPOT_BTC, ETH_SPOT], size=100)
    for row in rows:
        window.update(row)
    return window


@pytest.mark.parametrize(("limit_usd", "passed"), [("420.01", True), ("419.99", False)])
def test_historical_var_with_the_order_against_its_limit(limit_usd: str, passed: bool) -> None:
    """20 returns, one crash (−5 %, −2 %): the 5 % lower quantile is the crash; 6000 USD of each loses 420 USD."""
    window = _window([(-0.05, -0.02)] + [(0.01, 0.01)] * 19)
    var = {"max_historical_var_usd": limit_usd, "confidence": "0.95"}
    rule = VarLimitRule(limits(var=var), REGISTRY, returns=window)
    book = ScriptExposure()
    book.hold("s1", SPOT_BTC, TENTH_BTC)
    intent = order(ETH_SPOT, TWO_ETH)
    check = rule.check(intent, context(intent, book))
    assert check.passed is passed and "420.00 USD (before the order 300.00 USD)" in check.value


def test_historical_var_with_too_short_a_history_fails_closed() -> None:
    rule = VarLimitRule(limits(var={"max_historical_var_usd": 10**6}), REGISTRY,
                        returns=_window([(0.01, 0.01)] * 19))
    intent = order(ETH_SPOT, 1)
    check = rule.check(intent, context(intent, ScriptExposure()))
    assert not check.passed and "min_history 20" in check.value


def test_exposure_on_an_unknown_instrument_fails_closed() -> None:
    rule = ExposureLimitRule(limits(max_account_gross_notional_usd=10**9), REGISTRY)
    book = ScriptExposure()
    book.hold("s1", "NOPE.X", 5)
    intent = order(SPOT_BTC, 1)
    check = rule.check(intent, context(intent, book))
    assert not check.passed and "unknown instrument 'NOPE.X'" in check.value
