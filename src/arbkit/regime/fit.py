"""Fit regime models offline: hmmlearn's ``GaussianHMM``, scikit-learn's ``GaussianMixture`` and ``KMeans``.

Each ``fit_*`` fits the estimator on a feature matrix and hands it to the matching ``from_*``, which
folds the fitted parameters into a :class:`~arbkit.regime.model.RegimeModel` (plain numbers, no
estimator object kept). ``from_*`` also accepts an estimator you fitted yourself.

**Regime order and names.** Fitted components come out in an arbitrary order that changes with the
seed. Regimes are therefore sorted by the fitted mean of one named column, ``order_by`` (ascending;
for k-means the centroid), and named by position: 2 regimes ``("calm", "volatile")``, 3 regimes
``("calm", "normal", "volatile")``, otherwise ``regime_0 … regime_{k-1}``, or the ``names`` you pass.
With ``order_by`` a volatility column (``log_rv``), a re-fit with another seed gives the same names to
the same market states. ``RegimeModelParams.source_components`` records the estimator's index of each
regime.

Fits run with the BLAS and OpenMP thread pools limited to one thread (``threadpoolctl``, a
scikit-learn dependency): the matrices are n × a few features, where threads cost more than they
save, and on a busy machine oversubscribed pools made a 400-row HMM fit a hundred times slower.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = np.concatenate([rng.normal(0.0, 0.3, (200, 1)), rng.normal(2.0, 0.3, (200, 1))])
>>> model = fit_gmm(x, feature_names=("log_rv",), feature_digest="demo", order_by="log_rv", n_regimes=2, seed=1)
>>> model.regimes, [round(m[0], 1) for m in model.params.means]
(('calm', 'volatile'), [0.0, 2.0])
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from arbkit.regime.errors import RegimeFitError
from arbkit.regime.model import FORMAT_VERSION, FitInfo, RegimeModel, RegimeModelParams

DEFAULT_NAMES = {2: ("calm", "volatile"), 3: ("calm", "normal", "volatile")}


def regime_names(n_regimes: int) -> tuple[str, ...]:
    """Default names of ``n_regimes`` regimes sorted by ascending ``order_by`` mean (see module docs)."""
    return DEFAULT_NAMES.get(n_regimes, tuple(f"regime_{i}" for i in range(n_regimes)))


def _check_matrix(x: np.ndarray, feature_names: Sequence[str], order_by: str, n_regimes: int) -> np.ndarray:
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RegimeFitError(f"training rows are not numeric: {exc}") from None
    if x.ndim != 2 or x.shape[1] != len(feature_names):
        raise RegimeFitError(f"training rows have shape {x.shape}; expected n × {len(feature_names)} for features "
                             f"{tuple(feature_names)}")
    if order_by not in feature_names:
        raise RegimeFitError(f"order_by {order_by!r} is not one of the features {tuple(feature_names)}")
    if n_regimes < 2:
        raise RegimeFitError(f"n_regimes {n_regimes} must be at least 2")
    if x.shape[0] < 5 * n_regimes:
        raise RegimeFitError(f"{x.shape[0]} training rows for {n_regimes} regimes; need at least {5 * n_regimes}")
    bad = int((~np.isfinite(x)).sum())
    if bad:
        raise RegimeFitError(f"training rows hold {bad} NaN or infinite values; drop the warm-up rows first")
    return x


@contextmanager
def _one_thread() -> Iterator[None]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _order(means: np.ndarray, feature_names: Sequence[str], order_by: str) -> np.ndarray:
    return np.argsort(means[:, list(feature_names).index(order_by)], kind="stable")


def _names(names: Sequence[str] | None, n: int) -> tuple[str, ...]:
    out = regime_names(n) if names is None else tuple(names)
    if len(out) != n or len(set(out)) != n:
        raise RegimeFitError(f"names {out} must be {n} different strings")
    return out


def _full_covariances(covariances: np.ndarray, covariance_type: str, n: int, d: int) -> np.ndarray:
    cov = np.asarray(covariances, dtype=np.float64)
    if covariance_type == "full":
        return cov
    if covariance_type == "diag":
        return np.stack([np.diag(c) for c in cov])
    if covariance_type == "spherical":
        return np.stack([np.eye(d) * c for c in cov])
    if covariance_type == "tied":
        return np.repeat(cov[None, :, :], n, axis=0)
    raise RegimeFitError(f"covariance_type {covariance_type!r} is not full, diag, spherical or tied")


def _params(kind: str, feature_names: Sequence[str], feature_digest: str, order_by: str, names: Sequence[str] | None,
            order: np.ndarray, means: np.ndarray, fit: FitInfo, **arrays: Any) -> RegimeModel:
    return RegimeModel(RegimeModelParams(
        format_version=FORMAT_VERSION, kind=kind, feature_names=tuple(feature_names), feature_digest=feature_digest,
        regime_names=_names(names, len(order)), order_by=order_by, means=means[order].tolist(),
        source_components=[int(i) for i in order], fit=fit, **arrays))


# -- HMM --------------------------------------------------------------------------------------------------------


def from_hmmlearn(hmm: Any, *, feature_names: Sequence[str], feature_digest: str, order_by: str,
                  names: Sequence[str] | None = None, rows: int = 0, sequences: int = 1, score: float = float("nan"),
                  ) -> RegimeModel:
    """A :class:`RegimeModel` of kind ``hmm`` from a fitted ``hmmlearn.hmm.GaussianHMM``."""
    import hmmlearn

    means = np.asarray(hmm.means_, dtype=np.float64)
    order = _order(means, feature_names, order_by)
    n, d = means.shape
    cov = np.asarray(hmm.covars_, dtype=np.float64).reshape(n, d, d)  # hmmlearn returns full matrices
    monitor = hmm.monitor_
    fit = FitInfo(library=f"hmmlearn {hmmlearn.__version__}", covariance_type=hmm.covariance_type,
                  seed=int(hmm.random_state or 0), rows=rows, sequences=sequences, converged=bool(monitor.converged),
                  n_iter=int(monitor.iter), score=float(score))
    return _params("hmm", feature_names, feature_digest, order_by, names, order, means, fit,
                   covariances=cov[order].tolist(), startprob=np.asarray(hmm.startprob_)[order].tolist(),
                   transmat=np.asarray(hmm.transmat_)[np.ix_(order, order)].tolist())


def fit_hmm(x: np.ndarray, *, feature_names: Sequence[str], feature_digest: str, order_by: str, n_regimes: int = 2,
            lengths: Sequence[int] | None = None, covariance_type: str = "full", seed: int = 0, n_init: int = 4,
            n_iter: int = 200, tol: float = 1e-4, transmat_prior: float = 2.0,
            names: Sequence[str] | None = None) -> RegimeModel:
    """Fit a Gaussian HMM (hmmlearn, log implementation) on rows ``x`` (n × features).

    ``lengths`` splits ``x`` into independent sequences (e.g. two recording sessions), as in hmmlearn.
    EM finds a local optimum: it runs from ``n_init`` starts (``random_state`` = ``seed``, ``seed + 1``,
    ...) and keeps the highest log-likelihood (the first on a tie), like scikit-learn's ``n_init``.
    ``transmat_prior`` is hmmlearn's Dirichlet prior on each transition row; the default 2.0 adds one
    pseudo-count per cell (Laplace smoothing), so a regime the training data never left does not
    become absorbing (a zero probability the online filter could never leave). 1.0 is plain maximum
    likelihood. Deterministic for a given ``seed``.
    """
    from hmmlearn.hmm import GaussianHMM

    x = _check_matrix(x, feature_names, order_by, n_regimes)
    if lengths is not None and (sum(lengths) != x.shape[0] or min(lengths) < 1):
        raise RegimeFitError(f"lengths {list(lengths)} must be positive and sum to the {x.shape[0]} rows")
    if n_init < 1:
        raise RegimeFitError(f"n_init {n_init} must be >= 1")
    best, best_score = None, -np.inf
    with _one_thread():
        for start in range(n_init):
            hmm = GaussianHMM(n_components=n_regimes, covariance_type=covariance_type, n_iter=n_iter, tol=tol,
                              random_state=seed + start, transmat_prior=transmat_prior, implementation="log")
            hmm.fit(x, lengths)
            score = float(hmm.score(x, lengths))
            if best is None or score > best_score:
                best, best_score = hmm, score
    return from_hmmlearn(best, feature_names=feature_names, feature_digest=feature_digest, order_by=order_by,
                         names=names, rows=x.shape[0], sequences=1 if lengths is None else len(lengths),
                         score=best_score / x.shape[0])


# -- Gaussian mixture -------------------------------------------------------------------------------------------


def from_gaussian_mixture(gmm: Any, *, feature_names: Sequence[str], feature_digest: str, order_by: str,
                          names: Sequence[str] | None = None, rows: int = 0, score: float = float("nan"),
                          ) -> RegimeModel:
    """A :class:`RegimeModel` of kind ``gmm`` from a fitted ``sklearn.mixture.GaussianMixture``."""
    import sklearn

    means = np.asarray(gmm.means_, dtype=np.float64)
    order = _order(means, feature_names, order_by)
    n, d = means.shape
    cov = _full_covariances(gmm.covariances_, gmm.covariance_type, n, d)
    fit = FitInfo(library=f"scikit-learn {sklearn.__version__}", covariance_type=gmm.covariance_type,
                  seed=int(gmm.random_state or 0), rows=rows, sequences=1, converged=bool(gmm.converged_),
                  n_iter=int(gmm.n_iter_), score=float(score))
    return _params("gmm", feature_names, feature_digest, order_by, names, order, means, fit,
                   covariances=cov[order].tolist(), weights=np.asarray(gmm.weights_)[order].tolist())


def fit_gmm(x: np.ndarray, *, feature_names: Sequence[str], feature_digest: str, order_by: str, n_regimes: int = 2,
            covariance_type: str = "full", seed: int = 0, n_init: int = 3, reg_covar: float = 1e-6,
            names: Sequence[str] | None = None) -> RegimeModel:
    """Fit a Gaussian mixture (scikit-learn) on rows ``x``; rows are classified independently of each other."""
    from sklearn.mixture import GaussianMixture

    x = _check_matrix(x, feature_names, order_by, n_regimes)
    with _one_thread():
        gmm = GaussianMixture(n_components=n_regimes, covariance_type=covariance_type, random_state=seed,
                              n_init=n_init, reg_covar=reg_covar).fit(x)
        score = float(gmm.score(x))
    return from_gaussian_mixture(gmm, feature_names=feature_names, feature_digest=feature_digest, order_by=order_by,
                                 names=names, rows=x.shape[0], score=score)


# -- k-means ----------------------------------------------------------------------------------------------------


def from_kmeans(km: Any, *, feature_names: Sequence[str], feature_digest: str, order_by: str,
                names: Sequence[str] | None = None, rows: int = 0) -> RegimeModel:
    """A :class:`RegimeModel` of kind ``kmeans`` from a fitted ``sklearn.cluster.KMeans``."""
    import sklearn

    means = np.asarray(km.cluster_centers_, dtype=np.float64)
    order = _order(means, feature_names, order_by)
    fit = FitInfo(library=f"scikit-learn {sklearn.__version__}", covariance_type="none",
                  seed=int(km.random_state or 0), rows=rows, sequences=1, converged=True, n_iter=int(km.n_iter_),
                  score=-float(km.inertia_) / max(rows, 1))
    return _params("kmeans", feature_names, feature_digest, order_by, names, order, means, fit)


def fit_kmeans(x: np.ndarray, *, feature_names: Sequence[str], feature_digest: str, order_by: str, n_regimes: int = 2,
               seed: int = 0, n_init: int = 10, names: Sequence[str] | None = None) -> RegimeModel:
    """Fit k-means (scikit-learn) on rows ``x``; a row's regime is its nearest centroid.

    k-means uses Euclidean distance on the raw columns: put the features on comparable scales first.
    """
    from sklearn.cluster import KMeans

    x = _check_matrix(x, feature_names, order_by, n_regimes)
    with _one_thread():
        km = KMeans(n_clusters=n_regimes, random_state=seed, n_init=n_init).fit(x)
    return from_kmeans(km, feature_names=feature_names, feature_digest=feature_digest, order_by=order_by, names=names,
                       rows=x.shape[0])
