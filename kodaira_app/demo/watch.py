"""Demo data: watch."""


def load(echo) -> None:
    """Not built yet."""
