"""Models: labels, training, metrics and per-tick inference behind one small contract."""
