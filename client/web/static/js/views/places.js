// Where each person is in a hybrid meeting: in the room or online. Each person says it
// when they join (or later, here); the facilitator can put it right for anyone. The lists
// show the group in these two clusters (see presenceList in shared.js).

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { button } from "./shared.js";
import { personOf } from "./state.js";

const PLACES = ["room", "online"];

/**
 * Your own place, under the people list: two radio buttons, none chosen until you say.
 * A change goes to the server at once; the list moves you when it has taken it.
 */
export function placeControl(ctx) {
  if (ctx.me.role !== "participant" && ctx.me.role !== "facilitator") return null;
  // what was just chosen stays chosen while it is on its way (a redraw meanwhile must not undo the click)
  const asked = ctx.sent("set_place");
  const mine = (asked && !asked.participant ? asked.place : null) ?? personOf(ctx.state, ctx.me.id)?.place ?? null;
  return h(
    "fieldset",
    { class: "place-mine", key: "place-mine", "aria-describedby": mine ? null : "place-mine-hint" },
    h("legend", {}, t("place.question")),
    h(
      "div",
      { class: "row" },
      PLACES.map((place) =>
        h(
          "span",
          { class: "check", key: place },
          h("input", {
            type: "radio",
            id: `place-mine-${place}`,
            name: "place-mine",
            value: place,
            checked: mine === place,
            onchange: () => ctx.send("set_place", { place }),
          }),
          h("label", { for: `place-mine-${place}` }, t(`place.${place}`)),
        ),
      ),
    ),
    mine ? null : h("p", { class: "hint", id: "place-mine-hint" }, t("place.mine_hint")),
  );
}

/** In the facilitator's menu for one person: put their place right. */
export function placeButtons(ctx, p) {
  if (p.role === "screen") return [];
  return PLACES.filter((place) => p.place !== place).map((place) =>
    button(t(`place.move_${place}`), () => ctx.send("set_place", { place, participant: p.id }), { cls: "quiet", key: `place-${place}` }),
  );
}
