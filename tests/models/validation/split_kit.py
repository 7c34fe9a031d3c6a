"""Generated label intervals and brute-force references of the purging and embargo rules, written from the docs."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

S = 1_000_000_000


@st.composite
def intervals(draw: st.DrawFn, min_size: int = 2, max_size: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """(t0, t1) int64 ns, sorted by t0, with bursts, gaps, zero-length and long labels."""
    n = draw(st.integers(min_size, max_size))
    steps = draw(st.lists(st.sampled_from([0, 0, 1, S // 10, S, 5 * S]), min_size=n, max_size=n))
    t0 = np.cumsum(np.array(steps, dtype=np.int64))
    spans = draw(st.lists(st.sampled_from([0, 1, S // 2, S, 3 * S, 20 * S]), min_size=n, max_size=n))
    return t0, t0 + np.array(spans, dtype=np.int64)


def overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 <= b1 and b0 <= a1


def reference_kfold_train(t0: np.ndarray, t1: np.ndarray, test: np.ndarray, embargo_ns: int) -> list[int]:
    """Rows outside ``test`` that overlap no test interval and are not within the embargo after the fold."""
    end = int(t1[test].max())
    keep = []
    for i in range(len(t0)):
        if i in set(test.tolist()):
            continue
        if any(overlap(t0[i], t1[i], t0[j], t1[j]) for j in test):
            continue
        if i > test[-1] and t0[i] <= end + embargo_ns:
            continue
        keep.append(i)
    return keep
