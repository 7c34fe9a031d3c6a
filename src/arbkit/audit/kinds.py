"""Journal entry kinds shared by the components that write the audit journal.

Each constant is the ``kind`` column of a :class:`arbkit.audit.journal.Journal` row.
"""

from __future__ import annotations

from typing import Final

INTENT: Final = "intent"
"""An :class:`~arbkit.core.messages.OrderIntent` as it reached the risk gate."""
RISK_DECISION: Final = "risk_decision"
"""The gate's :class:`~arbkit.core.messages.RiskDecision` on an intent (approved or not)."""
ORDER: Final = "order"
"""A new state of an :class:`~arbkit.core.messages.Order` in the OMS."""
FILL: Final = "fill"
"""A :class:`~arbkit.core.messages.Fill` applied to an order."""
BOOK_GAP: Final = "book_gap"
"""A :class:`~arbkit.core.messages.BookGap`: a book went out of sync."""
KILL_SWITCH: Final = "kill_switch"
"""The kill switch was engaged or released (who and why)."""
CONFIG: Final = "config"
"""A configuration was loaded or changed at runtime (who and why)."""
MODEL: Final = "model"
"""A model version was registered, promoted or rolled back."""
BACKTEST: Final = "backtest"
"""A backtest run started or finished."""
REGIME_CHANGE: Final = "regime_change"
"""A :class:`~arbkit.regime.events.RegimeChange`: a scope's market regime changed (journaled by the regime board)."""

ALERT: Final = "alert"
"""An :class:`~arbkit.audit.alerts.Alert`: a breaker tripped, positions disagree, ... (a person must look)."""
SCRIPT_FAILURE: Final = "script_failure"
"""A :class:`~arbkit.backtest.engine.ScriptFailure`: a script raised and was stopped."""

DEPLOYMENT: Final = "deployment"
"""A :class:`~arbkit.lifecycle.history.DeploymentChange`: a model version changed deployment mode (who, why, evidence)."""
LIFECYCLE_SCORE: Final = "lifecycle_score"
"""An :class:`~arbkit.lifecycle.evidence.ArmScore`: one deployed version's scores at one time."""
LIFECYCLE_REFUSAL: Final = "lifecycle_refusal"
"""A promotion that was refused (a person without the role, or a policy not met), with the reason."""
ROLLBACK: Final = "rollback"
"""An automatic rollback: the trigger, its value and limit, the version taken out and the one restored."""
SHADOW_INTENT: Final = "shadow_intent"
"""An intent of a shadow deployment: computed and journaled, never sent (with its hypothetical risk verdict)."""
SHADOW_FILL: Final = "shadow_fill"
"""A hypothetical fill of a shadow deployment's intent by the venue simulator's fill model."""
AB_ROUTE: Final = "ab_route"
"""An A/B split decision: which arm a signal's intents were routed to, and by which rule."""

ALL_KINDS: Final = (INTENT, RISK_DECISION, ORDER, FILL, BOOK_GAP, KILL_SWITCH, CONFIG, MODEL, BACKTEST,
                    REGIME_CHANGE, ALERT, SCRIPT_FAILURE, DEPLOYMENT, LIFECYCLE_SCORE, LIFECYCLE_REFUSAL, ROLLBACK,
                    SHADOW_INTENT, SHADOW_FILL, AB_ROUTE)
"""Every kind above, in the order listed."""
