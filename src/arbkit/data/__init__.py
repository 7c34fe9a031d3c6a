"""Market-data layer: normalised event tables and deterministic multi-stream replay."""
