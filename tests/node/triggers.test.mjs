// Triggers in Node.js: the connector component transpiled by jco into
// build/triggers (the Rust test `node::the_triggers_run_in_node_through_jco`
// does that, starts the mock Pinterest and runs this file with the mock's
// facts in the environment). Pins are created through the connector itself;
// the mock lists them newest first, as Pinterest does.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { actions, triggers } from './build/triggers/triggers.js';
import { credentials, env } from './mock.mjs';

const newPinOnBoard = () => ({ tag: 'new-pin-on-board', val: env('MOCK_BOARD_ID') });
const small = { backlog: 0, maxPages: 2, maxItems: 3, pageSize: 2 };

function createPin(title) {
  const created = actions.apiCall(
    credentials(),
    {
      spec: { tag: 'embedded' },
      endpoint: 'POST /pins',
      pathParams: [],
      queryParams: [],
      body: JSON.stringify({
        board_id: env('MOCK_BOARD_ID'),
        title,
        media_source: { source_type: 'image_url', url: 'https://i.pinimg.com/x.jpg' },
      }),
    },
    undefined,
  );
  assert.equal(created.status, 201, created.body);
  return JSON.parse(created.body).id;
}

test('a trigger hands each new pin over once, oldest first, across bounded polls', () => {
  const first = triggers.poll(credentials(), newPinOnBoard(), undefined, small, undefined);
  assert.deepEqual(first.items, [], 'no backlog on the first poll');
  assert.equal(first.more, false);
  assert.match(first.cursor, /^v1\./);

  const created = ['one', 'two', 'three', 'four', 'five'].map(createPin);
  let cursor = first.cursor;
  const seen = [];
  for (let polls = 0; polls < 20; polls += 1) {
    const result = triggers.poll(credentials(), newPinOnBoard(), cursor, small, undefined);
    assert.ok(result.items.length <= small.maxItems);
    assert.equal(result.interrupted, undefined);
    for (const item of result.items) {
      assert.equal(JSON.parse(item.item).id, item.id);
      assert.equal(typeof item.createdAt, 'bigint');
      seen.push(item.id);
    }
    cursor = result.cursor;
    if (!result.more) break;
  }
  assert.deepEqual([...seen].sort(), [...created].sort(), 'each new pin once');
  assert.equal(new Set(seen).size, seen.length);

  const after = triggers.poll(credentials(), newPinOnBoard(), cursor, small, undefined);
  assert.deepEqual(after.items, []);
});

test('a damaged cursor is a typed invalid-input error on `cursor`', () => {
  const { cursor } = triggers.poll(credentials(), { tag: 'new-pin' }, undefined, undefined, undefined);
  let payload;
  try {
    triggers.poll(credentials(), { tag: 'new-pin' }, `${cursor}x`, undefined, undefined);
  } catch (e) {
    payload = e.payload;
  }
  assert.ok(payload, 'the damaged cursor is refused');
  assert.equal(payload.error.tag, 'invalid-input');
  assert.equal(payload.error.val.field, 'cursor');
});
