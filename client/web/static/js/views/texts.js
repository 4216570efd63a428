// The texts one person writes for the whole room: the essence of the case (the group's
// summary of what it is about), the inbrenger's response to the advice, and their
// take-away. Each is one text with the same form, and shows the same way once written.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { textFieldForm } from "./shared.js";
import { mayGive } from "./state.js";

/**
 * Per text (its name is the room state's field and the catalog's section): the command
 * that sends it, a hint under its field, and the class it shows with.
 */
const TEXTS = {
  essence: { command: "essence", hint: "essence.hint", shownAs: "essence" },
  response: { command: "respond", hint: null, shownAs: "text-block" },
  takeaway: { command: "takeaway", hint: null, shownAs: "text-block" },
};

/** The text as written, for all to read; nothing before it is. */
export function writtenText(ctx, name) {
  const text = ctx.state[name];
  if (!text) return null;
  return h("section", { class: TEXTS[name].shownAs }, h("h2", {}, t(`${name}.title`)), h("p", {}, text));
}

/** The form to write (or rewrite) the text, with what was sent last above it. */
function textForm(ctx, name) {
  const { command, hint } = TEXTS[name];
  const sent = ctx.state[name];
  return h(
    "section",
    { class: `${name}-form` },
    h("h2", {}, t(`${name}.write_title`)),
    sent ? h("p", { class: "done" }, sent) : null,
    textFieldForm(ctx, { name, command, label: t(`${name}.field`), hint: hint && t(hint), submit: t(sent ? "common.update" : "common.send") }),
  );
}

/** Where the phase takes the text: the form for whoever `writes` it now, the text for the others. */
export function textPart(ctx, name, writes = mayGive(ctx, name)) {
  return writes ? textForm(ctx, name) : writtenText(ctx, name);
}
