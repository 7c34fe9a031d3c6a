"""The pre-trade risk gate: every intent passes it, and nothing reaches a venue any other way.

:meth:`RiskGate.evaluate` journals the intent, runs the rules of :func:`arbkit.risk.rules.default_rules`
in order (kill switch first), stops at the first failure, journals the decision and returns it. There
is no flag, argument or mode that skips a rule; the only exception is a one-intent override
(:meth:`RiskGate.grant_override`: named approver, named rules, expiring, consumed, journaled), which never
passes the kill switch nor a HALTED trading state. Trading states (ACTIVE / REDUCING / HALTED per script
and for the account) change only through :meth:`RiskGate.set_trading_state`, journaled.

The order path tells the gate what else it sends and receives, so the flow controls see every message:
:meth:`RiskGate.on_cancel_sent` for each cancel and :meth:`RiskGate.on_fill` for each fill.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

from arbkit.audit import kinds
from arbkit.audit.alerts import Alert, AlertBus
from arbkit.audit.journal import Journal
from arbkit.core.errors import ConfigError
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import Fill, OrderIntent, RiskCheck, RiskDecision
from arbkit.core.time import Clock
from arbkit.risk.breaker_config import BreakerLimits, breakers_section
from arbkit.risk.breakers import DailyLossRule, DrawdownRule, LossBreakers, Trip
from arbkit.risk.config import InstrumentLimits, RiskConfig, limits_from_dict
from arbkit.risk.context import RuleContext
from arbkit.risk.errors import RiskError
from arbkit.risk.kill_switch import KillSwitch
from arbkit.risk.overrides import Override, OverrideBook
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.regime_policy import RegimePolicy
from arbkit.risk.regime_state import RegimeBoard
from arbkit.risk.rules import FlowRules, RiskRule, default_rules
from arbkit.risk.rules_flow import DuplicateRule, ExecutionThrottleRule, MaxMessagesRule, RestrictedRule
from arbkit.risk.rules_portfolio import CovarianceSource, ReturnSource, portfolio_rules
from arbkit.risk.states import STATE_RANK
from arbkit.risk.trading_state import TradingState, TradingStateRule, TradingStates, check_scope, check_state
from arbkit.risk.views import ExposureView, MarketView

GATE_ACTOR = "risk_gate"
"""Actor of the gate's own journal entries (decisions, initial config)."""

CONFIG_ACTOR = "risk_config"
"""Actor of the kill-switch scopes and trading states the risk config sets at start."""

BREAKER_ACTOR = "risk_gate:breaker"
"""Actor of the trading-state changes a tripped loss breaker makes."""

_RUNTIME_SECTIONS = ("restrictions", "duplicates", "messages", "throttle", "portfolio")

USD_QUOTES = frozenset({"USD", "USDT", "USDC"})
"""Quote currencies whose notional counts 1:1 as USD for ``max_order_notional_usd``."""


class RiskGate:
    """Pre-trade risk gate.

    Args:
        config: limits per instrument and the initial kill-switch state.
        instruments: the registry; every instrument named in ``config`` must be in it and quoted in USD.
        market: reference mids (the engine's books).
        exposure: filled positions and working orders (portfolio + OMS).
        clock: time source (int ns) for reference ages and journal entries.
        journal: receives every intent, decision, kill-switch and limit change.
        regimes: the regime board the ``regime`` rule reads (current regime per scope); a new empty board
            if None, so a regime-gated script without monitors can only reduce.
        covariance, returns: the return covariance and history the ``correlation_bound`` and ``var_limit``
            rules read (:mod:`arbkit.risk.var`); those rules fail closed while a configured limit has no
            source or the source is not ready.
        alerts: where breaker trips are raised (journaled, kind ``alert``); a new bus on ``journal`` if None.
    """

    def __init__(self, config: RiskConfig, instruments: InstrumentRegistry, market: MarketView,
                 exposure: ExposureView, clock: Clock, journal: Journal, regimes: RegimeBoard | None = None,
                 covariance: CovarianceSource | None = None, returns: ReturnSource | None = None,
                 alerts: AlertBus | None = None) -> None:
        for instrument_id in config.instruments:
            self._check_instrument(instrument_id, instruments)
        for where, ids in (("restrictions.restricted_instruments", config.restrictions.restricted_instruments),
                           ("restrictions.instruments", list(config.restrictions.instruments))):
            unknown = [i for i in ids if i not in instruments]
            if unknown:
                raise ConfigError(f"{where} names unknown instrument {unknown[0]!r}; known: "
                                  f"{', '.join(sorted(i.id for i in instruments)) or 'none'}")
        self._flow_config = config
        self._instruments = instruments
        self._market = market
        self._exposure = exposure
        self._clock = clock
        self._journal = journal
        self._limits: dict[str, InstrumentLimits] = dict(config.instruments)
        self._kill_switch = KillSwitch(journal, clock, engaged=config.kill_switch_engaged)
        self._regimes = RegimeBoard(journal) if regimes is None else regimes
        self._regime_policies: dict[str, RegimePolicy] = {}
        self._flow = FlowRules(RestrictedRule(config.restrictions), DuplicateRule(config.duplicates),
                               MaxMessagesRule(config.messages), ExecutionThrottleRule(config.throttle))
        self._trading = TradingStates()
        self._overrides = OverrideBook(journal, clock)
        self._alerts = AlertBus(journal) if alerts is None else alerts
        self._breakers = LossBreakers(config.breakers)
        self._rules: tuple[RiskRule, ...] = default_rules(
            self._kill_switch, self._regimes, self._regime_policies, self._flow,
            trading_state=TradingStateRule(self._trading),
            breakers=(DrawdownRule(self._breakers), DailyLossRule(self._breakers)),
            portfolio=portfolio_rules(config.portfolio, instruments, covariance, returns))
        self._return_sources = (covariance, returns)
        self._rejections: Counter[str] = Counter()
        self._approvals = 0
        journal.append(kinds.CONFIG, ts_ns=clock.now_ns(), actor=GATE_ACTOR,
                       payload={"action": "risk_config_loaded", "config": config})
        for scope in config.kill_switch_scopes:
            self._kill_switch.engage(CONFIG_ACTOR, "engaged in the risk config (kill_switch_scopes)", scope)
        for scope, state in config.trading_states.items():
            self.set_trading_state(scope, state, CONFIG_ACTOR, "initial state in the risk config (trading_states)")

    # -- state -----------------------------------------------------------------------------
    @property
    def kill_switch(self) -> KillSwitch:
        """The gate's kill switch: ``gate.kill_switch.engage(actor, reason)``."""
        return self._kill_switch

    def trading_states(self) -> dict[str, str]:
        """Every scope whose trading state is not ACTIVE, with its state (``{"account": "HALTED"}``)."""
        return self._trading.as_dict()

    def trading_state(self, scope: str) -> TradingState:
        """The trading state of ``scope`` (``"account"`` or ``"script:<id>"``); ACTIVE if never set."""
        return self._trading.get(scope)

    def effective_trading_state(self, script_id: str) -> TradingState:
        """The state governing ``script_id``'s intents: the more restrictive of its own and the account's."""
        return self._trading.effective(script_id)

    def pending_overrides(self) -> dict[str, Override]:
        """Granted overrides neither used nor expired, by intent id."""
        return self._overrides.pending

    def clock_ns(self) -> int:
        """The gate clock's time now (int ns)."""
        return self._clock.now_ns()

    def instrument_venue(self, instrument_id: str) -> str:
        """The venue of a registered instrument (raises naming known ids if unknown)."""
        return self._instruments.get(instrument_id).venue

    @property
    def return_sources(self) -> tuple[CovarianceSource | None, ReturnSource | None]:
        """The return covariance and history the VaR and correlation rules read (None when not configured)."""
        return self._return_sources

    @property
    def regimes(self) -> RegimeBoard:
        """The regime board the ``regime`` rule reads."""
        return self._regimes

    def regime_policy(self, script_id: str) -> RegimePolicy | None:
        """The regime policy of ``script_id``, or None if the script is not regime-gated."""
        return self._regime_policies.get(script_id)

    @property
    def config(self) -> RiskConfig:
        """The limits in force now, as a new frozen config."""
        return RiskConfig(instruments=dict(self._limits), kill_switch_engaged=self._kill_switch.engaged,
                          kill_switch_scopes=sorted(s for s in self._kill_switch.engaged_scopes if s != "all"),
                          trading_states=self._trading.as_dict(),
                          restrictions=self._flow_config.restrictions, duplicates=self._flow_config.duplicates,
                          messages=self._flow_config.messages, throttle=self._flow_config.throttle,
                          portfolio=self._flow_config.portfolio, breakers=self._breakers.config,
                          post_trade=self._flow_config.post_trade)

    @property
    def rule_names(self) -> tuple[str, ...]:
        """Names of the rules in the order they run."""
        return tuple(rule.name for rule in self._rules)

    @property
    def approvals(self) -> int:
        """Number of approved intents so far."""
        return self._approvals

    def rejections_by_reason(self) -> dict[str, int]:
        """Number of rejected intents by reason code (codes with no rejection are absent)."""
        return dict(self._rejections)

    def disabled_scripts(self) -> dict[str, str]:
        """Scripts the execution throttle disabled, with what disabled them."""
        return self._flow.throttle.disabled_scripts

    def script_messages(self, script_id: str) -> int:
        """Messages (orders and cancels sent) of ``script_id`` in its window ending now."""
        return self._flow.messages.script_messages(script_id, self._clock.now_ns())

    def venue_messages(self, venue: str) -> int:
        """Messages (orders and cancels sent) to ``venue`` in its window ending now."""
        return self._flow.messages.venue_messages(venue, self._clock.now_ns())

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, intent: OrderIntent) -> RiskDecision:
        """Decide on ``intent``; the intent and the decision are both journaled, approved or not."""
        now_ns = self._clock.now_ns()
        script_id = intent.script_id if isinstance(intent.script_id, str) and intent.script_id else "unknown"
        journal = self._journal
        journal.append(kinds.INTENT, ts_ns=now_ns, payload=intent, actor=script_id)
        ctx = RuleContext(instrument_id=intent.instrument_id, now_ns=now_ns, instruments=self._instruments,
                          limits=self._limits, market=self._market, exposure=self._exposure)
        checks: list[RiskCheck] = []
        failed: tuple[ReasonCode, RiskCheck] | None = None
        overrides = self._overrides
        overrides.expire(now_ns)
        override = overrides.take(intent.intent_id, intent.script_id)
        overridden: list[str] = []
        if override is None:  # the usual case: run the rules until the first failure
            add = checks.append
            for rule in self._rules:
                check = rule.check(intent, ctx)
                add(check)
                if not check.passed:
                    failed = (rule.reason, check)
                    break
        else:
            for rule in self._rules:
                check = rule.check(intent, ctx)
                if not check.passed and self._may_override(rule.name, override):
                    check = RiskCheck(rule=check.rule, passed=True, limit=check.limit,
                                      value=f"{check.value} (overridden by {override.approver}: {override.reason})")
                    overridden.append(rule.name)
                checks.append(check)
                if not check.passed:
                    failed = (rule.reason, check)
                    break
        decision = RiskDecision(
            intent_id=intent.intent_id,
            script_id=intent.script_id,
            instrument_id=intent.instrument_id,
            ts=now_ns,
            approved=failed is None,
            reason_code="" if failed is None else failed[0].value,
            detail="" if failed is None else failed[0].describe(failed[1].value, failed[1].limit, script_id),
            checks=tuple(checks),
        )
        journal.append(kinds.RISK_DECISION, ts_ns=now_ns, payload=decision, actor=GATE_ACTOR)
        if override is not None:
            overrides.record_use(override, overridden, decision.approved)
        if failed is None:
            self._approvals += 1
            self._flow.duplicate.record(intent, now_ns)
            assert ctx.instrument is not None  # approved: known_instrument passed
            self._flow.messages.record_message(script_id, ctx.instrument.venue, now_ns)
        else:
            self._rejections[failed[0].value] += 1
        return decision

    def _may_override(self, rule_name: str, override: Override) -> bool:
        """An override never passes the kill switch, nor the trading state while it is HALTED."""
        if rule_name not in override.rules or rule_name == "kill_switch":
            return False
        return not (rule_name == "trading_state"
                    and self._trading.effective(override.script_id) is TradingState.HALTED)

    # -- what the order path reports ------------------------------------------------------
    def on_cancel_sent(self, script_id: str, instrument_id: str) -> None:
        """Count a cancel the order path sent for ``script_id`` on ``instrument_id`` (message limits)."""
        instrument = self._instruments.get(instrument_id)
        self._flow.messages.record_message(script_id, instrument.venue, self._clock.now_ns())

    def on_fill(self, fill: Fill) -> None:
        """Count a fill of ``fill.script_id`` (execution throttle, gate clock); journals a script it disables."""
        now_ns = self._clock.now_ns()
        why = self._flow.throttle.on_fill(fill.script_id, now_ns)
        if why is not None:
            self._journal.append(kinds.CONFIG, ts_ns=now_ns, actor=GATE_ACTOR,
                                 payload={"action": "script_disabled", "script_id": fill.script_id,
                                          "rule": ExecutionThrottleRule.name, "reason": why,
                                          "fill_id": fill.fill_id})

    # -- runtime changes -------------------------------------------------------------------
    def set_limits(self, instrument_id: str, limits: InstrumentLimits | Mapping[str, Any], actor: str,
                   reason: str) -> None:
        """Replace (or add) the limits of ``instrument_id``; journaled (kind ``"config"``) with who and why."""
        _require_text("set_limits", actor, reason)
        self._check_instrument(instrument_id, self._instruments)
        if not isinstance(limits, InstrumentLimits):
            limits = limits_from_dict(limits, where=f"limits of {instrument_id!r}")
        old = self._limits.get(instrument_id)
        self._journal.append(kinds.CONFIG, ts_ns=self._clock.now_ns(), actor=actor,
                             payload={"action": "set_limits", "instrument_id": instrument_id, "old": old,
                                      "new": limits, "actor": actor, "reason": reason})
        self._limits[instrument_id] = limits

    def set_trading_state(self, scope: str, state: TradingState | str, actor: str, reason: str) -> None:
        """Set ``scope`` (``"account"`` or ``"script:<id>"``) to ACTIVE, REDUCING or HALTED; journaled (kind
        ``"config"``, action ``set_trading_state``) with old and new state, who and why."""
        _require_text("set_trading_state", actor, reason)
        scope, state = check_scope(scope), check_state(state)
        old = self._trading.get(scope)
        cleared = self._breakers.reset(scope) if state is TradingState.ACTIVE else []
        self._journal.append(kinds.CONFIG, ts_ns=self._clock.now_ns(), actor=actor,
                             payload={"action": "set_trading_state", "scope": scope, "old": old.value,
                                      "new": state.value, "actor": actor, "reason": reason,
                                      "cleared_breakers": [t.describe() for t in cleared]})
        self._trading.set(scope, state)

    # -- loss breakers and alerts ------------------------------------------------------------
    @property
    def alerts(self) -> AlertBus:
        """The bus the gate raises alerts on (breaker trips; other components share it)."""
        return self._alerts

    @property
    def breakers_enabled(self) -> bool:
        """True when any loss breaker is configured: the engine then marks PnL for :meth:`on_pnl`."""
        return self._breakers.enabled

    @property
    def breaker_check_interval_ns(self) -> int:
        """How often the engine should mark PnL for the breakers (ns), besides after each fill."""
        return self._breakers.config.check_interval_ms * 1_000_000

    def breaker_trips(self) -> list[Trip]:
        """Loss breakers tripped and not cleared by a person, oldest first."""
        return self._breakers.trips()

    def on_pnl(self, pnl_by_scope: Mapping[str, Decimal]) -> list[Trip]:
        """Mark each scope's PnL (USD since start; ``"account"``, ``"script:<id>"``) and fire the breakers.

        A trip raises an alert (journaled, kind ``alert``) and moves the scope to the breaker's action
        unless it is already as strict (journaled ``set_trading_state`` by ``risk_gate:breaker``).
        Returns the new trips.
        """
        now_ns = self._clock.now_ns()
        fired: list[Trip] = []
        for scope, pnl in pnl_by_scope.items():
            fired += self._breakers.update(scope, pnl, now_ns)
        for trip in fired:
            action = TradingState(trip.action)
            current = self._trading.get(trip.scope)
            moved = STATE_RANK[action] > STATE_RANK[current]
            if moved:
                self.set_trading_state(trip.scope, action, BREAKER_ACTOR, trip.describe())
            self._alerts.raise_alert(Alert(
                code=trip.code.value, scope=trip.scope, ts_ns=now_ns, detail=trip.describe(),
                values={"value_usd": str(trip.value_usd), "limit_usd": str(trip.limit_usd),
                        "pnl_usd": str(trip.pnl_usd)},
                action=f"{trip.scope} -> {action.value}" if moved else f"{trip.scope} already {current.value}"),
                actor=BREAKER_ACTOR)
        return fired

    def set_breaker_limits(self, scope: str, limits: BreakerLimits | Mapping[str, Any] | None, actor: str,
                           reason: str) -> None:
        """Replace the loss breaker of ``scope`` (``"account"`` or ``"script:<id>"``; None removes it);
        journaled (kind ``"config"``, action ``set_breaker_limits``) with old, new, who and why."""
        _require_text("set_breaker_limits", actor, reason)
        scope = check_scope(scope)
        if limits is not None and not isinstance(limits, BreakerLimits):
            limits = breakers_section({"account": dict(limits)}, where=f"breaker limits of {scope!r}").account
        old = self._breakers.limits_for(scope)
        self._journal.append(kinds.CONFIG, ts_ns=self._clock.now_ns(), actor=actor,
                             payload={"action": "set_breaker_limits", "scope": scope, "old": old, "new": limits,
                                      "actor": actor, "reason": reason})
        self._breakers.set_limits(scope, limits)

    def set_risk_section(self, section: str, table: Mapping[str, Any], actor: str, reason: str) -> None:
        """Replace one section of the risk config at runtime: ``restrictions``, ``duplicates``, ``messages``,
        ``throttle`` or ``portfolio``, given as its TOML table (validated as at load; a bad table changes
        nothing). Journaled (kind ``"config"``, action ``set_risk_section``) with old, new, who and why.

        State the rules keep survives: remembered intents, counted messages and fills, disabled scripts.
        A ``portfolio`` with a VaR or correlation limit needs the return sources the engine was built with
        (a config that had one of them at start); otherwise :class:`RiskError`.
        """
        _require_text("set_risk_section", actor, reason)
        if section not in _RUNTIME_SECTIONS:
            raise RiskError(f"set_risk_section: section {section!r} cannot be changed at runtime; allowed: "
                            f"{', '.join(_RUNTIME_SECTIONS)} (instrument limits: set_limits; breakers: "
                            "set_breaker_limits; states: set_trading_state)")
        new = RiskConfig.from_toml_dict({section: table})
        value = getattr(new, section)
        if section == "restrictions":
            unknown = [i for i in (*value.restricted_instruments, *value.instruments) if i not in self._instruments]
            if unknown:
                raise ConfigError(f"restrictions names unknown instrument {unknown[0]!r}")
        if section == "portfolio" and value.needs_returns and self._return_sources == (None, None):
            raise RiskError("set_risk_section: a VaR or correlation limit needs return sources, and this engine was "
                            "built without them; start it with [portfolio.var] or [portfolio.correlation] set")
        old = getattr(self._flow_config, section)
        self._journal.append(kinds.CONFIG, ts_ns=self._clock.now_ns(), actor=actor,
                             payload={"action": "set_risk_section", "section": section, "old": old, "new": value,
                                      "actor": actor, "reason": reason})
        self._flow_config = msgspec.structs.replace(self._flow_config, **{section: value})
        if section == "portfolio":
            fresh = {rule.name: rule for rule in portfolio_rules(value, self._instruments, *self._return_sources)}
            self._rules = tuple(fresh.get(rule.name, rule) for rule in self._rules)
        else:
            rule = {"restrictions": self._flow.restricted, "duplicates": self._flow.duplicate,
                    "messages": self._flow.messages, "throttle": self._flow.throttle}[section]
            rule.reconfigure(value)

    def grant_override(self, *, intent_id: str, script_id: str, rules: tuple[str, ...] | list[str], approver: str,
                       reason: str, expires_ns: int) -> Override:
        """Let one intent of ``script_id`` past the named rules once, until ``expires_ns`` (gate clock, int ns).

        Never past ``kill_switch`` (refused here) nor ``trading_state`` while HALTED (ignored at use).
        ``approver`` must be non-empty and differ from ``script_id``. Journaled when granted, used and expired.
        """
        return self._overrides.grant(intent_id=intent_id, script_id=script_id, rules=rules, approver=approver,
                                     reason=reason, expires_ns=expires_ns, known_rules=self.rule_names)

    def set_regime_policy(self, script_id: str, policy: RegimePolicy | None, actor: str, reason: str) -> None:
        """Gate ``script_id`` by ``policy`` (None: stop gating it); journaled (kind ``"config"``) with who and why.

        The composition root calls this with what each script declares (:func:`~arbkit.risk.regime_policy.policy_of`).
        """
        _require_text("set_regime_policy", actor, reason)
        if not isinstance(script_id, str) or not script_id:
            raise RiskError(f"set_regime_policy: script_id must be a non-empty str, got {script_id!r}")
        if policy is not None and not isinstance(policy, RegimePolicy):
            raise RiskError(f"set_regime_policy: policy must be a RegimePolicy or None, got "
                            f"{type(policy).__name__} {policy!r}")
        old = self._regime_policies.get(script_id)
        self._journal.append(kinds.CONFIG, ts_ns=self._clock.now_ns(), actor=actor,
                             payload={"action": "set_regime_policy", "script_id": script_id,
                                      "old": None if old is None else old.as_payload(),
                                      "new": None if policy is None else policy.as_payload(),
                                      "actor": actor, "reason": reason})
        if policy is None:
            self._regime_policies.pop(script_id, None)
        else:
            self._regime_policies[script_id] = policy

    def reenable_script(self, script_id: str, actor: str, reason: str) -> None:
        """Re-enable a script the execution throttle disabled, and forget its fills; journaled (kind ``"config"``).

        Raises :class:`RiskError` if ``script_id`` is not disabled.
        """
        _require_text("reenable_script", actor, reason)
        disabled = self._flow.throttle.disabled_scripts
        if script_id not in disabled:
            raise RiskError(f"reenable_script: script {script_id!r} is not disabled; disabled: "
                            f"{', '.join(sorted(disabled)) or 'none'}")
        self._journal.append(kinds.CONFIG, ts_ns=self._clock.now_ns(), actor=actor,
                             payload={"action": "reenable_script", "script_id": script_id,
                                      "old": f"disabled: {disabled[script_id]}", "new": "enabled",
                                      "actor": actor, "reason": reason})
        self._flow.throttle.reenable(script_id)

    def remove_limits(self, instrument_id: str, actor: str, reason: str) -> None:
        """Remove the limits of ``instrument_id`` so every intent for it is rejected (``NO_LIMITS``); journaled."""
        _require_text("remove_limits", actor, reason)
        if instrument_id not in self._limits:
            raise RiskError(f"remove_limits: {instrument_id!r} has no limits; configured: "
                            f"{', '.join(sorted(self._limits)) or 'none'}")
        old = self._limits[instrument_id]
        self._journal.append(kinds.CONFIG, ts_ns=self._clock.now_ns(), actor=actor,
                             payload={"action": "remove_limits", "instrument_id": instrument_id, "old": old,
                                      "new": None, "actor": actor, "reason": reason})
        del self._limits[instrument_id]

    @staticmethod
    def _check_instrument(instrument_id: str, instruments: InstrumentRegistry) -> None:
        if instrument_id not in instruments:
            known = ", ".join(sorted(i.id for i in instruments)) or "none"
            raise ConfigError(f"risk limits given for unknown instrument {instrument_id!r}; known: {known}")
        quote = instruments.get(instrument_id).quote
        if quote not in USD_QUOTES:
            raise ConfigError(f"risk limits for {instrument_id!r}: quote currency {quote!r} cannot be valued in "
                              f"USD (supported: {', '.join(sorted(USD_QUOTES))})")


def _require_text(action: str, actor: object, reason: object) -> None:
    if not isinstance(actor, str) or not actor.strip():
        raise RiskError(f"{action}: actor must be a non-empty str, got {actor!r}")
    if not isinstance(reason, str) or not reason.strip():
        raise RiskError(f"{action} by {actor!r}: reason must be a non-empty str, got {reason!r}")
