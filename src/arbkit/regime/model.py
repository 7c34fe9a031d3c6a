"""A fitted regime model as data: parameters, regime names, feature names and feature-set digest, saved as JSON.

A model is fitted offline (:mod:`arbkit.regime.fit`) and served online by
:meth:`RegimeModel.online` (one row at a time) or :meth:`RegimeModel.classify_many` (a batch through
the same compiled step). The saved form is one JSON file, no pickle:

- ``format_version`` (:data:`FORMAT_VERSION`); loading refuses any other (:class:`RegimeFormatError`);
- ``kind`` (``hmm``, ``gmm`` or ``kmeans``) and the parameters as plain numbers, in regime order;
- ``regime_names``, ``order_by`` (the column whose fitted means sort the regimes), ``feature_names``;
- ``feature_digest``: the digest of the feature set it was fitted on, passed by the caller at fit time.
  :meth:`RegimeModel.load` takes the caller's digest and refuses a different one
  (:class:`RegimeModelMismatchError` naming both).

:attr:`RegimeModel.version` is a content hash of all of that (``regime-hmm-1a2b3c4d``), the tag to
journal with every decision the model influences.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import numpy as np

from arbkit.regime.errors import RegimeFormatError, RegimeModelMismatchError

if TYPE_CHECKING:
    from arbkit.regime.online import OnlineClassifier

FORMAT_VERSION = 1
KINDS = ("hmm", "gmm", "kmeans")


class FitInfo(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a model was fitted (provenance; not used to classify).

    Attributes:
        library: fitting library and version, e.g. ``hmmlearn 0.3.3``.
        covariance_type: the estimator's covariance type (``full``, ``diag``, ...; ``none`` for k-means).
        seed: the estimator's ``random_state``.
        rows: training rows; sequences: independent training sequences (HMM ``lengths``).
        converged: whether the estimator reported convergence; n_iter: iterations it ran.
        score: mean log-likelihood per row (HMM, GMM) or minus the inertia per row (k-means).
    """

    library: str
    covariance_type: str
    seed: int
    rows: int
    sequences: int
    converged: bool
    n_iter: int
    score: float


class RegimeModelParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything needed to classify, as plain numbers in regime order (the saved form).

    ``means`` is regimes × features; ``covariances`` regimes × features × features (HMM and GMM, full
    matrices whatever the fitted covariance type); ``weights`` the GMM mixture weights; ``startprob``
    and ``transmat`` the HMM's. ``source_components[r]`` is the fitted estimator's component index of
    regime ``r`` (regimes are re-ordered by the mean of ``order_by``).
    """

    format_version: int
    kind: str
    feature_names: tuple[str, ...]
    feature_digest: str
    regime_names: tuple[str, ...]
    order_by: str
    means: list[list[float]]
    covariances: list[list[list[float]]] | None = None
    weights: list[float] | None = None
    startprob: list[float] | None = None
    transmat: list[list[float]] | None = None
    source_components: list[int] = msgspec.field(default_factory=list)
    fit: FitInfo | None = None


class _Header(msgspec.Struct):
    format_version: int = -1
    kind: str = ""


def _precision_cholesky(covariances: np.ndarray) -> np.ndarray:
    """Upper-triangular ``P_k`` with ``P_k P_kᵀ = Σ_k⁻¹`` (scikit-learn's ``precisions_cholesky_``)."""
    out = np.empty_like(covariances)
    for k, cov in enumerate(covariances):
        try:
            lower = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise RegimeFormatError(f"covariance of regime {k} is not positive definite: {cov.tolist()}") from None
        out[k] = np.linalg.inv(lower).T
    return out


class RegimeModel:
    """A fitted regime model (see module docs). Build it with :mod:`arbkit.regime.fit` or :meth:`load`."""

    def __init__(self, params: RegimeModelParams) -> None:
        self.params = params
        self._check_shapes()
        p = params
        k, d = len(p.regime_names), len(p.feature_names)
        self.means_ = np.ascontiguousarray(p.means, dtype=np.float64).reshape(k, d)
        if p.kind == "kmeans":
            self.prec_chol_ = np.zeros((k, d, d))
            self.log_det_prec_ = np.zeros(k)
        else:
            self.prec_chol_ = _precision_cholesky(np.asarray(p.covariances, dtype=np.float64).reshape(k, d, d))
            self.log_det_prec_ = np.log(np.diagonal(self.prec_chol_, axis1=1, axis2=2)).sum(axis=1)
        with np.errstate(divide="ignore"):
            uniform = np.full(k, -np.log(k))
            self.log_start_ = np.log(np.asarray(p.startprob, dtype=np.float64)) if p.startprob else uniform
            self.log_trans_ = (np.log(np.asarray(p.transmat, dtype=np.float64)) if p.transmat
                               else np.zeros((k, k)))
            self.log_weights_ = np.log(np.asarray(p.weights, dtype=np.float64)) if p.weights else uniform

    def _check_shapes(self) -> None:
        p = self.params
        k, d = len(p.regime_names), len(p.feature_names)
        problems = []
        if p.kind not in KINDS:
            problems.append(f"kind {p.kind!r} is not one of {KINDS}")
        if k < 1 or len(set(p.regime_names)) != k:
            problems.append(f"regime names {p.regime_names} must be at least one, all different")
        if p.order_by not in p.feature_names:
            problems.append(f"order_by {p.order_by!r} is not a feature ({p.feature_names})")
        if np.shape(p.means) != (k, d):
            problems.append(f"means have shape {np.shape(p.means)}, expected {(k, d)}")
        if p.kind in ("hmm", "gmm") and np.shape(p.covariances) != (k, d, d):
            problems.append(f"covariances have shape {np.shape(p.covariances)}, expected {(k, d, d)}")
        if p.kind == "gmm" and np.shape(p.weights) != (k,):
            problems.append(f"weights have shape {np.shape(p.weights)}, expected {(k,)}")
        if p.kind == "hmm" and (np.shape(p.startprob) != (k,) or np.shape(p.transmat) != (k, k)):
            problems.append(f"startprob {np.shape(p.startprob)} / transmat {np.shape(p.transmat)} shapes, expected "
                            f"{(k,)} / {(k, k)}")
        numbers = [p.means, p.covariances or [], p.weights or [], p.startprob or [], p.transmat or []]
        if not all(np.isfinite(np.asarray(v, dtype=np.float64)).all() for v in numbers):
            problems.append("parameters hold NaN or infinity")
        for name in ("weights", "startprob", "transmat"):
            value = getattr(p, name)
            if value is None or problems:
                continue
            probs = np.asarray(value, dtype=np.float64)
            if (probs < 0).any() or not np.allclose(probs.sum(axis=-1), 1.0, atol=1e-6):
                problems.append(f"{name} {probs.tolist()} must be non-negative and sum to 1 (per row)")
        if problems:
            raise RegimeFormatError(f"regime model ({p.kind}): " + "; ".join(problems))

    # -- identity ---------------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """``hmm``, ``gmm`` or ``kmeans``."""
        return self.params.kind

    @property
    def regimes(self) -> tuple[str, ...]:
        """Regime names, index ``r`` is regime ``r`` (sorted by the mean of :attr:`order_by`)."""
        return self.params.regime_names

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Feature columns, in the order rows must have."""
        return self.params.feature_names

    @property
    def version(self) -> str:
        """Content hash of the saved form, e.g. ``regime-hmm-1a2b3c4d``."""
        return f"regime-{self.kind}-" + hashlib.sha256(msgspec.json.encode(self.params)).hexdigest()[:8]

    def check_features(self, feature_digest: str) -> None:
        """Raise :class:`RegimeModelMismatchError` unless the model was fitted on ``feature_digest``."""
        if feature_digest != self.params.feature_digest:
            raise RegimeModelMismatchError(f"regime model {self.version} was fitted on feature set "
                                           f"{self.params.feature_digest!r}, not {feature_digest!r}")

    # -- serving ----------------------------------------------------------------------------------------

    def online(self, max_gap_ns: int | None = None, warmup_rows: int = 0) -> OnlineClassifier:
        """A fresh streaming classifier (see :class:`arbkit.regime.online.OnlineClassifier`)."""
        from arbkit.regime.online import OnlineClassifier

        return OnlineClassifier(self, max_gap_ns=max_gap_ns, warmup_rows=warmup_rows)

    def classify_many(self, ts_ns: np.ndarray, rows: np.ndarray, max_gap_ns: int | None = None,
                      warmup_rows: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run a fresh online classifier over ``rows`` (n × d) at ``ts_ns`` (int ns) in one compiled loop.

        Returns ``(labels, probabilities, statuses)``: regime index or -1 per row, the filtered
        posterior after each row (n × regimes) and the :class:`~arbkit.regime.status.UpdateStatus`
        code per row; identical to calling ``online(...).update`` row by row.
        """
        return self.online(max_gap_ns=max_gap_ns, warmup_rows=warmup_rows).update_many(ts_ns, rows)

    # -- persistence ------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the model as JSON (see module docs); returns the path."""
        path = Path(path)
        path.write_bytes(msgspec.json.format(msgspec.json.encode(self.params)) + b"\n")
        return path

    @classmethod
    def load(cls, path: str | Path, *, feature_digest: str) -> RegimeModel:
        """Read a model saved by :meth:`save`; refuses another format version or feature-set digest.

        Raises:
            RegimeFormatError: unknown ``format_version`` or kind, malformed file, inconsistent parameters.
            RegimeModelMismatchError: the file's ``feature_digest`` differs from ``feature_digest``.
        """
        data = Path(path).read_bytes()
        try:
            header = msgspec.json.decode(data, type=_Header)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise RegimeFormatError(f"{path}: not a saved regime model: {exc}") from None
        if header.format_version != FORMAT_VERSION:
            raise RegimeFormatError(f"{path}: regime model format_version {header.format_version}; this version of "
                                    f"arbkit reads format_version {FORMAT_VERSION} only")
        try:
            params = msgspec.json.decode(data, type=RegimeModelParams)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise RegimeFormatError(f"{path}: malformed regime model ({header.kind}): {exc}") from None
        model = cls(params)
        model.check_features(feature_digest)
        return model
