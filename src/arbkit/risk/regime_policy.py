"""What a script declares about market regimes: where it may add risk, and whose regime applies.

A script opts in to regime gating with two optional attributes (class or instance attributes; a
script without them is not gated):

- ``allowed_regimes: frozenset[str] | None`` -- the regime labels in which the script may *increase*
  its worst-case position. ``None`` (or no attribute) means not gated; an empty set means the script
  may only ever reduce. ``"warming_up"`` (a monitor that has not seen enough data yet) is outside the
  set unless listed.
- ``regime_scopes: tuple[str, ...]`` -- the scopes whose regime applies to every intent of the script
  (an instrument id, or ``"market"``). Empty (or no attribute): the scope of the intent's instrument id
  when a regime monitor tracks it, otherwise ``"market"``. With several scopes, every one of them must
  be in an allowed regime.

Reducing or closing intents always pass the regime rule, so a script can flatten in a crash.

>>> class DipBuyer:
...     script_id = "dip"
...     allowed_regimes = frozenset({"calm", "trending"})
>>> policy = policy_of(DipBuyer())
>>> policy.allowed_text(), policy.scopes_for("BTCUSDT.BINANCE_SPOT", tracked={"market"})
('{calm, trending}', ('market',))
>>> policy_of(object()) is None
True
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from arbkit.risk.errors import RegimeGateError

MARKET_SCOPE = "market"
"""Scope of a market-wide regime (as opposed to one instrument's)."""

MAX_LABEL_CHARS = 64
"""Longest regime label or scope accepted, in characters."""


def check_label(value: object, what: str) -> str:
    """``value`` if it is a usable regime label or scope; raises :class:`RegimeGateError` naming ``what`` otherwise.

    A label is a non-empty ``str`` of at most :data:`MAX_LABEL_CHARS` characters without leading or
    trailing whitespace.
    """
    if not isinstance(value, str):
        raise RegimeGateError(f"{what} must be a str regime label, got {type(value).__name__} {value!r}")
    if not value or value != value.strip() or len(value) > MAX_LABEL_CHARS:
        raise RegimeGateError(f"{what} must be a non-empty label of at most {MAX_LABEL_CHARS} characters without "
                          f"surrounding whitespace, got {value!r}")
    return value


def _labels(values: object, what: str) -> tuple[str, ...]:
    """Sorted, unique labels of a set, tuple or list; a bare str (a common slip) is refused."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (frozenset, set, tuple, list)):
        raise RegimeGateError(f"{what} must be a frozenset (or tuple) of str labels, got {type(values).__name__} "
                          f"{values!r}")
    return tuple(sorted({check_label(value, f"{what} item") for value in values}))


class RegimePolicy:
    """A script's regime declaration, validated.

    Args:
        allowed: regime labels in which the script may increase risk (any iterable of str labels).
        scopes: scopes whose regime applies; empty = the intent's instrument id if tracked, else ``"market"``.

    Raises:
        RegimeGateError: a label or scope that is not a non-empty str, or a bare str given as a set.
    """

    __slots__ = ("allowed", "scopes")

    def __init__(self, allowed: Iterable[str], scopes: Iterable[str] = ()) -> None:
        self.allowed: frozenset[str] = frozenset(_labels(allowed, "allowed_regimes"))
        self.scopes: tuple[str, ...] = tuple(dict.fromkeys(_labels_in_order(scopes, "regime_scopes")))

    def allows(self, regime: str | None) -> bool:
        """True if ``regime`` (None = unknown) is one of the allowed labels."""
        return regime is not None and regime in self.allowed

    def allowed_text(self) -> str:
        """The allowed set as the gate prints it, sorted: ``{calm, trending}`` (``{}`` = reduce-only)."""
        return "{" + ", ".join(sorted(self.allowed)) + "}"

    def scopes_for(self, instrument_id: str, tracked: Container[str]) -> tuple[str, ...]:
        """The scopes whose regime governs an intent on ``instrument_id``, given the scopes with a regime."""
        if self.scopes:
            return self.scopes
        return (instrument_id,) if instrument_id in tracked else (MARKET_SCOPE,)

    def as_payload(self) -> dict[str, Any]:
        """Journal form: sorted labels, so the same declaration always hashes the same."""
        return {"allowed_regimes": sorted(self.allowed), "regime_scopes": list(self.scopes)}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RegimePolicy) and (self.allowed, self.scopes) == (other.allowed, other.scopes)

    def __hash__(self) -> int:
        return hash((self.allowed, self.scopes))

    def __repr__(self) -> str:
        return f"RegimePolicy(allowed={self.allowed_text()}, scopes={self.scopes!r})"


def _labels_in_order(values: object, what: str) -> list[str]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (tuple, list)):
        raise RegimeGateError(f"{what} must be a tuple of str scopes, got {type(values).__name__} {values!r}")
    return [check_label(value, f"{what} item") for value in values]


def policy_of(script: object) -> RegimePolicy | None:
    """The regime policy a script declares (its ``allowed_regimes`` / ``regime_scopes``), or None if not gated.

    Raises:
        RegimeGateError: malformed declarations, or ``regime_scopes`` without ``allowed_regimes``.
    """
    allowed = getattr(script, "allowed_regimes", None)
    scopes = getattr(script, "regime_scopes", ())
    name = getattr(script, "script_id", type(script).__name__)
    if allowed is None:
        if scopes:
            raise RegimeGateError(f"script {name!r} declares regime_scopes {scopes!r} but no allowed_regimes; "
                              "declare the regimes it may trade in, or drop regime_scopes")
        return None
    try:
        return RegimePolicy(allowed, scopes)
    except RegimeGateError as exc:
        raise RegimeGateError(f"script {name!r}: {exc}") from exc
