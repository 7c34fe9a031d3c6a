"""The K × K covariance matrix of an ``ewma_covariance`` feature, for pairs trading and the risk engine's VaR.

>>> import numpy as np
>>> from arbkit.features.declarations import EwmaCovariance
>>> decl = EwmaCovariance(name="cov", instruments=("a", "b", "c"), bucket_ns=1, halflife_ns=1)
>>> names = decl.output_names()
>>> values = dict(zip(names, [4.0, 9.0, 1.0, 3.0, 0.5, 1.5, 0.5, 0.5, 1 / 6]))
>>> covariance_matrix(decl, values.get).tolist()
[[4.0, 3.0, 0.5], [3.0, 9.0, 1.5], [0.5, 1.5, 1.0]]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from arbkit.features.declarations import EwmaCovariance


def covariance_matrix(decl: EwmaCovariance, value: Callable[[str], float | None]) -> np.ndarray | None:
    """Covariance of grid log returns in bps² per bucket (instruments in ``decl.instruments`` order).

    ``value(name)`` returns an output when READY, else None (``FeatureEngine.value`` or
    ``FeatureView.value``); the matrix is None unless every variance and covariance is READY.
    """
    xs = decl.instruments
    k = len(xs)
    out = np.empty((k, k))
    for i, x in enumerate(xs):
        v = value(f"{decl.name}.var_{x}")
        if v is None:
            return None
        out[i, i] = v
        for j in range(i + 1, k):
            c = value(f"{decl.name}.cov_{x}_{xs[j]}")
            if c is None:
                return None
            out[i, j] = out[j, i] = c
    return out
