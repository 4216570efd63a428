// The page's copy of the room: the welcome snapshot with every event folded in. The fold
// is a table, one small function per event type, in the order of the server's own fold
// and of client/mirror.py, so that the three read side by side; tests/test_fold_fixture.py
// holds both clients to the server on recorded cases (tests/js/mirror.test.mjs runs this one).

const num = (id) => Number(id.slice(1));

// insert or replace by id, keeping id order (the order of the server's snapshot)
function upsert(items, rec) {
  const i = items.findIndex((x) => x.id === rec.id);
  if (i >= 0) items[i] = rec;
  else {
    items.push(rec);
    items.sort((a, b) => num(a.id) - num(b.id));
  }
}

// The mirror cannot follow the room from here: get a fresh snapshot (resume without epoch
// and seq, PROTOCOL.md §13). Thrown before anything is folded, so state and seq stay as
// they were. client/mirror.py raises the same, by the same name.
export class GapError extends Error {}

// An event type this page does not know: the server is newer than the page. Skipping it
// would leave the room quietly wrong (the event may change anything), so the page stops
// folding and asks for a snapshot, right whatever the event did. A GapError, so that
// whoever resyncs after a gap does so here too.
export class UnknownEventError extends GapError {}

export class Mirror {
  constructor() {
    this.state = null;
    this.seq = 0;
    this.ended = false;
    this.me = null; // the viewer's participant id, set at the welcome
    this.proof = null; // the final proof of participation, from the ended event
    this.summary = null; // the inbrenger's summary, from the ended event: the room is erased next
  }

  reset(snapshot, seq) {
    this.state = structuredClone(snapshot);
    this.seq = seq;
  }

  // Fold one event in; false if it was folded in already. Throws a GapError (or an
  // UnknownEventError) when the mirror cannot follow: then ask for a snapshot.
  apply(ev) {
    if (ev.seq <= this.seq) return false;
    if (ev.seq !== this.seq + 1) throw new GapError(`gap: expected seq ${this.seq + 1}, got ${ev.seq}`);
    const fold = Object.hasOwn(FOLD, ev.t) ? FOLD[ev.t] : null;
    if (!fold) throw new UnknownEventError(`unknown event '${ev.t}': a newer server`);
    fold(this.state, ev, this);
    this.seq = ev.seq;
    return true;
  }

  /**
   * What only the author learns, from the ack: which anonymous items are its own, its own
   * hidden notes, its private card and what it wrote from it (no event says so, §9).
   */
  onAck(t, args, result) {
    const s = this.state;
    if (!s) return;
    if (t === "ask" && result.question) {
      s.own_questions = [...new Set([...s.own_questions, result.question])].sort((a, b) => num(a) - num(b));
    } else if (t === "note" && result.note) {
      s.own_notes = [...new Set([...s.own_notes, result.note])].sort((a, b) => num(a) - num(b));
      if (result.record) upsert(s.notes, result.record); // your own note, hidden from the others until the reveal
    } else if (t === "draw_card" && result.card && s.deals[result.phase]) {
      s.deals[result.phase].mine = result.card;
    } else if (t === "perspective" && result.texts && s.deals[result.phase]) {
      s.deals[result.phase].my_texts = [...result.texts];
    } else if (t === "worth" && result.worth) {
      s.worth_mine = { worth: result.worth, process: result.process }; // anonymous: no event says whose it is
    } else if (t === "upvote") {
      const own = new Set(s.own_upvotes);
      if (args.on) own.add(args.question);
      else own.delete(args.question);
      s.own_upvotes = [...own].sort((a, b) => num(a) - num(b));
    }
  }
}

// event type -> its fold, in the order of the server's (server/rooms/fold.py) and client/mirror.py's
export const FOLD = {
  joined(s, ev) {
    s.participants.push(ev.participant);
    if (ev.first_time) s.first_timers.push(ev.participant.id); // a facilitators' form: leads this group for the first time
  },
  presence(s, ev) {
    for (const p of s.participants) if (p.id === ev.participant) p.online = ev.online;
    if ("facilitator_away" in ev) s.facilitator_away = ev.facilitator_away; // no facilitator since …, or one is back
  },
  removed(s, ev) {
    s.participants = s.participants.filter((p) => p.id !== ev.participant);
    if (s.inbrenger === ev.participant) {
      s.inbrenger = s.chosen_case = s.case_text = null;
      s.people = [];
    }
    if (ev.summaries_unsaved) s.summaries_unsaved = ev.summaries_unsaved; // a facilitator's
  },
  role_changed(s, ev) {
    // a change of your own role is followed by close 4011 and a fresh snapshot
    for (const p of s.participants) if (p.id === ev.participant) p.role = ev.role;
    if ("facilitator_away" in ev) s.facilitator_away = ev.facilitator_away;
  },
  locked(s, ev) {
    s.locked = ev.locked;
    if (!ev.locked) s.knocks = []; // an open room needs no knock: whoever knocked comes in as anyone does
  },
  phase(s, ev) {
    s.phase = ev.phase;
    s.timer = ev.timer; // every phase starts with a fresh, stopped timer
    s.notes_hidden = ev.notes_hidden;
    s.turns = ev.turns; // the phase's own speaking order (empty if it has none)
    if (ev.hands) s.hands = ev.hands; // the speaking queue, cleared for the new round
    s.ready_count = 0;
    s.ready = false;
    s.ready_ids = [];
  },
  note_written(s, ev) {
    if ("notes_hidden" in ev) s.notes_hidden = ev.notes_hidden;
    if (ev.note) upsert(s.notes, ev.note);
  },
  note_withdrawn(s, ev) {
    if ("notes_hidden" in ev) s.notes_hidden = ev.notes_hidden;
    if (ev.note) {
      s.notes = s.notes.filter((n) => n.id !== ev.note);
      s.own_notes = s.own_notes.filter((n) => n !== ev.note);
    }
  },
  notes_revealed(s, ev) {
    for (const note of ev.notes) upsert(s.notes, note);
    s.notes_hidden = 0;
  },
  advice_rated(s, ev) {
    if (!ev.advice) return; // the rating went to the inbrenger only
    for (const item of s.advice) if (item.id === ev.advice) item.rating = ev.rating;
  },
  next_case(s, ev, mirror) {
    if (s.inbrenger === mirror.me) s.has_summary = true;
    if (ev.hands) s.hands = ev.hands;
    s.cases = s.cases.filter((c) => c.id !== ev.case);
    s.vote = { open: true, cast: 0, mine: null, tally: null };
    Object.assign(s, {
      voted: [],
      ready_ids: [],
      answering: null,
      phase: ev.phase,
      timer: ev.timer,
      notes_hidden: 0,
      inbrenger: null,
      chosen_case: null,
      case_text: null,
      people: [],
      questions: [],
      own_questions: [],
      own_upvotes: [],
      essence: null,
      deals: {},
      turns: { order: [], current: 0 },
      advice: [],
      response: null,
      takeaway: null,
      evaluations_count: 0,
      evaluations: [],
      ready_count: 0,
      ready: false,
      notes: [],
      own_notes: [],
      cases_done: s.cases_done + 1,
    });
  },
  listed(s, ev) {
    s.listed = s.listed.filter((x) => x !== ev.participant).concat(ev.listed ? [ev.participant] : []);
  },
  method_set(s, ev) {
    s.method = ev.method;
    s.phase = ev.phase;
    s.timer = ev.timer;
  },
  timer(s, ev) {
    s.timer = ev.timer;
  },
  auto_advance(s, ev) {
    s.auto_advance = ev.on; // a running timer that runs out moves the room to the next phase
  },
  screen_ticket() {}, // a facilitator asked for a screen ticket: the room's view stays as it is
  knocked(s, ev) {
    // a latecomer at the locked room: a facilitator gets who asks (and which knocks it pushed out)
    if (!ev.knock) return;
    const drop = new Set(ev.drop);
    s.knocks = [...s.knocks.filter((k) => !drop.has(k.id)), ev.knock];
  },
  let_in(s, ev) {
    if (ev.knock) s.knocks = s.knocks.filter((k) => k.id !== ev.knock); // answered: no longer a request
  },
  turned_away(s, ev) {
    FOLD.let_in(s, ev);
  },
  confirmed(s, ev) {
    s.confirmed_count = ev.confirmed_count;
    if (ev.participant) s.confirmed.push(ev.participant);
  },
  case_proposed(s, ev) {
    s.cases.push(ev.case);
  },
  case_withdrawn(s, ev) {
    s.cases = s.cases.filter((c) => c.id !== ev.case);
    s.vote.cast = ev.cast;
    if (s.vote.mine === ev.case) s.vote.mine = null;
    if (s.vote.tally) delete s.vote.tally[ev.case];
  },
  vote_cast(s, ev) {
    s.vote.cast = ev.cast;
    if (ev.case) s.vote.mine = ev.case;
    if (ev.participant && !s.voted.includes(ev.participant)) s.voted.push(ev.participant); // a facilitator's: who voted
  },
  vote_closed(s, ev) {
    s.vote.open = false;
    s.vote.tally = ev.tally;
  },
  case_chosen(s, ev) {
    s.chosen_case = ev.case;
    s.inbrenger = ev.inbrenger;
    s.case_text = null;
    s.people = [];
    s.deals = {}; // a new case: new cards, a new speaking order
    s.turns = { order: [], current: 0 };
    if (ev.summaries_unsaved) s.summaries_unsaved = ev.summaries_unsaved; // a facilitator's
  },
  case_shared(s, ev) {
    s.case_text = ev.text;
    s.people = ev.people;
  },
  question_asked(s, ev) {
    upsert(s.questions, ev.question);
  },
  question_updated(s, ev) {
    if (!ev.question) return;
    upsert(s.questions, ev.question);
    // answered: nobody answers it now
    if (s.answering === ev.question.id && (ev.question.answered || ev.question.hidden)) s.answering = null;
  },
  question_hidden(s, ev) {
    if (typeof ev.question === "object") upsert(s.questions, ev.question);
    else s.questions = s.questions.filter((q) => q.id !== ev.question);
    const id = typeof ev.question === "object" ? ev.question.id : ev.question;
    if (s.answering === id) s.answering = null;
  },
  question_withdrawn(s, ev) {
    s.questions = s.questions.filter((q) => q.id !== ev.question);
    s.own_questions = s.own_questions.filter((q) => q !== ev.question);
    s.own_upvotes = s.own_upvotes.filter((q) => q !== ev.question);
    if (s.answering === ev.question) s.answering = null;
  },
  answering(s, ev) {
    s.answering = ev.question; // the question on the table now, or null
  },
  essence(s, ev) {
    s.essence = ev.text;
  },
  cards_dealt(s, ev, mirror) {
    // a deal, or (public cards) a deal again for late joiners: the cards and who holds
    // which; what was written so far stays
    const old = s.deals[ev.phase] || {};
    const deal = ev.deal;
    s.deals[ev.phase] = {
      ...deal,
      taken: ev.taken,
      written: ev.written,
      mine: deal.public ? (deal.holders[mirror.me] ?? null) : (old.mine ?? null),
      my_texts: old.my_texts ?? null,
      perspectives: old.perspectives ?? [],
      revealed: false,
    };
  },
  card_drawn(s, ev) {
    s.deals[ev.phase].taken = ev.taken; // whose card: only its holder knows (from the ack)
  },
  perspective_written(s, ev, mirror) {
    const deal = s.deals[ev.phase];
    deal.written = ev.written;
    if (ev.texts) deal.my_texts = ev.texts; // your own, hidden until the reveal
    if (ev.perspective) {
      // public cards, shown as written
      const shown = ev.perspective;
      const i = deal.perspectives.findIndex((p) => p.holder === shown.holder);
      if (i >= 0) deal.perspectives[i] = shown;
      else deal.perspectives.push(shown);
      if (shown.holder === mirror.me) deal.my_texts = shown.texts;
    }
  },
  perspectives_revealed(s, ev) {
    const deal = s.deals[ev.phase];
    deal.perspectives = ev.perspectives;
    deal.revealed = true;
  },
  turns(s, ev) {
    s.turns = { order: ev.order, current: ev.current };
  },
  advice_given(s, ev) {
    s.advice.push(ev.advice);
  },
  response(s, ev) {
    s.response = ev.text;
  },
  takeaway(s, ev) {
    s.takeaway = ev.text;
  },
  evaluated(s, ev) {
    s.evaluations_count = ev.evaluations_count;
    if (ev.evaluation) {
      const i = s.evaluations.findIndex((e) => e.participant === ev.evaluation.participant);
      if (i >= 0) s.evaluations[i] = ev.evaluation;
      else s.evaluations.push(ev.evaluation);
    }
  },
  worth_given(s, ev) {
    s.worth_count = ev.worth_count; // anonymous: your own answer comes with your ack
  },
  ready(s, ev) {
    s.ready_count = ev.ready_count;
    if (ev.participant) {
      // a facilitator's: who is ready (their own `ready` is not this)
      s.ready_ids = s.ready_ids.filter((x) => x !== ev.participant).concat(ev.ready ? [ev.participant] : []);
    } else if ("ready" in ev) s.ready = ev.ready;
  },
  summary_kept(s, ev) {
    if (ev.summaries_unsaved) s.summaries_unsaved = ev.summaries_unsaved; // a facilitator's: whose summary is not yet saved
  },
  place(s, ev) {
    const p = s.participants.find((x) => x.id === ev.participant);
    if (p) p.place = ev.place;
  },
  hands(s, ev) {
    const { t, seq, ...hands } = ev; // the whole queue, in the order to show it in
    s.hands = hands;
  },
  call_link(s, ev) {
    s.call_link = ev.url;
  },
  ended(s, ev, mirror) {
    mirror.ended = true;
    mirror.proof = ev.proof ?? null; // the final proof of participation: the room is erased next
    if (ev.summary) mirror.summary = { summary: ev.summary, earlier: ev.earlier ?? [] }; // the inbrenger's, to keep
  },
  // an event about the case, kept from you until you confirm the agreement: its seq only
  // (your confirmation is followed by close 4011 and a fresh snapshot with the whole case)
  withheld() {},
};
