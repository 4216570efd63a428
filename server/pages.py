"""The browser side: Jinja2 pages, the static files and npm libraries they load, the join
QR code, and the security headers every response carries.

Pages hold no room data: the ES modules fetch everything over the websocket, after the
person's token has been sent in the first frame (never in a URL).
"""

from __future__ import annotations

import io
import json
import mimetypes
from functools import cache
from pathlib import Path

import segno
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protocol import errors, limits
from protocol.messages import is_room_code, normalize_code

from .groups import ledger, schedule
from .groups.tables import MAX_GROUP_NAME
from .rooms import method
from .rooms.engine import PERMISSIONS
from .rooms.state import MIN_ANONYMOUS_GROUP

WEB = Path(__file__).resolve().parent.parent / "client" / "web"
NODE_MODULES = WEB / "node_modules"
LANGUAGES = ("nl", "en")
LANG_COOKIE = "kring_lang"

#: npm packages served from our own origin (a page never loads anything from a third party)
VENDOR = {
    "msgpack": NODE_MODULES / "@msgpack" / "msgpack" / "dist.esm",
    "i18next": NODE_MODULES / "i18next" / "dist" / "esm",
    "preact": NODE_MODULES / "preact" / "dist",  # the views (one ES module, no imports of its own)
    # a personal group link's QR code is drawn in the browser: the link's secret never reaches us
    "qrcode": NODE_MODULES / "qrcode-generator" / "dist",
}

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",  # no inline script anywhere
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"x-frame-options", b"DENY"),
]

mimetypes.add_type("text/javascript", ".mjs")  # ES modules must be served as JavaScript


class SecurityHeaders:
    """Adds the headers above to every HTTP response (websockets pass straight through)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


@cache
def catalog(language: str) -> dict[str, object]:
    strings: dict[str, object] = json.loads((WEB / "static" / "i18n" / f"{language}.json").read_text(encoding="utf-8"))
    return strings


def lookup(language: str, key: str) -> str:
    """A catalog string by dotted key; templates and the ES modules share one catalog."""
    node: object = catalog(language)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"{language}: missing string {key!r}")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"{language}: {key!r} is not a string")
    return node


def language_of(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "nl"
    return asked if asked in LANGUAGES else "nl"


def _method_choices() -> list[dict[str, object]]:
    """The shipped methods, the reference method first (the default choice)."""
    out = []
    for method_id in sorted(method.available(), key=lambda m: (m != method.DEFAULT_METHOD, m)):
        m = method.load(method_id)
        out.append(m.about())
    return out


#: the limits the pages enforce in the browser too (the server checks them regardless)
PAGE_LIMITS = json.dumps(
    {
        name: getattr(limits, name)
        for name in (
            "MAX_NAME",
            "MAX_TITLE",
            "MAX_SHORT",
            "MAX_LONG",
            "MAX_PEOPLE",
            "MAX_PERSON",
            "ROOM_CODE_LENGTH",
            "ROOM_CODE_ALPHABET",
            "KNOCK_TTL",
        )
    }
    | {"MIN_ANONYMOUS_GROUP": MIN_ANONYMOUS_GROUP}
)


#: what the page must agree on with the server: the subprotocol it asks for, the close codes
#: it acts on, by name ("REMOVED": 4003), and who may give which command (the engine's own
#: table): read from the server's one statement of each, never copied
PAGE_PROTOCOL = json.dumps(
    {
        "SUBPROTOCOL": limits.SUBPROTOCOL_MSGPACK,
        "MAY": PERMISSIONS,
        "CLOSE": {
            name.removeprefix("CLOSE_"): value
            for name, value in vars(errors).items()
            if name.startswith("CLOSE_") and isinstance(value, int)
        },
    }
)


def _group_templates() -> str:
    """What a group page builds series and meetings from: the werkvormen (names in both
    languages) and the themed cycles of cycles.toml."""
    return json.dumps(
        {
            "methods": _method_choices(),
            "cycles": schedule.cycles_view(),
            "ledger_roles": list(ledger.ROLES),  # the roles an attendance list may name
            "weekdays": list(schedule.WEEKDAYS),
            "minutes": [schedule.MIN_MINUTES, schedule.MAX_MINUTES],
            "max_series": schedule.MAX_SERIES,
            "max_every_weeks": schedule.MAX_EVERY_WEEKS,
            "max_group_name": MAX_GROUP_NAME,
        }
    )


def qr_svg(link: str) -> bytes:
    """A standalone SVG (with its namespace, so an <img> can show it) of `link`."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=8, border=2, dark="#111", light="#fff", xmldecl=False)
    return out.getvalue()


def routes(templates: Jinja2Templates) -> list[Route | Mount]:
    def render(request: Request, name: str, **context: object) -> Response:
        language = language_of(request)
        response = templates.TemplateResponse(
            request,
            name,
            {
                "lang": language,
                "t": lambda key: lookup(language, key),
                "limits": PAGE_LIMITS,
                "protocol": PAGE_PROTOCOL,
                "max_name": limits.MAX_NAME,
                **context,
            },
        )
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(LANG_COOKIE, language, max_age=365 * 24 * 3600, samesite="strict")
        return response

    async def start(request: Request) -> Response:
        code = normalize_code(request.query_params.get("code", ""))[: limits.ROOM_CODE_LENGTH]
        return render(request, "start.html", methods=_method_choices(), code=code)

    async def room(request: Request) -> Response:
        code = normalize_code(request.path_params["code"])
        return render(request, "room.html", code=code, view="room", methods=json.dumps(_method_choices()))

    async def screen(request: Request) -> Response:
        return render(
            request, "room.html", code=normalize_code(request.path_params["code"]), view="screen", methods="[]"
        )

    async def group(request: Request) -> Response:
        """A group's page (the personal link's secret rides in the fragment, so this request
        never holds it), "Mijn groepen" on /groep alone, or a new group's form."""
        view = {"/groep/nieuw": "new", "/groep/bewijs": "proof", "/groep/presentielijst": "list"}.get(
            request.url.path.rstrip("/"), "group"
        )
        return render(request, "group.html", view=view, templates=_group_templates())

    async def qr(request: Request) -> Response:
        """The join link as an SVG QR code, for the projector screen."""
        code = normalize_code(request.path_params["code"])
        if not is_room_code(code):
            return Response("unknown room code", 404, media_type="text/plain")
        link = str(request.url_for("start").include_query_params(code=code))
        return Response(qr_svg(link), media_type="image/svg+xml", headers={"cache-control": "no-store"})

    vendor = [Mount(f"/vendor/{name}", StaticFiles(directory=path, check_dir=False)) for name, path in VENDOR.items()]
    return [
        Route("/", start, name="start"),
        Route("/room/{code}", room),
        Route("/room/{code}/screen", screen),
        Route("/qr/{code}.svg", qr),
        Route("/groep", group, name="group"),
        Route("/groep/nieuw", group),
        # a member's proof of attendance and the begeleider's list, printable (docs/GROUPS.md)
        Route("/groep/bewijs", group),
        Route("/groep/presentielijst", group),
        Mount("/static", StaticFiles(directory=WEB / "static"), name="static"),
        *vendor,
    ]
