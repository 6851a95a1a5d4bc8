"""Reports computed from a journal: statements and trial balances."""
