"""Online learning: a logistic model that learns from labelled ticks off the inference path.

:class:`OnlineLogistic` wraps scikit-learn's ``SGDClassifier(loss="log_loss")`` and its ``partial_fit``.
Each row is standardised with running statistics (Welford's mean and variance, updated with the row
first) before it is learned. Rows are learned in fixed blocks of ``batch_rows`` consecutive rows, in a
worker thread (``background=True``) or in the caller's thread (``background=False``, for reproducible
replays); both modes make the same ``partial_fit`` calls on the same blocks, so they reach the same
coefficients. Every ``publish_every`` learned rows the learner publishes a snapshot: an immutable
:class:`OnlineSnapshot` (a :class:`~arbkit.models.logistic.LogisticModel` whose mean/scale are the
running statistics and whose coefficients are the SGD model's) that predicts what ``predict_proba``
does, served per tick by the compiled dot product. The caller swaps snapshots into a
:class:`~arbkit.lifecycle.model_slot.ModelSlot` at decision events, under the same drift and rollback
guards as any other version.

:meth:`OnlineLogistic.learn` never blocks: a row with a NaN/inf is counted in ``rows_dropped`` and never
learned; when the worker falls ``max_queue`` rows behind, new rows are counted in ``rows_shed``.
"""

from __future__ import annotations

import math
import queue
import threading
from typing import Any, Self

import numpy as np

from arbkit.lifecycle.modes import LifecycleError
from arbkit.models.logistic import LogisticModel, LogisticParams

__all__ = ["OnlineLearningError", "OnlineLogistic", "OnlineSnapshot"]


class OnlineLearningError(LifecycleError):
    """A bad labelled row (wrong width, label not 0/1), a failed update, or use after close."""


class OnlineSnapshot(LogisticModel):
    """A published state of an online model: a LogisticModel whose version is ``{base}+online{rows}``."""

    def __init__(self, params: LogisticParams, version: str) -> None:
        super().__init__(params)
        self._version = version

    @property
    def version(self) -> str:
        """``{base_version}+online{rows learned}``."""
        return self._version


_FLUSH = object()
_STOP = object()


class OnlineLogistic:
    """An incrementally learned logistic model publishing swappable snapshots.

    Args:
        names: feature names (the width of every row).
        feature_digest: digest of the feature set the rows come from (recorded in every snapshot).
        base_version: version of the model this one starts from; snapshots are ``{base}+online{n}``.
        publish_every: learned rows between snapshots (a multiple of ``batch_rows``).
        seed: the SGD's random state.
        background: learn in a worker thread (live) or in the caller's thread (replays, tests).
        batch_rows: rows per ``partial_fit`` call.
        alpha: the SGD's L2 penalty.
        max_queue: rows the worker may fall behind before new rows are shed (counted, never blocking).
    """

    def __init__(self, names: tuple[str, ...] | list[str], feature_digest: str, base_version: str,
                 publish_every: int = 200, seed: int = 0, background: bool = True, *, batch_rows: int = 20,
                 alpha: float = 1e-4, max_queue: int = 100_000) -> None:
        from sklearn.linear_model import SGDClassifier

        if not names:
            raise OnlineLearningError("an online model needs at least one feature name")
        if not isinstance(batch_rows, int) or batch_rows < 1:
            raise OnlineLearningError(f"batch_rows must be an int >= 1, got {batch_rows!r}")
        if not isinstance(publish_every, int) or publish_every < batch_rows or publish_every % batch_rows:
            raise OnlineLearningError(f"publish_every must be a positive multiple of batch_rows {batch_rows}, "
                                      f"got {publish_every!r}")
        self.names = tuple(names)
        self.feature_digest = feature_digest
        self.base_version = base_version
        self.publish_every = publish_every
        self.batch_rows = batch_rows
        self.background = background
        self._k = len(self.names)
        self._sgd = SGDClassifier(loss="log_loss", alpha=alpha, shuffle=False, random_state=seed)
        self._classes = np.array([0, 1])
        self._n = 0  # rows in the running statistics (= rows learned or pending in a block)
        self._mean = np.zeros(self._k)
        self._m2 = np.zeros(self._k)
        self._block_x: list[np.ndarray] = []
        self._block_y: list[int] = []
        self.rows_learned = 0
        """Rows passed to ``partial_fit``."""
        self.rows_dropped = 0
        """Rows with a NaN or infinite feature (never learned)."""
        self.rows_shed = 0
        """Rows not learned because the worker was ``max_queue`` rows behind."""
        self.snapshots_published = 0
        self._latest: OnlineSnapshot | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._run, name="arbkit-online-learner", daemon=True)
            self._thread.start()

    # -- the caller's side -------------------------------------------------------------------------------------------
    def learn(self, x: np.ndarray, y: int) -> None:
        """Learn from one labelled row (feature vector ``x``, label 0 or 1); never blocks in background mode.

        Raises:
            OnlineLearningError: wrong width, a label other than the int 0 or 1, after :meth:`close`, or the
                worker failed on an earlier row.
        """
        self._check_open()
        if isinstance(y, (bool, np.bool_)) or not isinstance(y, (int, np.integer)) or int(y) not in (0, 1):
            raise OnlineLearningError(f"label must be the int 0 or 1, got {y!r} ({type(y).__name__})")
        row = np.array(x, dtype=np.float64)  # a copy: the caller may reuse its buffer
        if row.shape != (self._k,):
            raise OnlineLearningError(f"row has shape {row.shape}; the model takes {self._k} features "
                                      f"({', '.join(self.names[:3])}{', ...' if self._k > 3 else ''})")
        if not np.isfinite(row).all():
            self.rows_dropped += 1
            return
        if self._thread is None:
            self._add(row, int(y))
            return
        try:
            self._queue.put_nowait((row, int(y)))
        except queue.Full:
            self.rows_shed += 1

    def drain(self, timeout_s: float | None = None) -> None:
        """Learn every row given so far (a partial last block included), then publish a snapshot if new rows
        were learned since the last one. In background mode waits for the worker (up to ``timeout_s`` s)."""
        self._check_open()
        if self._thread is None:
            self._flush()
            return
        done = threading.Event()
        self._queue.put((_FLUSH, done))
        if not done.wait(timeout_s):
            raise OnlineLearningError(f"the online learner did not drain within {timeout_s} s "
                                      f"({self._queue.qsize()} rows queued)")
        self._check_open()

    def latest_snapshot(self) -> OnlineSnapshot | None:
        """The last published snapshot (None before the first); swap it in at a decision event."""
        return self._latest

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop the worker thread (rows still queued are not learned); idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                raise OnlineLearningError(f"the online learner's thread did not stop within {timeout_s} s")

    @property
    def alive(self) -> bool:
        """True while the worker thread runs (always False in inline mode)."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._error is not None:
            raise OnlineLearningError(f"the online learner failed: {type(self._error).__name__}: "
                                      f"{self._error}") from self._error
        if self._closed:
            raise OnlineLearningError("the online learner is closed")

    # -- the learner's side (worker thread, or the caller's thread inline) ----------------------------------------
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                if isinstance(item, tuple) and item[0] is _FLUSH:
                    self._flush()
                    item[1].set()
                else:
                    self._add(*item)
            except Exception as exc:  # noqa: BLE001 - kept and raised to the caller on its next call
                self._error = exc
                if isinstance(item, tuple) and item[0] is _FLUSH:
                    item[1].set()
                return

    def _add(self, row: np.ndarray, y: int) -> None:
        """Update the running statistics with ``row``, standardise it, and learn when a block is full."""
        self._n += 1
        delta = row - self._mean
        self._mean = self._mean + delta / self._n
        self._m2 = self._m2 + delta * (row - self._mean)
        self._block_x.append((row - self._mean) / self._scale())
        self._block_y.append(y)
        if len(self._block_x) == self.batch_rows:
            self._learn_block()
            if self.rows_learned % self.publish_every == 0:
                self._publish()

    def _flush(self) -> None:
        if self._block_x:
            self._learn_block()
        if self.rows_learned and (self._latest is None or self._latest.params.train_rows != self.rows_learned):
            self._publish()

    def _scale(self) -> np.ndarray:
        std = np.sqrt(self._m2 / self._n) if self._n else np.ones(self._k)
        return np.where(std > 0, std, 1.0)

    def _learn_block(self) -> None:
        x = np.vstack(self._block_x)
        y = np.asarray(self._block_y)
        self._block_x, self._block_y = [], []
        self._sgd.partial_fit(x, y, classes=self._classes)
        self.rows_learned += len(y)

    def _publish(self) -> None:
        coef = self._sgd.coef_[0]
        intercept = float(self._sgd.intercept_[0])
        if not (np.isfinite(coef).all() and math.isfinite(intercept)):
            raise OnlineLearningError(f"the SGD model diverged after {self.rows_learned} rows "
                                      f"(non-finite coefficients); no snapshot published")
        params = LogisticParams(feature_names=list(self.names), feature_digest=self.feature_digest,
                                mean=self._mean.tolist(), scale=self._scale().tolist(), coef=coef.tolist(),
                                intercept=intercept, c_regularisation=1.0 / (self._sgd.alpha * self.rows_learned),
                                train_rows=self.rows_learned, kind="online_sgd_logistic")
        self._latest = OnlineSnapshot(params, f"{self.base_version}+online{self.rows_learned}")
        self.snapshots_published += 1

    def standardise(self, x: np.ndarray) -> np.ndarray:
        """Rows ``x`` standardised with the running statistics now (what a snapshot applies before its dot)."""
        return (np.asarray(x, dtype=np.float64) - self._mean) / self._scale()

    @property
    def estimator(self) -> Any:
        """The wrapped ``SGDClassifier`` (read it only after :meth:`drain`; the worker updates it)."""
        return self._sgd
