"""The attendance ledger over HTTP (docs/PROTOCOL.md §1.3): one meeting's entry and its
confirmation, a member's own proof for a period, the begeleider's attendance list, as
JSON for the pages and as CSV for a register or a spreadsheet.

A period is asked for in the query, never with the token (that stays in the header):
`?year=2026`, `?year=2026&years=5` (the five calendar years up to and including 2026),
or `?from=2026-01-01&to=2026-06-30`; nothing means this calendar year.

The CSV is UTF-8 with a byte-order mark and `;` between fields, which is what Excel
expects in a Dutch locale (where `,` is the decimal comma); hours are written with the
language's decimal mark. A cell that starts like a formula (= + - @) gets a leading `'`,
so a name cannot run as one in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import http, retention
from .errors import invalid
from .ledger import ROLES, LedgerStore, Period
from .store import MAX_MEMBERS
from .validate import MAX_YEAR, MIN_YEAR

PERIOD_KEYS = ("year", "years", "from", "to", "lang")
MAX_YEARS = 5


def _store(request: Request) -> LedgerStore:
    return LedgerStore(http.store(request).engine)


def _year(raw: str) -> int:
    if not raw.isdigit() or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        raise invalid(f"'year' must be a year from {MIN_YEAR} to {MAX_YEAR}")
    return int(raw)


def _day(raw: str, key: str) -> date:
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid(f"{key!r} must be a date as YYYY-MM-DD") from None


def period(request: Request) -> Period:
    """The period a query asks for; a clear `invalid_field` naming the field otherwise."""
    q = request.query_params
    unexpected = sorted(set(q) - set(PERIOD_KEYS))
    if unexpected:
        raise invalid(f"unexpected query parameter {unexpected[0]!r}")
    if "from" in q or "to" in q:
        if "year" in q or "years" in q:
            raise invalid("give either 'year' (and 'years') or 'from' and 'to', not both")
        if "from" not in q or "to" not in q:
            raise invalid("'from' and 'to' go together")
        start, end = _day(q["from"], "from"), _day(q["to"], "to")
        if end < start:
            raise invalid("'to' is before 'from'")
        if end >= retention.years_before(start, -MAX_YEARS):
            raise invalid("a period is at most five years")
        return Period(start, end)
    year = _year(q["year"]) if "year" in q else retention.today().year
    years = 1
    if "years" in q:
        if q["years"] not in {str(n) for n in range(1, MAX_YEARS + 1)}:
            raise invalid(f"'years' must be a whole number from 1 to {MAX_YEARS}")
        years = int(q["years"])
    return Period(date(year - years + 1, 1, 1), date(year, 12, 31))


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "nl")
    if lang not in ("nl", "en"):
        raise invalid("'lang' must be one of nl, en")
    return lang


# -- endpoints -------------------------------------------------------------------------


@http.endpoint
async def entry(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.rooms(request).sweep(token_hash)  # a meeting whose room is gone is held now
    return JSONResponse({"entry": await _store(request).entry(token_hash, http.path_id(request, "meeting_id"))})


@http.endpoint
async def confirm(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, ("version", "present"))
    version = body.integer("version", 1, 2**31 - 1)
    assert version is not None
    present = _present(body.data.get("present")) if body.has("present") else None
    confirmed = await _store(request).confirm(token_hash, http.path_id(request, "meeting_id"), version, present)
    return JSONResponse({"entry": confirmed})


def _present(raw: Any) -> list[tuple[int, str]]:
    """`present`: [{"member": id, "role": role}, …], each member once, at least one."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_MEMBERS:
        raise invalid(f"'present' must be a list of 1 to {MAX_MEMBERS} people")
    seen: list[tuple[int, str]] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"member", "role"}:
            raise invalid("each of 'present' must be an object with 'member' and 'role'")
        who, role = item["member"], item["role"]
        if not isinstance(who, int) or isinstance(who, bool) or who < 1:
            raise invalid("'present': 'member' must be a member's id")
        if role not in ROLES:
            raise invalid(f"'present': 'role' must be one of {', '.join(ROLES)}")
        if any(who == w for w, _ in seen):
            raise invalid("'present' names a member twice")
        seen.append((who, role))
    return seen


@http.endpoint
async def to_confirm(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.rooms(request).sweep(token_hash)
    return JSONResponse({"entries": await _store(request).to_confirm(token_hash)})


@http.endpoint
async def proof(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.rooms(request).sweep(token_hash)
    return JSONResponse(await _store(request).proof(token_hash, period(request)))


@http.endpoint
async def proof_csv(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    asked, lang = period(request), _lang(request)
    await http.rooms(request).sweep(token_hash)
    found = await _store(request).proof(token_hash, asked)
    return _csv(proof_rows(found, lang), f"{WORDS[lang]['proof_file']}-{found['from']}-{found['to']}.csv")


@http.endpoint
async def attendance_list(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.rooms(request).sweep(token_hash)
    return JSONResponse(await _store(request).attendance_list(token_hash, period(request)))


@http.endpoint
async def attendance_csv(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    asked, lang = period(request), _lang(request)
    await http.rooms(request).sweep(token_hash)
    found = await _store(request).attendance_list(token_hash, asked)
    return _csv(list_rows(found, lang), f"{WORDS[lang]['list_file']}-{found['from']}-{found['to']}.csv")


# -- CSV --------------------------------------------------------------------------------

WORDS: dict[str, dict[str, Any]] = {
    "nl": {
        "proof": "Bewijs van deelname aan intervisie",
        "list": "Presentielijst intervisie",
        "group": "Groep",
        "member": "Deelnemer",
        "period": "Periode",
        "total": "Totaal bevestigde uren",
        "open": "Nog niet bevestigde uren (niet meegeteld)",
        "columns": [
            "Datum", "Begin", "Einde", "Minuten", "Werkvorm", "Thema", "Rol",
            "Groepsgrootte", "Bevestigd door", "Bevestigd op",
        ],
        "list_columns": [
            "Datum", "Begin", "Einde", "Minuten", "Werkvorm", "Thema", "Aanwezig", "Rol",
            "Groepsgrootte", "Bevestigd door", "Bevestigd op",
        ],
        "roles": {
            "facilitator": "procesbegeleider",
            "inbrenger": "inbrenger",
            "timekeeper": "tijdbewaker",
            "notes": "notulist",
            "participant": "deelnemer",
            "observer": "stille waarnemer",
        },
        "unconfirmed": "nog niet bevestigd",
        "former": "oud-lid (naam gewist)",
        "former_confirmer": "oud-lid",
        "made": "Gemaakt op",
        "proof_file": "bewijs-intervisie",
        "list_file": "presentielijst",
        "decimal": ",",
    },
    "en": {
        "proof": "Proof of attendance at intervision (intervisie)",
        "list": "Attendance list, intervision",
        "group": "Group",
        "member": "Participant",
        "period": "Period",
        "total": "Total confirmed hours",
        "open": "Hours not yet confirmed (not counted)",
        "columns": [
            "Date", "Start", "End", "Minutes", "Method", "Theme", "Role",
            "Group size", "Confirmed by", "Confirmed at",
        ],
        "list_columns": [
            "Date", "Start", "End", "Minutes", "Method", "Theme", "Present", "Role",
            "Group size", "Confirmed by", "Confirmed at",
        ],
        "roles": {
            "facilitator": "facilitator",
            "inbrenger": "case presenter",
            "timekeeper": "timekeeper",
            "notes": "note-taker",
            "participant": "participant",
            "observer": "silent observer",
        },
        "unconfirmed": "not yet confirmed",
        "former": "former member (name erased)",
        "former_confirmer": "former member",
        "made": "Made on",
        "proof_file": "intervision-proof",
        "list_file": "attendance-list",
        "decimal": ".",
    },
}  # fmt: skip


def _hours(minutes: int, lang: str) -> str:
    return f"{minutes / 60:.2f}".replace(".", WORDS[lang]["decimal"])


def _confirmation(e: dict[str, Any], lang: str) -> list[str]:
    c = e["confirmed"]
    if c is None:
        return [WORDS[lang]["unconfirmed"], ""]
    return [c["by"] or WORDS[lang]["former_confirmer"], c["at"]]


def _meeting(e: dict[str, Any], lang: str) -> list[str]:
    name = e["method_name"].get(lang) or e["method"]
    return [e["date"], e["start"], e["end"], str(e["minutes"]), name, e["theme"] or ""]


def proof_rows(found: dict[str, Any], lang: str) -> list[list[str]]:
    w = WORDS[lang]
    rows = [
        [w["proof"]],
        [w["group"], found["group"]],
        [w["member"], found["me"]["name"]],
        [w["period"], found["from"], found["to"]],
        [w["total"], _hours(found["total"]["minutes"], lang)],
        [w["open"], _hours(found["unconfirmed"]["minutes"], lang)],
        [w["made"], found["made"]],
        [],
        w["columns"],
    ]
    for e in found["meetings"]:
        rows.append(
            [*_meeting(e, lang), w["roles"].get(e["role"], e["role"]), str(e["group_size"]), *_confirmation(e, lang)]
        )
    return rows


def list_rows(found: dict[str, Any], lang: str) -> list[list[str]]:
    """One row per person per meeting; someone removed since is a row without a name."""
    w = WORDS[lang]
    rows = [
        [w["list"]],
        [w["group"], found["group"]],
        [w["period"], found["from"], found["to"]],
        [w["made"], found["made"]],
        [],
        w["list_columns"],
    ]
    for e in found["meetings"]:
        people = [(p["name"], w["roles"].get(p["role"], p["role"])) for p in e["present"]]
        people += [(w["former"], "")] * e["former"]
        for name, role in people:
            rows.append([*_meeting(e, lang), name, role, str(e["group_size"]), *_confirmation(e, lang)])
    return rows


def _safe(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _csv(rows: list[list[str]], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )


def routes() -> list[Route]:
    return [
        Route("/api/groups/mine/ledger", attendance_list, methods=["GET"]),
        Route("/api/groups/mine/ledger.csv", attendance_csv, methods=["GET"]),
        Route("/api/groups/mine/ledger/{meeting_id}", entry, methods=["GET"]),
        Route("/api/groups/mine/ledger/{meeting_id}/confirm", confirm, methods=["POST"]),
        Route("/api/groups/mine/confirmations", to_confirm, methods=["GET"]),
        Route("/api/groups/mine/proof", proof, methods=["GET"]),
        Route("/api/groups/mine/proof.csv", proof_csv, methods=["GET"]),
    ]
