"""alert_mails: which episode and 通知先 each alert mail was about

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:30:00

配信状況 lists the alert mails with their rule, contract and who confirmed. A row here is
written with each alert mail, so that list holds however old the mail and after its body
was blanked (OUTBOX_RETENTION_DAYS, leaving the app). Alert mails written before this
revision have no row: they are listed without their episode.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alert_mails",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_alert_mails")),
    )
    op.create_index(op.f("ix_alert_mails_episode_id"), "alert_mails", ["episode_id"])


def downgrade():
    op.drop_index(op.f("ix_alert_mails_episode_id"), table_name="alert_mails")
    op.drop_table("alert_mails")
