"""`python -m server.groups migrate`: bring the groups' database up to date, as the server
does at start-up; `python -m server.groups current`: the revision it is at.

The database is the one the server would open: KRING_DATABASE_URL, or SQLite in
KRING_DATA_DIR (default ./data).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from ..config import ConfigError, Settings
from . import migrate
from .db import create_engine, database_url


async def _run(command: str, settings: Settings) -> str:
    url = database_url(settings.database_url, settings.data_dir)
    engine = create_engine(url)
    try:
        if command == "migrate":
            await migrate.upgrade(engine)
        revision = await migrate.current(engine)
    finally:
        await engine.dispose()
    where = url.render_as_string(hide_password=True)
    return f"{where}: at revision {revision or '(none)'}, the code's newest is {migrate.head()}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server.groups", description="The groups' database.")
    parser.add_argument("command", choices=["migrate", "current"])
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as err:
        parser.error(f"{err} (see README.md, Configuration)")
    try:
        print(asyncio.run(_run(args.command, settings)))
    except OSError as err:
        sys.exit(f"error: cannot reach the database: {err}")


if __name__ == "__main__":
    main()
