"""The promotion policy: TOML validated (errors name file, key, value and limit); verdicts; rollback triggers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arbkit.lifecycle.evidence import ArmScore
from arbkit.lifecycle.modes import LifecycleError
from arbkit.lifecycle.policy import PromotionPolicy

DAY = 86_400 * 10**9
POLICY_TOML = """
[shadow]
min_duration = "14d"
min_calls = 200
min_precision = 0.55
min_sharpe = 2.0
max_drawdown_usd = 50
min_hit_rate = 0.5
max_psi = 0.25
beat_champion = true
[canary]
capital_usd = 1000
max_drawdown_usd = 25
min_duration = "3d"
min_trades = 20
min_pnl_usd = 0
[rollback]
max_psi = 0.25
min_hit_rate = 0.3
min_pnl_usd = -50
max_drawdown_usd = 40
max_latency_p99_us = 500
max_error_rate = 0.01
min_trades = 10
min_decisions = 20
[ab]
split = "instrument"
instruments_a = ["BTCUSDT"]
[evaluation]
interval = "30s"
"""


def score(**over: Any) -> ArmScore:
    base = ArmScore(script_id="basis@v2", model_name="basis-logit", version="v2", mode="shadow", since_ns=0,
                    ts_ns=15 * DAY, calls=300, positive_calls=120, precision=0.6, recall=0.4, f1=0.48, trades=40,
                    hit_rate=0.55, pnl_usd=12.0, sharpe=2.5, max_drawdown_usd=10.0, latency_p99_us=80.0,
                    error_rate=0.0, psi=0.1, decisions=500)
    return msgspec.structs.replace(base, **over)


@pytest.fixture
def policy(tmp_path: Path) -> PromotionPolicy:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY_TOML, encoding="utf-8")
    return PromotionPolicy.load(path)


def test_loaded_policy_holds_sections_and_ns_interval(policy: PromotionPolicy) -> None:
    assert policy.canary is not None and policy.canary.capital_usd == 1000.0
    assert policy.evaluation.interval_ns == 30 * 10**9
    assert policy.ab.split == "instrument" and policy.ab.instruments_a == ("BTCUSDT",)
    assert [r[0] for r in policy.rollback_rules] == ["max_psi", "min_hit_rate", "min_pnl_usd", "max_drawdown_usd",
                                                     "max_latency_p99_us", "max_error_rate"]


def test_shadow_score_meeting_every_criterion_is_eligible_for_canary(policy: PromotionPolicy) -> None:
    verdict = policy.evaluate(score(), champion=score(version="v1", mode="live", pnl_usd=5.0))
    assert (verdict.from_mode, verdict.to_mode, verdict.passed) == ("shadow", "canary", True)
    assert [c.name for c in verdict.criteria] == ["min_duration", "min_calls", "min_precision", "min_sharpe",
                                                  "max_drawdown_usd", "min_hit_rate", "max_psi", "beat_champion"]


def test_too_short_a_stay_in_shadow_fails_min_duration_with_readable_detail(policy: PromotionPolicy) -> None:
    verdict = policy.evaluate(score(ts_ns=13 * DAY))
    failing = verdict.failing
    assert not verdict.passed and [c.name for c in failing] == ["min_duration"]
    assert failing[0].value == 13 * DAY and failing[0].limit == 14 * DAY
    assert failing[0].detail == "duration_ns 13d < 2w (min_duration)"


def test_undefined_precision_fails_and_says_so(policy: PromotionPolicy) -> None:
    verdict = policy.evaluate(score(precision=None))
    [failed] = verdict.failing
    assert failed.name == "min_precision" and failed.value is None
    assert "precision is undefined" in failed.detail and "fails min_precision >= 0.55" in failed.detail


def test_losing_to_the_champion_fails_beat_champion(policy: PromotionPolicy) -> None:
    verdict = policy.evaluate(score(pnl_usd=3.0), champion=score(version="v1", mode="live", pnl_usd=4.0))
    [failed] = verdict.failing
    assert failed.name == "beat_champion" and (failed.value, failed.limit) == (3.0, 4.0)
    assert "champion v1" in failed.detail
    assert policy.evaluate(score(pnl_usd=3.0)).passed  # no champion to beat


def test_canary_score_is_judged_by_canary_criteria_toward_live(policy: PromotionPolicy) -> None:
    verdict = policy.evaluate(score(mode="canary", ts_ns=4 * DAY, max_drawdown_usd=30.0, precision=None))
    assert (verdict.from_mode, verdict.to_mode) == ("canary", "live")
    assert [c.name for c in verdict.criteria] == ["min_duration", "max_drawdown_usd", "min_pnl_usd", "min_trades"]
    assert [c.name for c in verdict.failing] == ["max_drawdown_usd"]


@pytest.mark.parametrize("mode", ["live", "retired"])
def test_live_or_retired_scores_are_not_evaluated(policy: PromotionPolicy, mode: str) -> None:
    with pytest.raises(LifecycleError, match=f"version v2 is '{mode}': only shadow and canary"):
        policy.evaluate(score(mode=mode))


def test_shadow_without_a_canary_section_has_no_next_step() -> None:
    policy = PromotionPolicy.from_toml_dict({"shadow": {"min_calls": 1}}, "p.toml")
    with pytest.raises(LifecycleError, match=r"p\.toml: no \[canary\] section"):
        policy.evaluate(score())


def test_rollback_reports_only_breached_triggers_with_values(policy: PromotionPolicy) -> None:
    breaches = policy.rollback_breaches(score(mode="canary", pnl_usd=-60.0, max_drawdown_usd=45.0))
    assert [(b.name, b.value, b.limit, b.op) for b in breaches] == [("min_pnl_usd", -60.0, -50.0, ">="),
                                                                    ("max_drawdown_usd", 45.0, 40.0, "<=")]
    assert breaches[0].detail == "pnl_usd -60 < -50 (min_pnl_usd)"
    assert policy.rollback_breaches(score(mode="live")) == ()


def test_rollback_hit_rate_waits_for_min_trades_and_latency_for_min_decisions(policy: PromotionPolicy) -> None:
    early = score(mode="live", hit_rate=0.0, trades=9, latency_p99_us=9_000.0, error_rate=0.5, decisions=19)
    assert policy.rollback_breaches(early) == ()
    late = msgspec.structs.replace(early, trades=10, decisions=20)
    assert [b.name for b in policy.rollback_breaches(late)] == ["min_hit_rate", "max_latency_p99_us",
                                                                "max_error_rate"]


def test_rollback_ignores_undefined_psi_and_judges_a_drifted_one(policy: PromotionPolicy) -> None:
    assert policy.rollback_breaches(score(mode="live", psi=None)) == ()
    [breach] = policy.rollback_breaches(score(mode="live", psi=0.4))
    assert (breach.name, breach.value, breach.limit) == ("max_psi", 0.4, 0.25)


@pytest.mark.parametrize(("data", "message"), [
    ({"shadow": {"min_precison": 0.5}}, r"p\.toml: Object contains unknown field `min_precison` - at `shadow`"),
    ({"shdow": {}}, r"p\.toml: Object contains unknown field `shdow`"),
    ({"shadow": {"min_precision": "high"}},
     r"p\.toml: Expected `float \| null`, got `str` - at `shadow.min_precision`"),
    ({"shadow": {"min_precision": 1.5}}, r"p\.toml: \[shadow\] min_precision = 1\.5 must be in \[0, 1\]"),
    ({"shadow": {"max_psi": -0.1}}, r"p\.toml: \[shadow\] max_psi = -0\.1 must be >= 0"),
    ({"shadow": {"min_sharpe": float("nan")}}, r"p\.toml: \[shadow\] min_sharpe = nan must be finite"),
    ({"shadow": {"min_duration": "two weeks"}}, r"p\.toml: \[shadow\] min_duration: duration 'two weeks'"),
    ({"canary": {"min_trades": 3}}, r"p\.toml: Object missing required field `capital_usd` - at `canary`"),
    ({"canary": {"capital_usd": 0}}, r"p\.toml: \[canary\] capital_usd = 0\.0 must be > 0"),
    ({"canary": {"capital_usd": 10, "limit_scale": 0.5}}, r"Object contains unknown field `limit_scale`"),
    ({"rollback": {"max_error_rate": 2}}, r"\[rollback\] max_error_rate = 2\.0 must be in \[0, 1\]"),
    ({"rollback": {"min_trades": -1}}, r"\[rollback\] min_trades = -1 must be >= 0"),
    ({"ab": {"split": "random"}}, r"Invalid enum value 'random' - at `ab.split`"),
    ({"ab": {"share_a": 1.0}}, r"\[ab\] share_a = 1\.0 must be in \(0, 1\)"),
    ({"ab": {"split": "instrument"}}, r"\[ab\] split = 'instrument' needs a non-empty instruments_a"),
    ({"ab": {"min_trades_per_arm": 50, "max_trades_per_arm": 40}},
     r"\[ab\] max_trades_per_arm = 40 must be >= min_trades_per_arm \(50\)"),
    ({"evaluation": {"interval": "0s"}}, r"\[evaluation\] interval = '0s' must be > 0"),
])
def test_malformed_policy_is_refused_naming_file_key_value_and_limit(data: dict[str, Any], message: str) -> None:
    with pytest.raises(LifecycleError, match=message):
        PromotionPolicy.from_toml_dict(data, "p.toml")


def test_unreadable_or_invalid_toml_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(LifecycleError, match="cannot read promotion policy .*missing.toml"):
        PromotionPolicy.load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[shadow\nmin_calls = 3", encoding="utf-8")
    with pytest.raises(LifecycleError, match="promotion policy .*bad.toml.* is not valid TOML"):
        PromotionPolicy.load(bad)


def test_the_shipped_demo_policy_loads() -> None:
    import arbkit.lifecycle

    policy = PromotionPolicy.load(Path(arbkit.lifecycle.__file__).parent / "demo_policy.toml")
    assert policy.canary is not None and policy.evaluation.interval_ns > 0


MIN_KEYS = ("min_calls", "min_precision", "min_recall", "min_f1", "min_sharpe", "min_pnl_usd", "min_trades",
            "min_hit_rate")
unit = st.floats(min_value=0.0, max_value=1.0)
scores = st.builds(score, calls=st.integers(0, 1000), precision=st.none() | unit, recall=st.none() | unit,
                   f1=st.none() | unit, sharpe=st.none() | st.floats(-5, 5), pnl_usd=st.floats(-100, 100),
                   trades=st.integers(0, 100), hit_rate=st.none() | unit)


@given(scores, st.sampled_from(MIN_KEYS), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_raising_a_min_threshold_never_turns_a_fail_into_a_pass(s: ArmScore, key: str, low: float,
                                                                 raise_by: float) -> None:
    integer = key in ("min_calls", "min_trades")
    lower = round(low * 100) if integer else low
    higher = lower + (round(raise_by * 100) if integer else (1.0 - lower) * raise_by)
    canary = {"capital_usd": 100.0}
    before = PromotionPolicy.from_toml_dict({"shadow": {key: lower}, "canary": canary}, "p").evaluate(s)
    after = PromotionPolicy.from_toml_dict({"shadow": {key: higher}, "canary": canary}, "p").evaluate(s)
    assert before.passed or not after.passed
    assert after.criteria[0].passed <= before.criteria[0].passed
