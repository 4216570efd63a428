"""The link derivation is written once for the browser (client/web/static/js/grouplink.js);
Python derives the same with the `cryptography` package (tests/grouplink.py), so the tests
can act as members. These hold the two together."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from server.groups import links

from .grouplink import Link, fixed_vectors, vector
from .servers import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "grouplink.json"


def test_the_fixture_is_what_python_derives():
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == fixed_vectors(), "python -m tests.grouplink"


def test_the_browser_module_derives_what_python_derives(tmp_path):
    """Fails, rather than skips, without node (make install brings it for npm)."""
    node = shutil.which("node")
    assert node is not None, "node is needed for the browser's link derivation (apt-get install nodejs)"
    extra = tmp_path / "vectors.json"
    extra.write_text(json.dumps([vector(os.urandom(32), f"actie {i}", os.urandom(12)) for i in range(5)]))
    test = ROOT / "tests" / "js" / "grouplink.test.mjs"
    run = subprocess.run(
        [node, "--test", str(test)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GROUPLINK_VECTORS": str(extra)},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# pass 10" in run.stdout and "# fail 0" in run.stdout, run.stdout


def test_tokens_and_hashes_are_32_bytes_of_base64url():
    link = Link.new()
    assert links.is_b64_32(link.token) and links.is_b64_32(link.hash) and links.is_b64_32(link.fragment)
    assert link.token != link.fragment and link.hash != link.token
    assert links.bearer(f"Bearer {link.token}") == link.token
    assert links.bearer(f"bearer  {link.token} ") == link.token
    for bad in (None, "", link.token, f"Basic {link.token}", f"Bearer {link.token}x", f"Bearer {link.token[:-1]}B"):
        assert links.bearer(bad) is None, bad
