"""Weighted grades and plain-text class reports."""
