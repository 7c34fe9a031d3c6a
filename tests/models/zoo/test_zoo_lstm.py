"""The optional LSTM: windows of real features in, PyTorch forward out; skipped with a reason without PyTorch."""

from __future__ import annotations

import pytest
from zoo_kit import HAS_TORCH, NO_TORCH, dataset, fitted, rows_for, small_spec

from arbkit.models.errors import ModelConfigError, ModelMismatchError
from arbkit.models.zoo import ModelSpec, build_model

pytestmark = pytest.mark.skipif(not HAS_TORCH, reason=NO_TORCH)


def test_rows_that_do_not_split_into_the_window_are_refused() -> None:
    data = dataset("classification")
    with pytest.raises(ModelMismatchError, match="rows of width 40 do not split into window=3 steps"):
        build_model(ModelSpec(kind="lstm", params={"window": 3, "epochs": 1})).fit(
            data.x, data.y, feature_names=data.feature_names, feature_digest=data.feature_digest)


@pytest.mark.parametrize(("name", "value"), [("window", 0), ("hidden_size", 2.5), ("epochs", True),
                                             ("learning_rate", -1.0)])
def test_bad_lstm_settings_are_refused_naming_the_value(name: str, value: object) -> None:
    with pytest.raises(ModelConfigError, match=f"{name} must be .*, got {value!r}"):
        build_model(ModelSpec(kind="lstm", params={name: value}))


def test_prediction_leaves_the_torch_thread_setting_as_it_found_it() -> None:
    import torch

    model = fitted("lstm")
    x, _, _, _ = rows_for("lstm", "classification")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        model.predict_one(x[0])
        model.predict_many(x[:3])
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_lstm_reads_the_window_it_was_trained_on() -> None:
    model = fitted("lstm", "regression")
    assert model.feature_names[0].endswith("@-3") and model.feature_names[-1].endswith("@-0")
    assert len(model.feature_names) == 4 * 40
    assert model.spec == small_spec("lstm", "regression")


def test_train_device_auto_uses_a_gpu_only_when_torch_sees_one_and_serves_on_the_cpu() -> None:
    import numpy as np
    import torch

    x, y, names, digest = rows_for("lstm", "classification")
    specs = [ModelSpec(kind="lstm", params={**small_spec("lstm").params, "train_device": device}) for device in
             ("cpu", "auto")]
    models = [build_model(spec).fit(x, y, feature_names=names, feature_digest=digest) for spec in specs]
    assert all(p.device.type == "cpu" for m in models for p in m.net_.parameters())
    if not torch.cuda.is_available():  # no GPU here: "auto" trains on the CPU, so the two models are the same
        np.testing.assert_array_equal(models[0].predict_many(x[:20]), models[1].predict_many(x[:20]))
    with pytest.raises(ModelConfigError, match="train_device must be one of"):
        build_model(ModelSpec(kind="lstm", params={"train_device": "tpu"}))
