"""Running the groups' migrations (Alembic, server/groups/migrations/) on an open engine.

Alembic is imported only when there is something to migrate: a server that starts on a
database already at HEAD (nearly every start) reads one row and goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

#: The newest revision in migrations/versions/ (tests/test_groups_migrations.py checks it):
#: raise it with every new migration.
HEAD = "0006"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an alembic.ini: the scripts live in the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str | None:
    """The newest revision, as Alembic reads it from the scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision` (by default the newest), in one transaction."""
    if revision == "head" and await _stamped(engine) == HEAD:
        return
    from alembic import command

    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the database back to `revision` ("base": no tables); for the migrations' tests."""
    from alembic import command

    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def _stamped(engine: AsyncEngine) -> str | None:
    """The revision in alembic_version, read without Alembic; None when there is none yet."""
    async with engine.connect() as connection:
        try:
            return (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except DBAPIError as err:
            if err.connection_invalidated or isinstance(err.orig, OSError):
                raise  # the database is not there: say so, rather than try to migrate it
            return None  # no such table: a new database
