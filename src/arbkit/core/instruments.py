"""Venues and instruments, and exact conversion of prices and quantities to integer ticks and lots.

Inside arbkit an order's price is an ``int`` number of ticks and its quantity an ``int`` number of
lots of its instrument; :class:`decimal.Decimal` is used only at the edges (reports, configs).

>>> from decimal import Decimal
>>> btc = Instrument(venue="BINANCE_USDM", symbol="BTCUSDT", base="BTC", quote="USDT",
...                  kind=InstrumentKind.LINEAR_PERP, tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
>>> btc.price_to_ticks("61800.20")
618002
>>> btc.notional_quote(618002, 1500)  # 1.5 BTC at 61800.2 USDT
Decimal('92700.3000')
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property

import msgspec

from arbkit.core.decimal_text import ScaledParser, decimals_of, scaled_to_decimal, text_to_scaled
from arbkit.core.enums import InstrumentKind
from arbkit.core.errors import InstrumentError


class Instrument(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """A tradable instrument on one venue.

    Attributes:
        venue: venue code, e.g. ``"BINANCE_SPOT"``.
        symbol: the venue's symbol, e.g. ``"BTCUSDT"``.
        base: base asset (``"BTC"``).
        quote: quote currency prices are expressed in (``"USDT"``, ``"USD"``).
        kind: spot, linear perpetual or inverse perpetual.
        tick_size: price increment in quote currency.
        lot_size: quantity increment, in base units (spot, linear) or contracts (inverse).
        contract_multiplier: for inverse contracts the USD face value of one contract
            (100 for BTCUSD_PERP, 10 for ETHUSD_PERP); for futures the quote-currency value of one
            price point per contract (50 for CME ES); 1 for spot and linear perpetuals.
    """

    venue: str
    symbol: str
    base: str
    quote: str
    kind: InstrumentKind
    tick_size: Decimal
    lot_size: Decimal
    contract_multiplier: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if self.tick_size <= 0 or self.lot_size <= 0 or self.contract_multiplier <= 0:
            raise InstrumentError(
                f"{self.venue}:{self.symbol}: tick_size {self.tick_size}, lot_size {self.lot_size} and "
                f"contract_multiplier {self.contract_multiplier} must all be > 0"
            )

    @property
    def id(self) -> str:
        """Instrument id ``SYMBOL.VENUE``, unique across venues (``"BTCUSDT.BINANCE_SPOT"``)."""
        return f"{self.symbol}.{self.venue}"

    @cached_property
    def price_decimals(self) -> int:
        """Decimal places of ``tick_size``."""
        return decimals_of(self.tick_size)

    @cached_property
    def size_decimals(self) -> int:
        """Decimal places of ``lot_size``."""
        return decimals_of(self.lot_size)

    @cached_property
    def _tick_units(self) -> int:
        return int(self.tick_size.scaleb(self.price_decimals))

    @cached_property
    def _lot_units(self) -> int:
        return int(self.lot_size.scaleb(self.size_decimals))

    @cached_property
    def price_parser(self) -> ScaledParser:
        """Fast exact parser of price text into ticks (used on the per-message path)."""
        return ScaledParser(self.price_decimals, self._tick_units)

    @cached_property
    def size_parser(self) -> ScaledParser:
        """Fast exact parser of size text into lots (used on the per-message path)."""
        return ScaledParser(self.size_decimals, self._lot_units)

    # -- exact conversions -------------------------------------------------------------------
    def price_to_ticks(self, price: str | Decimal) -> int:
        """Convert a price (decimal text or Decimal) to integer ticks; raises if not on the tick grid."""
        scaled = self._scaled(price, self.price_decimals, "price")
        ticks, remainder = divmod(scaled, self._tick_units)
        if remainder:
            raise InstrumentError(f"{self.id}: price {price} is not a multiple of tick size {self.tick_size}")
        return ticks

    def size_to_lots(self, size: str | Decimal) -> int:
        """Convert a quantity (decimal text or Decimal) to integer lots; raises if not on the lot grid."""
        scaled = self._scaled(size, self.size_decimals, "size")
        lots, remainder = divmod(scaled, self._lot_units)
        if remainder:
            raise InstrumentError(f"{self.id}: size {size} is not a multiple of lot size {self.lot_size}")
        return lots

    def ticks_to_price(self, ticks: int) -> Decimal:
        """Price in quote currency of ``ticks``."""
        return scaled_to_decimal(ticks * self._tick_units, self.price_decimals)

    def lots_to_size(self, lots: int) -> Decimal:
        """Quantity (base units or contracts) of ``lots``."""
        return scaled_to_decimal(lots * self._lot_units, self.size_decimals)

    def notional_quote(self, price_ticks: int, size_lots: int) -> Decimal:
        """Value of ``size_lots`` at ``price_ticks`` in the quote currency (USDT or USD).

        For inverse contracts this is the face value in USD (contracts × multiplier), which does not
        depend on the price; otherwise price × quantity × multiplier (the multiplier is 1 for spot and
        linear perpetuals, the point value for futures).
        """
        if self.kind is InstrumentKind.INVERSE_PERP:
            return self.lots_to_size(size_lots) * self.contract_multiplier
        return self.ticks_to_price(price_ticks) * self.lots_to_size(size_lots) * self.contract_multiplier

    def _scaled(self, value: str | Decimal, decimals: int, what: str) -> int:
        text = format(value, "f") if isinstance(value, Decimal) else value
        try:
            return text_to_scaled(text, decimals)
        except ValueError as exc:
            raise InstrumentError(f"{self.id}: {what} {value!r} is not exact at {decimals} decimals: {exc}") from exc


class InstrumentRegistry:
    """Instruments by id. Built once by the composition root and passed to whoever needs it."""

    def __init__(self, instruments: list[Instrument] | tuple[Instrument, ...] = ()) -> None:
        self._by_id: dict[str, Instrument] = {}
        for instrument in instruments:
            self.add(instrument)

    def add(self, instrument: Instrument) -> None:
        """Register ``instrument``; raises if another one already has its id."""
        if instrument.id in self._by_id and self._by_id[instrument.id] != instrument:
            raise InstrumentError(f"instrument {instrument.id} is already registered with other parameters")
        self._by_id[instrument.id] = instrument

    def get(self, instrument_id: str) -> Instrument:
        """The instrument with ``instrument_id``; raises :class:`InstrumentError` naming known ids."""
        try:
            return self._by_id[instrument_id]
        except KeyError:
            known = ", ".join(sorted(self._by_id)) or "none"
            raise InstrumentError(f"unknown instrument {instrument_id!r}; known: {known}") from None

    def __contains__(self, instrument_id: object) -> bool:
        return instrument_id in self._by_id

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)
