// "Mijn groepen": the personal group links kept in this browser (localStorage), one per
// group, with the group's name as last seen. The link's secret is kept here because it is
// the member's key to the group on this device; it is never sent anywhere (the token
// derived from it goes out, in a header). A link that stopped working stays listed, marked,
// until the group's new link is opened on this device (it takes the old one's place).

const KEY = "kring:groups";

function read() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(list) ? list.filter((g) => g && typeof g.secret === "string") : [];
  } catch {
    return [];
  }
}

function write(list) {
  try {
    if (list.length) localStorage.setItem(KEY, JSON.stringify(list));
    else localStorage.removeItem(KEY);
  } catch {
    /* storage disabled: the group still opens from its link, it is just not remembered */
  }
}

/** [{secret, id, name, role, me, broken}] in the order they were added. */
export function myGroups() {
  return read();
}

/** The group `group` (as GET /api/groups/mine) opened with `secret`: keep or update it. */
export function remember(secret, answer) {
  const entry = { secret, id: answer.group.id, name: answer.group.name, role: answer.me.role, me: answer.me.name };
  const list = read();
  const at = list.findIndex((g) => g.secret === secret || g.id === entry.id); // a new link replaces the old one
  if (at >= 0) list[at] = entry;
  else list.push(entry);
  write(list.filter((g, i) => i === (at >= 0 ? at : list.length - 1) || (g.secret !== secret && g.id !== entry.id)));
}

/** A kept link the server no longer accepts: `reason` is the API's error code. */
export function markBroken(secret, reason) {
  write(read().map((g) => (g.secret === secret ? { ...g, broken: reason } : g)));
}

export function forget(secret) {
  write(read().filter((g) => g.secret !== secret));
}
