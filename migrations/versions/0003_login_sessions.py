"""login sessions the server can end; what leaving the app leaves behind: a 口座振替
application withdrawn, a report never written because its recipient went with the account

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATUSES = "'submitted', 'processed', 'rejected'"
WITH_WITHDRAWN = "'submitted', 'processed', 'rejected', 'withdrawn'"
DELIVERIES = "'pending', 'mailed', 'missed', 'paused'"
WITH_STOPPED = "'pending', 'mailed', 'missed', 'paused', 'stopped'"


def _statuses(table: str, values: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_status"), f"status IN ({values})")


def upgrade():
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("device", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_login_sessions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_users.id"], name=op.f("fk_login_sessions_staff_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_sessions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_login_sessions_staff_id"), ["staff_id"], unique=False)
    _statuses("direct_debit_applications", WITH_WITHDRAWN)
    _statuses("deliveries", WITH_STOPPED)


def downgrade():
    op.execute(
        "UPDATE direct_debit_applications SET status = 'rejected' WHERE status = 'withdrawn'"
    )
    _statuses("direct_debit_applications", STATUSES)
    op.execute("UPDATE deliveries SET status = 'missed' WHERE status = 'stopped'")
    _statuses("deliveries", DELIVERIES)
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_staff_id"))
        batch_op.drop_index(batch_op.f("ix_login_sessions_account_id"))
    op.drop_table("login_sessions")
