// "Wat we bewaren": what the group keeps, for how long, and what it never keeps, in plain
// words on the group page. The periods are the ones server/groups/retention.py enforces
// (docs/GROUPS.md, "Retention"); a change there is a change here.

import { t } from "../i18n.js";
import { h } from "../ui.js";

const KEPT = 7;
const NEVER = 4;

function list(prefix, n) {
  return h("ul", {}, Array.from({ length: n }, (_, i) => h("li", { key: i }, t(`${prefix}.${i + 1}`))));
}

export function retentionSection() {
  return h(
    "section",
    { class: "keeps", "aria-labelledby": "keeps-title", key: "keeps" },
    h("h2", { id: "keeps-title" }, t("retention.title")),
    h(
      "div",
      { class: "keeps-grid" },
      h("div", {}, h("h3", {}, t("retention.kept_title")), list("retention.kept", KEPT)),
      h("div", {}, h("h3", {}, t("retention.never_title")), list("retention.never", NEVER)),
    ),
    h("p", {}, t("retention.who")),
    h("p", {}, t("retention.removed")),
    h("p", {}, t("retention.delete")),
  );
}
