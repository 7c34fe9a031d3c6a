"""A market order against a real Binance USDⓈ-M snapshot from the shipped sample."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

from arbkit.book.order_book import OrderBook
from arbkit.core.enums import Side
from arbkit.core.time import SimulatedClock
from arbkit.sim import OrderFilled, SimulatedVenue, SimVenueConfig
from simkit import order
from testkit import USDM_BTC, registry, sample_file


def _first_snapshot() -> dict:  # type: ignore[type-arg]
    with gzip.open(sample_file("binance_usdm_btcusdt_20240808.gz"), "rt") as lines:
        for line in lines:
            _, payload = line.split(" ", 1)
            if '"lastUpdateId"' in payload:
                return json.loads(payload)
    raise AssertionError("the sample has no REST snapshot line")


def test_five_btc_market_buy_on_the_real_snapshot_matches_an_independent_vwap() -> None:
    snapshot = _first_snapshot()
    btc = registry().get(USDM_BTC)
    book = OrderBook(USDM_BTC)
    book.apply_snapshot(
        bids=[(btc.price_to_ticks(p), btc.size_to_lots(s)) for p, s in snapshot["bids"]],
        asks=[(btc.price_to_ticks(p), btc.size_to_lots(s)) for p, s in snapshot["asks"]],
    )
    venue = SimulatedVenue(registry(), {USDM_BTC: book}, SimVenueConfig(order_latency_ns=0), SimulatedClock(0))
    venue.submit(order("big", Side.BUY, btc.size_to_lots("5")))
    got = [e.fill for e in venue.process(0) if isinstance(e, OrderFilled)]

    # Independent: walk the JSON asks in Decimal, cheapest first.
    want_qty, cost, remaining = Decimal(5), Decimal(0), Decimal(5)
    for price, size in sorted(((Decimal(p), Decimal(s)) for p, s in snapshot["asks"]), key=lambda r: r[0]):
        take = min(remaining, size)
        cost += take * price
        remaining -= take
        if remaining == 0:
            break
    assert remaining == 0
    expected_vwap = cost / want_qty

    filled_qty = sum(btc.lots_to_size(f.qty_lots) for f in got)
    notional = sum(btc.ticks_to_price(f.price_ticks) * btc.lots_to_size(f.qty_lots) for f in got)
    assert filled_qty == want_qty
    assert notional / filled_qty == expected_vwap
    assert len(got) > 1  # 5 BTC is deeper than the best ask of this snapshot
    assert btc.ticks_to_price(got[0].price_ticks) == Decimal(snapshot["asks"][0][0])
    assert sum(f.fee for f in got) == notional * 5 / 10000  # USDⓈ-M taker 5 bps
