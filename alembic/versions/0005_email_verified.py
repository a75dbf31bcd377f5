"""users.email_verified: whether the account has proven its email address.

Accounts made by `register` start unverified; a provider-verified social login or the verification mail
marks them verified. Linking a provider identity by email needs a verified account (DESIGN "Accounts you
can trust").

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 06:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users", sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade():
    op.drop_column("users", "email_verified")
