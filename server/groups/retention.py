"""How long a group's data is kept, and the sweep that erases what has expired.

The rules (docs/GROUPS.md, "Retention"), stated to members on the group page:

- a held meeting, its attendance ledger entry and whatever hangs on it (attendance, rota,
  swaps and skips, per-meeting scores) is kept for LEDGER_YEARS years after the day it was
  held, then erased: long enough for a register's longest period (psychologists: 40 hours
  in 5 years), no longer;
- a planned meeting that was never held goes the same way, LEDGER_YEARS after its date;
- a prepared case whose meeting was never held is erased STALE_CASE_DAYS after the date
  the meeting was planned for (a case lives until its meeting, and that day has passed);
- the hash of a revoked link is kept REVOKED_LINK_DAYS, so its holder hears why it stopped
  working; after that it is just a wrong link;
- a removed member's name is erased from the ledger's confirmations at once (`forget`),
  as their attendance rows are (the database cascades): no list made after their
  removal names them. The number present stays, so nobody else's proof changes.

The sweep runs at start-up and then daily (`daily`, from the app's lifespan), and for one
group whenever its ledger is read, so an expired entry is never shown even if the daily
sweep has not come round. Every statement is a plain DELETE or UPDATE by date: several
processes sweeping at once do the same work twice, never harm. On SQLite deleted rows
are overwritten (secure_delete); on PostgreSQL they are gone from every query and dump.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, true, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .tables import ledger, meetings, prepared_cases, revoked_links

log = logging.getLogger("kring.groups")

LEDGER_YEARS = 5
STALE_CASE_DAYS = 7
REVOKED_LINK_DAYS = 365
SWEEP_EVERY = 24 * 3600.0  # seconds

#: The groups' dates (a meeting's date, the day it was held, a proof's period) are dates
#: in this zone, as the schedule's times are the group's local times.
ZONE = ZoneInfo("Europe/Amsterdam")


def today() -> date:
    return datetime.now(ZONE).date()


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def ledger_cutoff(on: date) -> date:
    """The oldest date still kept on day `on`: a meeting held before it is erased. Held
    exactly five years ago: kept that day; five years and a day: erased."""
    return years_before(on, LEDGER_YEARS)


@dataclass(frozen=True, slots=True)
class Swept:
    meetings: int
    cases: int
    links: int


async def sweep(conn: AsyncConnection, on: date, group_id: str | None = None) -> Swept:
    """Erase what has expired on day `on`: everywhere, or in one group."""
    cutoff = ledger_cutoff(on)
    in_group: ColumnElement[bool] = meetings.c.group_id == group_id if group_id is not None else true()
    has_entry = exists().where(ledger.c.meeting_id == meetings.c.id)
    expired = or_(
        exists().where(ledger.c.meeting_id == meetings.c.id, ledger.c.held_on < cutoff),
        and_(~has_entry, meetings.c.date < cutoff, meetings.c.room_code.is_(None)),
    )
    # the meeting's rows hang on it and go with it (ON DELETE CASCADE)
    gone = await conn.execute(delete(meetings).where(in_group, expired))
    stale = select(meetings.c.id).where(
        in_group, meetings.c.ended_at.is_(None), meetings.c.date < on - timedelta(days=STALE_CASE_DAYS)
    )
    cases = await conn.execute(delete(prepared_cases).where(prepared_cases.c.meeting_id.in_(stale)))
    links_query = delete(revoked_links).where(revoked_links.c.revoked_at < _moment(on - timedelta(REVOKED_LINK_DAYS)))
    if group_id is not None:
        links_query = links_query.where(revoked_links.c.group_id == group_id)
    links = await conn.execute(links_query)
    # a confirmer removed some other way than `forget`: their name goes too
    await conn.execute(
        update(ledger)
        .where(ledger.c.confirmed_by_id.is_(None), ledger.c.confirmed_by.is_not(None))
        .values(confirmed_by=None)
    )
    return Swept(gone.rowcount or 0, cases.rowcount or 0, links.rowcount or 0)


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZONE)


async def forget(conn: AsyncConnection, member_id: int) -> None:
    """A member is being removed: their name leaves the ledger's confirmations (the
    confirmation itself, and when it was given, stay)."""
    await conn.execute(
        update(ledger).where(ledger.c.confirmed_by_id == member_id).values(confirmed_by=None, confirmed_by_id=None)
    )


async def sweep_all(engine: AsyncEngine) -> Swept:
    async with engine.begin() as conn:
        return await sweep(conn, today())


async def daily(engine: AsyncEngine) -> None:
    """Sweep now, then every SWEEP_EVERY seconds, until cancelled (the app's lifespan). A
    database that is away is tried again next time: nothing expires that would not then."""
    while True:
        try:
            swept = await sweep_all(engine)
            if swept.meetings or swept.cases or swept.links:
                log.info(
                    "retention: erased %d meetings, %d prepared cases, %d revoked links",
                    swept.meetings,
                    swept.cases,
                    swept.links,
                )
        except (SQLAlchemyError, OSError, TimeoutError):
            log.warning("retention: the groups' database failed; trying again later", exc_info=True)
        await asyncio.sleep(SWEEP_EVERY)
