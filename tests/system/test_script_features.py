"""A script's declared feature set, fed by the backtest engine, equals the batch features a model trains on."""

from __future__ import annotations

import numpy as np
import pytest

from arbkit.audit.journal import Journal
from arbkit.core.errors import ConfigError
from arbkit.data.events import EventTable
from arbkit.features.batch_inputs import inputs_from_events
from arbkit.features.engine import FeatureEngine
from arbkit.features.feature_set import FeatureSet
from arbkit.features.layout import EV_BOOK
from arbkit.features.presets import spot_perp_feature_set
from arbkit.scripts.context import ScriptContext
from testkit import SPOT_BTC, USDM_BTC, build_engine, default_config, registry, sample_timeline


class FeatureRecorder:
    """Records what ``ctx.features`` shows each time the engine calls it; never trades."""

    def __init__(self, feature_set: FeatureSet) -> None:
        self.script_id = "feature_recorder"
        self.instrument_ids = (SPOT_BTC, USDM_BTC)
        self.feature_set = feature_set
        self.seen: list[tuple[np.ndarray, np.ndarray]] = []
        self.vectors: list[np.ndarray | None] = []

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        view = ctx.features
        self.seen.append((np.array([view.value(n) if view.value(n) is not None else np.nan for n in view.names]),
                          view.statuses()))
        self.vectors.append(view.vector())


def test_script_features_in_the_backtest_equal_the_batch_twin_at_every_book_event() -> None:
    feature_set = spot_perp_feature_set(SPOT_BTC, USDM_BTC)
    recorder = FeatureRecorder(feature_set)
    timeline = sample_timeline()
    with Journal(":memory:") as journal:
        build_engine(default_config(), journal, [lambda: (recorder, "none")]).run(timeline)
    messages = [m for _, m in timeline]
    inputs = inputs_from_events(EventTable.from_messages(messages, {SPOT_BTC: 0, USDM_BTC: 1}), feature_set,
                                {0: "spot", 1: "perp"})
    batch = FeatureEngine(feature_set, registry()).batch(inputs)
    at_books = inputs.kind == EV_BOOK
    values = np.array([v for v, _ in recorder.seen])
    statuses = np.array([s for _, s in recorder.seen])
    assert len(values) == int(at_books.sum()) > 9_000  # one script call per book message, as in the batch twin
    np.testing.assert_array_equal(statuses, batch.status[at_books])
    np.testing.assert_array_equal(values, batch.values[at_books])
    ready = [v for v in recorder.vectors if v is not None]
    assert recorder.vectors[0] is None, "nothing is ready at the first book message"
    assert len(ready) > 0.8 * len(recorder.vectors) and all(np.isfinite(v).all() for v in ready)


def test_feature_set_over_an_instrument_without_a_book_is_refused() -> None:
    other = FeatureSet.from_dict({"name": "eth", "instruments": {"x": "ETHUSDT.BINANCE_SPOT"},
                                  "features": [{"kind": "spread", "name": "s", "instrument": "x"}]})
    recorder = FeatureRecorder(other)
    with Journal(":memory:") as journal, pytest.raises(ConfigError, match="keeps no book of"):
        build_engine(default_config(), journal, [lambda: (recorder, "none")])


def test_a_script_without_a_feature_set_has_no_ctx_features() -> None:
    recorder = FeatureRecorder(spot_perp_feature_set(SPOT_BTC, USDM_BTC))
    recorder.feature_set = None  # type: ignore[assignment]
    with Journal(":memory:") as journal:
        engine = build_engine(default_config(), journal, [lambda: (recorder, "none")])
    ctx = engine.scripts[0][1]
    with pytest.raises(ConfigError, match="declared no feature_set"):
        ctx.features  # noqa: B018
