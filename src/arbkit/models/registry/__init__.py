"""Model registry with lineage, on MLflow (embedded SQLite by default, a tracking server when configured).

Every registered version records its training data (files, SHA-256, event-time span, rows), its
feature set (name, digest, declaration), its label definition, its spec, its validation report and
the code that trained it; :meth:`ModelRegistry.load` refuses a feature digest other than the one the
model was trained on before reading any artifact. See docs/model-registry.md.
"""

from arbkit.models.registry.code_version import code_version, source_tree_sha256
from arbkit.models.registry.errors import JobError, RegistryError, UnknownModelError
from arbkit.models.registry.lineage import (
                                            CodeVersion,
                                            DataFile,
                                            FeatureSetRecord,
                                            Lineage,
                                            LineageRecord,
                                            TrainingData,
                                            file_sha256,
)
from arbkit.models.registry.records import CompareRow, Comparison, ModelRecord, RegisteredVersion, VersionSummary
from arbkit.models.registry.registry import ModelRegistry, check_name, default_root, parse_ref

__all__ = [
    "CodeVersion", "CompareRow", "Comparison", "DataFile", "FeatureSetRecord", "JobError", "Lineage", "LineageRecord",
    "ModelRecord", "ModelRegistry", "RegisteredVersion", "RegistryError", "TrainingData", "UnknownModelError",
    "VersionSummary", "check_name", "code_version", "default_root", "file_sha256", "parse_ref",
    "source_tree_sha256",
]
