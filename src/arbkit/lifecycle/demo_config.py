"""``[lifecycle]`` of a backtest config: the lifecycle demo's policy, roles, people and timings."""

from __future__ import annotations

import msgspec


class LifecycleDemoConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[lifecycle]`` of a backtest config: the demo's policy, roles, people and timings (durations as text)."""

    enabled: bool = True
    policy: str = ""
    """Promotion policy TOML; empty: the embedded ``demo_policy.toml``."""
    roles: str = ""
    """Roles TOML; empty: the embedded ``demo_roles.toml``."""
    approver: str = "alice"
    retrainer: str = "retrain-bot"
    unauthorised: str = "bob"
    retrain_every: str = "20s"
    """A retrain is due this long after the start of trading and after each retrain (a desk says ``1d``)."""
    retrain_min_gap: str = "10m"
    """Never two retrains closer than this (on the 3-minute sample: one retrain)."""
    retrain_delay: str = "5s"
    broken_after: str = "30s"
    refused_after: str = "40s"
