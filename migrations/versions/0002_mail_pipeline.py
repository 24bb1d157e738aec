"""one mail pipeline: a delivery's sending state moves to its outbox mail; status CHECKs

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 01:30:00

A report Delivery keeps what is unique to it (evaluation, recipient, kind) and points at
its OutboxMail, which alone holds the sending state (claim, attempts, retry, sent). Its
status says only where the report stands before it is a mail: pending, mailed (the mail
is written), missed, paused. Status columns get CHECK constraints.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MAIL = "'queued', 'sending', 'sent', 'kept', 'failed'"
DELIVERY = "'pending', 'mailed', 'missed', 'paused'"
EVALUATION = "'used', 'none', 'missing', 'partial', 'paused', 'missed'"
DIRECT_DEBIT = "'submitted', 'processed', 'rejected'"
# What moved from deliveries to outbox_mails.
MOVED = ("attempts", "last_error", "claimed_at", "next_attempt_at", "sent_at", "message_id")


def upgrade():
    with op.batch_alter_table("outbox_mails") as batch_op:
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE outbox_mails SET queued_at = created_at")
    # A delivery's state goes to the mail it wrote (the copy that old sends kept).
    op.execute(
        """
        UPDATE outbox_mails SET
            status = CASE d.status WHEN 'pending' THEN 'queued' ELSE d.status END,
            attempts = d.attempts,
            last_error = d.last_error,
            claimed_at = d.claimed_at,
            next_attempt_at = d.next_attempt_at,
            sent_at = COALESCE(d.sent_at, outbox_mails.sent_at),
            message_id = COALESCE(d.message_id, outbox_mails.message_id),
            queued_at = d.queued_at
        FROM deliveries d
        WHERE d.outbox_id = outbox_mails.id
          AND d.status IN ('pending', 'sending', 'sent', 'kept', 'failed')
        """
    )
    op.execute(
        "UPDATE deliveries SET status = 'mailed' WHERE outbox_id IS NOT NULL"
        " AND status IN ('pending', 'sending', 'sent', 'kept', 'failed')"
    )
    # Claimed before its mail was written: the claim died with its job; write it again.
    op.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table("outbox_mails") as batch_op:
        batch_op.alter_column("queued_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_check_constraint(op.f("ck_outbox_mails_status"), f"status IN ({MAIL})")

    op.drop_index("ix_deliveries_unfinished", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch_op:
        for name in MOVED:
            batch_op.drop_column(name)
        batch_op.create_check_constraint(op.f("ck_deliveries_status"), f"status IN ({DELIVERY})")
    op.create_index(
        "ix_deliveries_unfinished",
        "deliveries",
        ["status", "queued_at"],
        unique=False,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )

    with op.batch_alter_table("window_evaluations") as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_window_evaluations_status"), f"status IN ({EVALUATION})"
        )
    with op.batch_alter_table("direct_debit_applications") as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_direct_debit_applications_status"), f"status IN ({DIRECT_DEBIT})"
        )


def downgrade():
    with op.batch_alter_table("direct_debit_applications") as batch_op:
        batch_op.drop_constraint(op.f("ck_direct_debit_applications_status"), type_="check")
    with op.batch_alter_table("window_evaluations") as batch_op:
        batch_op.drop_constraint(op.f("ck_window_evaluations_status"), type_="check")

    op.drop_index("ix_deliveries_unfinished", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
    op.execute(
        """
        UPDATE deliveries SET
            status = CASE o.status WHEN 'queued' THEN 'pending' ELSE o.status END,
            attempts = o.attempts,
            last_error = o.last_error,
            claimed_at = o.claimed_at,
            next_attempt_at = o.next_attempt_at,
            sent_at = o.sent_at,
            message_id = o.message_id
        FROM outbox_mails o
        WHERE o.id = deliveries.outbox_id AND deliveries.status = 'mailed'
        """
    )
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.alter_column("attempts", existing_type=sa.Integer(), server_default=None)
    op.create_index(
        "ix_deliveries_unfinished",
        "deliveries",
        ["status", "queued_at"],
        unique=False,
        sqlite_where=sa.text("status IN ('pending', 'sending')"),
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    with op.batch_alter_table("outbox_mails") as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_mails_status"), type_="check")
        batch_op.drop_column("queued_at")
