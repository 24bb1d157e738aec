"""The demo town for development."""
