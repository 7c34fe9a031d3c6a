"""audit layer: the append-only, hash-chained event journal every component writes to."""

from arbkit.audit.journal import ChainCheck, Journal, JournalEntry

__all__ = ["ChainCheck", "Journal", "JournalEntry"]
