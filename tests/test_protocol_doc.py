"""docs/PROTOCOL.md and README.md against the code they describe: each test fails when a
document and the code drift apart (a refusal, a method, an error message, a close code, a
fold rule, a setting). Pure: no server is started.

In details, "…" stands for a part the request or the room decides: in the code it is an
f-string's placeholder, in the document any text a reader may meet there.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from protocol import errors
from server.rooms import method
from server.rooms.engine import RULES

from .harness import start_case
from .session import REFUSED_BODIES

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = (ROOT / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- reading the documents


def section(text: str, heading: str) -> str:
    """The text under the heading that starts with `heading` (e.g. "### 11.5", "## Configuration"),
    up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = re.search(rf"^{re.escape(heading)}(?!\d).*$", text, re.M)
    assert start, f"no heading {heading!r}"
    end = re.compile(rf"^#{{1,{len(level)}}} ", re.M).search(text, start.end())
    return text[start.end() : end.start() if end else len(text)]


def rows(text: str) -> list[list[str]]:
    """The cells of every table row in `text` (header rows included, separators left out)."""
    out = []
    for line in map(str.strip, text.splitlines()):
        if line.startswith("|") and not re.fullmatch(r"[|\-\s]+", line):
            out.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return out


def spans(cell: str) -> list[str]:
    """The `code spans` of a cell."""
    return re.findall(r"`([^`]+)`", cell)


def fits(a: str, b: str) -> bool:
    """Whether two details can be the same text, "…" in either standing for any text."""

    def pattern(t: str) -> str:
        return re.escape(t).replace("…", ".+")

    return bool(re.fullmatch(pattern(a), b, re.S) or re.fullmatch(pattern(b), a, re.S))


def doc_refusals(text: str) -> list[tuple[str, str]]:
    """(code, detail) of every table row whose cells are `detail` | `code` | …"""
    found = []
    for cells in rows(text):
        if len(cells) >= 2 and len(spans(cells[0])) == 1 and spans(cells[1]) and spans(cells[1])[0] in errors.MESSAGES:
            found.append((spans(cells[1])[0], spans(cells[0])[0]))
    return found


def doc_http_refusals() -> list[tuple[str, str]]:
    """(code, detail) of §1.1's table: | status | `error` | `detail` | when |."""
    found = []
    for cells in rows(section(PROTOCOL, "### 1.1")):
        if len(cells) == 4 and cells[0].isdigit() and spans(cells[1]) and spans(cells[2]):
            found.append((spans(cells[1])[0], spans(cells[2])[0]))
    return found


# --------------------------------------------------------------------------- reading the code


def _text(node: ast.expr) -> str | None:
    """A literal detail as it reads, f-string placeholders as "…"; None if not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    return None


def _code(node: ast.expr) -> str | None:
    """`errors.NOT_ALLOWED` → "not_allowed"."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "errors":
        return getattr(errors, node.attr)
    return None


def refusals(*paths: Path) -> set[tuple[str, str]]:
    """(code, detail) of every refusal with a literal detail in these files: RoomError,
    ProtocolError and _check_fields' `bad`; the rules' `deny` (not_allowed) and
    `missing` (not_found); protocol.values' Uncarriable (malformed); and the MethodError
    that method.choose raises, which set_method passes on as invalid_field."""
    found = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(fn):
                if not isinstance(call, ast.Call) or not call.args:
                    continue
                func = call.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                first = _text(call.args[0])
                if name in ("RoomError", "ProtocolError", "bad") and len(call.args) >= 2:
                    code, detail = _code(call.args[0]), _text(call.args[1])
                elif name == "deny":
                    code, detail = errors.NOT_ALLOWED, first
                elif name == "missing":
                    code, detail = errors.NOT_FOUND, first and f"no such {first}"
                elif name == "Uncarriable":
                    code, detail = errors.MALFORMED, first
                elif name == "MethodError" and fn.name == "choose":
                    code, detail = errors.INVALID_FIELD, first
                else:
                    continue
                if code is not None and detail is not None:
                    found.add((code, detail))
    return found


ENGINE_AND_PROTOCOL = [
    *sorted((ROOT / "server" / "rooms").rglob("*.py")),
    *sorted((ROOT / "protocol").glob("*.py")),
    ROOT / "server" / "ws.py",
]


# --------------------------------------------------------------------------- the tests


def test_every_refusal_is_in_the_table_with_its_code():
    """§11.5 lists every detail the engine and the protocol give, with the right code, and
    nothing they no longer give."""
    code = refusals(*ENGINE_AND_PROTOCOL)
    doc = doc_refusals(section(PROTOCOL, "### 11.5"))
    assert len(code) > 100  # the walk found the engine's refusals at all
    missing = sorted((c, d) for c, d in code if not any(c == dc and fits(d, dd) for dc, dd in doc))
    assert not missing, f"refusals the code gives that §11.5 does not list (code, detail): {missing}"
    stale = sorted((c, d) for c, d in doc if not any(c == cc and fits(d, cd) for cc, cd in code))
    assert not stale, f"rows of §11.5 that no code gives (code, detail): {stale}"


def test_every_shipped_method_is_in_section_1_1():
    doc = set(spans(section(PROTOCOL, "### 1.1")))
    assert len(method.available()) >= 9
    assert not [m for m in method.available() if m not in doc]


def test_error_messages_and_close_codes():
    """§11.1 has every code with its exact English message; §11.2 every close code."""
    table = {spans(cells[0])[0]: cells[2] for cells in rows(section(PROTOCOL, "### 11.1")) if spans(cells[0])}
    assert {code: table.get(code) for code in errors.MESSAGES} == {
        code: en for code, (en, _) in errors.MESSAGES.items()
    }
    assert set(table) == set(errors.MESSAGES)
    documented = {int(n) for cells in rows(section(PROTOCOL, "### 11.2")) for n in re.findall(r"\b\d{4}\b", cells[0])}
    close_codes = {name: value for name, value in vars(errors).items() if name.startswith("CLOSE_")}
    assert {name: value for name, value in close_codes.items() if value not in documented} == {}


def test_the_next_case_fold_names_what_the_snapshot_holds():
    """§13's `next_case` row names keys of a real snapshot (or fields of the event), and
    every key that next_case changes in a room in the middle of a case."""
    room, anna, (bram,) = start_case(2, phase="vragenronde")
    room.run(bram, "ask", text="Wat gebeurt er vlak ervoor?")
    room.run(anna, "essence", text="Ik zeg te weinig wat ik wil.")
    room.goto("associatieronde")
    room.run(room.facilitator, "deal_cards")
    room.run(bram, "draw_card")
    room.run(bram, "ready", ready=True)
    before = [room.snapshot(who) for who in (anna, bram)]
    event = room.run(room.facilitator, "next_case").events[0]
    after = [room.snapshot(who) for who in (anna, bram)]

    row = next(cells for cells in rows(section(PROTOCOL, "## 13")) if cells[0] == "`next_case`")
    names = {s for s in spans(row[1]) if re.fullmatch(r"[a-z_]+", s)} - {"null", "true", "false"}
    assert sorted(names - set(after[0]) - set(event.public)) == []
    changed = {key for old, new in zip(before, after, strict=True) for key in new if new[key] != old[key]}
    assert {"deals", "questions", "has_summary"} <= changed  # the room was in the middle of a case
    assert sorted(changed - names) == []


def test_every_refused_body_is_in_section_1_1():
    """§1.1's table holds each refusal of POST /api/rooms, with its code: the bodies
    tests/test_http.py sends, and every literal detail server/app.py gives."""
    doc = doc_http_refusals()
    expected = {(code, detail) for _, code, detail in REFUSED_BODIES} | refusals(ROOT / "server" / "app.py")
    missing = sorted((c, d) for c, d in expected if not any(c == dc and fits(d, dd) for dc, dd in doc))
    assert not missing, f"refusals of POST /api/rooms that §1.1 does not list (code, detail): {missing}"


def test_every_setting_is_in_the_readme():
    """Every KRING_* variable the server reads is in README.md's configuration table, and
    the table names no other."""
    read = set()
    for path in (ROOT / "server").rglob("*.py"):
        read |= set(re.findall(r"[\"'](KRING_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    table = {spans(cells[0])[0] for cells in rows(section(README, "## Configuration")) if spans(cells[0])}
    assert "KRING_ROOM_TTL" in read
    assert sorted(read - table) == []
    assert sorted(name for name in table - read if name.startswith("KRING_")) == []


def test_every_ack_in_the_examples_has_a_seq():
    """An ack always carries `seq` (§2.2); so does every ack PROTOCOL.md shows."""
    without = []
    for found in re.finditer(r'\{"t": ?"ack"', PROTOCOL):
        depth, end = 0, found.start()
        for end in range(found.start(), len(PROTOCOL)):
            depth += {"{": 1, "}": -1}.get(PROTOCOL[end], 0)
            if depth == 0:
                break
        ack = PROTOCOL[found.start() : end + 1]
        if '"seq"' not in ack:
            without.append(ack)
    assert without == []


def test_who_may_give_each_command_is_what_section_6_says():
    """§6.1 lists the facilitator's commands, §6.2 the input that gates each participant
    command: the engine's table (engine.RULES) must say the same, row for row."""
    facilitator = {spans(r[0])[0] for r in rows(section(PROTOCOL, "### 6.1"))[1:]}
    assert facilitator == {t for t, rule in RULES.items() if rule.facilitator}
    participant = rows(section(PROTOCOL, "### 6.2"))[1:]
    assert {spans(r[0])[0] for r in participant} | facilitator == set(RULES)
    gate: dict[str, str | None] = {}
    own: set[str] = set()  # checked by the command's own rule, on a phase that accepts the input
    for cells in participant:
        t, cell = spans(cells[0])[0], cells[2]
        if plain := re.fullmatch(r"`(\w+)`( \(.*)?", cell):
            gate[t] = plain[1]
        elif by_own := re.search(r"must accept `(\w+)`", cell):
            gate[t] = by_own[1]
            own.add(t)
        elif same := re.fullmatch(r"as `(\w+)`", cell):
            gate[t] = gate[same[1]]
            if same[1] in own:
                own.add(t)
        else:  # not gated by an input
            gate[t] = None
    assert gate == {t: rule.needs for t, rule in RULES.items() if not rule.facilitator}
    assert own <= {t for t, rule in RULES.items() if rule.own_check}
