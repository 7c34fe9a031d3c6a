"""Small enumerations used across layers."""

from __future__ import annotations

from enum import Enum, IntEnum


class Side(IntEnum):
    """Order or aggressor side. The integer value is the sign of the position change."""

    BUY = 1
    SELL = -1

    @property
    def opposite(self) -> "Side":
        """The other side."""
        return Side.SELL if self is Side.BUY else Side.BUY


class BookSide(IntEnum):
    """Side of the order book: bids (+1) or asks (-1)."""

    BID = 1
    ASK = -1


class InstrumentKind(str, Enum):
    """How an instrument settles, which decides how its notional and PnL are computed."""

    SPOT = "spot"
    LINEAR_PERP = "linear_perp"  # quoted and settled in the quote currency (USDT)
    INVERSE_PERP = "inverse_perp"  # quantity in USD contracts, settled in the base coin
    FUTURE = "future"  # dated, quoted and settled in the quote currency; value = price x multiplier per contract


class OrderType(str, Enum):
    """Order types the simulated and live venues accept."""

    MARKET = "market"
    LIMIT = "limit"


class TimeInForce(str, Enum):
    """How long an order may rest: good till cancel, or immediate or cancel."""

    GTC = "gtc"
    IOC = "ioc"


class OrderStatus(str, Enum):
    """Life cycle of an order in the OMS; the legal transitions are in :mod:`arbkit.oms.transitions`.

    PENDING_NEW is "submitted" (sent, not yet acknowledged), NEW is "acknowledged"; FILLED, CANCELED,
    REJECTED and EXPIRED are terminal.
    """

    PENDING_NEW = "pending_new"  # accepted by the risk gate, sent, not yet acknowledged
    NEW = "new"  # resting at the venue
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"  # rejected by the venue
    EXPIRED = "expired"  # closed by the venue because its time in force ran out

    @property
    def is_open(self) -> bool:
        """True while the order can still fill."""
        return self in (OrderStatus.PENDING_NEW, OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


class LiquiditySide(str, Enum):
    """Whether a fill added (maker) or took (taker) liquidity."""

    MAKER = "maker"
    TAKER = "taker"
