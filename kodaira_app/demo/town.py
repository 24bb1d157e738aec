"""Demo data: town."""


def load(echo) -> None:
    """Not built yet."""
