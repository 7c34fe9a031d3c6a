"""Known-answer run on the synthetic market: a planted volatility switch and a planted flash crash.

SYNTHETIC DATA ONLY (:mod:`arbkit.data.synthetic`). What is done, so the figures can be judged:

1. Generate the market under test (``seed``) and a separate **calibration** market (``calibration_seed``,
   same config, other random numbers). Take the leader venue's BBO mids on the ``ts_event`` clock.
2. Compute :class:`~arbkit.regime.vol_features.BarVolSpec` rows on both.
3. Fit the regime model on the test market's rows **before its switch** plus the calibration market's
   rows **before its crash** (its calm and its high-vol segment), as two HMM sequences. No row of the
   test market after its switch is used in fitting. The model thus learns the planted volatility
   levels from other data of the same generator: that is the known answer being tested.
4. Classify every row of the test market online (forward filter) and run the guard over every BBO
   event (with its spread).
5. Score with :func:`~arbkit.regime.evaluation.evaluate_detections`: the switch episode runs from the
   planted switch to the end (flag: the highest-vol regime); the crash episode from the crash start
   to the end of its recovery, with the guard's cooldown as allowance (flag: guard tripped).
"""

from __future__ import annotations

import msgspec
import numpy as np

from arbkit.data.synthetic.synthetic_config import PlantedTruth, SyntheticConfig
from arbkit.data.synthetic.synthetic_market import SyntheticMarket, generate_market
from arbkit.regime.bbo import BboSeries, bbo_of_table
from arbkit.regime.errors import RegimeError
from arbkit.regime.evaluation import DetectionReport, Episode, evaluate_detections
from arbkit.regime.fit import fit_gmm, fit_hmm, fit_kmeans
from arbkit.regime.guard import DislocationGuard, GuardConfig, GuardTrace
from arbkit.regime.model import RegimeModel
from arbkit.regime.vol_features import ORDER_BY, BarRows, BarVolSpec


class KnownAnswerConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What to run (see module docs). ``kind`` is ``hmm``, ``gmm`` or ``kmeans``."""

    seed: int = 11
    calibration_seed: int = 1_011
    kind: str = "hmm"
    n_regimes: int = 2
    fit_seed: int = 0
    market: SyntheticConfig = msgspec.field(default_factory=SyntheticConfig)
    features: BarVolSpec = msgspec.field(default_factory=BarVolSpec)
    guard: GuardConfig = msgspec.field(default_factory=GuardConfig)


class KnownAnswer(msgspec.Struct, kw_only=True):
    """Inputs, outputs and scores of one known-answer run. ``str(result)`` prints the figures."""

    config: KnownAnswerConfig
    truth: PlantedTruth
    venue: str
    bbo: BboSeries
    bars: BarRows
    model: RegimeModel
    labels: np.ndarray
    """Regime index per row of ``bars`` (-1 while warming up)."""
    guard: GuardTrace
    switch: DetectionReport
    crash: DetectionReport
    first_crash_move: int
    """Index of the first BBO event at or after the crash start whose mid differs from the one before."""

    def __str__(self) -> str:
        fire = self.crash.episodes[0].detected_index
        head = (f"known answer, synthetic market seed {self.truth.seed} (calibration seed "
                f"{self.config.calibration_seed}), venue {self.venue}, model {self.model.version}")
        tail = ("  guard missed the crash" if fire is None else
                f"  guard fired in the crash on event {fire}, {fire - self.first_crash_move} events after the first "
                f"crash move (event {self.first_crash_move})")
        lines = [head, str(self.switch), str(self.crash), tail]
        return "\n".join(lines)


def leader_bbo(market: SyntheticMarket) -> tuple[str, BboSeries]:
    """The leader venue and its BBO series on the ``ts_event`` clock."""
    venue = market.truth.lead_lag.leader_venue
    frame = market.frames[venue]
    (instrument,) = frame.instruments.values()
    return venue, bbo_of_table(frame.table, float(instrument.tick_size), clock="ts_event")


def _fit(config: KnownAnswerConfig, rows: np.ndarray, lengths: list[int]) -> RegimeModel:
    common = {"feature_names": config.features.names, "feature_digest": config.features.digest(),
              "order_by": ORDER_BY, "n_regimes": config.n_regimes, "seed": config.fit_seed}
    if config.kind == "hmm":
        return fit_hmm(rows, lengths=lengths, **common)
    if config.kind == "gmm":
        return fit_gmm(rows, **common)
    return fit_kmeans(rows, **common)


def run_known_answer(config: KnownAnswerConfig | None = None, *, market: SyntheticMarket | None = None,
                     calibration: SyntheticMarket | None = None) -> KnownAnswer:
    """Run steps 1-5 of the module docs; deterministic for a given config.

    ``market`` and ``calibration`` may be passed already generated (they must be the config's seeds).
    """
    config = config or KnownAnswerConfig()
    market = market or generate_market(config.market, config.seed)
    calibration = calibration or generate_market(config.market, config.calibration_seed)
    for role, got, want in (("market", market, config.seed), ("calibration", calibration, config.calibration_seed)):
        if got.truth.seed != want or got.truth.config != config.market:
            raise RegimeError(f"known answer: the {role} passed has seed {got.truth.seed} or another config; the "
                              f"run is configured for seed {want}")
    truth = market.truth
    venue, bbo = leader_bbo(market)
    _, cal_bbo = leader_bbo(calibration)
    bars = config.features.batch(bbo.ts_ns, bbo.mid)
    cal_bars = config.features.batch(cal_bbo.ts_ns, cal_bbo.mid)

    own = bars.rows[bars.bar_end_ns < truth.regime_switch.at_ns]
    other = cal_bars.rows[cal_bars.bar_end_ns < calibration.truth.flash_crash.start_ns]
    model = _fit(config, np.concatenate([own, other]), [len(own), len(other)])

    row_ts = bbo.ts_ns[bars.event_index]
    labels, _, _ = model.classify_many(row_ts, bars.rows, max_gap_ns=config.features.max_gap_ns)
    trace = DislocationGuard(config.guard).update_many(bbo.ts_ns, bbo.mid, bbo.spread_bps)

    crash = truth.flash_crash
    switch = evaluate_detections(
        row_ts, labels == config.n_regimes - 1,
        [Episode(name="regime switch", start_ns=truth.regime_switch.at_ns, end_ns=truth.end_ns)],
        detector=f"{config.kind} '{model.regimes[-1]}'", start_ns=truth.start_ns, end_ns=truth.end_ns)
    crash_report = evaluate_detections(
        bbo.ts_ns, trace.tripped, [Episode(name="flash crash", start_ns=crash.start_ns, end_ns=crash.end_ns)],
        detector="dislocation guard", start_ns=truth.start_ns, end_ns=truth.end_ns,
        allowance_ns=config.guard.cooldown_ns)
    after = np.flatnonzero((bbo.ts_ns >= crash.start_ns)[1:] & (np.diff(bbo.mid) != 0)) + 1
    return KnownAnswer(config=config, truth=truth, venue=venue, bbo=bbo, bars=bars, model=model, labels=labels,
                       guard=trace, switch=switch, crash=crash_report,
                       first_crash_move=int(after[0]) if len(after) else -1)
