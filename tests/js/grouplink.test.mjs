// The browser's link derivation (client/web/static/js/grouplink.js) held to Python's
// (tests/grouplink.py, the `cryptography` package's HKDF): the same secret gives the same
// token and hash, and an action encrypted with Python's key opens with the browser's.
// Run by tests/test_grouplink.py: node --test <this file>; the vectors are
// tests/fixtures/grouplink.json, plus random ones when GROUPLINK_VECTORS names a file.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  base64url,
  deriveActionsKey,
  deriveToken,
  fromBase64url,
  issueLink,
  linkFor,
  secretFromLink,
  tokenHash,
} from "../../client/web/static/js/grouplink.js";

const read = (path) => JSON.parse(readFileSync(path, "utf8"));
const vectors = [
  ...read(new URL("../fixtures/grouplink.json", import.meta.url)),
  ...(process.env.GROUPLINK_VECTORS ? read(process.env.GROUPLINK_VECTORS) : []),
];

test("there are vectors, fixed and random", () => {
  assert.ok(vectors.length >= 3);
});

for (const [i, v] of vectors.entries()) {
  test(`vector ${i}: token, hash and actions key as Python derives them`, async () => {
    const secret = fromBase64url(v.secret);
    const token = await deriveToken(secret);
    assert.equal(token, v.token);
    assert.equal(await tokenHash(token), v.token_hash);
    const key = await deriveActionsKey(secret);
    assert.equal(key.extractable, false);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64url(v.nonce) },
      key,
      fromBase64url(v.ciphertext),
    );
    assert.equal(new TextDecoder().decode(plain), v.plaintext);
  });
}

test("a link carries its secret in the fragment only, and gives it back", async () => {
  const { secret, link, tokenHash: hash } = await issueLink("https://kring.example.nl");
  assert.match(link, /^https:\/\/kring\.example\.nl\/groep#[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(secretFromLink(link), secret);
  assert.deepEqual(secretFromLink(new URL(link).hash), secret);
  assert.equal(hash, await tokenHash(await deriveToken(secret)));
  assert.equal(base64url(secret).length, 43);
  assert.equal(linkFor("https://x", secret), `https://x/groep#${base64url(secret)}`);
  for (const bad of ["https://x/groep", "https://x/groep#short", `https://x/groep#${"A".repeat(44)}`]) {
    assert.equal(secretFromLink(bad), null);
  }
});
