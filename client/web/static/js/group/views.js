// The parts of the group pages that need no group: "Mijn groepen" (the links kept on this
// device), the page for a link that does not work (any more), and the one for a group
// that cannot be reached right now.

import { base64url } from "../grouplink.js";
import { t } from "../i18n.js";
import { h } from "../ui.js";
import { forget, myGroups } from "./mine.js";

/**
 * "Mijn groepen": each group kept in this browser, by name; `current` (a secret) marked. A
 * link that no longer works can be taken off the list (`redraw` draws the page again).
 */
export function myGroupsSection(current, redraw, heading = "h2") {
  const here = current ? base64url(current) : null;
  const list = myGroups();
  return h(
    "section",
    { class: "my-groups", "aria-labelledby": "my-groups-title", key: "my-groups" },
    h(heading, { id: "my-groups-title", tabindex: "-1" }, t("group.mine.title")),
    h("p", { class: "hint" }, t("group.mine.lead")),
    list.length
      ? h(
          "ul",
          { class: "my-group-list" },
          list.map((g) =>
            h(
              "li",
              { key: g.secret, class: g.broken ? "broken" : null },
              h("a", { href: `/groep#${g.secret}`, "aria-current": g.secret === here ? "page" : null }, g.name),
              h("span", { class: "person-meta" }, " · ", t(g.role === "begeleider" ? "group.mine.as_lead" : "group.mine.as_member", { name: g.me })),
              g.broken ? h("span", { class: "warning-inline" }, " · ", t("group.mine.broken")) : null,
              g.broken
                ? h(
                    "button",
                    {
                      type: "button",
                      class: "quiet forget",
                      "aria-label": t("group.mine.forget_label", { name: g.name }),
                      onClick: () => {
                        forget(g.secret);
                        redraw();
                        document.getElementById("my-groups-title")?.focus();
                      },
                    },
                    t("group.mine.forget"),
                  )
                : null,
            ),
          ),
        )
      : h("p", { class: "muted" }, t("group.mine.none")),
    h("p", {}, h("a", { href: "/groep/nieuw", class: "button-link" }, t("group.mine.new"))),
  );
}

/** A link that opens no group (any more): say so plainly, and what to do. */
export function brokenPage(reason, redraw) {
  return [
    h(
      "section",
      { class: "link-broken", "aria-labelledby": "broken-title", key: "broken" },
      h("h1", { id: "broken-title", tabindex: "-1" }, t("group.broken.title")),
      h("p", { class: "lead" }, t("group.broken.lead")),
      h("p", {}, t(`group.broken.${reason}`, { defaultValue: t("group.broken.bad_link") })),
    ),
    myGroupsSection(null, redraw),
  ];
}

/** The server or its database cannot be reached (or asks to wait): nothing was changed; try again. */
export function downPage(retry, error = "unavailable") {
  return h(
    "section",
    { class: "group-down", "aria-labelledby": "down-title", key: "down" },
    h("h1", { id: "down-title", tabindex: "-1" }, t("group.down.title")),
    h("p", { class: "lead" }, t(`group.errors.${error}`, { defaultValue: t("group.errors.unavailable") })),
    h("button", { type: "button", class: "primary", onClick: retry }, t("group.down.retry")),
  );
}
