"""Meter head-end API (/api/v1)."""
