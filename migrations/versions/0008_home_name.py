"""watch_registrations.home_name: the name the registrant gives the watched home

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-02 05:00:00

「鬼鹿の実家」: shown in the subject and first line of the report mails, so that someone
watching two homes tells the mails apart. Nullable: a registration without one (every
registration made before this revision) is named after the contract holder.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("watch_registrations", sa.Column("home_name", sa.String(length=50)))


def downgrade():
    with op.batch_alter_table("watch_registrations", schema=None) as batch_op:
        batch_op.drop_column("home_name")
