// Circles (issue 16, docs/CIRCLES.md): a room splits into small circles that work in
// parallel, each a room of its own, and comes back together. Here: the facilitator's
// split and overview, the participant's way to their circle, the banner in a circle's
// room with the facilitator's line, and the circles on the projector.
//
// A circle is entered with the room's own token (hello `circle`): this browser keeps,
// under the circle's code, a record `{via: room code}` that says so (see connection.js),
// so a reload or a reconnect in the circle comes back the same way.

import { language, pick, t } from "../i18n.js";
import { session } from "../store.js";
import { clock, secondsLeft } from "../timer.js";
import { h, ticking } from "../ui.js";
import { button, confirmButton, field, form, formStatus, titled } from "./shared.js";
import { nameOf } from "./state.js";

const SIZES = [3, 4, 5];

/** "Anna, Bram en Chris", in the person's language; `me` is said as "jij", last. */
function names(s, ids, me = null) {
  const list = ids.filter((id) => id !== me).map((id) => nameOf(s, id));
  if (me && ids.includes(me)) list.push(t("people.you"));
  return new Intl.ListFormat(language(), { type: "conjunction" }).format(list);
}

const circleName = (i) => t("circles.name", { n: i + 1 });

/** The link into circle `circle` of this room: it leaves the record that lets the page in. */
function circleLink(ctx, circle, { label, cls, newTab = false, aria = null }) {
  const enter = () => session.set(circle.code, "room", { via: ctx.code });
  return h(
    "a",
    {
      href: `/room/${circle.code}`,
      class: cls,
      key: `circle-${circle.code}`,
      "data-circle-link": circle.code,
      onclick: enter,
      onauxclick: enter, // a middle click opens it too
      target: newTab ? "_blank" : null,
      rel: newTab ? "noopener" : null,
      "aria-label": aria,
    },
    label,
  );
}

/**
 * The page of a circle whose room has ended (everyone back to the group) goes back to the
 * group's room. Returns whether it does.
 */
export function leaveCircle(ctx) {
  const plenary = ctx.state?.plenary || session.get(ctx.code, "room")?.via;
  if (!plenary || ctx.kind !== "room") return false;
  location.replace(`/room/${plenary}`);
  return true;
}

/**
 * What circles ask at the top of any view in the room: in a circle's room the banner with
 * the way back and the facilitator's line; in the room while it is split, the line, and
 * for a participant their circle, for a facilitator the overview.
 */
export function circlesNow(ctx) {
  const s = ctx.state;
  if (s.plenary) return [inCircleBanner(ctx), selfLed(ctx), announcement(ctx)];
  if (!s.circles?.length) return null;
  if (ctx.me.role === "facilitator") return [announcement(ctx), overview(ctx)];
  return [announcement(ctx), myCircle(ctx)];
}

/** In a circle's room: where you are, and the way back. */
function inCircleBanner(ctx) {
  return h(
    "section",
    { class: "circle-banner", "aria-labelledby": "circle-banner-title", key: "circle-banner" },
    h("p", { id: "circle-banner-title", class: "circle-banner-text" }, t("circles.in_circle")),
    h("a", { href: `/room/${ctx.state.plenary}`, class: "button-link secondary", "data-key": "back-to-group" }, t("circles.back")),
  );
}

/**
 * A circle leads itself while none of the room's facilitators is in it (the server lets its
 * members move the rounds on and run the clock then, circles.SELF_LED): the buttons for it.
 */
function selfLed(ctx) {
  const s = ctx.state;
  if (ctx.me.role !== "participant" || s.participants.some((p) => p.role === "facilitator" && p.online)) return null;
  const next = s.method.phases[s.phase.index + 1];
  const running = s.timer.running;
  return h(
    "section",
    { class: "circle-self-led", "aria-labelledby": "self-led-title", key: "self-led" },
    h("h2", { id: "self-led-title" }, t("circles.self_led_title")),
    h("p", { class: "hint" }, t("circles.self_led")),
    h(
      "div",
      { class: "row" },
      next ? button(t("circles.next", { name: pick(next.name) }), () => ctx.send("advance"), { cls: "secondary", key: "self-next" }) : null,
      button(t(running ? "timer.pause" : "timer.start"), () => ctx.send("timer", { action: running ? "pause" : "start" }), {
        cls: "secondary",
        key: "self-timer",
      }),
    ),
  );
}

/**
 * The facilitator's last line to every circle, where it counts (in a circle, or in the
 * room while it is split). The live region is always there, so a new line is said.
 */
function announcement(ctx) {
  const text = ctx.state.announcement;
  return h(
    "div",
    { class: `circle-announcement${text ? " has-text" : ""}`, id: "circle-announcement", "aria-live": "polite", key: "circle-announcement" },
    text ? [h("strong", { class: "circle-announcement-label" }, `${t("circles.announcement")}: `), h("span", { class: "circle-announcement-text" }, text)] : null,
  );
}

/** A participant in the split room: who is in their circle, and the way in. */
function myCircle(ctx) {
  const s = ctx.state;
  const i = s.circles.findIndex((c) => c.members.includes(ctx.me.id));
  if (i < 0) return null;
  const circle = s.circles[i];
  return h(
    "section",
    { class: "my-circle", "aria-labelledby": "my-circle-title", key: "my-circle", "data-circle": circle.code },
    h("h2", { id: "my-circle-title" }, t("circles.yours", { names: names(s, circle.members, ctx.me.id) })),
    h("p", {}, t("circles.yours_lead", { name: circleName(i) })),
    circleLink(ctx, circle, { label: t("circles.go"), cls: "button-link primary" }),
  );
}

/** Where a circle is now: its round, and its clock (counting down by itself). */
function progressLine(ctx, circle) {
  const p = circle.progress;
  if (!p || p.phase.index === 0) return h("p", { class: "circle-round muted" }, t("circles.not_started"));
  if (p.ended) return h("p", { class: "circle-round" }, t("circles.ended"));
  return h(
    "p",
    { class: "circle-round" },
    h("span", { class: "circle-round-name" }, t("circles.round", { n: p.phase.index + 1, total: p.phases, name: pick(p.phase.name) })),
    p.timer ? [" · ", ticking(() => timerText(ctx, p.timer))] : null,
    p.inbrenger ? [" · ", h("span", { class: "circle-inbrenger" }, t("circles.inbrenger", { name: nameOf(ctx.state, p.inbrenger) }))] : null,
    p.turn ? [" · ", ticking(() => turnText(ctx, p))] : null,
  );
}

/** Whose turn it is in a round given in turn; once the time is up, who the circle waits for. */
function turnText(ctx, p) {
  const left = secondsLeft(p.timer, ctx.serverNow());
  const stuck = left !== null && left < 0;
  const name = nameOf(ctx.state, p.turn);
  return h("span", { class: `circle-turn${stuck ? " stuck" : ""}`, "data-stuck": String(stuck) }, t(stuck ? "circles.waiting" : "circles.turn", { name }));
}

function timerText(ctx, timer) {
  const left = secondsLeft(timer, ctx.serverNow());
  const over = left !== null && left < 0;
  const key = over ? "circles.over" : timer.running ? "circles.left" : "circles.paused";
  return h("span", { class: `circle-timer${over ? " overrun" : ""}`, "data-timer": "" }, t(key, { time: clock(over ? -left : left) }));
}

function methodName(ctx, id) {
  const m = ctx.methods.find((x) => x.id === id);
  return m ? pick(m.name) : null;
}

/** The facilitator's overview of the split room: each circle, a line to all, everyone back. */
function overview(ctx) {
  const s = ctx.state;
  const method = methodName(ctx, s.circles[0].method) || pick(s.method.name);
  return titled(
    "circles-overview",
    t("circles.overview", { count: s.circles.length }),
    h("p", { class: "hint circles-method" }, t("circles.method_used", { name: method })),
    h(
      "ul",
      { class: "circle-cards" },
      s.circles.map((c, i) =>
        h(
          "li",
          { class: "circle-card", key: c.code, "data-circle": c.code },
          h("h3", {}, circleName(i)),
          h("p", { class: "circle-members" }, h("span", { class: "sr-only" }, `${t("circles.members")}: `), names(s, c.members)),
          progressLine(ctx, c),
          circleLink(ctx, c, { label: t("circles.visit"), cls: "button-link secondary", newTab: true, aria: t("circles.visit_label", { name: circleName(i) }) }),
        ),
      ),
    ),
    form(ctx, {
      id: "announce-form",
      command: "announce",
      fields: ["announce-text"],
      args: (v) => ({ text: v["announce-text"] }),
      submit: t("circles.announce_send"),
      extra: field(ctx, { id: "announce-text", label: t("circles.announce_label"), hint: t("circles.announce_hint"), max: ctx.limits.MAX_SHORT }),
    }),
    h(
      "div",
      { class: "row circles-rejoin" },
      ctx.ui.confirming === "rejoin" ? h("p", { class: "warning", id: "rejoin-warning" }, t("circles.rejoin_warning")) : null,
      confirmButton(ctx, "rejoin", {
        label: t("circles.rejoin"),
        cls: "secondary",
        key: "rejoin",
        confirmLabel: t("circles.rejoin_confirm"),
        confirmCls: "primary",
        describedby: "rejoin-warning",
        cancelKey: "rejoin-cancel",
        onConfirm: () => {
          ctx.ui.confirming = null;
          ctx.send("rejoin");
        },
      }),
    ),
  );
}

/** The participants of the room, in the order the room lists them. */
const participantsOf = (s) => s.participants.filter((p) => p.role === "participant");

/** Which circle (0-based) the facilitator put someone in; at first in turn, as many to each. */
function placedIn(s, ui, count, pid) {
  const i = participantsOf(s).findIndex((p) => p.id === pid);
  return Math.min(ui.hand[pid] ?? Math.floor((i * count) / participantsOf(s).length), count - 1);
}

/** The split by hand as the server takes it: one string of ids per circle, empty ones left out. */
function byHand(s, ui, count) {
  const circles = Array.from({ length: count }, () => []);
  for (const p of participantsOf(s)) circles[placedIn(s, ui, count, p.id)].push(p.id);
  return circles.filter((c) => c.length).map((c) => c.join(" "));
}

/** Per participant, the circle to put them in. */
function handFields(s, ui, count) {
  return h(
    "fieldset",
    { class: "split-by-hand", key: "by-hand" },
    h("legend", {}, t("circles.by_hand_legend")),
    participantsOf(s).map((p) =>
      h(
        "div",
        { class: "field row", key: p.id },
        h("label", { for: `hand-${p.id}` }, p.name),
        h(
          "select",
          { id: `hand-${p.id}`, "data-hand-person": p.id, value: String(placedIn(s, ui, count, p.id)), onchange: (e) => (ui.hand[p.id] = Number(e.target.value)) },
          Array.from({ length: count }, (_, k) => h("option", { value: String(k), key: k }, circleName(k))),
        ),
      ),
    ),
  );
}

/** How many circles of about `size` `people` make (as server/rooms/rules/circles.py counts). */
function circleCount(people, size) {
  const fewest = Math.ceil(people / 5);
  const most = Math.floor(people / 3);
  const x = people / size;
  const rounded = Math.abs(x - Math.trunc(x) - 0.5) < 1e-9 ? 2 * Math.round(x / 2) : Math.round(x); // Python rounds half to even
  return Math.min(Math.max(rounded, fewest), most);
}

/**
 * The facilitator's way into circles, in a room of at least 3 participants not yet split:
 * how many to a circle and the werkvorm they run (a method for exactly so many, such as
 * Troika consulting for three, sets the size).
 */
export function splitPanel(ctx) {
  const s = ctx.state;
  if (s.plenary || s.circles?.length || ctx.me.role !== "facilitator") return null;
  const people = s.participants.filter((p) => p.role === "participant").length;
  if (people < 3) return null;
  const ui = (ctx.ui.circles ??= { size: 3, method: "", byHand: false, hand: {} });
  const chosen = ui.method ? ctx.methods.find((m) => m.id === ui.method) : s.method;
  const fixed = chosen?.group_size && chosen.group_size[0] === chosen.group_size[1] && SIZES.includes(chosen.group_size[0]) ? chosen.group_size[0] : null;
  const size = fixed ?? ui.size;
  const count = circleCount(people, size);
  const low = Math.floor(people / count);
  const high = Math.ceil(people / count);
  const preview = low === high ? t("circles.preview_even", { people, count, n: low }) : t("circles.preview", { people, count, low, high });
  const set = (what) => (e) => {
    ui[what] = what === "size" ? Number(e.target.value) : e.target.value;
    ctx.render();
  };
  return titled(
    "circles-split",
    t("circles.title"),
    h("p", { class: "hint" }, t("circles.split_lead")),
    h(
      "form",
      {
        id: "split-form",
        class: "stack",
        onsubmit: (e) => {
          e.preventDefault();
          const args = ui.byHand ? { circles: byHand(s, ui, count) } : { size };
          if (ui.byHand && args.circles.some((c) => c.split(" ").length < 3 || c.split(" ").length > 5)) {
            ctx.ui.refused["split-form"] = { message: t("circles.by_hand_sizes") };
            return ctx.render();
          }
          if (ui.method) args.method = ui.method;
          ctx.submit("split-form", "split", args);
        },
      },
      h(
        "div",
        { class: "field" },
        h("label", { for: "split-method" }, t("circles.method")),
        h(
          "select",
          { id: "split-method", value: ui.method, onchange: set("method") },
          h("option", { value: "", key: "" }, t("circles.method_own", { name: pick(s.method.name) })),
          ctx.methods.filter((m) => m.id !== s.method.id).map((m) => h("option", { value: m.id, key: m.id }, pick(m.name))),
        ),
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: "split-size" }, t("circles.size")),
        h(
          "select",
          { id: "split-size", value: String(size), onchange: set("size"), disabled: fixed !== null, "aria-describedby": fixed ? "split-size-fixed" : null },
          SIZES.map((n) => h("option", { value: String(n), key: n }, t("circles.size_n", { n }))),
        ),
        fixed ? h("p", { class: "hint", id: "split-size-fixed" }, t("circles.size_fixed", { name: pick(chosen.name), n: fixed })) : null,
      ),
      h("p", { class: "hint", id: "split-preview" }, preview),
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", id: "split-by-hand", checked: ui.byHand, onchange: (e) => ((ui.byHand = e.target.checked), ctx.render()) }),
        ` ${t("circles.by_hand")}`,
      ),
      ui.byHand ? handFields(s, ui, count) : null,
      formStatus(ctx, "split-form"),
      h("button", { type: "submit", class: "primary", "data-key": "split" }, t("circles.split")),
    ),
  );
}

/** The projector while the room is split: one column per circle, from the back of the room. */
export function circlesWall(ctx) {
  const s = ctx.state;
  return h(
    "section",
    { class: "wall-circles", "aria-labelledby": "wall-circles-title" },
    h("h1", { id: "wall-circles-title", class: "wall-circles-title" }, t("circles.wall_title")),
    s.announcement ? h("p", { class: "wall-announcement" }, s.announcement) : null,
    h(
      "ul",
      // side by side; more than four circles in two rows
      { class: "wall-circle-columns", style: `--columns: ${s.circles.length > 4 ? Math.ceil(s.circles.length / 2) : s.circles.length}` },
      s.circles.map((c, i) => {
        const p = c.progress;
        const started = p && p.phase.index > 0;
        return h(
          "li",
          { class: "wall-circle", key: c.code, "data-circle": c.code },
          h("h3", { class: "wall-circle-name" }, circleName(i)),
          h("ul", { class: "wall-circle-members", "aria-label": t("circles.wall_members") }, c.members.map((id) => h("li", { key: id }, nameOf(s, id)))),
          h(
            "p",
            { class: "wall-circle-round" },
            !started ? t("circles.not_started") : p.ended ? t("circles.ended") : t("circles.round", { n: p.phase.index + 1, total: p.phases, name: pick(p.phase.name) }),
          ),
          started && !p.ended && p.timer ? ticking(() => wallTimer(ctx, p.timer)) : null,
        );
      }),
    ),
  );
}

function wallTimer(ctx, timer) {
  const left = secondsLeft(timer, ctx.serverNow());
  const over = left !== null && left < 0;
  return h(
    "p",
    { class: `wall-circle-timer${over ? " overrun" : ""}` },
    h("span", { "data-timer": "" }, clock(left)),
    timer.running ? null : h("span", { class: "wall-circle-paused" }, ` ${t("circles.wall_paused")}`),
  );
}
