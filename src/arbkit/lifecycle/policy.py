"""Promotion policy as code: the criteria to leave shadow and canary, the canary's limits, the rollback triggers, the
A/B split and the evaluation interval, read from TOML into frozen structs (see docs/lifecycle.md).

Every section and key is optional except ``[canary] capital_usd`` when ``[canary]`` is present. Thresholds are
floats (USD, µs, shares in [0, 1]); durations are text (``"14d"``, see :mod:`arbkit.lifecycle.durations`).
A criterion whose value is undefined on the score (precision with no calls, Sharpe before two samples) fails.

>>> policy = PromotionPolicy.from_toml_dict({"shadow": {"min_calls": 10, "min_precision": 0.5},
...                                          "canary": {"capital_usd": 1000}}, "doc")
>>> score = ArmScore(script_id="s@v2", model_name="m", version="v2", mode="shadow", since_ns=0, ts_ns=10,
...                  calls=12, precision=0.6)
>>> verdict = policy.evaluate(score)
>>> verdict.to_mode, verdict.passed, [c.name for c in verdict.criteria]
('canary', True, ['min_calls', 'min_precision'])
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import msgspec

from arbkit.lifecycle.durations import format_duration, parse_duration
from arbkit.lifecycle.evidence import ArmScore
from arbkit.lifecycle.toml_input import read_lifecycle_toml
from arbkit.lifecycle.modes import LifecycleError

Op = Literal[">=", "<="]


class Criterion(msgspec.Struct, frozen=True, kw_only=True):
    """One criterion judged on a score: ``value op limit``; ``value`` None (undefined) fails."""

    name: str
    value: float | None
    limit: float
    op: Op
    passed: bool
    detail: str


class PromotionVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """The policy's verdict on moving a version from ``from_mode`` to ``to_mode``: every criterion, and whether all
    passed."""

    from_mode: str
    to_mode: str
    criteria: tuple[Criterion, ...]
    passed: bool

    @property
    def failing(self) -> tuple[Criterion, ...]:
        """The criteria that failed."""
        return tuple(c for c in self.criteria if not c.passed)


class PromotionCriteria(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Criteria to leave a mode (``[shadow]``, or the criteria keys of ``[canary]``); None: not required.

    Attributes:
        min_duration: time in the mode (duration text, or int ns), clock time.
        min_calls: scored calls; min_precision, min_recall, min_f1, min_hit_rate: in [0, 1].
        min_sharpe: annualised Sharpe; max_drawdown_usd, min_pnl_usd: USD; min_trades: closed round trips.
        max_psi: population stability index (undefined without a training reference: fails).
        max_latency_p99_us: inference p99, µs; max_error_rate: in [0, 1].
        beat_champion: the version's pnl_usd ≥ the live champion's over the same ticks (passes with no champion).
    """

    min_duration: str | int | None = None
    min_calls: int | None = None
    min_precision: float | None = None
    min_recall: float | None = None
    min_f1: float | None = None
    min_sharpe: float | None = None
    max_drawdown_usd: float | None = None
    min_pnl_usd: float | None = None
    min_trades: int | None = None
    min_hit_rate: float | None = None
    max_psi: float | None = None
    max_latency_p99_us: float | None = None
    max_error_rate: float | None = None
    beat_champion: bool = False


class CanaryPolicy(PromotionCriteria, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[canary]``: the limits of a canary version, and (inherited keys) the criteria to leave canary for live.

    Attributes:
        capital_usd: gross notional cap of a canary version (position plus open orders, the gate's per-script
            limit), USD (> 0, required).
        max_drawdown_usd: the canary's drawdown breaker, USD; also a criterion to go live.
    """

    capital_usd: float


class RollbackTriggers(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Rollback triggers; None: not checked (in ``[rollback.canary]``: as in ``[rollback]``).

    Attributes:
        min_trades: the hit rate is judged only after this many closed trades (None: 0).
        min_decisions: the error rate and latency are judged only after this many decision events (None: 0).
    """

    max_psi: float | None = None
    min_hit_rate: float | None = None
    min_pnl_usd: float | None = None
    max_drawdown_usd: float | None = None
    max_latency_p99_us: float | None = None
    max_error_rate: float | None = None
    min_trades: int | None = None
    min_decisions: int | None = None

    def over(self, base: RollbackTriggers) -> RollbackTriggers:
        """These triggers, each unset one taken from ``base``."""
        return msgspec.structs.replace(base, **{k: v for k, v in msgspec.structs.asdict(self).items() if v is not None})


class RollbackPolicy(RollbackTriggers, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[rollback]``: triggers checked at every decision event of a canary or live version; None: not checked.

    ``[rollback.canary]`` (optional) sets tighter triggers for canary versions: each key it gives replaces the
    same key of ``[rollback]`` while a version is in canary (a canary risks little capital, so it is judged on
    less evidence than a live champion).
    """

    canary: RollbackTriggers | None = None

    def for_mode(self, mode: str) -> RollbackTriggers:
        """The triggers that apply to a version in ``mode``."""
        base = RollbackTriggers(**{k: v for k, v in msgspec.structs.asdict(self).items() if k != "canary"})
        return self.canary.over(base) if mode == "canary" and self.canary is not None else base


class ABPolicy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[ab]``: the deterministic split of order flow between two live versions, and the stopping rule.

    Attributes:
        split: ``hash`` (of the signal id, salted), ``alternate`` or ``instrument``.
        share_a: hash split: share of signals routed to arm A, in (0, 1).
        instruments_a: instrument split: instruments whose signals go to A (the rest to B); required for it.
        confidence: of the interval on the per-trade PnL difference, in (0, 1).
        min_trades_per_arm, max_trades_per_arm: the stopping rule's bounds (2 ≤ min ≤ max).
    """

    split: Literal["hash", "alternate", "instrument"] = "hash"
    share_a: float = 0.5
    instruments_a: tuple[str, ...] = ()
    salt: str = ""
    confidence: float = 0.95
    min_trades_per_arm: int = 30
    max_trades_per_arm: int = 500


class EvaluationPolicy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[evaluation]``: ``interval``: how often the controller scores arms and evaluates the policy (clock time)."""

    interval: str | int = "10s"

    @property
    def interval_ns(self) -> int:
        """The interval, int ns (> 0, checked at load)."""
        return parse_duration(self.interval, "[evaluation] interval")


class _PolicyFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    shadow: PromotionCriteria = PromotionCriteria()
    canary: CanaryPolicy | None = None
    rollback: RollbackPolicy = RollbackPolicy()
    ab: ABPolicy = ABPolicy()
    evaluation: EvaluationPolicy = EvaluationPolicy()


# (criterion key, ArmScore attribute, op, what None means)
_CRITERIA: tuple[tuple[str, str, Op, str], ...] = (
    ("min_duration", "duration_ns", ">=", ""),
    ("min_calls", "calls", ">=", ""),
    ("min_precision", "precision", ">=", "no positive calls scored yet"),
    ("min_recall", "recall", ">=", "no positive outcomes scored yet"),
    ("min_f1", "f1", ">=", "precision or recall undefined"),
    ("min_sharpe", "sharpe", ">=", "fewer than two equity samples"),
    ("max_drawdown_usd", "max_drawdown_usd", "<=", ""),
    ("min_pnl_usd", "pnl_usd", ">=", ""),
    ("min_trades", "trades", ">=", ""),
    ("min_hit_rate", "hit_rate", ">=", "no closed trade yet"),
    ("max_psi", "psi", "<=", "no training reference to compare with"),
    ("max_latency_p99_us", "latency_p99_us", "<=", "no inference timed yet"),
    ("max_error_rate", "error_rate", "<=", ""),
)
_ROLLBACK_KEYS = ("max_psi", "min_hit_rate", "min_pnl_usd", "max_drawdown_usd", "max_latency_p99_us", "max_error_rate")
_UNIT_INTERVAL = {"min_precision", "min_recall", "min_f1", "min_hit_rate", "max_error_rate"}
_NON_NEGATIVE = {"min_calls", "min_trades", "max_drawdown_usd", "max_psi", "max_latency_p99_us"}
_ATTR = {key: (attr, op, none) for key, attr, op, none in _CRITERIA}

Rule = tuple[str, str, Op, float, str]
"""(criterion key, ArmScore attribute, op, limit, what None means)."""


class PromotionPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """A validated promotion policy. Build it with :meth:`load` or :meth:`from_toml_dict`.

    Attributes:
        shadow: criteria to leave shadow for canary; canary: the canary section (None: no canary step possible).
        rollback, ab, evaluation: the other sections (defaults when absent); source: where it was read from.
        shadow_rules, canary_rules, rollback_rules: the criteria set, precomputed at load.
        canary_min_duration_ns: ``[canary] min_duration`` in ns (None if unset).
    """

    shadow: PromotionCriteria
    canary: CanaryPolicy | None
    rollback: RollbackPolicy
    ab: ABPolicy
    evaluation: EvaluationPolicy
    source: str
    shadow_rules: tuple[Rule, ...]
    canary_rules: tuple[Rule, ...]
    rollback_rules: tuple[Rule, ...]
    canary_rollback_rules: tuple[Rule, ...]
    shadow_beat_champion: bool
    canary_beat_champion: bool

    @classmethod
    def load(cls, path: str | Path) -> PromotionPolicy:
        """Read and validate the policy TOML at ``path`` (LifecycleError naming the file otherwise)."""
        return cls.from_toml_dict(read_lifecycle_toml(path, "promotion policy"), str(path))

    @classmethod
    def from_toml_dict(cls, data: dict[str, Any], source: str) -> PromotionPolicy:
        """Validate parsed TOML; errors name ``source``, the section and key, the value and the limit."""
        try:
            raw = msgspec.convert(data, _PolicyFile)
        except msgspec.ValidationError as exc:
            message = str(exc).replace("`$.", "`").replace("`$`", "the policy")
            raise LifecycleError(f"{source}: {message}") from None
        shadow_rules = _criteria_rules(raw.shadow, "shadow", source)
        canary_rules: tuple[Rule, ...] = ()
        if raw.canary is not None:
            canary_rules = _criteria_rules(raw.canary, "canary", source)
            _check(source, "canary", "capital_usd", raw.canary.capital_usd, raw.canary.capital_usd > 0, "> 0")
        rollback_rules = _rollback_rules(raw.rollback.for_mode("live"), source, "rollback")
        canary_rollback_rules = _rollback_rules(raw.rollback.for_mode("canary"), source, "rollback.canary")
        _check_ab(raw.ab, source)
        interval = parse_duration(raw.evaluation.interval, f"{source}: [evaluation] interval")
        _check(source, "evaluation", "interval", raw.evaluation.interval, interval > 0, "> 0")
        return cls(shadow=raw.shadow, canary=raw.canary, rollback=raw.rollback, ab=raw.ab, evaluation=raw.evaluation,
                   source=source, shadow_rules=shadow_rules, canary_rules=canary_rules, rollback_rules=rollback_rules,
                   canary_rollback_rules=canary_rollback_rules, shadow_beat_champion=raw.shadow.beat_champion,
                   canary_beat_champion=raw.canary.beat_champion if raw.canary is not None else False)

    # -- judging ---------------------------------------------------------------------------------------------------
    def evaluate(self, score: ArmScore, champion: ArmScore | None = None) -> PromotionVerdict:
        """Judge ``score`` against the criteria of its mode: shadow → ``[shadow]`` toward canary; canary →
        ``[canary]`` toward live. ``champion``: the live version's score over the same ticks (for beat_champion).

        Raises:
            LifecycleError: for a score in another mode, or a shadow score when the policy has no ``[canary]``.
        """
        if score.mode == "shadow":
            if self.canary is None:
                raise LifecycleError(f"{self.source}: no [canary] section, so shadow version {score.version} has no "
                                     "next step (a canary needs capital_usd)")
            rules, beat, to_mode = self.shadow_rules, self.shadow_beat_champion, "canary"
        elif score.mode == "canary":
            rules, beat, to_mode = self.canary_rules, self.canary_beat_champion, "live"
        else:
            raise LifecycleError(f"version {score.version} is {score.mode!r}: only shadow and canary versions are "
                                 "evaluated for promotion")
        criteria = [_judge(rule, score) for rule in rules]
        if beat:
            criteria.append(_beat_champion(score, champion))
        return PromotionVerdict(from_mode=score.mode, to_mode=to_mode, criteria=tuple(criteria),
                                passed=all(c.passed for c in criteria))

    def rollback_breaches(self, score: ArmScore) -> tuple[Criterion, ...]:
        """The rollback triggers ``score`` breaches now (empty: none). Called per decision event.

        The hit rate is judged only after ``min_trades`` closed trades, the error rate and latency only after
        ``min_decisions`` decisions; an undefined value (psi without a reference, no hit rate yet) is not judged.
        """
        breaches: list[Criterion] | None = None
        canary = score.mode == "canary"
        rollback = self.rollback.for_mode(score.mode) if canary else self.rollback
        min_trades, min_decisions = rollback.min_trades or 0, rollback.min_decisions or 0
        for rule in self.canary_rollback_rules if canary else self.rollback_rules:
            name, attr, op, limit, _ = rule
            value = getattr(score, attr)
            if value is None:
                continue
            if (value < limit) if op == ">=" else (value > limit):
                if name == "min_hit_rate" and score.trades < min_trades:
                    continue
                if name in ("max_error_rate", "max_latency_p99_us") and score.decisions < min_decisions:
                    continue
                if breaches is None:
                    breaches = []
                breaches.append(_judge(rule, score))
        return () if breaches is None else tuple(breaches)


def _check(source: str, section: str, key: str, value: object, ok: bool, limit: str) -> None:
    if not ok:
        raise LifecycleError(f"{source}: [{section}] {key} = {value!r} must be {limit}")


def _criteria_rules(criteria: PromotionCriteria, section: str, source: str) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for key, attr, op, none in _CRITERIA:
        value = getattr(criteria, key)
        if value is None:
            continue
        if key == "min_duration":
            limit = float(parse_duration(value, f"{source}: [{section}] min_duration"))
        else:
            limit = _limit(source, section, key, value)
        rules.append((key, attr, op, limit, none))
    return tuple(rules)


def _limit(source: str, section: str, key: str, value: float) -> float:
    limit = float(value)
    _check(source, section, key, value, math.isfinite(limit), "finite")
    if key in _UNIT_INTERVAL:
        _check(source, section, key, value, 0.0 <= limit <= 1.0, "in [0, 1]")
    elif key in _NON_NEGATIVE:
        _check(source, section, key, value, limit >= 0.0, ">= 0")
    return limit


def _rollback_rules(rollback: RollbackTriggers, source: str, section: str) -> tuple[Rule, ...]:
    for key in ("min_trades", "min_decisions"):
        value = getattr(rollback, key) or 0
        _check(source, section, key, value, value >= 0, ">= 0")
    rules: list[Rule] = []
    for key in _ROLLBACK_KEYS:
        value = getattr(rollback, key)
        if value is not None:
            attr, op, none = _ATTR[key]
            rules.append((key, attr, op, _limit(source, section, key, value), none))
    return tuple(rules)


def _check_ab(ab: ABPolicy, source: str) -> None:
    _check(source, "ab", "share_a", ab.share_a, 0.0 < ab.share_a < 1.0, "in (0, 1)")
    _check(source, "ab", "confidence", ab.confidence, 0.0 < ab.confidence < 1.0, "in (0, 1)")
    _check(source, "ab", "min_trades_per_arm", ab.min_trades_per_arm, ab.min_trades_per_arm >= 2, ">= 2")
    _check(source, "ab", "max_trades_per_arm", ab.max_trades_per_arm,
           ab.max_trades_per_arm >= ab.min_trades_per_arm, f">= min_trades_per_arm ({ab.min_trades_per_arm})")
    if ab.split == "instrument" and not ab.instruments_a:
        raise LifecycleError(f"{source}: [ab] split = 'instrument' needs a non-empty instruments_a")


def show_value(key: str, value: float) -> str:
    """A criterion's value or limit as text: durations as ``14d``, counts as ints, the rest to 6 digits."""
    if key == "min_duration":
        exact = format_duration(int(value))  # "14d", "90s", "500ms"; a measured duration reads in seconds
        return f"{value / 1e9:.3f}s" if exact.endswith("ns") and value >= 1_000_000 else exact
    if float(value).is_integer() and key in ("min_calls", "min_trades"):
        return str(int(value))
    return f"{value:.6g}"


def _judge(rule: Rule, score: ArmScore) -> Criterion:
    key, attr, op, limit, none = rule
    raw = getattr(score, attr)
    if raw is None:
        return Criterion(name=key, value=None, limit=limit, op=op, passed=False,
                         detail=f"{attr} is undefined ({none}): fails {key} {op} {show_value(key, limit)}")
    value = float(raw)
    passed = value >= limit if op == ">=" else value <= limit
    relation = op if passed else ("<" if op == ">=" else ">")
    return Criterion(name=key, value=value, limit=limit, op=op, passed=passed,
                     detail=f"{attr} {show_value(key, value)} {relation} {show_value(key, limit)} ({key})")


def _beat_champion(score: ArmScore, champion: ArmScore | None) -> Criterion:
    if champion is None:
        return Criterion(name="beat_champion", value=score.pnl_usd, limit=-math.inf, op=">=", passed=True,
                         detail="no live champion to beat")
    passed = score.pnl_usd >= champion.pnl_usd
    relation = ">=" if passed else "<"
    return Criterion(name="beat_champion", value=score.pnl_usd, limit=champion.pnl_usd, op=">=", passed=passed,
                     detail=f"pnl_usd {score.pnl_usd:.6g} {relation} champion {champion.version} pnl_usd "
                            f"{champion.pnl_usd:.6g} (beat_champion)")
