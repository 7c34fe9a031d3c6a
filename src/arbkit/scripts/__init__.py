"""User arbitrage scripts and what they see of the platform (a context, never the venue)."""
