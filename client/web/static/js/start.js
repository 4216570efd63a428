// The start page: join a room with its code and your name, or open a new room as
// facilitator. The code is typed case-insensitively, with or without a dash.

import { language, languageSwitch, setup, t, translateStatic } from "./i18n.js";
import { myGroups } from "./group/mine.js";
import { pendingJoin, session } from "./store.js";

const limits = JSON.parse(document.body.dataset.limits);

function normalize(code) {
  return code.toUpperCase().replace(/[\s-]/g, "");
}

function showError(el, text) {
  el.textContent = text;
  el.hidden = !text;
}

function validCode(code) {
  return code.length === limits.ROOM_CODE_LENGTH && [...code].every((ch) => limits.ROOM_CODE_ALPHABET.includes(ch));
}

/**
 * The forms are taken over at once, before the strings have loaded: a click in that moment
 * must not send the form the plain way (the name would end up in a URL, and in logs).
 */
function joinForm(ready) {
  const form = document.getElementById("join-form");
  const error = document.getElementById("join-error");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    await ready;
    const code = normalize(form.elements.code.value);
    const name = form.elements.name.value.trim();
    if (!validCode(code)) {
      showError(error, t("start.bad_code"));
      form.elements.code.focus();
      return;
    }
    if (!name) {
      showError(error, t("start.need_name"));
      form.elements.name.focus();
      return;
    }
    const place = form.elements.place.value || null; // in the room or online: not required
    const stored = session.get(code, "room");
    if (!stored || !stored.token) pendingJoin.set(code, { name, place });
    location.assign(`/room/${code}`);
  });
}

function createForm(ready) {
  const form = document.getElementById("create-form");
  const error = document.getElementById("create-error");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    await ready;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    showError(error, "");
    const body = {
      language: form.elements.language.value,
      anonymous_questions: form.elements.anonymous.checked,
    };
    const file = form.elements.method_file.files[0];
    if (file) body.method_toml = await file.text();
    else body.method = form.elements.method.value;
    const name = form.elements.facilitator.value.trim();
    if (name) body.facilitator_name = name;
    try {
      const response = await fetch("/api/rooms", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (!response.ok) {
        // a method file with a mistake: say where (line and field), in the server's words
        const detail = answer.error === "invalid_field" && answer.detail ? ` ${answer.detail}` : "";
        showError(error, t(`errors.${answer.error}`, { defaultValue: t("errors.unavailable") }) + detail);
        button.disabled = false;
        return;
      }
      session.set(answer.code, "room", { token: answer.facilitator_token });
      location.assign(`/room/${answer.code}`);
    } catch {
      showError(error, t("errors.unavailable"));
      button.disabled = false;
    }
  });
}

/** Method names and purposes come with the page in both languages. */
function methodTexts() {
  const select = document.getElementById("method");
  const lng = language();
  for (const option of select.options) option.textContent = `${option.dataset[`name${lng === "en" ? "En" : "Nl"}`]} (${option.dataset.minutes} min)`;
  const chosen = select.selectedOptions[0];
  document.getElementById("method-purpose").textContent = chosen ? chosen.dataset[`purpose${lng === "en" ? "En" : "Nl"}`] : "";
  if (chosen) {
    const d = chosen.dataset;
    const meta =
      d.low === d.high
        ? t("start.method_meta_one", { n: d.low, minutes: d.minutes }) // Troika: "3 personen", not "3–3"
        : t("start.method_meta", { low: d.low, high: d.high, minutes: d.minutes });
    document.getElementById("method-meta").textContent = d.familiar === "true" ? `${meta}. ${t("start.familiarity")}` : meta;
  }
}

/** "Mijn groepen": the groups whose personal link was opened in this browser. */
function groupList() {
  const groups = myGroups().filter((g) => !g.broken);
  const list = document.getElementById("start-group-list");
  list.replaceChildren(
    ...groups.map((g) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `/groep#${g.secret}`;
      a.textContent = g.name; // text, never HTML
      li.append(a);
      return li;
    }),
  );
  document.getElementById("start-groups").hidden = groups.length === 0;
}

async function main() {
  const ready = setup();
  joinForm(ready);
  createForm(ready);
  groupList();
  await ready;
  translateStatic(document);
  methodTexts();
  document.getElementById("method").addEventListener("change", methodTexts);
  languageSwitch(methodTexts);
  // arrived through the QR code or a link with the code: only the name is left to fill in
  const code = document.getElementById("code");
  if (code.value) document.getElementById("name").focus();
}

main();
