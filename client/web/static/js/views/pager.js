// A list for the wall that never overflows its place: measured after every draw and cut
// into pages that take turns. The projector's lists (cases, questions, perspectives, notes)
// are all drawn through it.

import { Component } from "/vendor/preact/preact.mjs";
import { t } from "../i18n.js";
import { h } from "../ui.js";

/** How long one page of items stays on the wall before the next one comes. */
const PAGE_SECONDS = 12;

/**
 * A list that never overflows its place on the wall: after every draw it measures which
 * items fit (showing them one by one until the list would overflow) and cuts the list into
 * pages; the pages take turns, PAGE_SECONDS each. Every item stays in the page (hidden
 * when it is not on the page shown), so what the room holds is all there.
 */
export class Pager extends Component {
  constructor() {
    super();
    this.page = 0;
    this.pages = 1;
    this.list = null;
    this.onResize = () => this.fit();
  }

  componentDidMount() {
    this.every = setInterval(() => {
      if (this.pages < 2) return;
      this.page = (this.page + 1) % this.pages;
      this.fit();
    }, PAGE_SECONDS * 1000);
    window.addEventListener("resize", this.onResize);
    this.fit();
  }

  componentDidUpdate() {
    this.fit();
  }

  componentWillUnmount() {
    clearInterval(this.every);
    window.removeEventListener("resize", this.onResize);
  }

  fit() {
    const list = this.list;
    if (!list) return;
    const items = [...list.children];
    const over = () => list.scrollHeight > list.clientHeight + 1;
    const pages = [];
    for (let start = 0; start < items.length; ) {
      for (const el of items) el.hidden = true;
      let end = start;
      while (end < items.length) {
        items[end].hidden = false;
        if (end > start && over()) {
          items[end].hidden = true;
          break;
        }
        end++;
      }
      pages.push([start, end]);
      start = end;
    }
    this.pages = Math.max(pages.length, 1);
    if (this.page >= this.pages) this.page = 0;
    const [from, to] = pages[this.page] || [0, 0];
    items.forEach((el, i) => {
      el.hidden = i < from || i >= to;
    });
    // the place of the indicator is kept when there is one page, so showing it moves nothing
    const pos = this.pages > 1 ? t("screen.page", { n: this.page + 1, total: this.pages }) : "";
    if (pos !== (this.state.pos || "")) this.setState({ pos });
  }

  render({ tag, cls, label, children }) {
    return h(
      "div",
      { class: "pager" },
      h(tag, { class: cls, "aria-label": label, ref: (el) => (this.list = el) }, children),
      h("p", { class: `pager-pos${this.state.pos ? "" : " none"}`, "aria-hidden": "true" }, this.state.pos || "\u00a0"),
    );
  }
}
