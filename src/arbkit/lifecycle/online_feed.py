"""Online learning in a deployment: labelled ticks in, snapshots swapped in at decision events.

An :class:`OnlineFeed` ties an :class:`~arbkit.lifecycle.online.OnlineLogistic` learner to one deployed
version. After each of the version's decisions it hands the learner every call whose outcome became known
since the last one (the features of that decision and its label, as the call scorer resolved it: the
batch label definition, nothing from the future), and, when the learner has published a newer snapshot,
swaps it into the version's model slot (verified first, one atomic reference; journaled as kind ``model``,
action ``online_snapshot``). The version keeps its deployment mode and its guards: drift, hit rate, PnL,
drawdown, latency and error rate are judged on whatever snapshot serves, and a breach rolls it back
like any version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from arbkit.audit import kinds
from arbkit.lifecycle.model_slot import SwapRefusedError
from arbkit.lifecycle.online import OnlineLogistic

if TYPE_CHECKING:
    from arbkit.audit.journal import Journal
    from arbkit.lifecycle.arm import Arm

ONLINE_ACTOR = "online-learner"


class OnlineFeed:
    """Feeds one version's resolved calls to ``learner`` and swaps its snapshots in (see module docs).

    Args:
        learner: the online model; its snapshots must match the deployment's feature set.
        journal: where swaps (and refused snapshots) are journaled.
        keep_ns: how long the features of an unresolved decision are kept, ns (at least the label horizon).
    """

    def __init__(self, learner: OnlineLogistic, journal: Journal, keep_ns: int) -> None:
        self.learner = learner
        self._journal = journal
        self._keep_ns = keep_ns
        self._features: dict[int, np.ndarray] = {}
        self._resolved_seen = 0
        self.rows_fed = 0
        self.swaps = 0
        self.refused: list[str] = []

    def after_decision(self, arm: Arm, now: int) -> None:
        """Remember this decision's features, feed newly resolved calls, swap in a newer snapshot."""
        served = arm.served
        if served.last is not None:
            self._features[now] = served.last[0]
        scorer = arm.outcome.scorer  # type: ignore[attr-defined]
        if scorer.resolved > self._resolved_seen:
            for ts_ns, label, _ in scorer.resolved_since(self._resolved_seen):  # only the new ones, O(new)
                x = self._features.pop(ts_ns, None)
                if x is not None:
                    self.learner.learn(x, int(label))
                    self.rows_fed += 1
            self._resolved_seen = scorer.resolved
        for ts_ns in [t for t in self._features if t < now - self._keep_ns]:
            del self._features[ts_ns]
        snapshot = self.learner.latest_snapshot()
        if snapshot is None or snapshot.version == served.slot.version:
            return
        try:
            record = served.slot.swap(snapshot, ONLINE_ACTOR, f"online snapshot after {self.rows_fed} labelled rows")
        except SwapRefusedError as exc:
            if str(exc) not in self.refused:
                self.refused.append(str(exc))
                self._journal.append(kinds.MODEL, now, {"action": "online_snapshot_refused", "script_id": arm.script_id,
                                                        "version": snapshot.version, "reason": str(exc)},
                                     actor=ONLINE_ACTOR)
            return
        self.swaps += 1
        self._journal.append(kinds.MODEL, now, {"action": "online_snapshot", "script_id": arm.script_id,
                                                "old_version": record.old_version, "new_version": record.new_version,
                                                "probe_prediction": record.probe_prediction}, actor=ONLINE_ACTOR)
