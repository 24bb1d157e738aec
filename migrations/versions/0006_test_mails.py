"""test mails: their own deliveries, and the holder told once of a refused address

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:05:00

A test report is a delivery of its own kind in its own table, test_deliveries, so it
takes no place under the UNIQUE keys of window_evaluations and deliveries. The column
watch_recipients.refusal_notified_at records that the account holder was told, once,
that a report to that address was refused. Rows of 0005 stay as they were: no test
mails, no holder told yet.
"""

import sqlalchemy as sa
from alembic import op


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "test_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deciliters", sa.Integer(), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_deliveries")),
    )
    op.create_index(
        "ix_test_deliveries_registration_created",
        "test_deliveries",
        ["registration_id", "created_at"],
    )
    op.create_index("ix_test_deliveries_recipient", "test_deliveries", ["recipient_id"])
    with op.batch_alter_table("watch_recipients") as batch_op:
        batch_op.add_column(sa.Column("refusal_notified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("watch_recipients") as batch_op:
        batch_op.drop_column("refusal_notified_at")
    op.drop_index("ix_test_deliveries_recipient", table_name="test_deliveries")
    op.drop_index("ix_test_deliveries_registration_created", table_name="test_deliveries")
    op.drop_table("test_deliveries")
