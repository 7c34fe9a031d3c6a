"""The model zoo: every model family behind one contract (see :mod:`arbkit.models.zoo.contract`)."""
