// Every UI string comes from the catalog (static/i18n/nl.json, en.json), through i18next.
// The language is per person: chosen on the page, kept in this browser, Dutch first.

import i18next from "/vendor/i18next/i18next.js";
import { preferences } from "./store.js";

export const LANGUAGES = ["nl", "en"];
/** keys that were asked for but are not in the catalog; the browser tests read this */
window.kringMissing = window.kringMissing || [];

async function loadCatalog(lng) {
  const response = await fetch(`/static/i18n/${lng}.json`, { credentials: "same-origin" });
  return response.json();
}

export async function setup() {
  const fromPage = document.documentElement.lang;
  const lng = preferences.language() || (LANGUAGES.includes(fromPage) ? fromPage : "nl");
  const [nl, en] = await Promise.all(LANGUAGES.map(loadCatalog));
  await i18next.init({
    lng,
    fallbackLng: false,
    supportedLngs: LANGUAGES,
    resources: { nl: { translation: nl }, en: { translation: en } },
    interpolation: { escapeValue: false }, // we only ever insert text nodes
    returnNull: false,
    saveMissing: true,
    missingKeyHandler: (lngs, ns, k) => window.kringMissing.push(`${lngs.join(",")}:${k}`),
  });
  document.documentElement.lang = lng;
  return lng;
}

export function t(k, options) {
  return i18next.t(k, options);
}

export function language() {
  return i18next.language;
}

/** "14:05": a moment's time of day as the person's language writes it. */
export function hhmm(date) {
  return date.toLocaleTimeString(language(), { hour: "2-digit", minute: "2-digit" });
}

/** A text in the person's language from a {nl, en} record (method data). */
export function pick(record) {
  if (!record || typeof record !== "object") return record || "";
  return record[language()] ?? record.nl ?? "";
}

export async function setLanguage(lng) {
  if (!LANGUAGES.includes(lng)) return;
  preferences.setLanguage(lng);
  document.cookie = `kring_lang=${lng}; path=/; max-age=31536000; samesite=strict`;
  await i18next.changeLanguage(lng);
  document.documentElement.lang = lng;
  translateStatic(document);
}

/** Elements rendered by the server carry data-i18n="key" so they follow a switch too. */
export function translateStatic(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]"))
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
}

/** The language switch in the top bar: two buttons, the current one pressed. */
export function languageSwitch(onChange) {
  const nav = document.getElementById("language");
  if (!nav) return;
  const update = () => {
    for (const b of nav.querySelectorAll("button[data-lang]"))
      b.setAttribute("aria-pressed", String(b.dataset.lang === language()));
  };
  nav.addEventListener("click", async (e) => {
    const button = e.target.closest("button[data-lang]");
    if (!button) return;
    await setLanguage(button.dataset.lang);
    update();
    if (onChange) onChange();
  });
  update();
}
