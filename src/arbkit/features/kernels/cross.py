"""Cross-venue and cross-asset features: basis, lead-lag, and the EWMA covariance matrix.

- ``basis``: (mid_b − mid_a) / mid_a in bps, and the ratio mid_b / mid_a.
- ``lead_lag``: on an event-time grid of ``bucket_ns``, log return of a minus log return of b since the
  close of the bucket ``lag_buckets`` before the current one, in bps. Positive: a moved up more.
- ``ewma_covariance``: log returns of K instruments on a grid of ``bucket_ns``; at each bucket close
  C ← λC + (1 − λ) r rᵀ with λ = 2^(-bucket_ns / halflife_ns) (zero-mean, the RiskMetrics convention;
  empty buckets are zero returns). Outputs each variance and covariance in bps² per bucket and each
  correlation; ``WARMING_UP`` until one half-life of buckets has closed.
"""

from __future__ import annotations

import math

from arbkit.features.jit import kernel
from arbkit.features.kernels.common import buckets_closed, decay, emit
from arbkit.features.layout import I_LOG_MID, I_MID, IB, READY, WARMING_UP


@kernel
def basis(f64, i64, ia, ib, vo, so):  # type: ignore[no-untyped-def]
    """Outputs: basis in bps, price ratio."""
    ma = f64[ia + I_MID]
    mb = f64[ib + I_MID]
    emit(f64, i64, vo, so, 0, (mb - ma) / ma * 1e4, READY)
    emit(f64, i64, vo, so, 1, mb / ma, READY)


# lead_lag state slots
_LL_CUR, _LL_A, _LL_B, _LL_DONE, _LL_POS, _LL_RING = 0, 1, 2, 3, 4, 5


@kernel
def lead_lag(f64, i64, po, st, vo, so, ts, first, log_a, log_b):  # type: ignore[no-untyped-def]
    """Params [bucket_ns, lag_buckets]; state [bucket, last a, last b, completed, position, ring a, ring b]."""
    width = int(f64[po])
    n = int(f64[po + 1])
    steps = buckets_closed(f64, st + _LL_CUR, ts, width, first)
    if steps > 0:
        for _ in range(min(steps, n)):
            pos = int(f64[st + _LL_POS])
            f64[st + _LL_RING + pos] = f64[st + _LL_A]
            f64[st + _LL_RING + n + pos] = f64[st + _LL_B]
            f64[st + _LL_POS] = pos + 1 if pos + 1 < n else 0
        f64[st + _LL_DONE] += steps
    f64[st + _LL_A] = log_a
    f64[st + _LL_B] = log_b
    if f64[st + _LL_DONE] < n:
        emit(f64, i64, vo, so, 0, 0.0, WARMING_UP)
        return
    oldest = int(f64[st + _LL_POS])
    ra = log_a - f64[st + _LL_RING + oldest]
    rb = log_b - f64[st + _LL_RING + n + oldest]
    emit(f64, i64, vo, so, 0, (ra - rb) * 1e4, READY)


# ewma_covariance state slots: [bucket, completed, last log mid × K, grid log mid × K, C (K × K)]
_CV_CUR, _CV_DONE, _CV_LAST = 0, 1, 2


@kernel
def ewma_covariance(f64, i64, po, st, vo, so, ts, first):  # type: ignore[no-untyped-def]
    """Params [bucket_ns, halflife_ns, K, instrument index × K]."""
    width = int(f64[po])
    h = f64[po + 1]
    k = int(f64[po + 2])
    last = st + _CV_LAST
    grid = last + k
    cov = grid + k
    steps = buckets_closed(f64, st + _CV_CUR, ts, width, first)
    if first:
        for i in range(k):
            f64[grid + i] = f64[int(f64[po + 3 + i]) * IB + I_LOG_MID]
    elif steps > 0:
        lam = decay(float(width), h)
        for i in range(k):
            ri = f64[last + i] - f64[grid + i]
            for j in range(k):
                rj = f64[last + j] - f64[grid + j]
                f64[cov + i * k + j] = lam * f64[cov + i * k + j] + (1.0 - lam) * ri * rj
        if steps > 1:  # empty buckets: zero returns, decay only
            quiet = lam ** min(steps - 1, 1_000_000)
            for i in range(k * k):
                f64[cov + i] *= quiet
        for i in range(k):
            f64[grid + i] = f64[last + i]
        f64[st + _CV_DONE] += steps
    for i in range(k):
        f64[last + i] = f64[int(f64[po + 3 + i]) * IB + I_LOG_MID]
    status = READY if f64[st + _CV_DONE] * width >= h else WARMING_UP
    out = 0
    for i in range(k):
        emit(f64, i64, vo, so, out, f64[cov + i * k + i] * 1e8, status)
        out += 1
    for i in range(k):
        for j in range(i + 1, k):
            emit(f64, i64, vo, so, out, f64[cov + i * k + j] * 1e8, status)
            out += 1
    for i in range(k):
        for j in range(i + 1, k):
            vi = f64[cov + i * k + i]
            vj = f64[cov + j * k + j]
            corr = f64[cov + i * k + j] / math.sqrt(vi * vj) if vi > 0.0 and vj > 0.0 else 0.0
            emit(f64, i64, vo, so, out, corr, status if vi > 0.0 and vj > 0.0 else WARMING_UP)
            out += 1
