"""Accounts and the journal that records movements between them."""
