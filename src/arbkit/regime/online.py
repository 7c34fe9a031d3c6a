"""Online regime classifiers: one row at a time, with the fitted parameters only, never looking ahead.

Every classifier meets :class:`OnlineRegimeClassifier`. :class:`OnlineClassifier` serves all three
model kinds through one compiled step (:func:`arbkit.regime.kernels.classify_step`):

- ``hmm``: forward filtering, ``P(state_t | rows 0..t)``; the label is the most probable state. This is
  not hmmlearn's ``predict`` (Viterbi over the whole sequence) nor ``predict_proba`` (forward-backward
  smoothing): both use rows after ``t``.
- ``gmm``: the responsibilities of row ``t`` alone (``GaussianMixture.predict_proba``).
- ``kmeans``: the nearest centroid (``KMeans.predict``); ``probabilities`` is one-hot.

Rows are whatever the model was fitted on (``model.feature_names``), one per bar of the feature
set's cadence; an HMM's transition matrix is per row, so feed rows at the cadence it was fitted on.

Bad input never raises: a row with NaN or infinity, or an earlier ``ts_ns`` than the last accepted,
returns -1 with status ``INVALID_INPUT`` / ``TIME_BACKWARDS`` and leaves the state as it was; a gap of
more than ``max_gap_ns`` restarts the filter (status ``GAP_RESET``, -1 for that row). A row of the
wrong width is a programming error: :class:`RegimeModelMismatchError`.

>>> import numpy as np
>>> from arbkit.regime.model import FORMAT_VERSION, RegimeModel, RegimeModelParams
>>> model = RegimeModel(RegimeModelParams(format_version=FORMAT_VERSION, kind="kmeans", feature_names=("x",),
...     feature_digest="demo", regime_names=("low", "high"), order_by="x", means=[[0.0], [10.0]]))
>>> clf = model.online()
>>> [clf.update(t, np.array([v])) for t, v in enumerate([1.0, 9.0, float("nan"), 4.0])]
[0, 1, -1, 0]
>>> clf.status.name, clf.invalid_count
('OK', 1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from arbkit.regime import kernels
from arbkit.regime.errors import RegimeModelMismatchError
from arbkit.regime.status import UpdateStatus

if TYPE_CHECKING:
    from arbkit.regime.model import RegimeModel


@runtime_checkable
class OnlineRegimeClassifier(Protocol):
    """What :class:`~arbkit.regime.monitor.RegimeMonitor` needs of an online classifier.

    An optional ``kind`` attribute (``hmm``, ``gmm``, ``kmeans``, ...) becomes the cause of the
    monitor's :class:`~arbkit.regime.events.RegimeChange`; without it the cause is ``"classifier"``.
    An optional ``status`` (:class:`~arbkit.regime.status.UpdateStatus`) refines the monitor's status.
    """

    @property
    def regimes(self) -> tuple[str, ...]:
        """Regime names; ``update`` returns an index into this tuple."""
        ...

    def update(self, ts_ns: int, x: np.ndarray) -> int:
        """Fold one feature row observed at ``ts_ns`` (int ns); regime index, or -1 when not ready or invalid."""
        ...

    @property
    def probabilities(self) -> np.ndarray:
        """The last filtered posterior over :attr:`regimes` (float64, sums to 1)."""
        ...

    def reset(self) -> None:
        """Forget everything seen: the next row starts a new warm-up."""
        ...


class OnlineClassifier:
    """Streaming classifier of a fitted :class:`~arbkit.regime.model.RegimeModel` (see module docs).

    Args:
        model: the fitted model.
        max_gap_ns: a row more than this many ns after the previous accepted one restarts the filter;
            ``None`` never restarts.
        warmup_rows: rows absorbed after a (re)start before labels are reported (status ``WARMING_UP``
            and -1 until then). 0 reports from the first row.
    """

    def __init__(self, model: RegimeModel, max_gap_ns: int | None = None, warmup_rows: int = 0) -> None:
        if max_gap_ns is not None and max_gap_ns < 0:
            raise RegimeModelMismatchError(f"max_gap_ns {max_gap_ns} must be >= 0 or None")
        if warmup_rows < 0:
            raise RegimeModelMismatchError(f"warmup_rows {warmup_rows} must be >= 0")
        self.model = model
        self.max_gap_ns = -1 if max_gap_ns is None else int(max_gap_ns)
        self.warmup_rows = int(warmup_rows)
        self._kind_code = kernels.KIND_CODES[model.kind]
        n = len(model.regimes)
        self._istate = np.zeros(kernels.C_SIZE, dtype=np.int64)
        self._log_post = np.empty(n)
        self._evidence = np.zeros(1)
        self._scratch = np.empty(n)
        self.reset()

    @property
    def kind(self) -> str:
        """``hmm``, ``gmm`` or ``kmeans``."""
        return self.model.kind

    @property
    def regimes(self) -> tuple[str, ...]:
        """Regime names of the model."""
        return self.model.regimes

    def _prior(self) -> np.ndarray:
        if self.model.kind == "hmm":
            return self.model.log_start_
        if self.model.kind == "gmm":
            return self.model.log_weights_
        return np.full(len(self.regimes), -np.log(len(self.regimes)))

    def reset(self) -> None:
        """Forget everything: the posterior returns to the prior, counters to zero."""
        self._istate[:] = 0
        self._istate[kernels.C_LABEL] = -1
        self._istate[kernels.C_STATUS] = UpdateStatus.WARMING_UP
        self._log_post[:] = self._prior()
        self._evidence[0] = np.nan

    def _row(self, x: np.ndarray) -> np.ndarray:
        try:
            row = np.ascontiguousarray(x, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise RegimeModelMismatchError(f"{self.model.version}: feature row {x!r} is not numeric: {exc}") from None
        if row.shape != (len(self.model.feature_names),):
            raise RegimeModelMismatchError(f"{self.model.version}: feature row of shape {row.shape} given, the model "
                                           f"takes {len(self.model.feature_names)} features {self.model.feature_names}")
        return row

    def update(self, ts_ns: int, x: np.ndarray) -> int:
        """Fold row ``x`` (the model's features) observed at ``ts_ns`` (int ns); regime index or -1.

        -1 means not ready or refused; :attr:`status` says which.
        """
        m = self.model
        return int(kernels.classify_step(self._kind_code, self._istate, self._log_post, self._evidence,
                                         self._scratch, np.int64(ts_ns), self._row(x), self.max_gap_ns,
                                         self.warmup_rows, m.log_start_, m.log_trans_, m.log_weights_, m.means_,
                                         m.prec_chol_, m.log_det_prec_))

    def update_many(self, ts_ns: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fold rows (n × d) in one compiled loop; ``(labels, probabilities n × k, status codes)``.

        Continues from the current state, exactly as ``update`` row by row would.
        """
        m = self.model
        rows = np.ascontiguousarray(rows, dtype=np.float64)
        ts = np.ascontiguousarray(ts_ns, dtype=np.int64)
        if rows.ndim != 2 or rows.shape[1] != len(m.feature_names) or ts.shape != (rows.shape[0],):
            raise RegimeModelMismatchError(f"{m.version}: rows of shape {rows.shape} with {ts.shape} times given, the "
                                           f"model takes n × {len(m.feature_names)} rows {m.feature_names}")
        labels = np.empty(rows.shape[0], dtype=np.int64)
        post = np.empty((rows.shape[0], len(m.regimes)))
        status = np.empty(rows.shape[0], dtype=np.int64)
        kernels.classify_batch(self._kind_code, self._istate, self._log_post, self._evidence, ts, rows,
                               self.max_gap_ns, self.warmup_rows, m.log_start_, m.log_trans_, m.log_weights_,
                               m.means_, m.prec_chol_, m.log_det_prec_, labels, post, status)
        return labels, post, status

    @property
    def probabilities(self) -> np.ndarray:
        """The last filtered posterior over :attr:`regimes` (a copy; the prior before any row)."""
        out = np.empty(len(self._log_post))
        kernels.exp_into(self._log_post, out)
        return out

    @property
    def last_log_evidence(self) -> float:
        """HMM: log p(last row | earlier rows); GMM: log mixture density of the last row; k-means: minus the
        squared distance to the nearest centroid. NaN before the first row. Low values flag rows unlike
        anything seen in training."""
        return float(self._evidence[0])

    @property
    def label(self) -> int:
        """The last regime index produced (-1 before the first); refused rows do not change it."""
        return int(self._istate[kernels.C_LABEL])

    @property
    def status(self) -> UpdateStatus:
        """What the last ``update`` did."""
        return UpdateStatus(int(self._istate[kernels.C_STATUS]))

    @property
    def ready(self) -> bool:
        """True when the last accepted row produced a label (warm-up over, no gap reset on it)."""
        return bool(self._istate[kernels.C_READY])

    @property
    def invalid_count(self) -> int:
        """Rows refused so far (non-finite values or time going backwards)."""
        return int(self._istate[kernels.C_INVALID])

    @property
    def gap_resets(self) -> int:
        """Restarts caused by gaps longer than ``max_gap_ns``."""
        return int(self._istate[kernels.C_GAPS])
