"""Small types shared by ``bench/backtest_peers.py`` and its peer modules (``bench/peer_nautilus.py``)."""

from __future__ import annotations

from dataclasses import dataclass

ARBKIT = "arbkit FastBacktest (compiled kernel, Python decisions)"
"""Row name of arbkit's contender, the baseline every peer row is compared with."""


@dataclass(frozen=True)
class Plan:
    """The strategy's parameters, shared by the three contenders."""

    levels: int = 5
    decision_every: int = 30
    """Feed batches between decisions."""
    lots: int = 1
    """Order size in lots (0.001 BTC each)."""
    latency_ns: int = 1_000_000
    """Order entry and cancel latency (ns)."""


@dataclass(frozen=True)
class Outcome:
    """What one contender's run did, comparable across the three."""

    events: int
    batches: int
    decisions: int
    python_callbacks: int
    submitted: int
    cancelled: int
    filled: int
    """Orders filled (each order is ``--lots`` lots; with 1 lot a fill is the whole order)."""
    checksum: float
    """Sum of the imbalance read after every batch (the last batches agree across contenders)."""
