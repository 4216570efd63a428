// Calls to /api/groups (docs/PROTOCOL.md §1.3). A member's token goes in the Authorization
// header only; the link's secret stays in this browser. Every answer comes back as
// {status, data, error, detail}; a network failure is status 0 with `unavailable`, so a
// page says the same thing for "the server is gone" and "its database is gone".

import { deriveToken } from "../grouplink.js";

const tokens = new Map(); // secret (base64url) -> token, derived once per page

async function tokenOf(secret) {
  const key = secret.join(",");
  if (!tokens.has(key)) tokens.set(key, await deriveToken(secret));
  return tokens.get(key);
}

export async function call(method, path, { secret = null, body = undefined } = {}) {
  const headers = {};
  if (secret) headers.authorization = `Bearer ${await tokenOf(secret)}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api/groups${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    return { status: 0, data: null, error: "unavailable", detail: null };
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (response.ok) return { status: response.status, data, error: null, detail: null };
  return {
    status: response.status,
    data,
    error: (data && data.error) || (response.status >= 500 ? "unavailable" : "malformed"),
    detail: (data && data.detail) || null,
  };
}

/** The link errors that mean "this link opens nothing (any more)". */
export const LINK_ERRORS = ["bad_link", "link_reissued", "member_removed"];
