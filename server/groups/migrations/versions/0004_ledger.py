"""The attendance ledger: per held meeting what a proof for a register needs, and the
facilitator's confirmation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(22), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("theme", sa.String(120), nullable=True),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("confirmed_by", sa.String(40), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_ledger_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_ledger_group_id_groups", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["members.id"], name="fk_ledger_confirmed_by_id_members", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("meeting_id", name="pk_ledger"),
    )
    op.create_index("ix_ledger_group_id", "ledger", ["group_id"])
    op.create_index("ix_ledger_confirmed_by_id", "ledger", ["confirmed_by_id"])


def downgrade() -> None:
    op.drop_table("ledger")
