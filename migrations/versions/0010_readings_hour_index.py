"""readings: an index on hour_start (BRIN on PostgreSQL) for the last hours of every meter

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:40:00

The alert evaluation reads the last 24 hours of every meter each minute. The primary key
(meter_id, hour_start) finds one meter's hours; the last hours of all meters were found
by reading the whole month's partition. Readings arrive hour after hour, so a BRIN index
(a few pages per month, the smallest and largest hour_start of each range of pages) finds
that slice for the cost of reading it; autosummarize keeps the newest ranges summarized.
SQLite (development, tests) gets an ordinary index of the same name.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_readings_hour_start ON readings USING brin (hour_start)"
            " WITH (autosummarize = on)"
        )
    else:
        op.create_index("ix_readings_hour_start", "readings", ["hour_start"])


def downgrade():
    op.drop_index("ix_readings_hour_start", table_name="readings")
