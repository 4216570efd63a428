// A member's personal group link, and what the browser derives from it (docs/GROUPS.md).
//
// The link is `<origin>/groep#<S>`: S is 32 random bytes, base64url, in the URL fragment,
// which the browser never sends to any server (so it is in no access log). From S, with
// HKDF-SHA256 and fixed salt and info strings (server/groups/links.py says the same):
//   - the token T: info "kring/group-token", 32 bytes, base64url. It goes to the server as
//     `Authorization: Bearer T`, never in a URL;
//   - the actions key: info "kring/actions-key", an AES-GCM-256 key that cannot be exported
//     and never leaves this browser (a member's own actions are encrypted with it).
// The server keeps only tokenHash(T) = base64url(SHA-256(T)). Whoever issues a link (the
// begeleider's browser) makes S here, and sends the server that hash, never T.

const encoder = new TextEncoder();

export const SALT = "kring/group-link/v1";
export const TOKEN_INFO = "kring/group-token";
export const ACTIONS_INFO = "kring/actions-key";
export const SECRET_BYTES = 32;
export const LINK_PATH = "/groep";

export function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** A new link secret: 32 bytes from the browser's CSPRNG. */
export function newSecret() {
  return crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
}

/** The link a member opens; the secret rides in the fragment only. */
export function linkFor(origin, secret) {
  return `${origin}${LINK_PATH}#${base64url(secret)}`;
}

/** The secret in a link's fragment (`location.hash` or a whole link), or null if it holds none. */
export function secretFromLink(link) {
  const fragment = link.includes("#") ? link.slice(link.indexOf("#") + 1) : link;
  if (!/^[A-Za-z0-9_-]{43}$/.test(fragment)) return null;
  const secret = fromBase64url(fragment);
  return secret.length === SECRET_BYTES ? secret : null;
}

async function hkdfKey(secret) {
  return crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveBits", "deriveKey"]);
}

function hkdfParams(info) {
  return { name: "HKDF", hash: "SHA-256", salt: encoder.encode(SALT), info: encoder.encode(info) };
}

/** The token T the server knows the member by (base64url of 32 bytes). */
export async function deriveToken(secret) {
  const bits = await crypto.subtle.deriveBits(hkdfParams(TOKEN_INFO), await hkdfKey(secret), 256);
  return base64url(new Uint8Array(bits));
}

/** What the server stores of a token, and what an issuer sends for a new link. */
export async function tokenHash(token) {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token))));
}

/** The member's own AES-GCM key: not extractable, for encrypt and decrypt in this browser only. */
export async function deriveActionsKey(secret) {
  return crypto.subtle.deriveKey(
    hkdfParams(ACTIONS_INFO),
    await hkdfKey(secret),
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** A new link for someone: its secret (to share as linkFor) and the hash to send the server. */
export async function issueLink(origin) {
  const secret = newSecret();
  return { secret, link: linkFor(origin, secret), tokenHash: await tokenHash(await deriveToken(secret)) };
}

/** The headers that carry a member's token on a request to /api/groups. */
export async function authHeaders(secret) {
  return { Authorization: `Bearer ${await deriveToken(secret)}` };
}
