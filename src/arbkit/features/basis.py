"""The spot–perp basis feature set: one declaration, a streaming engine and its batch twin.

Inputs at each decision point (prices in float ticks are converted to quote currency by the caller):

- ``spot_mid``, ``perp_mid``: mids in quote currency (USDT);
- ``spot_imbalance``, ``perp_imbalance``: depth-weighted book imbalance in [-1, 1];

Features (in :data:`FEATURE_NAMES` order):

- ``basis_bps``: (perp_mid − spot_mid) / spot_mid × 10⁴;
- ``basis_z``: event-time EWMA z-score of ``basis_bps`` (half-life ``halflife_ns``);
- ``basis_dev_bps``: ``basis_bps`` minus its EWMA mean before this tick;
- ``spot_imbalance``, ``perp_imbalance``: passed through.

The feature set is declared by :class:`BasisFeatureSpec`; its :meth:`~BasisFeatureSpec.digest` is
stored with every model trained on it, and a model refuses to run against another digest.

>>> spec = BasisFeatureSpec(halflife_ns=5_000_000_000)
>>> engine = spec.streaming()
>>> round(float(engine.update(0, 61730.0, 61704.0, 0.1, -0.2)[0]), 4)   # basis_bps
-4.2119
"""

from __future__ import annotations

import hashlib

import msgspec
import numpy as np
from numba import njit

from arbkit.features.ewma import STATE_SIZE, ewma_step

FEATURE_NAMES = ("basis_bps", "basis_z", "basis_dev_bps", "spot_imbalance", "perp_imbalance")
N_FEATURES = len(FEATURE_NAMES)


class BasisFeatureSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Declaration of the basis feature set.

    Attributes:
        halflife_ns: half-life of the basis EWMA, in ns of event time.
        imbalance_levels: book levels per side in the imbalance features.
    """

    halflife_ns: int = 10_000_000_000
    imbalance_levels: int = 5
    version: int = 1

    @property
    def names(self) -> tuple[str, ...]:
        """Feature names in column order."""
        return FEATURE_NAMES

    def digest(self) -> str:
        """Stable hash of the declaration (parameters, names and kernel version)."""
        payload = msgspec.json.encode({"spec": self, "names": FEATURE_NAMES, "kind": "spot_perp_basis"})
        return hashlib.sha256(payload).hexdigest()[:16]

    def streaming(self) -> "BasisFeatureEngine":
        """A fresh streaming engine for this spec."""
        return BasisFeatureEngine(self)

    def batch(self, ts_ns: np.ndarray, spot_mid: np.ndarray, perp_mid: np.ndarray,
              spot_imbalance: np.ndarray, perp_imbalance: np.ndarray) -> np.ndarray:
        """Features for a whole history at once: a float64 array of shape (n, N_FEATURES)."""
        n = len(ts_ns)
        out = np.zeros((n, N_FEATURES))
        _basis_batch(np.asarray(ts_ns, dtype=np.float64), np.asarray(spot_mid, dtype=np.float64),
                     np.asarray(perp_mid, dtype=np.float64), np.asarray(spot_imbalance, dtype=np.float64),
                     np.asarray(perp_imbalance, dtype=np.float64), float(self.halflife_ns), out)
        return out


@njit(cache=True)
def _basis_step(state, ts_ns, spot_mid, perp_mid, spot_imb, perp_imb, halflife_ns, out):  # type: ignore[no-untyped-def]
    basis = (perp_mid - spot_mid) / spot_mid * 1e4
    mean_before = state[0] if state[3] > 0.0 else basis
    z = ewma_step(state, ts_ns, basis, halflife_ns)
    out[0] = basis
    out[1] = z
    out[2] = basis - mean_before
    out[3] = spot_imb
    out[4] = perp_imb


@njit(cache=True)
def _basis_batch(ts_ns, spot_mid, perp_mid, spot_imb, perp_imb, halflife_ns, out):  # type: ignore[no-untyped-def]
    state = np.zeros(STATE_SIZE)
    for i in range(ts_ns.shape[0]):
        _basis_step(state, ts_ns[i], spot_mid[i], perp_mid[i], spot_imb[i], perp_imb[i], halflife_ns, out[i])


class BasisFeatureEngine:
    """Streaming twin of :meth:`BasisFeatureSpec.batch`: one ``update`` per decision point."""

    def __init__(self, spec: BasisFeatureSpec) -> None:
        self.spec = spec
        self._state = np.zeros(STATE_SIZE)
        self._out = np.zeros(N_FEATURES)
        self._halflife = float(spec.halflife_ns)

    def update(self, ts_ns: int, spot_mid: float, perp_mid: float, spot_imbalance: float,
               perp_imbalance: float) -> np.ndarray:
        """Features at ``ts_ns`` (a view reused on the next call: copy it to keep it)."""
        _basis_step(self._state, float(ts_ns), spot_mid, perp_mid, spot_imbalance, perp_imbalance,
                    self._halflife, self._out)
        return self._out
