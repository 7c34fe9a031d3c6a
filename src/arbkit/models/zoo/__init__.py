"""The model zoo: every model family behind one contract (see :mod:`arbkit.models.zoo.contract`).

Build with :func:`build_model`, read back with :func:`load_model`; :mod:`arbkit.models.zoo.conformance`
holds the check every model passes, :mod:`arbkit.models.zoo.datasets` the real-data training set.
"""

from arbkit.models.zoo.catalog import TASKS, build_model, load_model
from arbkit.models.zoo.contract import KINDS, ModelSpec, Task, ZooModel

load = load_model

__all__ = ["KINDS", "TASKS", "ModelSpec", "Task", "ZooModel", "build_model", "load", "load_model"]
