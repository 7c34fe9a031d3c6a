"""Post-trade reconciliation settings of the risk config (``[post_trade]``, optional).

>>> PostTradeConfig().reconcile_interval_ms, PostTradeConfig().action
(1000, 'REDUCING')
"""

from __future__ import annotations

import msgspec

from arbkit.risk.breaker_config import BREAKER_ACTIONS
from arbkit.risk.flow_config import FlowConfigError


class PostTradeConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Continuous reconciliation of positions against fills (:mod:`arbkit.system.position_reconciler`).

    Attributes:
        reconcile_interval_ms: how often (ms of the engine clock) positions are reconciled, besides after
            every fill (default 1000).
        mismatch_grace_ms: how long a disagreement may last before it is a mismatch (ms; default 0: at
            once). A live venue's reports lag its fills; a replayed venue's do not.
        action: the trading state a mismatched script (or the account, for venue orders no script owns)
            moves to: ``REDUCING`` (default) or ``HALTED``.
    """

    reconcile_interval_ms: int = 1_000
    mismatch_grace_ms: int = 0
    action: str = "REDUCING"

    def __post_init__(self) -> None:
        for name, low in (("reconcile_interval_ms", 1), ("mismatch_grace_ms", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise FlowConfigError(f"{name} must be an int >= {low} (milliseconds), got {value!r}")
        if self.action not in BREAKER_ACTIONS:
            raise FlowConfigError(f"action must be one of {', '.join(BREAKER_ACTIONS)}, got {self.action!r}")
