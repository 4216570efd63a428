"""The migrations build exactly the tables server/groups/tables.py describes, on SQLite and
on PostgreSQL; they run at start-up and by `python -m server.groups migrate`."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from server.groups import migrate
from server.groups.db import create_engine, database_url
from server.groups.tables import metadata

from .servers import ROOT


async def _check(url):
    engine = create_engine(url)
    try:
        assert await migrate.current(engine) is None
        await migrate.upgrade(engine)
        await migrate.upgrade(engine)  # nothing left to do the second time
        assert await migrate.current(engine) == migrate.head()
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
            assert diff == []
        await migrate.downgrade(engine, "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert tables == {"alembic_version"}
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert tables == {"alembic_version", *metadata.tables}
    finally:
        await engine.dispose()


def test_head_is_the_newest_script():
    assert migrate.HEAD == migrate.head()


async def test_migrations_build_the_tables_on_sqlite(tmp_path):
    await _check(database_url(None, tmp_path))
    assert (tmp_path / "kring.sqlite3").is_file()


async def test_migrations_build_the_tables_on_postgresql(postgres):
    await _check(database_url(postgres.create_database()))


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_the_migrate_command_creates_the_sqlite_file_in_the_data_folder(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "KRING_DATA_DIR": str(tmp_path / "new")}
    run = _cli("server.groups", "current", env=env)
    assert run.returncode == 0 and "at revision (none)" in run.stdout, run.stderr
    run = _cli("server.groups", "migrate", env=env)
    assert run.returncode == 0, run.stderr
    assert f"at revision {migrate.head()}" in run.stdout and "kring.sqlite3" in run.stdout
    assert (tmp_path / "new" / "kring.sqlite3").is_file()


def test_the_migrate_command_on_postgresql_hides_the_password(postgres):
    url = postgres.create_database().replace("kring@", "kring:geheim@")  # trust auth ignores it
    run = _cli("server.groups", "migrate", env={"PATH": "/usr/bin:/bin", "KRING_DATABASE_URL": url})
    assert run.returncode == 0, run.stderr
    assert f"at revision {migrate.head()}" in run.stdout and "geheim" not in run.stdout


def test_a_database_url_kring_cannot_use_stops_the_start_with_its_name():
    for command in (("server", "--port", "1"), ("server.groups", "migrate")):
        run = _cli(*command, env={"PATH": "/usr/bin:/bin", "KRING_DATABASE_URL": "mysql://db/kring"})
        assert run.returncode == 2
        assert "KRING_DATABASE_URL must be a postgresql:// or sqlite:// URL" in run.stderr
