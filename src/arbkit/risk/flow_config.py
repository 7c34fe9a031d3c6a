"""Order-flow controls of the risk config: restricted instruments, duplicates, message limits, fill throttle.

Every section is optional; its defaults are documented on each struct and in ``docs/risk.md``. Windows
are in ms of the gate's clock; counts are ints > 0.

>>> MessagesConfig().default_script
MessageLimit(max_messages=100, message_window_ms=1000)
>>> flow_section({"max_fills": 0, "fill_window_ms": 1000}, FillThrottle, "throttle.default")
Traceback (most recent call last):
...
arbkit.core.errors.ConfigError: throttle.default: max_fills must be an int > 0, got 0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from arbkit.core.errors import ConfigError

_T = TypeVar("_T")


class FlowConfigError(ConfigError, ValueError):
    """A flow-control setting is invalid (a :class:`ConfigError`; a ``ValueError`` so that the TOML loader
    reports where in the table it is)."""


def _positive_int(name: str, value: object, unit: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        suffix = f" ({unit})" if unit else ""
        raise FlowConfigError(f"{name} must be an int > 0{suffix}, got {value!r}")


def _names(name: str, values: object) -> None:
    if values is None:
        return
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise FlowConfigError(f"{name} must be a list of non-empty strings, got {values!r}")


class InstrumentPermissions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Who may trade one instrument, and where.

    Attributes:
        scripts: script ids permitted to trade it; None (absent) permits every script.
        venues: venue codes permitted for it (an instrument id names one venue, ``SYMBOL.VENUE``);
            None (absent) permits every venue.
    """

    scripts: list[str] | None = None
    venues: list[str] | None = None

    def __post_init__(self) -> None:
        _names("scripts", self.scripts)
        _names("venues", self.venues)


class RestrictionsConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Restricted instruments and per-instrument permissions (rule ``restricted``).

    Attributes:
        restricted_instruments: instrument ids no script may trade (default: none).
        instruments: permissions by instrument id; an instrument absent here is open to every script and
            venue (its other limits still apply).
    """

    restricted_instruments: list[str] = msgspec.field(default_factory=list)
    instruments: dict[str, InstrumentPermissions] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        _names("restricted_instruments", self.restricted_instruments)


class DuplicatesConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Duplicate detection (rule ``duplicate``).

    Attributes:
        duplicate_window_ms: an approved intent of the same script with the same instrument, side, order
            type, quantity, price and time in force less than this many ms ago makes an intent a
            duplicate (default 50 ms: a burst resent by mistake, not a strategy re-entering at its decision
            interval, which is 100 ms in the demo). A reused ``intent_id`` is a duplicate whatever its age.
    """

    duplicate_window_ms: int = 50

    def __post_init__(self) -> None:
        _positive_int("duplicate_window_ms", self.duplicate_window_ms, "milliseconds")


class MessageLimit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """At most ``max_messages`` messages (orders sent + cancels sent) in any ``message_window_ms`` ms."""

    max_messages: int
    message_window_ms: int

    def __post_init__(self) -> None:
        _positive_int("max_messages", self.max_messages)
        _positive_int("message_window_ms", self.message_window_ms, "milliseconds")


class MessagesConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Message limits per script and per venue (rule ``max_messages``).

    Attributes:
        default_script: limit of a script not listed in ``scripts`` (default 100 per 1000 ms).
        default_venue: limit of a venue not listed in ``venues`` (default 300 per 1000 ms).
        scripts: limits by script id.
        venues: limits by venue code (``BINANCE_SPOT``).
    """

    default_script: MessageLimit = msgspec.field(
        default_factory=lambda: MessageLimit(max_messages=100, message_window_ms=1_000))
    default_venue: MessageLimit = msgspec.field(
        default_factory=lambda: MessageLimit(max_messages=300, message_window_ms=1_000))
    scripts: dict[str, MessageLimit] = msgspec.field(default_factory=dict)
    venues: dict[str, MessageLimit] = msgspec.field(default_factory=dict)

    def for_script(self, script_id: str) -> MessageLimit:
        """The limit that applies to ``script_id``."""
        return self.scripts.get(script_id, self.default_script)

    def for_venue(self, venue: str) -> MessageLimit:
        """The limit that applies to ``venue``."""
        return self.venues.get(venue, self.default_venue)


class FillThrottle(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``max_fills`` fills of one script within ``fill_window_ms`` ms disable the script."""

    max_fills: int
    fill_window_ms: int

    def __post_init__(self) -> None:
        _positive_int("max_fills", self.max_fills)
        _positive_int("fill_window_ms", self.fill_window_ms, "milliseconds")


class ThrottleConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Execution throttle (rule ``execution_throttle``).

    Attributes:
        default: throttle of a script not listed in ``scripts`` (default 1000 fills per 60000 ms).
        scripts: throttles by script id.
    """

    default: FillThrottle = msgspec.field(default_factory=lambda: FillThrottle(max_fills=1_000, fill_window_ms=60_000))
    scripts: dict[str, FillThrottle] = msgspec.field(default_factory=dict)

    def for_script(self, script_id: str) -> FillThrottle:
        """The throttle that applies to ``script_id``."""
        return self.scripts.get(script_id, self.default)


def flow_section(table: Any, kind: type[_T], where: str) -> _T:
    """Build ``kind`` from a TOML table; raises :class:`ConfigError` naming ``where`` and the field."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table, got {type(table).__name__} {table!r}")
    try:
        return msgspec.convert(dict(table), kind)
    except msgspec.ValidationError as exc:
        message = str(exc).replace("`$.", f"`{where}.").replace("`$`", f"`{where}`")
        raise ConfigError(f"{where}: {message}") from exc
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
