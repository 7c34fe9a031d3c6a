"""Alert events: something a person must look at now (a breaker tripped, positions disagree).

Every alert is journaled (kind ``alert``) and kept in memory for reports, then handed to each
configured sink (a callable; the monitoring service adds log and webhook sinks).

>>> from arbkit.audit.journal import Journal
>>> bus = AlertBus(Journal(":memory:"))
>>> alert = bus.raise_alert(Alert(code="DRAWDOWN", scope="script:basis", ts_ns=0, detail="drawdown 110 > 100",
...                                values={"value_usd": "110", "limit_usd": "100"}))
>>> [a.code for a in bus.alerts]
['DRAWDOWN']
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from arbkit.audit import kinds
from arbkit.audit.journal import Journal

AlertSink = Callable[["Alert"], None]
"""Receives every alert after it is journaled."""


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """One alert.

    Attributes:
        code: what happened (``DRAWDOWN``, ``DAILY_LOSS``, ``POSITION_MISMATCH``, ...).
        scope: what it concerns (``"account"``, ``"script:<id>"``, an instrument id).
        ts_ns: clock time of the alert, int ns.
        detail: one sentence naming the values and the limit.
        values: the compared values, as text (exact decimals stay exact).
        action: what the platform did about it (``"script:basis -> REDUCING"``), empty if nothing.
    """

    code: str
    scope: str
    ts_ns: int
    detail: str
    values: dict[str, str] = msgspec.field(default_factory=dict)
    action: str = ""


class AlertBus:
    """Journals alerts, keeps them, and passes them to sinks."""

    def __init__(self, journal: Journal, sinks: list[AlertSink] | None = None) -> None:
        self._journal = journal
        self._sinks = list(sinks or [])
        self.alerts: list[Alert] = []

    def add_sink(self, sink: AlertSink) -> None:
        """Also hand every later alert to ``sink``."""
        self._sinks.append(sink)

    def raise_alert(self, alert: Alert, actor: str = "risk") -> Alert:
        """Journal ``alert`` (kind ``alert``), keep it, and pass it to every sink; returns it."""
        self._journal.append(kinds.ALERT, ts_ns=alert.ts_ns, payload=alert, actor=actor)
        self.alerts.append(alert)
        for sink in self._sinks:
            sink(alert)
        return alert
