"""accounts: the editions of 利用規約 and 個人情報の取扱い agreed at sign-up, and when

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:00:00

Sign-up asks for the agreement and records the editions in force (auth/agreement.py) with
the time. Nullable: an account made before this revision agreed before the documents
existed; it keeps NULL and is not asked again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terms_version", sa.String(length=16)))
        batch_op.add_column(sa.Column("privacy_version", sa.String(length=16)))
        batch_op.add_column(sa.Column("agreed_at", sa.DateTime(timezone=True)))


def downgrade():
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("agreed_at")
        batch_op.drop_column("privacy_version")
        batch_op.drop_column("terms_version")
