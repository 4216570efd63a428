"""Groups, their members (with the hash of each link's token), revoked links, and the schedule.

Revision ID: 0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.String(22), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.String(22), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(43), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('begeleider', 'member')", name=op.f("ck_members_role")),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_members_group_id_groups", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sa.UniqueConstraint("group_id", "name", name="uq_members_group_id_name"),
        sa.UniqueConstraint("token_hash", name="uq_members_token_hash"),
    )
    op.create_index("ix_members_group_id", "members", ["group_id"])
    op.create_table(
        "revoked_links",
        sa.Column("token_hash", sa.String(43), nullable=False),
        sa.Column("group_id", sa.String(22), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reason IN ('reissued', 'removed')", name=op.f("ck_revoked_links_reason")),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name="fk_revoked_links_group_id_groups", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_revoked_links"),
    )
    op.create_index("ix_revoked_links_group_id", "revoked_links", ["group_id"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.String(22), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("theme", sa.String(120), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_meetings_group_id_groups", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("group_id", "date", "start_time", name="uq_meetings_group_id_date_start_time"),
    )
    op.create_index("ix_meetings_group_id", "meetings", ["group_id"])


def downgrade() -> None:
    op.drop_table("meetings")
    op.drop_table("revoked_links")
    op.drop_table("members")
    op.drop_table("groups")
