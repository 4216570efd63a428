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
    # the first this many meetings the begeleider facilitates (4-8): the path from guided to
    # self-facilitating (docs/GROUPS.md, "The rota")
    Column("guided_meetings", Integer, nullable=False, server_default="6"),
    # the link of the video call the group meets on (https), which its meetings' rooms show
    # the people online (server/rooms/rules/hybrid.py); any member may set it
    Column("call_link", String(limits.MAX_CALL_LINK), nullable=True),
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
    # raised by every edit, of the meeting or of its rota; an edit names the version it
    # changes (optimistic concurrency)
    Column("version", Integer, nullable=False),
    # while the meeting's room lives: its code (one room per meeting, so unique); the code
    # is no secret (a guest joins with it) and is cleared when the meeting is held
    Column("room_code", String(16), nullable=True, index=True, unique=True),
    # when it was started; when held, the room's first round and its end
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    # one meeting per moment: applying the same series twice adds nothing
    UniqueConstraint("group_id", "date", "start_time", name="uq_meetings_group_id_date_start_time"),
)

ROTA_ROLES = ("facilitator", "inbrenger", "timekeeper", "notes")

#: The rota: who has which role at a meeting (inbrenger has slots 1 and 2, the others slot 1).
meeting_roles = Table(
    "meeting_roles",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True),
    CheckConstraint("role IN ('facilitator', 'inbrenger', 'timekeeper', 'notes')", name="role"),
)

#: Swaps and skips of a meeting's rota, with the reason the group sees.
rota_notes = Table(
    "rota_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),
    Column("role", String(16), nullable=False),
    # who handed the role back (skip), or the first of the two who swapped
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("other_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("reason", String(limits.MAX_TITLE), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    CheckConstraint("kind IN ('swap', 'skip')", name="kind"),
)

#: Cases a member brings in before a meeting: held until the meeting is held or the member
#: withdraws it, then deleted (secure_delete on SQLite).
prepared_cases = Table(
    "prepared_cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("title", String(limits.MAX_TITLE), nullable=False),
    Column("question", String(limits.MAX_SHORT), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: The beginning of the attendance ledger: who was present at a meeting and in which role.
#: `pid` is the member's participant id in the meeting's room while it lives (so the room's
#: end can tell their role), cleared when the meeting is held; `role` is set then.
attendance = Table(
    "attendance",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("pid", String(16), nullable=True),
    Column("role", String(16), nullable=True),
)

# -- actions (issue 14: what a member will do before next time) -----------------------------

#: base64url of AES-GCM's 12-byte nonce
ACTION_IV_LENGTH = 16
#: the plaintext of one action, in UTF-8 bytes (the browser refuses more), and so the most
#: its ciphertext can be: plaintext + GCM's 16-byte tag, base64url without padding
MAX_ACTION_BYTES = 2000
MAX_ACTION_CIPHERTEXT = 2688  # ceil((2000 + 16) * 4 / 3)

#: A member's own actions, encrypted in their browser with the key their link derives; the
#: server holds the ciphertext and where it belongs, nothing it could read. The AES-GCM
#: additional data binds a ciphertext to its group, member and meeting (docs/GROUPS.md).
actions = Table(
    "actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True),
    # the meeting it was written at; a deleted meeting takes its actions along (the terugblik
    # of a meeting that is no longer in the schedule has no place to happen)
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True),
    # the member's link generation when it was written: a re-issued link deletes the older ones
    Column("generation", Integer, nullable=False),
    Column("iv", String(ACTION_IV_LENGTH), nullable=False),
    Column("ciphertext", String(MAX_ACTION_CIPHERTEXT), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# -- the attendance ledger (docs/GROUPS.md, "The attendance ledger") ---------------------

#: Per held meeting, what a proof for a register needs and must not change later, copied
#: when the meeting is held: its date, start and end (its room's), the minutes counted,
#: werkvorm and theme, how many were present, and the facilitator's confirmation (the
#: confirmer's name as it was, and when). Who was present in which role is `attendance`.
#: `confirmed_by_id` is emptied when that member is removed, and their name with it
#: (retention.py): a removed member's name is in no list made after their removal.
ledger = Table(
    "ledger",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("held_on", Date, nullable=False),  # the date it was held, in the group's time zone
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("method", String(64), nullable=False),
    Column("theme", String(limits.MAX_TITLE), nullable=True),
    # the number present when it was held (as corrected at the confirmation): a member
    # removed later still counted, so no one else's proof changes
    Column("group_size", Integer, nullable=False),
    Column("confirmed_by", String(limits.MAX_NAME), nullable=True),
    Column("confirmed_by_id", ForeignKey("members.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
)


# -- "Was dit de tijd waard?": the trend (issue 14; server/groups/trend.py) ---------------

#: What a held meeting's room handed the group of its anonymous closing questions: how many
#: gave each value, never who gave which (rooms.rules.closing.worth). One row per held
#: meeting where anyone answered; the group page shows an average only from
#: trend.MIN_ANSWERS answers on.
meeting_scores = Table(
    "meeting_scores",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    # "Was dit de tijd waard?": how many answered 1, 2, 3, 4 and 5
    *(Column(f"worth_{n}", Integer, nullable=False) for n in range(1, 6)),
    # "Bleven we bij de vraag van de inbrenger?": how many said ja, grotendeels, nee
    Column("process_ja", Integer, nullable=False),
    Column("process_grotendeels", Integer, nullable=False),
    Column("process_nee", Integer, nullable=False),
)
