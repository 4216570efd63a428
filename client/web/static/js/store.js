// What a browser keeps between page loads, per room: the token (so a closed laptop comes
// back as the same person), unsent commands and half-typed text.
// Everything of a room is wiped when the room ends.

const PREFIX = "kring:";

function key(code, what) {
  return `${PREFIX}${code}:${what}`;
}

function read(k, fallback) {
  try {
    const raw = localStorage.getItem(k);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

function write(k, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(k);
    else localStorage.setItem(k, JSON.stringify(value));
  } catch {
    /* storage full or disabled: the session still works, it just won't survive a reload */
  }
}

export const session = {
  /** {token} of this browser in room `code` as `kind` ("room" or "screen") */
  get: (code, kind) => read(key(code, kind), null),
  set: (code, kind, value) => write(key(code, kind), value),
};

export const pendingJoin = {
  get: (code) => read(key(code, "join"), null),
  set: (code, value) => write(key(code, "join"), value),
};

export const outbox = {
  get: (code, kind) => read(key(code, `${kind}:outbox`), []),
  set: (code, kind, items) => write(key(code, `${kind}:outbox`), items.length ? items : null),
};

export const drafts = {
  get: (code, field) => read(key(code, `draft:${field}`), ""),
  set: (code, field, text) => write(key(code, `draft:${field}`), text || null),
};

/** {group, meeting}: this room is that group's meeting, entered with the link kept in "Mijn groepen" */
export const groupMeeting = {
  get: (code) => read(key(code, "group"), null),
  set: (code, value) => write(key(code, "group"), value),
};

export function forgetRoom(code) {
  const start = `${PREFIX}${code}:`;
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const k = localStorage.key(i);
    if (k && k.startsWith(start)) localStorage.removeItem(k);
  }
}

export const preferences = {
  language: () => read(`${PREFIX}language`, null),
  setLanguage: (lng) => write(`${PREFIX}language`, lng),
};
