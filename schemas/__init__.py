"""pandera models and the domain's reference data (pure: no storage, no I/O but package data)."""
