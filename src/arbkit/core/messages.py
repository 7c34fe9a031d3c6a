"""Immutable messages that flow along the path of a tick.

Every market-data message carries two clocks, both int ns since the Unix epoch (UTC):

- ``ts_event``: when the venue says the event happened (exchange time);
- ``ts_recv``: when our recorder or feed handler received it (local time).

Prices are integer ticks and sizes integer lots of the message's instrument (see
:class:`arbkit.core.instruments.Instrument`); money amounts (fees, PnL) are :class:`~decimal.Decimal`.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from arbkit.core.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce

Level = tuple[int, int]
"""One book level: (price in ticks, size in lots). Size 0 deletes the level."""


class _Message(msgspec.Struct, frozen=True, kw_only=True):
    """Base of all messages: immutable, keyword-only, JSON-encodable with msgspec."""


# -- market data --------------------------------------------------------------------------------
class BookUpdate(_Message, tag="book_update"):
    """A batch of L2 level changes from one venue message (a diff, or a full snapshot).

    Attributes:
        first_update_id: venue's first update id in this batch (Binance ``U``); for a snapshot its
            ``lastUpdateId``.
        last_update_id: venue's last update id in this batch (Binance ``u``).
        prev_update_id: venue's previous batch's last id (Binance futures ``pu``), or -1 if the venue
            does not send one.
        bids, asks: levels as (price ticks, size lots); size 0 deletes the level.
        is_snapshot: True if the batch replaces the whole book.
    """

    instrument_id: str
    ts_event: int
    ts_recv: int
    first_update_id: int
    last_update_id: int
    prev_update_id: int = -1
    bids: tuple[Level, ...] = ()
    asks: tuple[Level, ...] = ()
    is_snapshot: bool = False


class Trade(_Message, tag="trade"):
    """A public trade print. ``aggressor`` is the side that took liquidity."""

    instrument_id: str
    ts_event: int
    ts_recv: int
    price_ticks: int
    size_lots: int
    aggressor: Side
    trade_id: int


class BestBidOffer(_Message, tag="bbo"):
    """Top of book as pushed by the venue (Binance ``bookTicker``). ``update_id`` is the book's update id."""

    instrument_id: str
    ts_event: int
    ts_recv: int
    bid_ticks: int
    bid_lots: int
    ask_ticks: int
    ask_lots: int
    update_id: int


class BookGap(_Message, tag="book_gap"):
    """The update-id chain broke: the book is out of sync from here until a resync.

    Attributes:
        source: file or feed name; line: 1-based line number of the offending message.
        expected_update_id: the id the chain required (previous ``u``, or ``u + 1`` on spot).
        got_first_update_id / got_prev_update_id: what the message carried (``U`` and ``pu``).
        reason: human-readable explanation.
    """

    instrument_id: str
    ts_recv: int
    source: str
    line: int
    expected_update_id: int
    got_first_update_id: int
    got_prev_update_id: int
    reason: str


# -- orders ------------------------------------------------------------------------------------
class OrderIntent(_Message, tag="intent"):
    """What a script wants to do; becomes an order only if the risk gate approves it.

    ``price_ticks`` is None for market orders. ``model_version`` and ``script_id`` trace the
    intent to the code and model that produced it; ``deployment_mode`` is the mode that version was
    deployed in when it decided (``live`` unless the lifecycle says otherwise: ``canary``, ``shadow``).
    """

    intent_id: str
    script_id: str
    model_version: str
    instrument_id: str
    side: Side
    order_type: OrderType
    qty_lots: int
    ts_created: int
    price_ticks: int | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    tag: str = ""
    deployment_mode: str = "live"


class RiskCheck(_Message):
    """One rule's verdict on one intent: the value it compared and the limit it compared against."""

    rule: str
    passed: bool
    value: str
    limit: str


class RiskDecision(_Message, tag="risk_decision"):
    """The gate's verdict on an intent. A rejection carries a reason code and the failing check."""

    intent_id: str
    script_id: str
    instrument_id: str
    ts: int
    approved: bool
    reason_code: str = ""
    detail: str = ""
    checks: tuple[RiskCheck, ...] = ()


class Order(_Message, tag="order"):
    """An order as the OMS knows it. A new state is a new ``Order`` (see ``msgspec.structs.replace``)."""

    client_order_id: str
    intent_id: str
    script_id: str
    model_version: str
    instrument_id: str
    side: Side
    order_type: OrderType
    qty_lots: int
    time_in_force: TimeInForce
    status: OrderStatus
    ts_sent: int
    ts_last: int
    price_ticks: int | None = None
    filled_lots: int = 0
    reject_reason: str = ""
    deployment_mode: str = "live"
    """The deployment mode of the model version whose intent this order is (``live``, ``canary``, ``shadow``)."""

    @property
    def open_lots(self) -> int:
        """Lots still able to fill (0 once the order is closed)."""
        return self.qty_lots - self.filled_lots if self.status.is_open else 0


class Fill(_Message, tag="fill"):
    """An execution of (part of) an order. ``fee`` is in the instrument's quote currency; negative is a rebate."""

    fill_id: str
    client_order_id: str
    script_id: str
    model_version: str
    instrument_id: str
    side: Side
    price_ticks: int
    qty_lots: int
    fee: Decimal
    liquidity: LiquiditySide
    ts_event: int
    deployment_mode: str = "live"
    """The deployment mode of the order's model version (``live``, ``canary``, ``shadow``)."""


MarketData = BookUpdate | Trade | BestBidOffer
"""Market-data messages a replay or a live feed emits."""
