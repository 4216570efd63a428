"""The pages as HTTP serves them: security headers, the shared string catalog, the QR
code and the npm libraries served from Kring's own origin."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Settings
from server.pages import qr_svg

WEB = Path(__file__).resolve().parent.parent / "client" / "web"


@pytest.fixture(scope="module")
def client(data_dir):
    with TestClient(create_app(Settings(data_dir=str(data_dir)))) as c:
        yield c


def keys(tree: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for k, v in tree.items():
        out |= keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
    return out


def test_both_catalogs_hold_the_same_strings():
    nl = json.loads((WEB / "static" / "i18n" / "nl.json").read_text(encoding="utf-8"))
    en = json.loads((WEB / "static" / "i18n" / "en.json").read_text(encoding="utf-8"))
    assert keys(nl) == keys(en)
    for key in keys(nl):  # a placeholder in one language is a placeholder in the other
        assert placeholders(nl, key) == placeholders(en, key), key


def placeholders(tree: dict, key: str) -> set[str]:
    for part in key.split("."):
        tree = tree[part]
    return set(re.findall(r"{{(\w+)}}", str(tree)))


def test_every_key_the_code_names_is_in_the_catalog():
    nl = keys(json.loads((WEB / "static" / "i18n" / "nl.json").read_text(encoding="utf-8")))
    plural_bases = {k.rsplit("_", 1)[0] for k in nl if k.endswith(("_one", "_other"))}
    sources = [*(WEB / "static" / "js").rglob("*.js"), *(WEB / "templates").glob("*.html")]
    named = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
        if path.suffix == ".html":
            named |= set(re.findall(r'data-i18n(?:-label|-placeholder)?="([a-z_.]+)"', text))
    assert named, "no keys found: the pattern is broken"
    assert sorted(k for k in named if k not in nl and k not in plural_bases) == []


@pytest.mark.parametrize("path", ["/", "/room/K7MQ2P", "/room/K7MQ2P/screen", "/groep", "/groep/nieuw"])
def test_pages_carry_a_strict_policy_and_no_inline_script(client, path):
    r = client.get(path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"""(src|href)=["']https?://""", r.text), "a page must not load from elsewhere"
    assert not re.search(r"\son[a-z]+=", r.text), "no inline event handlers"


def test_the_page_language_follows_the_choice(client):
    assert '<html lang="nl">' in client.get("/").text
    r = client.get("/?lang=en")
    assert '<html lang="en">' in r.text and "Open a new room" in r.text
    assert r.cookies.get("kring_lang") == "en"
    assert '<html lang="en">' in client.get("/").text  # the cookie remembers it
    assert '<html lang="nl">' in client.get("/?lang=nl").text
    assert '<html lang="nl">' in client.get("/?lang=xx").text  # unknown: the cookie's (nl now)


def test_a_group_page_holds_nothing_of_a_group(client):
    """The group comes from the API once the browser has the token: the page itself is the
    same for every group (its link's secret is in the fragment, which no request holds)."""
    r = client.get("/groep")
    assert r.status_code == 200 and 'data-view="group"' in r.text and "/static/js/group.js" in r.text
    assert "draagvlakmodel" in r.text  # the series templates come with the page
    assert 'data-view="new"' in client.get("/groep/nieuw").text


def test_the_join_link_prefills_the_code(client):
    assert 'value="K7MQ2P"' in client.get("/?code=k7m-q2p").text


def test_the_qr_code_holds_the_join_link(client):
    r = client.get("/qr/K7MQ2P.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "<script" not in r.text
    assert r.content == qr_svg("http://testserver/?code=K7MQ2P")  # this link, not another
    assert r.content != qr_svg("http://testserver/?code=K7MQ2Q")
    assert client.get("/qr/K7MQ2O.svg").status_code == 404  # O is not in the alphabet


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/msgpack/index.mjs",
        "/vendor/i18next/i18next.js",
        "/vendor/preact/preact.mjs",
        "/vendor/qrcode/qrcode.mjs",
        "/static/js/room.js",
        "/static/kring.css",
    ],
)
def test_libraries_and_modules_come_from_our_own_origin(client, path):
    r = client.get(path)
    assert r.status_code == 200
    if path.endswith(("js", "mjs")):
        assert r.headers["content-type"].startswith("text/javascript")


def test_module_imports_stay_on_our_origin():
    for path in (WEB / "static" / "js").rglob("*.js"):
        for target in re.findall(r"""^import .* from ["']([^"']+)["']""", path.read_text(encoding="utf-8"), re.M):
            assert target.startswith(("./", "../", "/vendor/")), (path.name, target)
