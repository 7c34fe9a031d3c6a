"""Deployment modes of a model version, and the moves between them.

- ``shadow``: predictions and intents are computed and journaled, never sent; they are filled
  hypothetically by the venue simulator's fill model and scored against what the market then did.
- ``canary``: live, with a capital cap and tighter risk limits.
- ``live``: live with the script's full limits.
- ``retired``: no longer runs (promoted past, rolled back, or withdrawn).

>>> can_move(DeploymentMode.SHADOW, DeploymentMode.CANARY)
True
>>> can_move(DeploymentMode.RETIRED, DeploymentMode.LIVE)
False
"""

from __future__ import annotations

from enum import Enum

from arbkit.core.errors import ArbkitError


class DeploymentMode(str, Enum):
    """Mode of one deployed model version (the value is what journals and files hold)."""

    SHADOW = "shadow"
    CANARY = "canary"
    LIVE = "live"
    RETIRED = "retired"

    @property
    def sends_orders(self) -> bool:
        """True for the modes whose intents go to the risk gate and a venue (canary, live)."""
        return self in (DeploymentMode.CANARY, DeploymentMode.LIVE)


class LifecycleError(ArbkitError):
    """A lifecycle request that cannot be carried out (an illegal move, an unknown version, a bad policy)."""


class PermissionDeniedError(LifecycleError):
    """A person asked for an action their roles do not allow; names the person, the action and the roles needed."""


_MOVES: dict[DeploymentMode, frozenset[DeploymentMode]] = {
    DeploymentMode.SHADOW: frozenset({DeploymentMode.CANARY, DeploymentMode.RETIRED}),
    DeploymentMode.CANARY: frozenset({DeploymentMode.LIVE, DeploymentMode.SHADOW, DeploymentMode.RETIRED}),
    DeploymentMode.LIVE: frozenset({DeploymentMode.RETIRED, DeploymentMode.SHADOW}),
    DeploymentMode.RETIRED: frozenset({DeploymentMode.SHADOW}),
}
"""Allowed moves. A rollback restores the last stable version to ``live`` from ``retired``; that move is
:func:`can_restore`, allowed only to the rollback, never to a promotion."""


def can_move(old: DeploymentMode, new: DeploymentMode) -> bool:
    """True if a promotion or demotion may move a version from ``old`` to ``new``."""
    return new in _MOVES[old]


def can_restore(old: DeploymentMode, new: DeploymentMode) -> bool:
    """True if a rollback may move the last stable version from ``old`` back to ``new`` (retired → live)."""
    return old is DeploymentMode.RETIRED and new is DeploymentMode.LIVE


def parse_mode(text: str) -> DeploymentMode:
    """The mode named ``text`` (``shadow``, ``canary``, ``live``, ``retired``), or LifecycleError naming the choices."""
    try:
        return DeploymentMode(text)
    except ValueError:
        raise LifecycleError(f"unknown deployment mode {text!r}; use one of "
                             f"{', '.join(m.value for m in DeploymentMode)}") from None
