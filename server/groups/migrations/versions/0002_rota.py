"""The rota (roles per meeting, swaps and skips), prepared cases, a meeting's room, and the
beginning of the attendance ledger.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("groups", sa.Column("guided_meetings", sa.Integer(), server_default="6", nullable=False))
    op.add_column("meetings", sa.Column("room_code", sa.String(16), nullable=True))
    op.add_column("meetings", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("meetings", sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_meetings_room_code", "meetings", ["room_code"], unique=True)
    op.create_table(
        "meeting_roles",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "role IN ('facilitator', 'inbrenger', 'timekeeper', 'notes')", name=op.f("ck_meeting_roles_role")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_meeting_roles_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_meeting_roles_member_id_members", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "role", "slot", name="pk_meeting_roles"),
    )
    op.create_index("ix_meeting_roles_member_id", "meeting_roles", ["member_id"])
    op.create_table(
        "rota_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('swap', 'skip')", name=op.f("ck_rota_notes_kind")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_rota_notes_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_rota_notes_member_id_members", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["members.id"], name="fk_rota_notes_other_id_members", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rota_notes"),
    )
    op.create_index("ix_rota_notes_meeting_id", "rota_notes", ["meeting_id"])
    op.create_index("ix_rota_notes_member_id", "rota_notes", ["member_id"])
    op.create_index("ix_rota_notes_other_id", "rota_notes", ["other_id"])
    op.create_table(
        "prepared_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("question", sa.String(600), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_prepared_cases_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_prepared_cases_member_id_members", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_prepared_cases"),
    )
    op.create_index("ix_prepared_cases_meeting_id", "prepared_cases", ["meeting_id"])
    op.create_index("ix_prepared_cases_member_id", "prepared_cases", ["member_id"])
    op.create_table(
        "attendance",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("pid", sa.String(16), nullable=True),
        sa.Column("role", sa.String(16), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_attendance_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_attendance_member_id_members", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name="pk_attendance"),
    )
    op.create_index("ix_attendance_member_id", "attendance", ["member_id"])


def downgrade() -> None:
    op.drop_table("attendance")
    op.drop_table("prepared_cases")
    op.drop_table("rota_notes")
    op.drop_table("meeting_roles")
    op.drop_index("ix_meetings_room_code", table_name="meetings")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("ended_at")
        batch.drop_column("started_at")
        batch.drop_column("room_code")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("guided_meetings")
