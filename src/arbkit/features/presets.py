"""Ready-made feature sets.

>>> fs = spot_perp_feature_set("BTCUSDT.BINANCE_SPOT", "BTCUSDT.BINANCE_USDM")
>>> len(fs.features), len(fs.names)
(29, 40)
"""

from __future__ import annotations

from arbkit.features.declarations import (Basis, BookSlope, EwmaCovariance, EwmaVol, EwmaZScore, FeatureDecl,
                                          ImbalanceL1, ImbalanceTopN, LeadLag, Microprice, RangeVol, RealizedVol,
                                          RollingZScore, Spread, TradeFlowImbalance, TradeIntensity, VwapDeviation)
from arbkit.features.feature_set import FeatureSet

MS = 1_000_000
S = 1_000_000_000


def single_instrument_features(alias: str) -> tuple[FeatureDecl, ...]:
    """Book, trade and volatility features of one instrument (15 outputs)."""
    return (
        ImbalanceL1(name=f"{alias}_imb_l1", instrument=alias),
        ImbalanceTopN(name=f"{alias}_imb_top", instrument=alias),
        Microprice(name=f"{alias}_micro_bps", instrument=alias),
        Spread(name=f"{alias}_spread", instrument=alias),
        BookSlope(name=f"{alias}_slope", instrument=alias),
        TradeFlowImbalance(name=f"{alias}_tfi_5s", instrument=alias, halflife_ns=5 * S),
        VwapDeviation(name=f"{alias}_vwap_dev_30s", instrument=alias, halflife_ns=30 * S),
        TradeIntensity(name=f"{alias}_trades_per_s", instrument=alias, halflife_ns=5 * S),
        EwmaVol(name=f"{alias}_ewma_vol_30s", instrument=alias, halflife_ns=30 * S),
        RealizedVol(name=f"{alias}_rv_10s", instrument=alias, bucket_ns=1 * S, buckets=10),
        RealizedVol(name=f"{alias}_rv_60s", instrument=alias, bucket_ns=5 * S, buckets=12),
        RangeVol(name=f"{alias}_range_10s", instrument=alias, bar_ns=10 * S, bars=6),
    )


def spot_perp_feature_set(spot_id: str, perp_id: str, name: str = "spot_perp_40") -> FeatureSet:
    """40 outputs over a spot and a perpetual: 15 per instrument and 10 cross-venue (basis, its z-scores,
    lead-lag, EWMA covariance/correlation)."""
    cross: tuple[FeatureDecl, ...] = (
        Basis(name="basis", a="spot", b="perp"),
        EwmaZScore(name="basis_ewz", source="basis.bps", halflife_ns=10 * S),
        RollingZScore(name="basis_rz_60s", source="basis.bps", bucket_ns=1 * S, buckets=60),
        LeadLag(name="lead_lag_500ms", a="spot", b="perp", bucket_ns=100 * MS, lag_buckets=5),
        EwmaCovariance(name="cov", instruments=("spot", "perp"), bucket_ns=1 * S, halflife_ns=60 * S),
    )
    return FeatureSet(name=name, instruments={"spot": spot_id, "perp": perp_id},
                      features=single_instrument_features("spot") + single_instrument_features("perp") + cross)
