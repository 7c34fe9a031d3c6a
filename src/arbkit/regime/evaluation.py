"""Detection delay and false-alarm rate of a detector against planted episodes, in event time.

A detector is summarised by a boolean ``flagged`` per event (``label == "volatile"``, ``guard
tripped``, ...). Each event's flag holds from its ``ts_ns`` until the next event's (the last one
until ``end_ns``). An **episode** is a planted interval ``[start_ns, end_ns)`` that should be flagged;
``allowance_ns`` extends it for the report, for a detector that by design stays on a while after
(a guard's cooldown, an estimator's memory).

- **delay**: ``ts`` of the first flagged event at or after ``start_ns`` (and before the allowed end)
  minus ``start_ns``, in ns; None if never flagged (a miss).
- **false alarms**: rising edges (an event flagged whose predecessor was not) outside every allowed
  episode; their **rate per hour** of event time outside the allowed episodes.
- **wrongly flagged fraction**: flagged time outside the allowed episodes / time outside them.
- **covered fraction** of an episode: flagged time inside ``[start_ns, end_ns)`` / its length.

>>> ts = np.array([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]) * NS_PER_S
>>> flagged = np.array([0, 0, 1, 0, 0, 0, 1, 1, 1, 0], dtype=bool)
>>> report = evaluate_detections(ts, flagged, [Episode(name="switch", start_ns=55 * NS_PER_S, end_ns=90 * NS_PER_S)],
...                              detector="demo", start_ns=0, end_ns=100 * NS_PER_S)
>>> report.episodes[0].delay_ns / NS_PER_S, report.false_alarms, round(report.wrongly_flagged_fraction, 4)
(5.0, 1, 0.1538)
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np

from arbkit.regime.errors import RegimeError

NS_PER_S = 1_000_000_000
NS_PER_HOUR = 3600 * NS_PER_S


class Episode(msgspec.Struct, frozen=True, kw_only=True):
    """A planted interval that should be flagged: ``[start_ns, end_ns)``, ns since the epoch."""

    name: str
    start_ns: int
    end_ns: int


class EpisodeDetection(msgspec.Struct, frozen=True, kw_only=True):
    """How one episode was detected (times in ns; ``delay_ns`` None when missed)."""

    name: str
    start_ns: int
    end_ns: int
    detected_ns: int | None
    delay_ns: int | None
    detected_index: int | None
    covered_fraction: float


class DetectionReport(msgspec.Struct, frozen=True, kw_only=True):
    """Delay per episode and false alarms outside them (see module docs). ``str(report)`` is a readable table."""

    detector: str
    events: int
    span_ns: int
    allowance_ns: int
    episodes: tuple[EpisodeDetection, ...]
    false_alarms: int
    clean_ns: int
    false_alarms_per_hour: float
    wrongly_flagged_fraction: float

    def __str__(self) -> str:
        lines = [f"{self.detector}: {self.events} events over {self.span_ns / NS_PER_S:.1f} s of event time"]
        for e in self.episodes:
            delay = "MISSED" if e.delay_ns is None else f"delay {e.delay_ns / 1e6:.1f} ms (event {e.detected_index})"
            lines.append(f"  {e.name}: {delay}; flagged {100 * e.covered_fraction:.1f} % of the episode "
                         f"({(e.end_ns - e.start_ns) / NS_PER_S:.1f} s)")
        lines.append(f"  false alarms: {self.false_alarms} in {self.clean_ns / NS_PER_S:.1f} s outside the episodes "
                     f"(+{self.allowance_ns / NS_PER_S:.1f} s allowance) = {self.false_alarms_per_hour:.2f} per hour; "
                     f"wrongly flagged {100 * self.wrongly_flagged_fraction:.3f} % of that time")
        return "\n".join(lines)


def _overlap(a: np.ndarray, b: np.ndarray, start: int, end: int) -> np.ndarray:
    """Length of ``[a_i, b_i) ∩ [start, end)`` per interval, ns."""
    return np.clip(np.minimum(b, end) - np.maximum(a, start), 0, None)


def evaluate_detections(ts_ns: np.ndarray, flagged: np.ndarray, episodes: Sequence[Episode], *, detector: str,
                        start_ns: int | None = None, end_ns: int | None = None,
                        allowance_ns: int = 0) -> DetectionReport:
    """Score ``flagged`` (bool per event at ``ts_ns``, non-decreasing int ns) against ``episodes``.

    ``start_ns``/``end_ns`` bound the evaluated span (default: first event / last event).
    """
    ts = np.asarray(ts_ns, dtype=np.int64)
    flags = np.asarray(flagged, dtype=bool)
    if ts.ndim != 1 or flags.shape != ts.shape or len(ts) == 0:
        raise RegimeError(f"evaluate_detections: ts {ts.shape} and flagged {flags.shape} must be 1-D, non-empty, "
                          "of one length")
    if (np.diff(ts) < 0).any():
        raise RegimeError("evaluate_detections: ts_ns must be non-decreasing")
    begin = int(ts[0]) if start_ns is None else int(start_ns)
    finish = int(ts[-1]) if end_ns is None else int(end_ns)
    if finish <= begin:
        raise RegimeError(f"evaluate_detections: end_ns {finish} must be after start_ns {begin}")
    holds_to = np.append(ts[1:], finish)
    a, b = np.clip(ts, begin, finish), np.clip(holds_to, begin, finish)
    rising = flags & ~np.concatenate([[False], flags[:-1]])

    allowed = [(e.start_ns, e.end_ns + allowance_ns) for e in episodes]
    inside = np.zeros(len(ts), dtype=bool)
    allowed_ns = np.zeros(len(ts), dtype=np.int64)
    for lo, hi in allowed:
        inside |= (ts >= lo) & (ts < hi)
        allowed_ns += _overlap(a, b, lo, hi)  # episodes are assumed not to overlap each other
    found = []
    for e, (lo, hi) in zip(episodes, allowed):
        hits = np.flatnonzero(flags & (ts >= e.start_ns) & (ts < hi))
        length = max(e.end_ns - e.start_ns, 1)
        covered = float(_overlap(a, b, e.start_ns, e.end_ns)[flags].sum()) / length
        first = int(hits[0]) if len(hits) else None
        found.append(EpisodeDetection(name=e.name, start_ns=e.start_ns, end_ns=e.end_ns,
                                      detected_ns=None if first is None else int(ts[first]),
                                      delay_ns=None if first is None else int(ts[first]) - e.start_ns,
                                      detected_index=first, covered_fraction=covered))
    clean = (b - a) - allowed_ns
    clean_ns = int(clean.sum())
    false_alarms = int((rising & ~inside & (ts >= begin) & (ts < finish)).sum())
    return DetectionReport(
        detector=detector, events=len(ts), span_ns=finish - begin, allowance_ns=allowance_ns, episodes=tuple(found),
        false_alarms=false_alarms, clean_ns=clean_ns,
        false_alarms_per_hour=false_alarms / (clean_ns / NS_PER_HOUR) if clean_ns > 0 else float("nan"),
        wrongly_flagged_fraction=float(clean[flags].sum()) / clean_ns if clean_ns > 0 else float("nan"))
