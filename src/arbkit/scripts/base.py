"""The script contract: what the engine calls, in every mode (backtest, paper, live)."""

from __future__ import annotations

from typing import Protocol

from arbkit.scripts.context import ScriptContext


class Script(Protocol):
    """A user strategy. It reacts to book changes of the instruments it names and sends intents.

    ``on_book`` runs after the book of ``instrument_id`` changed (a whole venue message applied). It
    should decide quickly and return; heavy work belongs in the feature and model kernels.
    """

    script_id: str
    instrument_ids: tuple[str, ...]

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        """React to a book update of one of :attr:`instrument_ids`."""
        ...
