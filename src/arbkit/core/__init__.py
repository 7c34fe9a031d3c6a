"""Core types shared by every layer: time, instruments, exact quantities, messages and errors."""
