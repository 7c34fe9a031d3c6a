"""Duration text of a promotion policy: units to int ns, round trips, garbage refused with the key named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arbkit.lifecycle.durations import UNITS_NS, format_duration, parse_duration
from arbkit.lifecycle.modes import LifecycleError


@pytest.mark.parametrize(("text", "ns"), [("500ms", 500_000_000), ("90s", 90 * 10**9), ("30m", 1_800 * 10**9),
                                          ("2h", 7_200 * 10**9), ("14d", 14 * 86_400 * 10**9),
                                          ("1w", 7 * 86_400 * 10**9), ("1.5h", 5_400 * 10**9), (" 7 s ", 7 * 10**9),
                                          ("250us", 250_000), ("3ns", 3), (0, 0), (123, 123)])
def test_duration_text_and_ints_become_ns(text: str | int, ns: int) -> None:
    assert parse_duration(text, "[shadow] min_duration") == ns


@pytest.mark.parametrize("text", ["", "14", "14 days", "d14", "-3s", "1.5ns", "1e3s", "3 h 2m", "x", "2.s"])
def test_malformed_duration_names_where_and_text(text: str) -> None:
    with pytest.raises(LifecycleError, match=r"policy\.toml: \[shadow\] min_duration: duration") as info:
        parse_duration(text, "policy.toml: [shadow] min_duration")
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("value", [-1, True, 2**63, 1.5, None])
def test_non_duration_values_are_refused(value: object) -> None:
    with pytest.raises(LifecycleError, match=r"\[evaluation\] interval: duration"):
        parse_duration(value, "[evaluation] interval")  # type: ignore[arg-type]


def test_duration_overflowing_int64_is_refused() -> None:
    with pytest.raises(LifecycleError, match="exceeds 2\\*\\*63 - 1 ns"):
        parse_duration("20000000w", "k")


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_format_then_parse_round_trips(ns: int) -> None:
    assert parse_duration(format_duration(ns), "k") == ns


@given(st.integers(min_value=0, max_value=10**4), st.sampled_from(sorted(UNITS_NS)))
def test_count_and_unit_parse_to_count_times_unit(count: int, unit: str) -> None:
    assert parse_duration(f"{count}{unit}", "k") == count * UNITS_NS[unit]


@given(st.text(max_size=12).filter(lambda t: not any(t.strip().endswith(u) for u in UNITS_NS)))
def test_text_without_a_unit_is_refused(text: str) -> None:
    with pytest.raises(LifecycleError, match="duration"):
        parse_duration(text, "k")


def test_format_uses_the_largest_exact_unit() -> None:
    assert [format_duration(n) for n in (0, 14 * 86_400 * 10**9, 90 * 10**9, 1_500_000, 7)] == [
        "0s", "2w", "90s", "1500us", "7ns"]
