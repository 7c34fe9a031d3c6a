"""Training sets built from real recorded data, with their lineage.

:func:`sample_basis_dataset` replays the shipped 2024-08-08 BTC spot + USDⓈ-M sample, computes the
40-output :func:`~arbkit.features.presets.spot_perp_feature_set` with the batch twin of the feature
engine (:meth:`~arbkit.features.engine.FeatureEngine.batch`, bit-identical to what a script sees per
tick), keeps the rows where every output is READY and labels each row with the move of the perpetual's
mid over the next ``horizon_ns`` of event time. Every kind of the zoo trains on it in the tests, and
the registry can train on it too.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import msgspec
import numpy as np

from arbkit.core.errors import ConfigError
from arbkit.models.zoo.contract import Task

S = 1_000_000_000
SPOT_ID = "BTCUSDT.BINANCE_SPOT"
PERP_ID = "BTCUSDT.BINANCE_USDM"


class SourceFile(msgspec.Struct, frozen=True, kw_only=True):
    """One input file of a dataset: its name and the sha256 of its bytes (lineage)."""

    name: str
    sha256: str


class Dataset(msgspec.Struct, frozen=True, kw_only=True):
    """Rows, targets and lineage of one training set.

    Attributes:
        x: float64 (n, k) feature rows, every value finite (READY).
        y: float64 (n,) targets: 0.0/1.0 for classification, a value for regression.
        t0_ns: int64 (n,) event time of each row (when the decision is made), non-decreasing, ns.
        t1_ns: int64 (n,) end of each label's horizon, ns (for purged splits: the label of row i uses
            data up to ``t1_ns[i]``).
        feature_names: names of the k columns, in order.
        feature_digest: :meth:`~arbkit.features.feature_set.FeatureSet.digest` of the feature set.
        task: ``classification`` or ``regression``.
        description: how the rows and labels were made, in words.
        source_files: the recorded files read, with their sha256.
    """

    x: np.ndarray
    y: np.ndarray
    t0_ns: np.ndarray
    t1_ns: np.ndarray
    feature_names: tuple[str, ...]
    feature_digest: str
    task: Task
    description: str
    source_files: tuple[SourceFile, ...]

    def lineage(self) -> dict[str, object]:
        """JSON-ready lineage: description, source files and their sha256, row count, digest."""
        return {"description": self.description, "rows": len(self.y), "feature_digest": self.feature_digest,
                "task": self.task, "source_files": [{"name": f.name, "sha256": f.sha256} for f in self.source_files]}


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _sample_features() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], str]:
    """(values, ready mask, event ts, perp book ts, perp mid ticks, names, digest) over the shipped sample."""
    from arbkit.adapters.binance.instruments import binance_registry
    from arbkit.data.events import EventTable
    from arbkit.data.replay import Replay
    from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
    from arbkit.features.batch_inputs import gaps_in, inputs_from_events
    from arbkit.features.engine import FeatureEngine
    from arbkit.features.layout import ASK_TICKS, BID_TICKS, EV_BOOK
    from arbkit.features.presets import spot_perp_feature_set

    registry = binance_registry()
    replay = Replay.from_binance_files([[sample_path(SAMPLE_SPOT_BTC)], [sample_path(SAMPLE_USDM_BTC)]], registry)
    messages = [message for _, message in replay.timed()]
    streams = {SPOT_ID: 0, PERP_ID: 1}
    feature_set = spot_perp_feature_set(SPOT_ID, PERP_ID)
    inputs = inputs_from_events(EventTable.from_messages(messages, streams), feature_set, {0: "spot", 1: "perp"},
                                gaps=gaps_in(messages, streams))
    matrix = FeatureEngine(feature_set, registry).batch(inputs)
    perp = (inputs.instrument == list(feature_set.instruments).index("perp")) & (inputs.kind == EV_BOOK)
    perp_ts = np.maximum.accumulate(inputs.ts_ns[perp].astype(np.int64))
    perp_mid = (inputs.fields[perp, BID_TICKS] + inputs.fields[perp, ASK_TICKS]) / 2.0
    return (matrix.values, matrix.ready_rows(), np.asarray(matrix.ts_ns, dtype=np.int64), perp_ts, perp_mid,
            matrix.names, feature_set.digest())


def sample_basis_dataset(task: Task = "classification", horizon_ns: int = 5 * S, max_rows: int = 3000) -> Dataset:
    """Real features of the shipped BTC spot + perp sample, labelled by the perp's forward mid move.

    Rows: one per feature event (book message or trade of either leg) where all 40 outputs of
    ``spot_perp_feature_set`` are READY and the horizon ends inside the recording; then ``max_rows``
    rows evenly spaced over the sample (deterministic), sorted by event time (stable).

    Labels: ``m(t)`` is the perp mid (ticks) of its last book message at or before event time ``t``.
    ``classification``: 1.0 if ``m(t0 + horizon_ns) > m(t0)``, 0.0 if lower; rows with no move are
    dropped. ``regression``: ``(m(t0 + horizon_ns) − m(t0)) / m(t0)`` in bps.

    Args:
        task: ``classification`` or ``regression``.
        horizon_ns: label horizon, ns of event time (> 0).
        max_rows: most rows kept (> 0); fewer if the sample has fewer usable rows.
    """
    if task not in ("classification", "regression"):
        raise ConfigError(f"task must be 'classification' or 'regression', got {task!r}")
    if horizon_ns <= 0 or max_rows <= 0:
        raise ConfigError(f"horizon_ns and max_rows must be > 0, got {horizon_ns} and {max_rows}")
    from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path

    values, ready, ts, perp_ts, perp_mid, names, digest = _sample_features()
    t1 = ts + horizon_ns
    inside = ready & (ts >= perp_ts[0]) & (t1 <= perp_ts[-1])
    now = perp_mid[np.searchsorted(perp_ts, ts[inside], side="right") - 1]
    later = perp_mid[np.searchsorted(perp_ts, t1[inside], side="right") - 1]
    rows = np.flatnonzero(inside)
    if task == "classification":
        moved = later != now
        rows, y = rows[moved], (later[moved] > now[moved]).astype(np.float64)
        label = f"1.0 if the perp mid is higher {horizon_ns / S:g} s later, 0.0 if lower (no move: row dropped)"
    else:
        y = (later - now) / now * 1e4
        label = f"perp mid change over the next {horizon_ns / S:g} s, in bps of the mid"
    if len(rows) > max_rows:
        keep = np.unique(np.linspace(0, len(rows) - 1, max_rows).round().astype(np.int64))
        rows, y = rows[keep], y[keep]
    order = np.argsort(ts[rows], kind="stable")
    rows, y = rows[order], y[order]
    files = tuple(SourceFile(name=name, sha256=file_sha256(sample_path(name)))
                  for name in (SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC))
    description = (f"shipped Binance sample 2024-08-08 ({SPOT_ID} + {PERP_ID}); features: spot_perp_40 by "
                   f"FeatureEngine.batch, rows where every output is READY, {len(rows)} rows evenly spaced; "
                   f"label: {label}")
    return Dataset(x=np.ascontiguousarray(values[rows]), y=np.ascontiguousarray(y), t0_ns=ts[rows].copy(),
                   t1_ns=t1[rows].copy(), feature_names=tuple(names), feature_digest=digest, task=task,
                   description=description, source_files=files)


def window_rows(x: np.ndarray, names: tuple[str, ...], window: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Rows of ``window`` consecutive feature vectors, flattened oldest first (the LSTM's input).

    Row j of the result is ``x[j : j + window].ravel()``, so it ends at ``x[j + window - 1]``; there are
    ``n − window + 1`` rows. Names are ``<name>@-<lag>`` (lag in rows, 0 = newest).

    >>> xw, nw = window_rows(np.arange(6.0).reshape(3, 2), ("a", "b"), 2)
    >>> xw.tolist(), nw
    ([[0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]], ('a@-1', 'b@-1', 'a@-0', 'b@-0'))
    """
    x = np.asarray(x, dtype=np.float64)
    if window < 1 or window > len(x):
        raise ConfigError(f"window must be in [1, {len(x)}] rows, got {window}")
    view = np.lib.stride_tricks.sliding_window_view(x, window, axis=0)  # (n - w + 1, k, w)
    flat = np.ascontiguousarray(view.transpose(0, 2, 1).reshape(len(view), window * x.shape[1]))
    return flat, tuple(f"{n}@-{lag}" for lag in range(window - 1, -1, -1) for n in names)
