"""Order-flow rules: restricted instruments, duplicates, message limits and the execution throttle.

Like the rules of :mod:`arbkit.risk.rules`, each has a ``name``, a ``reason`` and one
``check(intent, ctx) -> RiskCheck`` that never raises. Unlike them they keep state; the gate feeds it:
:meth:`DuplicateRule.record` and :meth:`MaxMessagesRule.record_message` for each approved intent,
:meth:`MaxMessagesRule.record_message` for each cancel sent, :meth:`ExecutionThrottleRule.on_fill` for
each fill. Times are the gate clock's int ns; windows are configured in ms.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from decimal import Decimal

from arbkit.core.instruments import Instrument
from arbkit.core.messages import OrderIntent, RiskCheck
from arbkit.core.time import NANOS_PER_MILLI
from arbkit.risk.context import RuleContext
from arbkit.risk.flow_config import DuplicatesConfig, MessageLimit, MessagesConfig, RestrictionsConfig, ThrottleConfig
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.windows import SlidingWindowCount


def _script(intent: OrderIntent) -> str:
    return intent.script_id if isinstance(intent.script_id, str) and intent.script_id else "unknown"


_CACHE_MAX = 4_096
"""Most verdicts a rule keeps to reuse (RiskCheck is frozen; the cache is cleared when full)."""


class RestrictedRule:
    """Rejects a restricted instrument, and a script or venue an instrument's permissions do not list.

    Absent permissions (no ``[restrictions.instruments."ID"]`` table, or no ``scripts``/``venues`` key in
    it) permit every script or venue.
    """

    name = "restricted"
    reason = ReasonCode.RESTRICTED

    def __init__(self, config: RestrictionsConfig) -> None:
        self._restricted = frozenset(config.restricted_instruments)
        self._permissions = dict(config.instruments)
        self._passed: dict[tuple[str, str], RiskCheck] = {}  # by (script, instrument id); the config is frozen

    def reconfigure(self, config: RestrictionsConfig) -> None:
        """Use ``config`` from now on (the gate journals the change)."""
        self._restricted = frozenset(config.restricted_instruments)
        self._permissions = dict(config.instruments)
        self._passed.clear()

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        instrument = ctx.instrument
        if instrument is None:
            return RiskCheck(rule=self.name, passed=False, value="no instrument", limit="checked by an earlier rule")
        key = (_script(intent), instrument.id)
        passed = self._passed.get(key)
        if passed is not None:
            return passed
        check = self._check(intent, instrument)
        if check.passed:
            if len(self._passed) >= _CACHE_MAX:
                self._passed.clear()
            self._passed[key] = check
        return check

    def _check(self, intent: OrderIntent, instrument: Instrument) -> RiskCheck:
        if instrument.id in self._restricted:
            return RiskCheck(rule=self.name, passed=False, value=f"instrument {instrument.id}",
                             limit="restricted_instruments")
        permissions = self._permissions.get(instrument.id)
        script = _script(intent)
        if permissions is not None and permissions.scripts is not None and script not in permissions.scripts:
            return RiskCheck(rule=self.name, passed=False, value=f"script {script} on {instrument.id}",
                             limit=f"scripts permitted: {', '.join(permissions.scripts) or 'none'}")
        if permissions is not None and permissions.venues is not None and instrument.venue not in permissions.venues:
            return RiskCheck(rule=self.name, passed=False, value=f"venue {instrument.venue} for {instrument.id}",
                             limit=f"venues permitted: {', '.join(permissions.venues) or 'none'}")
        return RiskCheck(rule=self.name, passed=True, value=f"script {script} on {instrument.id}", limit="permitted")


def duplicate_key(intent: OrderIntent) -> Hashable:
    """What makes two intents identical: script, instrument, side, type, quantity, price, time in force."""
    return (intent.script_id, intent.instrument_id, intent.side, intent.order_type, intent.qty_lots,
            intent.price_ticks, intent.time_in_force)


class DuplicateRule:
    """Rejects a reused ``intent_id`` of an approved intent, and an intent identical to one approved less
    than ``duplicate_window_ms`` ago (:func:`duplicate_key`).

    Only approved intents are remembered: a rejected intent sent nothing, so trying again is not a duplicate.
    """

    name = "duplicate"
    reason = ReasonCode.DUPLICATE

    def __init__(self, config: DuplicatesConfig) -> None:
        self.window_ms = config.duplicate_window_ms
        self._window_ns = config.duplicate_window_ms * NANOS_PER_MILLI
        self._sent_ids: set[str] = set()
        self._last: dict[Hashable, tuple[int, str]] = {}
        self._order: deque[tuple[int, Hashable]] = deque()
        self._limit = f"a new intent_id, and no identical intent within duplicate_window_ms {self.window_ms}"
        self._no_duplicate = RiskCheck(rule=self.name, passed=True, value="no identical intent", limit=self._limit)

    def reconfigure(self, config: DuplicatesConfig) -> None:
        """Use ``config``'s window from now on; the approved intents remembered so far stay remembered."""
        self.window_ms = config.duplicate_window_ms
        self._window_ns = config.duplicate_window_ms * NANOS_PER_MILLI
        self._limit = f"a new intent_id, and no identical intent within duplicate_window_ms {self.window_ms}"
        self._no_duplicate = RiskCheck(rule=self.name, passed=True, value="no identical intent", limit=self._limit)

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        limit = self._limit
        if intent.intent_id in self._sent_ids:
            return RiskCheck(rule=self.name, passed=False, value=f"intent_id {intent.intent_id!r} was already sent",
                             limit=limit)
        self._forget(ctx.now_ns)
        try:
            previous = self._last.get(duplicate_key(intent))
        except TypeError:  # an unhashable field: a malformed intent, caught by valid_intent
            return RiskCheck(rule=self.name, passed=False, value="unhashable intent", limit=limit)
        if previous is not None:
            age_ms = Decimal(ctx.now_ns - previous[0]) / NANOS_PER_MILLI
            return RiskCheck(rule=self.name, passed=False,
                             value=f"identical to intent {previous[1]!r} approved {age_ms} ms ago", limit=limit)
        return self._no_duplicate

    def record(self, intent: OrderIntent, now_ns: int) -> None:
        """Remember an approved intent (its id for ever, its content for ``duplicate_window_ms``)."""
        self._sent_ids.add(intent.intent_id)
        key = duplicate_key(intent)
        self._last[key] = (now_ns, intent.intent_id)
        self._order.append((now_ns, key))

    def _forget(self, now_ns: int) -> None:
        order = self._order
        horizon = now_ns - self._window_ns
        while order and order[0][0] <= horizon:
            ts_ns, key = order.popleft()
            if self._last.get(key, (None,))[0] == ts_ns:
                del self._last[key]


class MaxMessagesRule:
    """Rejects an intent whose order would take its script's or its venue's message count in the sliding
    window above ``max_messages``. Messages are orders sent (approved intents) and cancels sent; rejected
    intents send nothing and do not count. Cancels are counted, never refused.
    """

    name = "max_messages"
    reason = ReasonCode.MAX_MESSAGES

    def __init__(self, config: MessagesConfig) -> None:
        self._config = config
        self._scripts: dict[str, SlidingWindowCount] = {}
        self._venues: dict[str, SlidingWindowCount] = {}

    def reconfigure(self, config: MessagesConfig) -> None:
        """Use ``config``'s limits from now on, keeping the messages counted so far (a longer window counts
        only the messages still remembered, those within the old window)."""
        self._config = config
        for key, counter in self._scripts.items():
            counter.window_ns = config.for_script(key).message_window_ms * NANOS_PER_MILLI
        for key, counter in self._venues.items():
            counter.window_ns = config.for_venue(key).message_window_ms * NANOS_PER_MILLI

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        instrument = ctx.instrument
        if instrument is None:
            return RiskCheck(rule=self.name, passed=False, value="no instrument", limit="checked by an earlier rule")
        script = _script(intent)
        now_ns = ctx.now_ns
        limit = self._config.for_script(script)
        count = _count(self._scripts, script, now_ns) + 1
        if count > limit.max_messages:
            return RiskCheck(rule=self.name, passed=False, limit=str(limit.max_messages),
                             value=f"{count} messages of script {script} in {limit.message_window_ms} ms")
        venue = instrument.venue
        limit = self._config.for_venue(venue)
        count = _count(self._venues, venue, now_ns) + 1
        return RiskCheck(rule=self.name, passed=count <= limit.max_messages, limit=str(limit.max_messages),
                         value=f"{count} messages of venue {venue} in {limit.message_window_ms} ms")

    def record_message(self, script_id: str, venue: str, now_ns: int) -> None:
        """Count one message (an order or a cancel sent) of ``script_id`` to ``venue`` at ``now_ns``."""
        self._counter(self._scripts, script_id, self._config.for_script(script_id)).add(now_ns)
        self._counter(self._venues, venue, self._config.for_venue(venue)).add(now_ns)

    def script_messages(self, script_id: str, now_ns: int) -> int:
        """Messages of ``script_id`` in its window ending at ``now_ns``."""
        return _count(self._scripts, script_id, now_ns)

    def venue_messages(self, venue: str, now_ns: int) -> int:
        """Messages to ``venue`` in its window ending at ``now_ns``."""
        return _count(self._venues, venue, now_ns)

    @staticmethod
    def _counter(counters: dict[str, SlidingWindowCount], key: str, limit: MessageLimit) -> SlidingWindowCount:
        counter = counters.get(key)
        if counter is None:
            counter = counters[key] = SlidingWindowCount(limit.message_window_ms * NANOS_PER_MILLI)
        return counter


def _count(counters: dict[str, SlidingWindowCount], key: str, now_ns: int) -> int:
    counter = counters.get(key)
    return 0 if counter is None else counter.count(now_ns)


class ExecutionThrottleRule:
    """Rejects every intent of a script the throttle disabled: ``max_fills`` fills within ``fill_window_ms``.

    Only :meth:`reenable` (called by the gate's audited ``reenable_script``) lifts it; no timer does.
    """

    name = "execution_throttle"
    reason = ReasonCode.EXECUTION_THROTTLE

    def __init__(self, config: ThrottleConfig) -> None:
        self._config = config
        self._fills: dict[str, SlidingWindowCount] = {}
        self._disabled: dict[str, str] = {}
        self._enabled: dict[str, RiskCheck] = {}  # the passing verdict by script (the config is frozen)

    def reconfigure(self, config: ThrottleConfig) -> None:
        """Use ``config``'s throttles from now on; disabled scripts stay disabled, counted fills stay counted."""
        self._config = config
        self._enabled.clear()
        for key, counter in self._fills.items():
            counter.window_ns = config.for_script(key).fill_window_ms * NANOS_PER_MILLI

    def check(self, intent: OrderIntent, ctx: RuleContext) -> RiskCheck:
        script = _script(intent)
        disabled = self._disabled.get(script)
        if disabled is not None:
            return RiskCheck(rule=self.name, passed=False, value=disabled,
                             limit=str(self._config.for_script(script).max_fills))
        check = self._enabled.get(script)
        if check is None:
            if len(self._enabled) >= _CACHE_MAX:
                self._enabled.clear()
            check = self._enabled[script] = RiskCheck(rule=self.name, passed=True, value="enabled",
                                                      limit=str(self._config.for_script(script).max_fills))
        return check

    @property
    def disabled_scripts(self) -> dict[str, str]:
        """Disabled script ids and what disabled them."""
        return dict(self._disabled)

    def on_fill(self, script_id: str, now_ns: int) -> str | None:
        """Count one fill of ``script_id``; returns why the script is now disabled if this fill disabled it."""
        throttle = self._config.for_script(script_id)
        counter = self._fills.get(script_id)
        if counter is None:
            counter = self._fills[script_id] = SlidingWindowCount(throttle.fill_window_ms * NANOS_PER_MILLI)
        counter.add(now_ns)
        count = counter.count(now_ns)
        if script_id in self._disabled or count < throttle.max_fills:
            return None
        self._disabled[script_id] = f"{count} fills within fill_window_ms {throttle.fill_window_ms}"
        return self._disabled[script_id]

    def reenable(self, script_id: str) -> str | None:
        """Lift the throttle of ``script_id`` and forget its fills; returns what had disabled it (None if enabled)."""
        counter = self._fills.get(script_id)
        if counter is not None:
            counter.clear()
        return self._disabled.pop(script_id, None)
