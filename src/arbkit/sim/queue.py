"""Queue-position models: where our resting limit order stands in its price level's queue.

The recorded L2 book shows only the total displayed size of a level (our orders are never in it). When
our order rests it joins *behind* the displayed size at its price; the model then estimates how many
lots are still ahead of us (``ahead_lots``) as the level changes:

- a public trade at our price takes the lots ahead first (every model);
- a decrease of the level that no trade explains (cancels) moves us up or not, depending on the model;
- an increase (orders joining) is behind us and never moves us back.

Once nothing is ahead, trades at our price fill us (see :mod:`arbkit.sim.maker`).

Models (``SimVenueConfig.queue_model``):

- ``through_only`` (:class:`ThroughOnlyQueue`, the default): no queue tracking; a resting order fills
  only on trades strictly *through* its price. The most conservative, and what the engine did before
  queue models existed.
- ``risk_averse`` (:class:`RiskAverseQueue`, like hftbacktest's ``RiskAdverseQueueModel``): only trades
  move us up; cancels are assumed to be behind us. The one exception is physical: we can never have more
  lots ahead than the level displays, so ``ahead_lots`` is capped at the level's size.
- ``probabilistic`` (:class:`ProbQueue`, like hftbacktest's ``ProbQueueModel`` with
  ``PowerProbQueueFunc(n)``): a decrease is split between ahead and behind us; with ``f(x) = x ** n``,
  the share behind is ``p = f(back) / (f(back) + f(front))``, so a decrease of ``chg`` lots moves us up
  by ``(1 - p) × chg``, plus whatever ``back`` cannot absorb.

>>> pos = RiskAverseQueue().join(level_lots=30)
>>> RiskAverseQueue().on_trade(pos, 20); pos.ahead_lots
10.0
>>> prob = ProbQueue(power=2.0)
>>> pos = prob.join(level_lots=30)
>>> prob.on_level(pos, new_level_lots=50)  # 20 joined behind us
>>> prob.on_level(pos, new_level_lots=40)  # 10 canceled: p = 20² / (20² + 30²) of it behind us
>>> round(pos.ahead_lots, 3)
23.077
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from arbkit.core.errors import ConfigError

QUEUE_MODEL_NAMES = ("through_only", "risk_averse", "probabilistic")
"""Names accepted by ``SimVenueConfig.queue_model``."""


@dataclass(slots=True)
class QueuePosition:
    """Estimated place of one resting order in its level's queue.

    Attributes:
        ahead_lots: estimated lots of other orders ahead of ours (>= 0; a float for the probabilistic model).
        level_lots: displayed size of the level in lots when the book last showed it (others' orders only).
        traded_lots: lots traded at our price since the book last showed the level; a later decrease of
            the level by that much is the trades, not cancels (hftbacktest subtracts it the same way).
    """

    ahead_lots: float
    level_lots: int
    traded_lots: int = 0


class QueueModel(Protocol):
    """How a resting order's queue position evolves. ``tracks_queue`` False: fill only on through trades."""

    name: str
    tracks_queue: bool

    def join(self, level_lots: int) -> QueuePosition:
        """Position of an order joining a level that displays ``level_lots`` lots: behind all of them."""
        ...

    def on_trade(self, pos: QueuePosition, lots: int) -> None:
        """A public trade of ``lots`` at our price: it takes the lots ahead of us first."""
        ...

    def on_level(self, pos: QueuePosition, new_level_lots: int) -> None:
        """The book now shows ``new_level_lots`` lots at our price (after a recorded update)."""
        ...


class _TradesMoveUs:
    """Shared part: join behind the displayed size; trades at our price take the lots ahead first."""

    tracks_queue = True

    def join(self, level_lots: int) -> QueuePosition:
        return QueuePosition(ahead_lots=float(level_lots), level_lots=level_lots)

    def on_trade(self, pos: QueuePosition, lots: int) -> None:
        pos.ahead_lots = max(0.0, pos.ahead_lots - lots)
        pos.traded_lots += lots


class ThroughOnlyQueue(_TradesMoveUs):
    """No queue model: a resting order fills only on trades strictly through its price (the default)."""

    name = "through_only"
    tracks_queue = False

    def on_level(self, pos: QueuePosition, new_level_lots: int) -> None:
        pos.level_lots, pos.traded_lots = new_level_lots, 0

    def __repr__(self) -> str:
        return "ThroughOnlyQueue()"


class RiskAverseQueue(_TradesMoveUs):
    """Only trades move us up; level decreases are cancels behind us (capped: ahead <= displayed)."""

    name = "risk_averse"

    def on_level(self, pos: QueuePosition, new_level_lots: int) -> None:
        pos.ahead_lots = min(pos.ahead_lots, float(new_level_lots))
        pos.level_lots, pos.traded_lots = new_level_lots, 0

    def __repr__(self) -> str:
        return "RiskAverseQueue()"


class ProbQueue(_TradesMoveUs):
    """A level decrease not explained by trades is split between ahead and behind us, by ``f(x) = x ** power``.

    Args:
        power: exponent ``n`` of ``f``, a finite float > 0 (``queue_power``). ``n = 1`` splits a decrease
            in proportion to the lots on each side of us; a larger ``n`` sends it more sharply to the
            longer side (near the back of the queue nearly all ahead of us, near the front nearly all
            behind).
    """

    name = "probabilistic"

    def __init__(self, power: float = 2.0) -> None:
        if isinstance(power, bool) or not isinstance(power, (int, float)) or not math.isfinite(power) or power <= 0:
            raise ConfigError(f"queue_power {power!r} must be a finite number > 0")
        self.power = float(power)

    def prob_behind(self, front: float, back: float) -> float:
        """Share of a decrease that happened behind us: ``f(back) / (f(back) + f(front))`` (1 if both are 0)."""
        fb, ff = back ** self.power, front ** self.power
        total = fb + ff
        return 1.0 if total == 0 or not math.isfinite(total) else fb / total

    def on_level(self, pos: QueuePosition, new_level_lots: int) -> None:
        prev = pos.level_lots
        change = prev - new_level_lots - pos.traded_lots  # lots that left the level other than by trades
        remaining_before = max(0, prev - pos.traded_lots)  # displayed lots still there before the change
        pos.level_lots, pos.traded_lots = new_level_lots, 0
        if change <= 0:  # growth (or exactly the trades): joiners are behind us
            pos.ahead_lots = min(pos.ahead_lots, float(new_level_lots))
            return
        front = pos.ahead_lots
        back = max(0.0, remaining_before - front)
        p = self.prob_behind(front, back)
        estimate = front - (1.0 - p) * change + min(back - p * change, 0.0)
        pos.ahead_lots = max(0.0, min(estimate, float(new_level_lots)))

    def __repr__(self) -> str:
        return f"ProbQueue(power={self.power})"


def queue_model(name: str, power: float = 2.0) -> QueueModel:
    """The queue model called ``name`` (one of :data:`QUEUE_MODEL_NAMES`); ``power`` is for ``probabilistic``."""
    if name == "through_only":
        return ThroughOnlyQueue()
    if name == "risk_averse":
        return RiskAverseQueue()
    if name == "probabilistic":
        return ProbQueue(power)
    raise ConfigError(f"queue_model {name!r} is not one of {', '.join(QUEUE_MODEL_NAMES)}")
