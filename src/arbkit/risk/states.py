"""Trading-state names and scopes, with no dependency on the rest of the gate (the config validates them).

A scope is ``"account"`` or ``"script:<script id>"``; a state is ``ACTIVE``, ``REDUCING`` or ``HALTED``
(:mod:`arbkit.risk.trading_state` says what each lets through).

>>> check_state("REDUCING"), script_scope("basis")
(<TradingState.REDUCING: 'REDUCING'>, 'script:basis')
"""

from __future__ import annotations

from enum import Enum

from arbkit.risk.errors import RiskError

ACCOUNT_SCOPE = "account"
"""The scope of the whole account (every script)."""

SCRIPT_PREFIX = "script:"
"""Prefix of a script scope: ``"script:basis"``."""


class TradingState(str, Enum):
    """What new intents may do, from least to most restrictive."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


STATE_RANK = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}
"""Strictness of each state (higher is stricter)."""


def script_scope(script_id: str) -> str:
    """The scope string of one script (``script_scope("basis") == "script:basis"``)."""
    return f"{SCRIPT_PREFIX}{script_id}"


def check_scope(scope: object) -> str:
    """Return ``scope`` if it is ``"account"`` or ``"script:<non-empty id>"``; else :class:`RiskError`."""
    if scope == ACCOUNT_SCOPE or (isinstance(scope, str) and scope.startswith(SCRIPT_PREFIX)
                                  and len(scope) > len(SCRIPT_PREFIX)):
        return scope  # type: ignore[return-value]
    raise RiskError(f"trading state scope {scope!r} is not valid; allowed: {ACCOUNT_SCOPE!r} or "
                    f"'{SCRIPT_PREFIX}<script id>'")


def check_state(state: object) -> TradingState:
    """``state`` as a :class:`TradingState` (the enum or its value); else :class:`RiskError` naming the allowed ones."""
    try:
        return TradingState(state)
    except ValueError:
        raise RiskError(f"trading state {state!r} is not valid; allowed: "
                        f"{', '.join(s.value for s in TradingState)}") from None
