"""The groups' tables (SQLAlchemy Core). The migrations in migrations/versions/ build exactly
these; tests/test_groups_migrations.py checks that they agree on SQLite and PostgreSQL.

What is kept is metadata only (docs/GROUPS.md): a member's display name and role, the hash
of their link's token (never the token, never the link's secret), and the schedule.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Time,
    UniqueConstraint,
)

from protocol import limits

#: Names of constraints and indexes fixed, so migrations name them the same on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

GROUP_ID_LENGTH = 22  # secrets.token_urlsafe(16)
TOKEN_HASH_LENGTH = 43  # base64url of a SHA-256, unpadded (links.py)
MAX_GROUP_NAME = 80
ROLES = ("begeleider", "member")

groups = Table(
    "groups",
    metadata,
    Column("id", String(GROUP_ID_LENGTH), primary_key=True),
    Column("name", String(MAX_GROUP_NAME), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(limits.MAX_NAME), nullable=False),
    Column("role", String(16), nullable=False),
    # the hash of the token the member's link derives; unique across all groups, since a
    # token alone says whose it is
    Column("token_hash", String(TOKEN_HASH_LENGTH), nullable=False, unique=True),
    # raised by every re-issue of the link: a begeleider re-issues the generation they saw,
    # so two re-issues at once cannot both think theirs is the link in use
    Column("generation", Integer, nullable=False),
    Column("joined_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("group_id", "name", name="uq_members_group_id_name"),
    CheckConstraint("role IN ('begeleider', 'member')", name="role"),
)

#: Hashes of links that no longer open the group, so that their holder hears why (re-issued,
#: or removed from the group) rather than just "wrong link". Nothing else about the person.
revoked_links = Table(
    "revoked_links",
    metadata,
    Column("token_hash", String(TOKEN_HASH_LENGTH), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("reason", String(16), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("reason IN ('reissued', 'removed')", name="reason"),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("date", Date, nullable=False),
    Column("start_time", Time, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("method", String(64), nullable=False),  # a method id from server/rooms/methods/
    Column("theme", String(limits.MAX_TITLE), nullable=True),
    # raised by every edit; an edit names the version it changes (optimistic concurrency)
    Column("version", Integer, nullable=False),
    # one meeting per moment: applying the same series twice adds nothing
    UniqueConstraint("group_id", "date", "start_time", name="uq_meetings_group_id_date_start_time"),
)
