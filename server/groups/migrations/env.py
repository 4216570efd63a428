"""Alembic's environment for the groups' migrations, run by server/groups/migrate.py on the
connection it hands over (`config.attributes["connection"]`): at start-up, and by
`python -m server.groups migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from server.groups.tables import metadata

#: A PostgreSQL advisory lock key ("kring" in ASCII): processes starting together migrate one
#: after the other, the later ones finding nothing left to do.
MIGRATION_LOCK = 0x6B72696E67

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
    compare_type=True,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.run_migrations()
