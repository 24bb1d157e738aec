"""CHECK constraints for status columns, from the Python enum that names their values."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint


def one_of(values: type[StrEnum], column: str = "status") -> CheckConstraint:
    """`<column> IN (...)`, named ck_<table>_<column> by the naming convention."""
    listed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)
