"""Compiled per-row classification: HMM forward filtering, GMM responsibilities, nearest k-means centroid.

One step function serves the streaming classifiers (one call per row) and the batch twin (a compiled
loop over rows), so both give the same numbers bit for bit.

Gaussian densities use the precision Cholesky factor ``P_k`` (upper triangular, ``P_k P_kᵀ = Σ_k⁻¹``),
the form scikit-learn's ``GaussianMixture`` keeps:

    log N(x; μ_k, Σ_k) = −½ (d log 2π + ‖(x − μ_k)ᵀ P_k‖²) + Σ_i log P_k[i, i]

**HMM forward filter** (no look-ahead): with log start probabilities ``log π``, log transition matrix
``log A`` and the emission log densities ``ℓ_t`` of row ``t``,

    a_0 = log π + ℓ_0,        a_t[j] = logsumexp_i(log p_{t−1}[i] + log A[i, j]) + ℓ_t[j],
    log p_t = a_t − logsumexp(a_t)

so ``p_t = P(state_t | rows 0..t)`` uses only rows up to ``t``. ``logsumexp(a_t)`` is the log
predictive density of row ``t`` given the rows before it (kept as ``last_log_evidence``).

State layout (``istate``, int64): see the ``C_*`` slots below.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from arbkit.regime.status import GAP_RESET, INVALID_INPUT, OK, TIME_BACKWARDS, WARMING_UP

KIND_HMM = 0
KIND_GMM = 1
KIND_KMEANS = 2
KIND_CODES = {"hmm": KIND_HMM, "gmm": KIND_GMM, "kmeans": KIND_KMEANS}

# classifier istate slots
C_LAST_TS = 0
C_HAS_TS = 1
C_ROWS = 2
"""Valid rows absorbed since the last (re)start."""
C_INVALID = 3
"""Rows refused: non-finite values or time going backwards."""
C_GAPS = 4
C_STATUS = 5
C_LABEL = 6
"""Last label produced (-1 before the first one); unchanged by refused rows."""
C_READY = 7
"""1 when the last accepted row produced a label, 0 during warm-up or after a gap reset."""
C_SIZE = 8

_LOG_2PI = math.log(2.0 * math.pi)


@njit(cache=True)
def gaussian_log_densities(x, means, prec_chol, log_det_prec, out):  # type: ignore[no-untyped-def]
    """``out[k] = log N(x; means[k], Σ_k)`` for every component ``k`` (see module docs)."""
    n_comp, d = means.shape
    for k in range(n_comp):
        maha = 0.0
        for j in range(d):
            y = 0.0
            for i in range(j + 1):  # prec_chol[k] is upper triangular: column j has rows 0..j
                y += (x[i] - means[k, i]) * prec_chol[k, i, j]
            maha += y * y
        out[k] = -0.5 * (d * _LOG_2PI + maha) + log_det_prec[k]


@njit(cache=True)
def _logsumexp(a):  # type: ignore[no-untyped-def]
    top = -np.inf
    for v in a:
        top = max(top, v)
    if top == -np.inf:
        return -np.inf
    s = 0.0
    for v in a:
        s += math.exp(v - top)
    return top + math.log(s)


@njit(cache=True)
def _argmax(a):  # type: ignore[no-untyped-def]
    best = 0
    for i in range(1, a.shape[0]):
        if a[i] > a[best]:
            best = i
    return best


@njit(cache=True)
def _admit(istate, ts, x, max_gap_ns):  # type: ignore[no-untyped-def]
    """Validate one row and advance the clock; returns OK, GAP_RESET, INVALID_INPUT or TIME_BACKWARDS."""
    for i in range(x.shape[0]):
        if not math.isfinite(x[i]):
            istate[C_INVALID] += 1
            return INVALID_INPUT
    if istate[C_HAS_TS] == 1 and ts < istate[C_LAST_TS]:
        istate[C_INVALID] += 1
        return TIME_BACKWARDS
    status = OK
    if istate[C_HAS_TS] == 1 and max_gap_ns >= 0 and ts - istate[C_LAST_TS] > max_gap_ns:
        istate[C_ROWS] = 0
        istate[C_GAPS] += 1
        status = GAP_RESET
    istate[C_LAST_TS] = ts
    istate[C_HAS_TS] = 1
    return status


@njit(cache=True)
def classify_step(kind, istate, log_post, evidence, scratch, ts, x, max_gap_ns, warmup_rows,  # type: ignore[no-untyped-def]
                  log_start, log_trans, log_weights, means, prec_chol, log_det_prec):
    """Fold row ``x`` at ``ts`` (int ns) into the state; returns the regime index, or -1 (see ``istate[C_STATUS]``).

    ``log_post`` (float64[k]) holds the last log posterior and ``evidence[0]`` the log predictive
    density of the last row (HMM) or its log mixture density (GMM); both are untouched when the row is
    refused. ``scratch`` is float64[k]. ``max_gap_ns < 0`` disables the gap check.
    """
    status = _admit(istate, ts, x, max_gap_ns)
    if status == INVALID_INPUT or status == TIME_BACKWARDS:
        istate[C_STATUS] = status
        return -1
    n_comp = means.shape[0]
    if kind == KIND_KMEANS:
        best = 0
        best_d = np.inf
        for k in range(n_comp):
            dist = 0.0
            for i in range(x.shape[0]):
                diff = x[i] - means[k, i]
                dist += diff * diff
            if dist < best_d:
                best_d = dist
                best = k
        for k in range(n_comp):
            log_post[k] = 0.0 if k == best else -np.inf
        evidence[0] = -best_d
    else:
        gaussian_log_densities(x, means, prec_chol, log_det_prec, scratch)
        if kind == KIND_GMM:
            for k in range(n_comp):
                scratch[k] += log_weights[k]
        elif istate[C_ROWS] == 0:
            for k in range(n_comp):
                scratch[k] += log_start[k]
        else:
            for j in range(n_comp):
                top = -np.inf
                for i in range(n_comp):
                    v = log_post[i] + log_trans[i, j]
                    top = max(top, v)
                s = 0.0
                if top > -np.inf:
                    for i in range(n_comp):
                        s += math.exp(log_post[i] + log_trans[i, j] - top)
                    scratch[j] += top + math.log(s)
                else:
                    scratch[j] = -np.inf
        total = _logsumexp(scratch)
        for k in range(n_comp):
            log_post[k] = scratch[k] - total
        evidence[0] = total
    istate[C_ROWS] += 1
    label = _argmax(log_post)
    if status == GAP_RESET:
        label = -1
    elif istate[C_ROWS] <= warmup_rows:
        status = WARMING_UP
        label = -1
    istate[C_STATUS] = status
    istate[C_READY] = 1 if label >= 0 else 0
    if label >= 0:
        istate[C_LABEL] = label
    return label


@njit(cache=True)
def exp_into(log_values, out):  # type: ignore[no-untyped-def]
    """``out[k] = exp(log_values[k])``: the one place posteriors leave log space (streaming and batch alike)."""
    for k in range(log_values.shape[0]):
        out[k] = math.exp(log_values[k])


@njit(cache=True)
def classify_batch(kind, istate, log_post, evidence, ts, rows, max_gap_ns, warmup_rows,  # type: ignore[no-untyped-def]
                   log_start, log_trans, log_weights, means, prec_chol, log_det_prec, out_labels, out_post,
                   out_status):
    """Batch twin of :func:`classify_step` over ``rows`` (n × d); fills labels, posteriors (n × k) and statuses."""
    scratch = np.empty(means.shape[0])
    for t in range(rows.shape[0]):
        out_labels[t] = classify_step(kind, istate, log_post, evidence, scratch, ts[t], rows[t], max_gap_ns,
                                      warmup_rows, log_start, log_trans, log_weights, means, prec_chol, log_det_prec)
        out_status[t] = istate[C_STATUS]
        exp_into(log_post, out_post[t])
