"""Online classification equals an independent computation with the fitted estimator, and never looks ahead.

HMM: the compiled forward filter against (a) a plain-numpy forward recursion over hmmlearn's own
emission log-likelihoods and (b) the last row of hmmlearn's posteriors of every prefix; it differs
from the smoothed (forward-backward) path and from Viterbi. GMM and k-means: equal to scikit-learn's
``predict_proba`` / ``predict`` on the same rows.
"""

from __future__ import annotations

import numpy as np
import pytest
from hmmlearn.hmm import GaussianHMM
from regime_kit import NS_PER_S, forward_filter
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

from arbkit.regime.fit import fit_hmm, from_gaussian_mixture, from_hmmlearn, from_kmeans

NAMES = ("log_rv", "trend")


def switching_rows(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a 2-state Markov chain with overlapping Gaussian emissions (so filtering and smoothing differ)."""
    rng = np.random.default_rng(seed)
    states = np.zeros(400, dtype=np.int64)
    for t in range(1, len(states)):
        states[t] = states[t - 1] if rng.random() < 0.95 else 1 - states[t - 1]
    means = np.array([[0.0, 0.0], [1.2, 0.5]])
    rows = means[states] + rng.normal(0.0, [0.6, 1.0], size=(len(states), 2))
    return rows, states


ROWS, STATES = switching_rows()
TS = 1_700_000_000 * NS_PER_S + np.arange(len(ROWS), dtype=np.int64) * NS_PER_S


@pytest.fixture(scope="module")
def fitted_hmm() -> GaussianHMM:
    return GaussianHMM(n_components=2, covariance_type="full", n_iter=200, tol=1e-4, random_state=5,
                       implementation="log").fit(ROWS)


def test_hmm_filter_equals_plain_numpy_forward_recursion_on_hmmlearn_likelihoods(fitted_hmm: GaussianHMM) -> None:
    model = from_hmmlearn(fitted_hmm, feature_names=NAMES, feature_digest="d", order_by="log_rv")
    order = np.asarray(model.params.source_components)
    expected = forward_filter(fitted_hmm._compute_log_likelihood(ROWS), fitted_hmm.startprob_,
                              fitted_hmm.transmat_)[:, order]

    labels, post, _ = model.classify_many(TS, ROWS)

    np.testing.assert_allclose(post, expected, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(labels, np.argmax(expected, axis=1))


def test_hmm_filter_at_t_is_the_last_posterior_of_the_prefix_0_to_t(fitted_hmm: GaussianHMM) -> None:
    model = from_hmmlearn(fitted_hmm, feature_names=NAMES, feature_digest="d", order_by="log_rv")
    order = np.asarray(model.params.source_components)
    clf = model.online()
    for t in range(len(ROWS)):
        clf.update(int(TS[t]), ROWS[t])
        if t in (0, 1, 17, 123, 250, 399):
            _, prefix_post = fitted_hmm.score_samples(ROWS[: t + 1])  # forward-backward over rows 0..t only
            np.testing.assert_allclose(clf.probabilities, prefix_post[-1][order], rtol=0, atol=1e-10)


def test_hmm_filter_differs_from_the_smoothed_path_and_from_viterbi(fitted_hmm: GaussianHMM) -> None:
    model = from_hmmlearn(fitted_hmm, feature_names=NAMES, feature_digest="d", order_by="log_rv")
    order = np.asarray(model.params.source_components)
    labels, post, _ = model.classify_many(TS, ROWS)
    smoothed = fitted_hmm.predict_proba(ROWS)[:, order]
    viterbi = np.argsort(order)[fitted_hmm.predict(ROWS)]

    assert np.abs(post - smoothed).max() > 0.2, "the filter must not equal the look-ahead smoothed posterior"
    assert (labels != viterbi).sum() >= 3, "the filter must not equal the whole-sequence Viterbi path"
    np.testing.assert_allclose(post[-1], smoothed[-1], atol=1e-10)  # at the last row both use the same rows


def test_hmm_posterior_at_t_does_not_change_when_later_rows_change() -> None:
    model = fit_hmm(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv", seed=1)
    _, post, _ = model.classify_many(TS, ROWS)
    altered = ROWS.copy()
    altered[200:] = altered[200:][::-1] + 3.0
    _, post_altered, _ = model.classify_many(TS, altered)

    np.testing.assert_array_equal(post[:200], post_altered[:200])
    assert np.abs(post[200:] - post_altered[200:]).max() > 0.5


def test_streaming_hmm_equals_its_batch_twin_bit_for_bit() -> None:
    model = fit_hmm(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv", seed=1)
    labels, post, status = model.classify_many(TS, ROWS, warmup_rows=3)
    clf = model.online(warmup_rows=3)
    for t in range(len(ROWS)):
        assert clf.update(int(TS[t]), ROWS[t]) == labels[t]
        assert int(clf.status) == status[t]
        np.testing.assert_array_equal(clf.probabilities, post[t])
    assert list(labels[:3]) == [-1, -1, -1] and labels[3] >= 0


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_gmm_responsibilities_equal_sklearn_predict_proba(covariance_type: str) -> None:
    gmm = GaussianMixture(n_components=3, covariance_type=covariance_type, random_state=2).fit(ROWS)
    model = from_gaussian_mixture(gmm, feature_names=NAMES, feature_digest="d", order_by="log_rv")
    order = np.asarray(model.params.source_components)

    labels, post, _ = model.classify_many(TS, ROWS)

    np.testing.assert_allclose(post, gmm.predict_proba(ROWS)[:, order], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(order[labels], gmm.predict(ROWS))
    assert model.regimes == ("calm", "normal", "volatile")


def test_kmeans_nearest_centroid_equals_sklearn_predict() -> None:
    km = KMeans(n_clusters=3, random_state=4, n_init=10).fit(ROWS)
    model = from_kmeans(km, feature_names=NAMES, feature_digest="d", order_by="log_rv")
    order = np.asarray(model.params.source_components)
    probe = np.random.default_rng(9).normal(0.5, 2.0, size=(500, 2))

    labels, post, _ = model.classify_many(np.arange(len(probe)), probe)

    np.testing.assert_array_equal(order[labels], km.predict(probe))
    np.testing.assert_array_equal(post, np.eye(3)[labels])


def test_hmm_filter_tracks_the_planted_states() -> None:
    model = fit_hmm(ROWS, feature_names=NAMES, feature_digest="d", order_by="log_rv", seed=0)
    labels, _, _ = model.classify_many(TS, ROWS)
    assert (labels == STATES).mean() > 0.8
