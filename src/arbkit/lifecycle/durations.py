"""Durations of a promotion policy as text (``"500ms"``, ``"90s"``, ``"30m"``, ``"2h"``, ``"14d"``, ``"1w"``) ↔ int ns.

>>> parse_duration("14d", "[shadow] min_duration")
1209600000000000
>>> format_duration(parse_duration("90s", "x"))
'90s'
>>> format_duration(1_500_000)
'1500us'
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from arbkit.lifecycle.modes import LifecycleError

UNITS_NS: dict[str, int] = {"w": 7 * 86_400 * 10**9, "d": 86_400 * 10**9, "h": 3_600 * 10**9, "m": 60 * 10**9,
                            "s": 10**9, "ms": 10**6, "us": 10**3, "µs": 10**3, "ns": 1}
"""Nanoseconds per unit a duration text may use."""

_FORMAT_UNITS = ("w", "d", "h", "m", "s", "ms", "us", "ns")
_TEXT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h|d|w)\s*")
_MAX_NS = 2**63 - 1


def parse_duration(text: str | int, where: str) -> int:
    """Duration ``text`` as int ns.

    Args:
        text: a number and a unit (``ns``, ``us``, ``ms``, ``s``, ``m``, ``h``, ``d``, ``w``), e.g. ``"14d"`` or
            ``"1.5h"``; or a non-negative int, meaning ns.
        where: what is being read (file and key), named in the error.

    Raises:
        LifecycleError: naming ``where`` and the text, if it is not such a duration, is not a whole number of
            ns, or exceeds 2**63 - 1 ns.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise LifecycleError(f"{where}: duration {text!r} must be text like '90s', '30m', '14d' or an int of ns")
    if isinstance(text, int):
        if not 0 <= text <= _MAX_NS:
            raise LifecycleError(f"{where}: duration {text!r} ns is outside [0, 2**63 - 1]")
        return text
    match = _TEXT.fullmatch(text)
    if match is None:
        raise LifecycleError(f"{where}: duration {text!r} is not a number followed by a unit (ns, us, ms, s, m, h, "
                             f"d, w), e.g. '500ms', '90s', '14d'")
    try:
        ns = Decimal(match.group(1)) * UNITS_NS[match.group(2)]
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimal digits
        raise LifecycleError(f"{where}: duration {text!r} is not a number") from None
    if ns != ns.to_integral_value():
        raise LifecycleError(f"{where}: duration {text!r} is not a whole number of ns")
    if ns > _MAX_NS:
        raise LifecycleError(f"{where}: duration {text!r} exceeds 2**63 - 1 ns (about 292 years)")
    return int(ns)


def format_duration(ns: int) -> str:
    """``ns`` in the largest unit that divides it exactly (``0`` → ``"0s"``); :func:`parse_duration` reads it back."""
    if isinstance(ns, bool) or not isinstance(ns, int) or ns < 0:
        raise LifecycleError(f"duration {ns!r} must be a non-negative int of ns")
    if ns == 0:
        return "0s"
    for unit in _FORMAT_UNITS:
        size = UNITS_NS[unit]
        if ns % size == 0:
            return f"{ns // size}{unit}"
    return f"{ns}ns"  # pragma: no cover - ns divides every int
