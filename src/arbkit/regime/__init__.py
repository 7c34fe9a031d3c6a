"""Regime detection: fit offline, classify online without look-ahead, and a flash-crash / dislocation guard.

- :mod:`~arbkit.regime.fit`: ``fit_hmm`` (hmmlearn), ``fit_gmm``, ``fit_kmeans`` (scikit-learn) → :class:`RegimeModel`;
- :mod:`~arbkit.regime.model`: the fitted model as data, ``save``/``load`` (JSON, format version, feature digest);
- :mod:`~arbkit.regime.online`: per-row classification (HMM forward filter, GMM, nearest centroid), compiled;
- :mod:`~arbkit.regime.guard`: :class:`DislocationGuard`, trips on the event that shows a jump or a liquidity collapse;
- :mod:`~arbkit.regime.monitor`: :class:`RegimeMonitor`, one label per scope and a :class:`RegimeChange` per change;
- :mod:`~arbkit.regime.vol_features`: per-bar realised-volatility features to fit and classify on;
- :mod:`~arbkit.regime.evaluation` and :mod:`~arbkit.regime.known_answer`: detection delay and false alarms
  against planted episodes of the synthetic market.

Units: event time in int ns since the Unix epoch (UTC), prices in quote currency, spreads and moves in
bps. See docs/regimes.md.
"""

from arbkit.regime.errors import RegimeError, RegimeFitError, RegimeFormatError, RegimeModelMismatchError
from arbkit.regime.events import DISLOCATED, ORDERLY, WARMING_UP, RegimeChange
from arbkit.regime.guard import DislocationGuard, GuardCause, GuardConfig
from arbkit.regime.model import FORMAT_VERSION, RegimeModel
from arbkit.regime.monitor import RegimeMonitor
from arbkit.regime.online import OnlineClassifier, OnlineRegimeClassifier
from arbkit.regime.status import UpdateStatus

__all__ = [
    "DISLOCATED", "FORMAT_VERSION", "ORDERLY", "WARMING_UP", "DislocationGuard", "GuardCause", "GuardConfig",
    "OnlineClassifier", "OnlineRegimeClassifier", "RegimeChange", "RegimeError", "RegimeFitError", "RegimeFormatError",
    "RegimeModel", "RegimeModelMismatchError", "RegimeMonitor", "UpdateStatus",
]
