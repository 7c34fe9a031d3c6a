"""One instrument's position, kept in exact rational arithmetic.

Units: the position is signed lots (+ long, - short). PnL and fees are in the instrument's
settlement currency: the quote currency (USDT) for spot and linear perpetuals, the base coin (BTC)
for inverse perpetuals, where a long of ``c`` contracts of face value ``m`` USD entered at ``p0`` and
closed at ``p1`` makes ``c × m × (1/p0 − 1/p1)`` coin.

The cost basis of the open position is kept as one number so that any sequence of entries closes
exactly: for linear instruments the quote value paid (Σ size × price), for inverse ones the coin
value (Σ contracts × m / price). The average entry price is then arithmetic for linear and harmonic
for inverse instruments, as the venues compute it.

>>> from arbkit.adapters.binance.instruments import binance_registry
>>> from arbkit.core.enums import Side
>>> perp = Position(binance_registry().get("BTCUSD_PERP.BINANCE_COINM"))
>>> perp.apply(Side.BUY, price_ticks=600000, qty_lots=10)   # long 10 contracts at 60000.0
>>> perp.apply(Side.SELL, price_ticks=610000, qty_lots=10)  # close at 61000.0
>>> perp.realized == 10 * 100 * (Fraction(1, 60000) - Fraction(1, 61000))
True
"""

from __future__ import annotations

from fractions import Fraction

from arbkit.core.enums import InstrumentKind, Side
from arbkit.core.instruments import Instrument


class Position:
    """Signed position, cost basis, realized PnL and fees of one instrument (mutable, exact).

    Attributes:
        lots: signed position in lots.
        basis: cost basis of the open position (see the module docstring), >= 0; 0 when flat.
        realized: realized PnL in the settlement currency.
        fees: fees paid in the settlement currency (negative for net rebates).
        fill_count: fills applied.
    """

    __slots__ = ("instrument", "inverse", "lots", "basis", "realized", "fees", "fill_count")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.inverse = instrument.kind is InstrumentKind.INVERSE_PERP
        self.lots = 0
        self.basis = Fraction(0)
        self.realized = Fraction(0)
        self.fees = Fraction(0)
        self.fill_count = 0

    @property
    def settlement_currency(self) -> str:
        """Currency of PnL and fees: the base coin for inverse perpetuals, else the quote currency."""
        return self.instrument.base if self.inverse else self.instrument.quote

    def price(self, price_ticks: int) -> Fraction:
        """Price of ``price_ticks`` in quote currency, exactly."""
        return Fraction(self.instrument.ticks_to_price(price_ticks))

    def _basis_of(self, price_ticks: int, lots: int) -> Fraction:
        """Basis contributed by ``lots`` (> 0) entered at ``price_ticks``."""
        size = Fraction(self.instrument.lots_to_size(lots))
        if self.inverse:
            return size * Fraction(self.instrument.contract_multiplier) / self.price(price_ticks)
        return size * self.price(price_ticks) * Fraction(self.instrument.contract_multiplier)

    def _pnl_of_closing(self, basis: Fraction, price_ticks: int, lots: int) -> Fraction:
        """PnL of closing ``lots`` (> 0) of the current position, whose share of basis is ``basis``."""
        sign = 1 if self.lots > 0 else -1
        exit_value = self._basis_of(price_ticks, lots)
        return sign * (basis - exit_value) if self.inverse else sign * (exit_value - basis)

    def apply(self, side: Side, price_ticks: int, qty_lots: int, fee_quote: Fraction = Fraction(0)) -> None:
        """Apply a fill of ``qty_lots`` (> 0) at ``price_ticks``; ``fee_quote`` is in quote currency.

        Reducing the position realizes PnL on the closed lots at their share of the basis; going
        through zero closes the whole position and opens the rest at the fill price.
        """
        self.fill_count += 1
        self.fees += fee_quote / self.price(price_ticks) if self.inverse else fee_quote
        signed = int(side) * qty_lots
        if self.lots == 0 or (self.lots > 0) == (signed > 0):
            self.lots += signed
            self.basis += self._basis_of(price_ticks, qty_lots)
            return
        closing = min(qty_lots, abs(self.lots))
        closed_basis = self.basis * closing / abs(self.lots)
        self.realized += self._pnl_of_closing(closed_basis, price_ticks, closing)
        self.basis -= closed_basis
        self.lots += int(side) * closing
        opening = qty_lots - closing
        if opening:
            self.lots += int(side) * opening
            self.basis = self._basis_of(price_ticks, opening)

    def unrealized(self, mark_price_ticks: int) -> Fraction:
        """PnL in the settlement currency of closing the whole position at ``mark_price_ticks``."""
        if self.lots == 0:
            return Fraction(0)
        return self._pnl_of_closing(self.basis, mark_price_ticks, abs(self.lots))

    def average_price(self) -> Fraction | None:
        """Average entry price in quote currency (harmonic for inverse contracts), or None when flat."""
        if self.lots == 0:
            return None
        size = Fraction(self.instrument.lots_to_size(abs(self.lots)))
        if self.inverse:
            return size * Fraction(self.instrument.contract_multiplier) / self.basis
        return self.basis / (size * Fraction(self.instrument.contract_multiplier))
