"""Base of the result structs: frozen msgspec structs that turn into plain dicts and JSON.

>>> class Demo(StatsResult, frozen=True, kw_only=True):
...     sharpe: float
>>> Demo(sharpe=float("nan")).to_json()
b'{"sharpe":null}'
>>> Demo(sharpe=1.5).as_dict()
{'sharpe': 1.5}
"""

from __future__ import annotations

from typing import Any

import msgspec


class StatsResult(msgspec.Struct, frozen=True, kw_only=True):
    """A group of statistics; immutable and keyword-only.

    Undefined statistics are ``float("nan")`` (or ``inf`` where the limit is meaningful, e.g. a profit
    factor without losses). :meth:`as_dict` keeps them as floats; :meth:`to_json` writes them as
    ``null``, since JSON has no NaN or infinity.
    """

    def as_dict(self) -> dict[str, Any]:
        """Plain builtins (dicts, lists, str, int, float, bool, None), nested results included."""
        out: dict[str, Any] = msgspec.to_builtins(self)
        return out

    def to_json(self) -> bytes:
        """Strict JSON of :meth:`as_dict`; NaN and infinities become ``null``."""
        return msgspec.json.encode(self)
