"""Regime tests fit small estimators directly (hmmlearn, scikit-learn): keep BLAS and OpenMP to one thread, as the package's
own ``fit_*`` functions do, so an oversubscribed thread pool on a busy machine does not slow them a hundredfold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):
        yield
