"""alerts between the reports: rules per registration, 見守り協力者, episodes, confirmations,
town-wide outages

Revision ID: 0007
Revises: 0005

Existing registrations get every rule off (NULL); the input screen starts new ones with
長い時間 at 12 hours. Existing recipients are family recipients (helper false).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("watch_registrations") as batch_op:
        for name in ("alert_flow_hours", "alert_idle_hours", "alert_nodata_hours"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    with op.batch_alter_table("watch_recipients") as batch_op:
        batch_op.add_column(
            sa.Column("helper", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "alert_episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("detected_at", TS, nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("start_mailed_at", TS, nullable=True),
        sa.Column("town_notice_at", TS, nullable=True),
        sa.Column("escalated_at", TS, nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("end_hour", TS, nullable=True),
        sa.Column("end_mailed_at", TS, nullable=True),
        sa.CheckConstraint(
            "rule IN ('flow', 'idle', 'nodata', 'leak')", name=op.f("ck_alert_episodes_rule")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_episodes")),
        sa.UniqueConstraint(
            "registration_id",
            "rule",
            "started_at",
            name=op.f("uq_alert_episodes_registration_id_rule_started_at"),
        ),
    )
    op.create_index(
        op.f("ix_alert_episodes_registration_id"), "alert_episodes", ["registration_id"]
    )
    op.create_index(
        "uq_alert_episodes_open",
        "alert_episodes",
        ["registration_id", "rule"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_table(
        "alert_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("recipient_name", sa.String(length=50), nullable=False),
        sa.Column("confirmed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_confirmations")),
        sa.UniqueConstraint("key", name=op.f("uq_alert_confirmations_key")),
    )
    op.create_index(
        op.f("ix_alert_confirmations_registration_id"),
        "alert_confirmations",
        ["registration_id"],
    )
    op.create_index(
        op.f("ix_alert_confirmations_episode_id"), "alert_confirmations", ["episode_id"]
    )
    op.create_table(
        "alert_town_outages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("silent", sa.Integer(), nullable=False),
        sa.Column("meters", sa.Integer(), nullable=False),
        sa.Column("staff_notified_at", TS, nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_town_outages")),
    )
    op.create_index(
        "uq_alert_town_outages_open",
        "alert_town_outages",
        ["open"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )


def downgrade():
    op.drop_table("alert_town_outages")
    op.drop_table("alert_confirmations")
    op.drop_table("alert_episodes")
    with op.batch_alter_table("watch_recipients") as batch_op:
        batch_op.drop_column("helper")
    with op.batch_alter_table("watch_registrations") as batch_op:
        for name in ("alert_flow_hours", "alert_idle_hours", "alert_nodata_hours"):
            batch_op.drop_column(name)
