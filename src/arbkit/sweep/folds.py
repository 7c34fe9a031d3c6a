"""Walk-forward folds over a recording's time range: each fold is a data range (train window then test
window) and the model's ``train_fraction`` that puts the cutoff at the start of the test window.

The range ``[first, last]`` is cut so that the test windows tile it after one initial training window
of ``train_fraction / (1 - train_fraction)`` test windows (the config's split):

- ``rolling``: every fold trains on a window of that same length just before its test window;
- ``anchored``: every fold trains from the start of the range (an expanding window).

Times are int ns since the epoch (UTC); a fold's range goes to the config as int ns
(``data.start`` inclusive, ``data.end`` exclusive: the books' state at the start is carried in, see
:func:`arbkit.data.window.window_timeline`).

>>> folds = plan_folds(0, 5_000_000_000, 4, train_fraction=0.5, mode="rolling")
>>> [(f.start_ns, f.test_start_ns, f.end_ns) for f in folds[:2]]
[(0, 1000000000, 2000000000), (1000000000, 2000000000, 3000000000)]
>>> [round(f.train_fraction, 3) for f in plan_folds(0, 5_000_000_000, 4, train_fraction=0.5, mode="anchored")]
[0.5, 0.667, 0.75, 0.8]
>>> ns_to_iso(1723161253937085768)
'2024-08-08T23:54:13.937Z'
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from arbkit.backtest.config import BacktestConfig
from arbkit.core.errors import ConfigError

FoldMode = Literal["rolling", "anchored"]

MIN_TRAIN_FRACTION, MAX_TRAIN_FRACTION = 0.05, 0.95
"""The range ``model.train_fraction`` accepts (see :class:`arbkit.backtest.config.ModelConfig`)."""

_MS = 1_000_000


def ns_to_iso(ts_ns: int, *, round_up: bool = False) -> str:
    """ISO-8601 UTC text of ``ts_ns`` to the millisecond (rounded down, or up with ``round_up``)."""
    ms = -(-ts_ns // _MS) if round_up else ts_ns // _MS
    moment = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


class Fold(msgspec.Struct, frozen=True, kw_only=True):
    """One walk-forward fold: data from ``start_ns`` to ``end_ns``, out of sample from ``test_start_ns``."""

    index: int
    start_ns: int
    test_start_ns: int
    end_ns: int
    train_fraction: float

    def overrides(self) -> dict[str, Any]:
        """The config overrides that run this fold: ``data.start``, ``data.end`` (exclusive, so the fold's last
        message at ``end_ns`` is in) and ``model.train_fraction``."""
        return {"data.start": self.start_ns, "data.end": self.end_ns + 1, "model.train_fraction": self.train_fraction}

    def label(self) -> str:
        """``start → test start → end`` as ISO-8601 UTC text to the millisecond."""
        return f"{ns_to_iso(self.start_ns)} → {ns_to_iso(self.test_start_ns)} → {ns_to_iso(self.end_ns)}"


def plan_folds(first_ns: int, last_ns: int, n_folds: int, *, train_fraction: float,
               mode: FoldMode = "rolling") -> list[Fold]:
    """``n_folds`` folds over ``[first_ns, last_ns]`` (see the module docstring).

    Raises:
        ConfigError: fewer than 1 fold, an empty range, a mode other than rolling/anchored, a
            ``train_fraction`` outside [0.05, 0.95], or an anchored fold whose split leaves that range.
    """
    if n_folds < 1:
        raise ConfigError(f"walk-forward folds {n_folds} must be >= 1")
    if last_ns <= first_ns:
        raise ConfigError(f"walk-forward range is empty: first {first_ns} ns, last {last_ns} ns")
    if mode not in ("rolling", "anchored"):
        raise ConfigError(f"walk-forward mode {mode!r} must be 'rolling' or 'anchored'")
    if not MIN_TRAIN_FRACTION <= train_fraction <= MAX_TRAIN_FRACTION:
        raise ConfigError(f"model.train_fraction {train_fraction} must be within [0.05, 0.95]")
    ratio = train_fraction / (1.0 - train_fraction)
    test_len = (last_ns - first_ns) / (n_folds + ratio)
    train_len = ratio * test_len
    folds = []
    for i in range(n_folds):
        test_start = first_ns + round(train_len + i * test_len)
        end = last_ns if i == n_folds - 1 else first_ns + round(train_len + (i + 1) * test_len)
        start = first_ns if mode == "anchored" else first_ns + round(i * test_len)
        fraction = (test_start - start) / (end - start)
        if not MIN_TRAIN_FRACTION <= fraction <= MAX_TRAIN_FRACTION:
            raise ConfigError(f"walk-forward fold {i} of {n_folds} ({mode}) trains on {fraction:.3f} of its range, "
                              f"outside [0.05, 0.95]: use fewer folds or the rolling mode")
        folds.append(Fold(index=i, start_ns=start, test_start_ns=test_start, end_ns=end, train_fraction=fraction))
    return folds


def recording_range(config: BacktestConfig) -> tuple[int, int]:
    """First and last receive time (ns) of the config's data, within its ``[data.start, data.end)`` if set."""
    from arbkit.adapters.binance.instruments import binance_registry
    from arbkit.backtest.pipeline import stream_files
    from arbkit.data.replay import Replay

    start_ns, end_ns = config.data.range_ns()
    first = last = None
    for ts, _ in Replay.from_binance_files(stream_files(config), binance_registry()).timed():
        if end_ns is not None and ts >= end_ns:
            break  # replay time never decreases: nothing later is in the range
        if first is None:
            first = ts
        last = ts
    if first is None or last is None:
        raise ConfigError(f"{config.source}: the configured data has no messages before data.end {config.data.end!r}")
    if start_ns is not None:
        first = max(first, start_ns)
    if end_ns is not None:
        last = min(last, end_ns - 1)
    if last <= first:
        raise ConfigError(f"{config.source}: data range [{config.data.start!r}, {config.data.end!r}) holds no "
                          "messages")
    return int(first), int(last)
