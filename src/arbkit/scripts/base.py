"""The script contract: what the engine calls, in every mode (backtest, paper, live)."""

from __future__ import annotations

from typing import Protocol

from arbkit.scripts.context import ScriptContext


class Script(Protocol):
    """A user strategy. It reacts to book changes of the instruments it names and sends intents.

    ``on_book`` runs after the book of ``instrument_id`` changed (a whole venue message applied). It
    should decide quickly and return; heavy work belongs in the feature and model kernels.

    Regime gating (optional; see :mod:`arbkit.risk.regime_policy` and ``docs/regime-gating.md``): a
    script may also carry ``allowed_regimes: frozenset[str] | None`` (the regime labels in which it may
    increase risk; None or absent = not gated) and ``regime_scopes: tuple[str, ...]`` (whose regime
    applies; empty or absent = the intent's instrument, else ``"market"``). Outside the allowed regimes
    the risk gate refuses its risk-increasing intents with reason ``REGIME``; reducing ones still pass.
    They are not protocol members, so scripts that do not use them need not define them.

    Features (optional): a script may carry ``feature_set: FeatureSet``; the engine then keeps a
    feature engine for it, updated on every book message, trade and gap of the set's instruments
    before the script is called, and the script reads it as ``ctx.features`` (``vector()`` is None
    until every output is READY). The numbers equal those of ``FeatureEngine.batch`` over the same
    recording, so a model trained on the batch output sees the same inputs when it trades.
    """

    script_id: str
    instrument_ids: tuple[str, ...]

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        """React to a book update of one of :attr:`instrument_ids`."""
        ...
