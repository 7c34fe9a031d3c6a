"""Book → regime monitors → regime board: the wiring an engine calls after each book message.

Mode-agnostic: a backtest, paper or live engine calls :meth:`RegimeFeed.on_book` after it applied a
book message and *before* it calls the scripts, so an intent sent on the very message that trips a
monitor (its flash-crash guard) already meets the new regime at the risk gate.

What a monitor gets per book message of its instrument (skipped while a side is empty):

- ``mid``: ``(best bid + best ask) / 2`` in the quote currency (ticks × tick size);
- ``spread_bps``: ``(ask − bid) / mid × 10⁴`` (a guard fires on a spread wider than its limit);
- ``x``: a feature row for the monitor's classifier when the instrument has a feature source and it
  emitted one on this mid (bar close), else None.

No ``depth`` figure is passed: on the recorded Binance books the size near the touch swings by more
than 20x within seconds in a calm market, and a depth-collapse test on it (the thinner side's top five
levels against 5 % of its EWMA) fired every few seconds on the 2024-08-08 sample. A liquidity collapse
still shows as a jump of the mid or a wide spread.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from arbkit.core.errors import ConfigError
from arbkit.core.instruments import InstrumentRegistry
from arbkit.regime.events import RegimeChange
from arbkit.risk.regime_policy import check_label
from arbkit.risk.regime_state import RegimeBoard, RegimeMonitorPort
from arbkit.scripts.context import BookView


class RegimeFeatureSource(Protocol):
    """Streaming features for a monitor's classifier (:class:`arbkit.regime.vol_features.BarVolEngine` is one)."""

    def update(self, ts_ns: int, mid: float) -> np.ndarray | None:
        """Fold one mid (quote currency) at ``ts_ns``; a feature row when one is ready, else None."""
        ...


class RegimeFeed:
    """Feeds each monitored instrument's book to its regime monitor and hands the changes to the board.

    Args:
        monitors: regime monitor per instrument id; each monitor's ``scope`` is tracked on the board with
            its current label (two monitors may not share a scope).
        board: where changes go (journaled there).
        instruments: tick sizes, to turn ticks into prices.
        features: optional feature source per instrument id, for monitors with a classifier.
    """

    def __init__(self, monitors: Mapping[str, RegimeMonitorPort], board: RegimeBoard, instruments: InstrumentRegistry,
                 features: Mapping[str, RegimeFeatureSource] | None = None) -> None:
        features = dict(features or {})
        orphans = sorted(set(features) - set(monitors))
        if orphans:
            raise ConfigError(f"regime feature sources for {orphans} have no regime monitor "
                              f"(monitored: {', '.join(sorted(monitors)) or 'none'})")
        self._board = board
        self._monitors: dict[str, tuple[RegimeMonitorPort, float, RegimeFeatureSource | None]] = {}
        owners: dict[str, str] = {}
        for instrument_id, monitor in monitors.items():
            tick = float(instruments.get(instrument_id).tick_size)  # unknown id: InstrumentError naming known ones
            scope = check_label(getattr(monitor, "scope", None), f"scope of the regime monitor of {instrument_id}")
            if scope in owners:
                raise ConfigError(f"regime scope {scope!r} has two monitors (on {owners[scope]} and {instrument_id}); "
                                  "give each monitor its own scope")
            owners[scope] = instrument_id
            board.track(scope, monitor.current)
            self._monitors[instrument_id] = (monitor, tick, features.get(instrument_id))
        self.updates = 0
        """Book states fed to monitors so far."""

    @property
    def board(self) -> RegimeBoard:
        """The board the changes go to."""
        return self._board

    def instrument_ids(self) -> tuple[str, ...]:
        """Instruments with a monitor, sorted."""
        return tuple(sorted(self._monitors))

    def on_book(self, instrument_id: str, ts_ns: int, book: BookView) -> RegimeChange | None:
        """Feed ``book`` (just updated, ``instrument_id``) at ``ts_ns`` (int ns) to its monitor, if any.

        Returns the change applied to the board when the monitor's label changed; None otherwise, and
        when the instrument has no monitor or a side of the book is empty.
        """
        entry = self._monitors.get(instrument_id)
        if entry is None:
            return None
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            return None
        monitor, tick, features = entry
        mid = (bid[0] + ask[0]) * 0.5 * tick
        spread_bps = (ask[0] - bid[0]) * tick / mid * 1e4
        x = features.update(ts_ns, mid) if features is not None else None
        self.updates += 1
        change = monitor.update(ts_ns, mid, x, spread_bps=spread_bps)
        if change is not None:
            self._board.apply(change)
        return change
