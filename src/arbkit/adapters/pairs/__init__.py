"""Daily price series for pairs research: arbitragelab-style CSVs and Lean daily equity bars."""
