"""Features computed per tick, with one compiled kernel serving both streaming and batch use."""
