"""Meter readings in: CSV import and the API."""
