"""Demo data: readings."""


def load(echo) -> None:
    """Not built yet."""
