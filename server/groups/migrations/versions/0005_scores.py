"""The anonymous totals of a held meeting's closing questions ("Was dit de tijd waard?",
"Bleven we bij de vraag van de inbrenger?"), for the group's trend.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_scores",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        *(sa.Column(f"worth_{n}", sa.Integer(), nullable=False) for n in range(1, 6)),
        sa.Column("process_ja", sa.Integer(), nullable=False),
        sa.Column("process_grotendeels", sa.Integer(), nullable=False),
        sa.Column("process_nee", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_meeting_scores_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", name="pk_meeting_scores"),
    )


def downgrade() -> None:
    op.drop_table("meeting_scores")
