"""What a scoped kill did to the open orders: cancels requested and confirmed, per venue.

:meth:`arbkit.system.order_path.OrderPath.kill` fills one :class:`KillReport`; the order path updates
it as venue events arrive. An order counts as confirmed when the venue reports it canceled, and as
closed otherwise when it filled or was rejected before the cancel took effect. The kill is complete
when every requested cancel is one or the other on every venue.
"""

from __future__ import annotations


class KillReport:
    """Cancel progress of one kill.

    Attributes:
        scope, actor, reason: what was engaged, by whom and why.
        ts_ns: gate clock time of the kill (int ns).
    """

    def __init__(self, scope: str, actor: str, reason: str, ts_ns: int) -> None:
        self.scope = scope
        self.actor = actor
        self.reason = reason
        self.ts_ns = ts_ns
        self._requested: dict[str, int] = {}
        self._confirmed: dict[str, int] = {}
        self._closed_otherwise: dict[str, int] = {}
        self._pending: dict[str, str] = {}

    def add(self, client_order_id: str, venue: str) -> None:
        """Record a cancel requested for ``client_order_id`` at ``venue``."""
        self._pending[client_order_id] = venue
        self._requested[venue] = self._requested.get(venue, 0) + 1

    def resolve(self, client_order_id: str, canceled: bool) -> None:
        """The order closed: canceled by the venue (``canceled``) or by a fill or reject; unknown ids are ignored."""
        venue = self._pending.pop(client_order_id, None)
        if venue is None:
            return
        counts = self._confirmed if canceled else self._closed_otherwise
        counts[venue] = counts.get(venue, 0) + 1

    @property
    def requested(self) -> dict[str, int]:
        """Cancels requested, per venue."""
        return dict(self._requested)

    @property
    def confirmed(self) -> dict[str, int]:
        """Cancels the venue confirmed, per venue."""
        return dict(self._confirmed)

    @property
    def closed_otherwise(self) -> dict[str, int]:
        """Orders that filled or were rejected before their cancel took effect, per venue."""
        return dict(self._closed_otherwise)

    @property
    def pending(self) -> dict[str, str]:
        """Orders whose cancel is not yet confirmed: client order id -> venue."""
        return dict(self._pending)

    @property
    def complete(self) -> bool:
        """True once every venue has confirmed (or otherwise closed) every requested cancel."""
        return not self._pending
