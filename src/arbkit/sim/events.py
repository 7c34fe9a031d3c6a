"""Events the simulated venue reports back: acknowledgements, fills, cancels and rejections.

Every event carries the venue time it happened at, in int ns since the epoch. Expected failures
(unknown instrument, no liquidity left) are events with a reason code, never exceptions.
"""

from __future__ import annotations

from enum import Enum

import msgspec

from arbkit.core.messages import Fill


class VenueReason(str, Enum):
    """Why the venue canceled or rejected an order or a cancel request."""

    UNKNOWN_INSTRUMENT = "unknown_instrument"  # the instrument is not in the registry
    NO_BOOK = "no_book"  # the venue has no order book for the instrument
    INVALID_ORDER = "invalid_order"  # quantity <= 0, limit order without price, ...
    DUPLICATE_ORDER_ID = "duplicate_order_id"  # the client order id is already in use
    BOOK_SIDE_EXHAUSTED = "book_side_exhausted"  # a market order ran out of displayed liquidity
    IOC_REMAINDER = "ioc_remainder"  # the unfilled rest of an immediate-or-cancel order
    CANCELED_BY_CLIENT = "canceled_by_client"  # our cancel request reached the venue
    UNKNOWN_ORDER = "unknown_order"  # a cancel for an order that is not open at the venue


class _VenueEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Base of venue events: immutable, keyword-only, JSON-encodable with msgspec."""


class OrderAccepted(_VenueEvent, tag="order_accepted"):
    """The order reached the venue and passed its checks, at ``ts_ns``."""

    client_order_id: str
    ts_ns: int


class OrderFilled(_VenueEvent, tag="order_filled"):
    """(Part of) an order executed. ``leaves_lots`` is what is still unfilled after this fill."""

    fill: Fill
    leaves_lots: int


class OrderCanceled(_VenueEvent, tag="order_canceled"):
    """The open rest of an order (``canceled_lots``) was canceled at ``ts_ns``, for ``reason``."""

    client_order_id: str
    ts_ns: int
    reason: VenueReason
    canceled_lots: int
    detail: str = ""


class OrderRejected(_VenueEvent, tag="order_rejected"):
    """The venue refused the order at arrival; nothing of it ever rested or filled."""

    client_order_id: str
    ts_ns: int
    reason: VenueReason
    detail: str = ""


class CancelRejected(_VenueEvent, tag="cancel_rejected"):
    """A cancel request reached the venue but the order was not open there (filled, canceled or unknown)."""

    client_order_id: str
    ts_ns: int
    reason: VenueReason
    detail: str = ""


VenueEvent = OrderAccepted | OrderFilled | OrderCanceled | OrderRejected | CancelRejected
"""Any event :class:`arbkit.sim.venue.SimulatedVenue` returns."""
