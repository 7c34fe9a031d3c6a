"""There is no configuration, argument or mode that turns the gate off."""

from __future__ import annotations

import inspect
import re

import msgspec

from arbkit.risk import flow_config
from arbkit.risk.config import InstrumentLimits, RiskConfig
from arbkit.risk.gate import RiskGate

FORBIDDEN = re.compile(r"bypass|disable|skip|override|unchecked|no_?risk|dry_?gate", re.IGNORECASE)


def struct_fields(kind: type) -> list[str]:
    """Every field name of a config struct and of the structs it nests (by annotation)."""
    names: list[str] = []
    for field in msgspec.structs.fields(kind):
        names.append(field.name)
        nested = field.type if isinstance(field.type, type) and issubclass(field.type, msgspec.Struct) else None
        if nested is not None:
            names += struct_fields(nested)
    return names


def test_no_risk_config_field_can_bypass_the_gate() -> None:
    names = struct_fields(RiskConfig) + struct_fields(InstrumentLimits)
    for kind in vars(flow_config).values():
        if isinstance(kind, type) and issubclass(kind, msgspec.Struct) and kind is not msgspec.Struct:
            names += struct_fields(kind)
    assert "max_order_qty" in names and "kill_switch_engaged" in names  # the scan sees the fields
    assert [n for n in names if FORBIDDEN.search(n)] == []


def test_no_gate_constructor_or_evaluate_argument_can_bypass_it() -> None:
    for function in (RiskGate.__init__, RiskGate.evaluate):
        parameters = list(inspect.signature(function).parameters)
        assert [p for p in parameters if FORBIDDEN.search(p)] == [], function.__qualname__
