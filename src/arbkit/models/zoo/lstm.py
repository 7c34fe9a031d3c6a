"""A small LSTM over a window of feature vectors (optional: needs PyTorch, extra ``arbkit[torch]``).

Input: one row holds the last ``window`` feature vectors, flattened oldest first (width ``window × k``;
build such rows with :func:`arbkit.models.zoo.datasets.window_rows`). The network standardises each
of the k features (training mean and deviation, the same for every step), runs an LSTM
(``hidden_size`` units, ``num_layers`` layers) over the steps and maps the last hidden state to one
output: a logit (classification: P(class 1) = sigmoid) or the value (regression). Everything is
float64.

Training: Adam on mini-batches shuffled by a generator seeded from the spec, binary cross-entropy or
squared error, ``epochs`` passes, one thread. Serving: the PyTorch forward in eval mode under
``torch.inference_mode`` with one intra-op thread (the previous setting is restored after the call).
``predict_many`` runs that same forward one row at a time, so it equals ``predict_one`` bit for bit
(a batched matrix product may round differently). Weights are saved as ``lstm.npz`` (no pickle).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from arbkit.models.accelerators import torch_device
from arbkit.models.errors import ModelArtifactError, ModelConfigError, ModelMismatchError
from arbkit.models.zoo.artifacts import npz_arrays, npz_bytes
from arbkit.models.zoo.base import ZooBase
from arbkit.models.zoo.contract import ModelSpec, Task

DEFAULTS: dict[str, Any] = {"window": 8, "hidden_size": 16, "num_layers": 1, "epochs": 20, "batch_size": 128,
                            "learning_rate": 0.01, "weight_decay": 0.0, "train_device": "cpu"}
"""Hyperparameters of the LSTM and their defaults (``window`` in rows, ``learning_rate`` per Adam step).

``train_device``: ``cpu`` (default, deterministic under the seed), or ``auto`` to train on a CUDA GPU
when PyTorch sees one (detected at run time, never required; GPU training is not bit-reproducible).
Serving (``predict_one`` / ``predict_many``) always runs on the CPU with one thread."""
TRAIN_DEVICES = ("cpu", "auto")
POSITIVE_INTS = ("window", "hidden_size", "num_layers", "epochs", "batch_size")


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run PyTorch with one intra-op thread inside the block (deterministic sums); restores the setting."""
    import torch

    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


def _network(n_features: int, hidden_size: int, num_layers: int) -> Any:
    import torch

    class WindowLstm(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(n_features, hidden_size, num_layers=num_layers, batch_first=True,
                                      dtype=torch.float64)
            self.head = torch.nn.Linear(hidden_size, 1, dtype=torch.float64)
            self.register_buffer("mean", torch.zeros(n_features, dtype=torch.float64))
            self.register_buffer("scale", torch.ones(n_features, dtype=torch.float64))

        def forward(self, rows: torch.Tensor) -> torch.Tensor:  # rows: (batch, window · k)
            steps = rows.reshape(rows.shape[0], -1, n_features)
            out, _ = self.lstm((steps - self.mean) / self.scale)
            return self.head(out[:, -1, :])[:, 0]

    return WindowLstm()


class LstmModel(ZooBase):
    """An LSTM classifier (P(class 1)) or regressor over flattened windows of feature vectors."""

    kind: ClassVar[str] = "lstm"
    tasks: ClassVar[tuple[Task, ...]] = ("classification", "regression")
    library_name: ClassVar[str] = "torch"

    @classmethod
    def allowed_params(cls, task: Task) -> dict[str, Any]:
        return dict(DEFAULTS)

    @classmethod
    def reserved_params(cls) -> dict[str, str]:
        return {"seed": "ModelSpec.seed", "random_state": "set by the zoo from ModelSpec.seed"}

    @classmethod
    def check_param_values(cls, spec: ModelSpec) -> None:
        for name in POSITIVE_INTS:
            value = spec.params.get(name, DEFAULTS[name])
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ModelConfigError(f"kind 'lstm': {name} must be an integer >= 1, got {value!r}")
        device = spec.params.get("train_device", DEFAULTS["train_device"])
        if device not in TRAIN_DEVICES:
            raise ModelConfigError(f"kind 'lstm': train_device must be one of {TRAIN_DEVICES}, got {device!r}")
        for name in ("learning_rate", "weight_decay"):
            value = spec.params.get(name, DEFAULTS[name])
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 10:
                raise ModelConfigError(f"kind 'lstm': {name} must be a number in [0, 10), got {value!r}")

    @classmethod
    def library_version(cls) -> str:
        import torch

        return str(torch.__version__).split("+", 1)[0]

    def _settings(self) -> dict[str, Any]:
        return {**DEFAULTS, **self.spec.params}

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        import torch

        p = self._settings()
        window = int(p["window"])
        if x.shape[1] % window:
            raise ModelMismatchError(f"lstm: rows of width {x.shape[1]} do not split into window={window} steps; "
                                     "build rows with arbkit.models.zoo.datasets.window_rows")
        k = x.shape[1] // window
        steps = x.reshape(-1, k)
        std = steps.std(axis=0)
        device = torch_device(prefer_gpu=p["train_device"] == "auto")
        with one_thread():
            torch.manual_seed(self.spec.seed)
            net = _network(k, int(p["hidden_size"]), int(p["num_layers"]))
            net.mean.copy_(torch.from_numpy(steps.mean(axis=0)))
            net.scale.copy_(torch.from_numpy(np.where(std > 0, std, 1.0)))
            net.to(device)
            rows, target = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
            loss_fn = torch.nn.BCEWithLogitsLoss() if self.spec.task == "classification" else torch.nn.MSELoss()
            optimiser = torch.optim.Adam(net.parameters(), lr=float(p["learning_rate"]),
                                         weight_decay=float(p["weight_decay"]))
            shuffle = torch.Generator().manual_seed(self.spec.seed)
            net.train()
            for _ in range(int(p["epochs"])):
                for batch in torch.randperm(len(rows), generator=shuffle).split(int(p["batch_size"])):
                    optimiser.zero_grad()
                    loss_fn(net(rows[batch]), target[batch]).backward()
                    optimiser.step()
        net.to("cpu")  # served on the CPU whatever it trained on
        net.eval()
        self.net_ = net
        self.step_features_ = k

    def _forward(self, x: np.ndarray) -> float:
        import torch

        with torch.inference_mode():
            out = float(self.net_(torch.tensor(x).reshape(1, -1))[0])  # a copy: any strides, read-only too
        if self.spec.task == "regression":
            return out
        if out >= 0.0:
            return 1.0 / (1.0 + math.exp(-out))
        e = math.exp(out)
        return e / (1.0 + e)

    def _predict_one(self, x: np.ndarray) -> float:
        with one_thread():
            return self._forward(x)

    def _predict_many(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(x.shape[0])
        with one_thread():
            for row in range(x.shape[0]):
                out[row] = self._forward(x[row])
        return out

    def _files(self) -> dict[str, bytes]:
        return {"lstm.npz": npz_bytes({name: t.detach().numpy() for name, t in self.net_.state_dict().items()})}

    def _details(self) -> dict[str, Any]:
        return {"step_features": self.step_features_}

    def _restore(self, files: dict[str, bytes], details: dict[str, Any], where: Path) -> None:
        import torch

        p = self._settings()
        k = details.get("step_features")
        if not isinstance(k, int) or k * int(p["window"]) != len(self.feature_names_):
            raise ModelArtifactError(f"{where}: step_features={k!r} × window={p['window']} does not match the "
                                     f"{len(self.feature_names_)} feature names")
        arrays = npz_arrays(files["lstm.npz"], f"{where}/lstm.npz")
        net = _network(k, int(p["hidden_size"]), int(p["num_layers"]))
        expected = {name: tuple(t.shape) for name, t in net.state_dict().items()}
        got = {name: tuple(a.shape) for name, a in arrays.items()}
        if got != expected:
            raise ModelArtifactError(f"{where}/lstm.npz: weights {got} do not fit the network {expected}")
        net.load_state_dict({name: torch.from_numpy(np.asarray(a, dtype=np.float64)) for name, a in arrays.items()})
        net.eval()
        self.net_ = net
        self.step_features_ = k
