"""Property: starting from an empty book, approved orders never take a script's or the account's gross
notional above its limit, whatever mix of in-flight orders, fills and cancels comes between them."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from portfolio_helpers import BTC_LOTS_PER_UNIT, ETH_LOTS_PER_UNIT, ETH_SPOT, REGISTRY, ScriptExposure, context, order
from portfolio_helpers import limits as portfolio_limits
from testkit import SPOT_BTC

from arbkit.core.enums import Side
from arbkit.risk.rules_portfolio import ExposureLimitRule, account_book, script_book

SCRIPT_LIMIT = Decimal(15000)
ACCOUNT_LIMIT = Decimal(25000)
LOTS = {SPOT_BTC: BTC_LOTS_PER_UNIT // 100, ETH_SPOT: ETH_LOTS_PER_UNIT // 10}  # 600 and 300 USD steps

steps = st.lists(st.tuples(st.sampled_from(["order", "fill", "cancel"]), st.sampled_from(["s1", "s2", "s3"]),
                           st.sampled_from([SPOT_BTC, ETH_SPOT]), st.sampled_from([Side.BUY, Side.SELL]),
                           st.integers(1, 40)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_approved_exposure_never_exceeds_its_limit(script_steps: list[tuple[str, str, str, Side, int]]) -> None:
    rule = ExposureLimitRule(portfolio_limits(max_script_gross_notional_usd=SCRIPT_LIMIT,
                                              max_account_gross_notional_usd=ACCOUNT_LIMIT), REGISTRY)
    book = ScriptExposure()
    for n, (action, script, instrument_id, side, units) in enumerate(script_steps):
        key = (script, instrument_id, side)
        if action == "order":
            intent = order(instrument_id, units * LOTS[instrument_id], side=side, script_id=script, n=n)
            if rule.check(intent, context(intent, book)).passed:
                book.send(script, instrument_id, side, intent.qty_lots)  # in flight from approval on
        elif action == "fill" and book.working.get(key, 0):
            lots = min(book.working[key], units * LOTS[instrument_id])
            book.working[key] -= lots
            book.hold(script, instrument_id, int(side) * lots)
        elif action == "cancel":
            book.working[key] = 0
        probe = order(SPOT_BTC, 1, script_id=script)
        ctx = context(probe, book)
        assert script_book(probe, ctx, REGISTRY).total_gross_usd() <= SCRIPT_LIMIT
        assert account_book(probe, ctx, REGISTRY).total_gross_usd() <= ACCOUNT_LIMIT
