"""Portfolio: round trips, partial closes, flips, fees, inverse PnL, totals in USD, snapshots."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import count

import pytest

from arbkit.core.enums import LiquiditySide, Side
from arbkit.core.errors import InstrumentError
from arbkit.core.messages import Fill
from arbkit.portfolio import Portfolio, PortfolioError, PositionRow
from testkit import COINM_BTC, SPOT_BTC, USDM_BTC, registry

_ids = count(1)


def fill(instrument_id: str, side: Side, price: str, size: str, fee: str = "0") -> Fill:
    """A fill of ``size`` (base units or contracts) at ``price`` (quote), converted with the instrument."""
    inst = registry().get(instrument_id)
    return Fill(fill_id=f"T{next(_ids)}", client_order_id="c", script_id="s", model_version="v",
                instrument_id=instrument_id, side=side, price_ticks=inst.price_to_ticks(price),
                qty_lots=inst.size_to_lots(size), fee=Decimal(fee), liquidity=LiquiditySide.TAKER, ts_event=0)


def ticks(instrument_id: str, price: str) -> int:
    return registry().get(instrument_id).price_to_ticks(price)


def test_long_round_trip_realizes_exit_minus_entry_times_size() -> None:
    p = Portfolio(registry())
    p.apply_fill(fill(USDM_BTC, Side.BUY, "60000", "1.5", fee="45"))
    assert p.position_lots(USDM_BTC) == 1500 and p.average_price(USDM_BTC) == Decimal("60000")
    assert p.unrealized_pnl(USDM_BTC, ticks(USDM_BTC, "60100.5")) == Decimal("150.75")
    p.apply_fill(fill(USDM_BTC, Side.SELL, "61000.1", "1.5", fee="45.75"))
    assert p.position_lots(USDM_BTC) == 0 and p.average_price(USDM_BTC) is None
    assert p.realized_pnl(USDM_BTC) == Decimal("1500.15")
    assert p.unrealized_pnl(USDM_BTC, ticks(USDM_BTC, "1")) == 0
    assert p.fees(USDM_BTC) == Decimal("90.75")
    assert p.equity({}) == Decimal("1409.40")


def test_short_round_trip_profits_when_price_falls() -> None:
    p = Portfolio(registry())
    p.apply_fill(fill(USDM_BTC, Side.SELL, "61000", "0.5"))
    assert p.position_lots(USDM_BTC) == -500
    assert p.unrealized_pnl(USDM_BTC, ticks(USDM_BTC, "61100")) == Decimal("-50")
    p.apply_fill(fill(USDM_BTC, Side.BUY, "60000", "0.5"))
    assert p.realized_pnl(USDM_BTC) == Decimal("500")


def test_partial_close_realizes_on_closed_part_at_average_entry() -> None:
    p = Portfolio(registry())
    p.apply_fill(fill(USDM_BTC, Side.BUY, "60000", "2"))
    p.apply_fill(fill(USDM_BTC, Side.BUY, "63000", "1"))
    assert p.average_price(USDM_BTC) == Decimal("61000")
    p.apply_fill(fill(USDM_BTC, Side.SELL, "62000", "1.5"))
    assert p.realized_pnl(USDM_BTC) == Decimal("1500")
    assert p.position_lots(USDM_BTC) == 1500 and p.average_price(USDM_BTC) == Decimal("61000")
    assert p.unrealized_pnl(USDM_BTC, ticks(USDM_BTC, "60000")) == Decimal("-1500")


def test_flip_through_zero_realizes_the_closed_part_and_opens_the_rest_at_the_fill_price() -> None:
    p = Portfolio(registry())
    p.apply_fill(fill(USDM_BTC, Side.BUY, "60000", "1"))
    p.apply_fill(fill(USDM_BTC, Side.SELL, "61000", "3"))
    assert p.realized_pnl(USDM_BTC) == Decimal("1000")
    assert p.position_lots(USDM_BTC) == -2000 and p.average_price(USDM_BTC) == Decimal("61000")
    p.apply_fill(fill(USDM_BTC, Side.BUY, "60500", "2.5"))
    assert p.realized_pnl(USDM_BTC) == Decimal("2000")
    assert p.position_lots(USDM_BTC) == 500 and p.average_price(USDM_BTC) == Decimal("60500")


def test_fees_accumulate_including_rebates() -> None:
    p = Portfolio(registry())
    p.apply_fill(fill(USDM_BTC, Side.BUY, "60000", "1", fee="30"))
    p.apply_fill(fill(USDM_BTC, Side.BUY, "60000", "1", fee="-1.2"))
    p.apply_fill(fill(SPOT_BTC, Side.BUY, "60000", "0.1", fee="6.0"))
    assert p.fees(USDM_BTC) == Decimal("28.8") and p.fees(SPOT_BTC) == Decimal("6")
    assert p.total_fees() == Decimal("34.8")


def test_inverse_perp_long_pnl_matches_hand_computation_in_btc() -> None:
    p = Portfolio(registry())
    p.apply_fill(fill(COINM_BTC, Side.BUY, "60000", "10"))
    assert p.unrealized_pnl(COINM_BTC, ticks(COINM_BTC, "61000")) == Decimal(1) / Decimal(3660)
    p.apply_fill(fill(COINM_BTC, Side.SELL, "61000", "10"))
    exact = 10 * 100 * (Fraction(1, 60000) - Fraction(1, 61000))  # = 1/3660 BTC
    assert exact == Fraction(1, 3660)
    assert p.realized_pnl(COINM_BTC) == Decimal(1) / Decimal(3660)
    assert abs(Fraction(p.realized_pnl(COINM_BTC)) - exact) < Fraction(1, 10**30)


def test_inverse_perp_short_average_is_harmonic_and_unrealized_is_in_coin() -> None:
    p = Portfolio(registry())
    p.apply_fill(fill(COINM_BTC, Side.SELL, "60000", "10"))
    p.apply_fill(fill(COINM_BTC, Side.SELL, "40000", "10"))
    assert p.average_price(COINM_BTC) == Decimal("48000")  # 20 / (10/60000 + 10/40000)
    upnl = p.unrealized_pnl(COINM_BTC, ticks(COINM_BTC, "50000"))
    assert upnl == Decimal(-1) / Decimal(600)  # short: −(2000/48000 − 2000/50000) = −1/600 BTC
    assert p.equity({COINM_BTC: ticks(COINM_BTC, "50000")}) == Decimal(-250) / Decimal(3)  # −1/600 × 50000 USD


def test_inverse_fees_are_converted_to_coin_at_the_fill_price() -> None:
    p = Portfolio(registry())
    p.apply_fill(fill(COINM_BTC, Side.BUY, "50000", "10", fee="0.5"))  # 1000 USD × 5 bps
    assert p.fees(COINM_BTC) == Decimal("0.00001")
    assert p.total_fees({COINM_BTC: ticks(COINM_BTC, "60000")}) == Decimal("0.6")


def test_totals_convert_inverse_pnl_to_usd_at_the_mark_and_need_one() -> None:
    p = Portfolio(registry())
    p.apply_fill(fill(USDM_BTC, Side.BUY, "60000", "1", fee="30"))
    p.apply_fill(fill(USDM_BTC, Side.SELL, "60100", "1", fee="30.05"))
    p.apply_fill(fill(COINM_BTC, Side.BUY, "50000", "10"))
    p.apply_fill(fill(COINM_BTC, Side.SELL, "62500", "5"))  # realizes 500 × (1/50000 − 1/62500) = 0.002 BTC
    assert p.realized_pnl(COINM_BTC) == Decimal("0.002")
    marks = {COINM_BTC: ticks(COINM_BTC, "60000"), USDM_BTC: ticks(USDM_BTC, "60000")}
    assert p.total_realized(marks) == Decimal("100") + Decimal("120")
    assert p.total_unrealized(marks) == Decimal("100")  # (500/50000 − 500/60000) BTC × 60000
    assert p.equity(marks) == Decimal("100") + Decimal("120") + Decimal("100") - Decimal("60.05")
    with pytest.raises(PortfolioError, match=COINM_BTC):
        p.total_realized()
    with pytest.raises(PortfolioError, match="no mark price for BTCUSD_PERP"):
        p.total_unrealized({USDM_BTC: 1})


def test_snapshot_lists_traded_instruments_with_their_settlement_currency() -> None:
    p = Portfolio(registry())
    assert p.position_lots(SPOT_BTC) == 0 and p.realized_pnl(SPOT_BTC) == 0  # reading does not create rows
    p.apply_fill(fill(USDM_BTC, Side.SELL, "60000", "0.25", fee="7.5"))
    p.apply_fill(fill(COINM_BTC, Side.BUY, "60000", "3"))
    rows = p.snapshot({USDM_BTC: ticks(USDM_BTC, "59000")})
    assert rows == [
        PositionRow(instrument_id=USDM_BTC, settlement_currency="USDT", position_lots=-250,
                    position_size=Decimal("-0.250"), average_price=Decimal("60000"), realized_pnl=Decimal(0),
                    unrealized_pnl=Decimal("250"), fees=Decimal("7.5"), fill_count=1),
        PositionRow(instrument_id=COINM_BTC, settlement_currency="BTC", position_lots=3, position_size=Decimal("3"),
                    average_price=Decimal("60000"), realized_pnl=Decimal(0), unrealized_pnl=None, fees=Decimal(0),
                    fill_count=1),
    ]


def test_bad_fills_raise_naming_the_fill() -> None:
    p = Portfolio(registry())
    good = fill(USDM_BTC, Side.BUY, "60000", "1")
    p.apply_fill(good)
    with pytest.raises(PortfolioError, match=good.fill_id):
        p.apply_fill(good)
    zero = Fill(fill_id="Z", client_order_id="c", script_id="s", model_version="v", instrument_id=USDM_BTC,
                side=Side.BUY, price_ticks=1, qty_lots=0, fee=Decimal(0), liquidity=LiquiditySide.MAKER, ts_event=0)
    with pytest.raises(PortfolioError, match="qty_lots 0"):
        p.apply_fill(zero)
    with pytest.raises(InstrumentError, match="NOPE"):
        p.apply_fill(Fill(fill_id="N", client_order_id="c", script_id="s", model_version="v", instrument_id="NOPE",
                          side=Side.BUY, price_ticks=1, qty_lots=1, fee=Decimal(0), liquidity=LiquiditySide.MAKER,
                          ts_event=0))
    assert p.position_lots(USDM_BTC) == 1000


def test_future_pnl_and_notional_apply_the_point_value() -> None:
    from arbkit.adapters.databento.dbn import cme_future
    from arbkit.core.instruments import InstrumentRegistry

    es = cme_future("ESH4")
    book = Portfolio(InstrumentRegistry([es]))
    price = es.price_to_ticks

    def es_fill(fill_id: str, side: Side, px: str) -> Fill:
        return Fill(fill_id=fill_id, client_order_id="c", script_id="s", model_version="m", instrument_id=es.id,
                    side=side, price_ticks=price(px), qty_lots=2, fee=Decimal(0), liquidity=LiquiditySide.TAKER,
                    ts_event=1)

    assert es.notional_quote(price("4800.25"), 2) == Decimal("480025.00")  # 2 contracts x 4800.25 x 50 USD
    book.apply_fill(es_fill("f1", Side.BUY, "4800.25"))
    assert book.average_price(es.id) == Decimal("4800.25")
    assert book.unrealized_pnl(es.id, price("4801.00")) == Decimal("75")  # 0.75 points x 50 x 2
    book.apply_fill(es_fill("f2", Side.SELL, "4799.75"))
    assert book.realized_pnl(es.id) == Decimal("-50")  # -0.5 points x 50 x 2
