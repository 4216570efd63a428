// The browser's fold (client/web/static/js/mirror.js) held to the server's, on the same
// recorded cases as client/mirror.py: tests/fixtures/folds.json, read as
// tests/fold_fixture.py reads it. Run by tests/test_fold_fixture.py: node --test <this file>.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { FOLD, GapError, Mirror } from "../../client/web/static/js/mirror.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/folds.json", import.meta.url), "utf8"));

// every stretch of a timeline from one snapshot to the next check, as in fold_fixture.cases
function* cases() {
  for (const line of fixture.timelines) {
    let seq = line.seq;
    let snapshot = line.snapshot;
    let steps = [];
    let n = 0;
    const several = line.steps.filter((step) => step.check).length > 1;
    for (const step of line.steps) {
      if (!step.check) {
        steps.push(step);
        continue;
      }
      n += 1;
      const name = several ? `${line.name} #${n}` : line.name;
      yield { name, me: line.me, seq, snapshot, steps, check: step.check };
      ({ seq, snapshot } = step.check);
      steps = [];
    }
  }
}

for (const c of cases()) {
  test(c.name, () => {
    const mirror = new Mirror();
    mirror.me = c.me;
    mirror.reset(c.snapshot, c.seq);
    let raised = null;
    c.steps.forEach((step, i) => {
      try {
        if (step.event) mirror.apply(step.event);
        else mirror.onAck(step.ack.command, step.ack.args, step.ack.result);
      } catch (err) {
        if (!(err instanceof GapError)) throw err;
        assert.equal(i, c.steps.length - 1, `stopped at step ${i}: ${err.message}`);
        raised = err.constructor.name;
      }
    });
    assert.equal(raised, c.check.raises ?? null);
    assert.equal(mirror.seq, c.check.seq);
    assert.deepEqual(mirror.state, c.check.snapshot);
    assert.deepEqual([mirror.ended, mirror.proof], [c.check.ended ?? false, c.check.proof ?? null]);
  });
}

test("the fold follows the server's order of event types", () => {
  assert.deepEqual(Object.keys(FOLD), fixture.event_types);
});
