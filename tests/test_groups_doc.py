"""docs/PROTOCOL.md §1.3 against the groups' code: every refusal the code can give is in the
table with its status and code, every route is listed, and the groups' own messages are
word for word. Pure: no server is started."""

from __future__ import annotations

import ast
import re

from protocol import errors as protocol_errors
from server.groups import api
from server.groups import errors as group_errors

from .test_protocol_doc import PROTOCOL, ROOT, _text, fits, rows, section, spans

SECTION = section(PROTOCOL, "### 1.3")


def _code(node: ast.expr) -> str:
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
    assert name is not None, ast.dump(node)
    return getattr(group_errors, name, None) or getattr(protocol_errors, name)


def code_refusals() -> set[tuple[int, str, str]]:
    """(status, code, detail) of every refusal in server/groups/ ("—" when it has no detail)."""
    helpers = {"invalid": (400, "invalid_field"), "ScheduleError": (400, "invalid_field")}
    helpers |= {"not_allowed": (403, "not_allowed"), "not_found": (404, "not_found")}
    found = set()
    for path in (ROOT / "server" / "groups").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            if path.name == "errors.py":  # the helpers themselves
                continue
            if name in helpers and node.args:
                detail = _text(node.args[0])
                if detail is not None:
                    found.add((*helpers[name], f"no such {detail} in this group" if name == "not_found" else detail))
            elif name == "GroupError" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                first = node.args[0]
                # `code` (the store's 401s, added below) and `err.code` (the JSON decoder's)
                if not (
                    isinstance(first, ast.Name)
                    and first.id == "code"
                    or isinstance(first, ast.Attribute)
                    and first.attr == "code"
                ):
                    detail = _text(node.args[2]) if len(node.args) > 2 else "—"
                    if detail is not None:  # a detail made at run time is checked by the API tests
                        found.add((node.args[1].value, _code(node.args[0]), detail))
    # the store's `GroupError(code, 401)`: the reason a link does not open the group
    found |= {
        (401, code, "—") for code in (group_errors.BAD_LINK, group_errors.LINK_REISSUED, group_errors.MEMBER_REMOVED)
    }
    return found


def doc_refusals() -> list[tuple[int, str, str]]:
    out = []
    for cells in rows(SECTION):
        if len(cells) == 4 and cells[0].isdigit() and spans(cells[1]):
            detail = spans(cells[2])[0] if spans(cells[2]) else "—"
            out.append((int(cells[0]), spans(cells[1])[0], detail))
    return out


def test_every_refusal_of_the_groups_api_is_in_section_1_3():
    code, doc = code_refusals(), doc_refusals()
    assert len(code) > 30
    missing = sorted(
        r for r in code if not any(r[:2] == d[:2] and fits(r[2].replace("—", ""), d[2].replace("—", "")) for d in doc)
    )
    assert not missing, f"refusals the code gives that §1.3 does not list: {missing}"


def test_every_route_is_in_section_1_3():
    table = {spans(cells[0])[0] for cells in rows(SECTION) if spans(cells[0])}
    for route in api.routes():
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                assert (
                    f"{method} {route.path}".replace("{member_id}", "{id}").replace("{meeting_id}", "{id}") in table
                ), (method, route.path)


def test_the_groups_messages_are_word_for_word():
    table = {spans(cells[0])[0]: (cells[1], cells[2]) for cells in rows(SECTION) if len(cells) == 3 and spans(cells[0])}
    table.pop("error")  # the header
    assert table == dict(group_errors.MESSAGES)


def test_the_doc_names_the_hkdf_strings_the_code_uses():
    from server.groups import links

    doc = (ROOT / "docs" / "GROUPS.md").read_text(encoding="utf-8")
    js = (ROOT / "client" / "web" / "static" / "js" / "grouplink.js").read_text(encoding="utf-8")
    for value in (links.SALT, links.TOKEN_INFO, links.ACTIONS_INFO):
        assert f"`{value.decode()}`" in doc and f'"{value.decode()}"' in js
    assert re.search(r"LINK_PATH = \"/groep\"", js) and "/groep#" in doc
