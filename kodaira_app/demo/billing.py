"""Demo data: billing."""


def load(echo) -> None:
    """Not built yet."""
