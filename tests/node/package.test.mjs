// The npm package, installed from its tarball into a fresh folder (the Rust
// test `tests/all/node.rs` does that and starts the mock): the cases of the
// Python package's tests, through the typed wrapper, against the mock at the
// host-chosen API base.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  Connector,
  InvalidInput,
  NotFound,
  PinterestError,
  TransportError,
  Trigger,
  Unauthorized,
} from 'pinterest-connector';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is set by the Rust test that starts the mock`);
  return value;
};
const base = env('MOCK_PRODUCTION_BASE');
const app = { clientId: env('MOCK_CLIENT_ID'), clientSecret: env('MOCK_CLIENT_SECRET') };
const production = (extra = {}) =>
  new Connector({ ...app, accessToken: env('MOCK_ACCESS_TOKEN') }, { apiBase: base, ...extra });
const pinId = (index) => String(1_000_000_000_000 + index);

test('verify names the account, with no option given', () => {
  const account = production().verify();
  assert.equal(account.username, 'mock_user');
  assert.equal(account.accountType, 'BUSINESS');
  assert.equal(account.raw.pin_count, 1000);
  const sandbox = new Connector({ sandboxToken: env('MOCK_SANDBOX_TOKEN') }, { apiBase: env('MOCK_SANDBOX_BASE') });
  assert.equal(sandbox.verify().username, 'mock_sandbox_user');
  const runs = [];
  for (let i = 0; i < 50; i += 1) {
    const started = process.hrtime.bigint();
    production().verify();
    runs.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  runs.sort((a, b) => a - b);
  console.log(`timing verify ${runs[25].toFixed(2)} ms`);
});

test('a walk of 1 000 pins comes page by page through an async iterator', async () => {
  const ids = [];
  let pages = 0;
  for await (const page of production().pages('GET /pins', { query: { page_size: 250 } })) {
    assert.equal(page.index, pages);
    assert.equal(page.items.length, page.itemCount);
    ids.push(...page.items.map((pin) => pin.id));
    pages += 1;
  }
  assert.equal(pages, 4);
  assert.deepEqual(ids, Array.from({ length: 1000 }, (_, i) => pinId(i)));
  let taken = 0;
  for await (const page of production().pages('GET /pins', { query: { page_size: 7 } })) {
    taken += page.items.length;
    if (taken >= 14) break;
  }
  assert.equal(taken, 14, 'stopping the loop stops the walk');
});

test('raw answers a 404 or throws it as NotFound, as asked', () => {
  const connector = production();
  const answered = connector.raw('GET', '/pins/999', { noThrowOn404: true });
  assert.equal(answered.status, 404);
  assert.throws(
    () => connector.raw('GET', '/pins/999'),
    (error) => error instanceof NotFound && error instanceof PinterestError && error instanceof Error
      && error.status === 404 && error.kind === 'not-found' && /HTTP 404/.test(error.message),
  );
});

test('an expired token is refreshed and the new credentials handed to the callback', () => {
  const saved = [];
  const expired = new Connector(
    { ...app, accessToken: 'expired-access-token', refreshToken: env('MOCK_REFRESH_TOKEN'), expiresAt: 1 },
    { apiBase: base, onCredentials: (credentials) => saved.push(credentials) },
  );
  assert.equal(expired.verify().username, 'mock_user');
  assert.equal(saved.length, 1);
  const fresh = saved[0];
  assert.notEqual(fresh.accessToken, 'expired-access-token');
  assert.notEqual(fresh.refreshToken, env('MOCK_REFRESH_TOKEN'));
  assert.equal(typeof fresh.expiresAt, 'number');
  assert.ok(fresh.expiresAt > Date.now() / 1000);
  assert.deepEqual(expired.credentials, fresh);
  expired.verify();
  assert.equal(saved.length, 1, 'the fresh token needs no refresh');
});

test('invalid input is refused before anything is sent', () => {
  // Nothing listens at this base: a request that left would be a refused
  // connection, not an invalid input.
  const nowhere = new Connector({ ...app, accessToken: 'token' }, { apiBase: 'http://127.0.0.1:9/v5' });
  const cases = [
    [() => nowhere.call('GET /pins/{pin_id}'), /pin_id/],
    [() => nowhere.call('GET /pins', { query: { page_size: 999 } }), /page_size/],
    [() => nowhere.call('POST /pins', { body: '{not json' }), /body/],
    [() => nowhere.call('GET /nowhere'), /endpoint/],
  ];
  for (const [run, field] of cases) {
    assert.throws(run, (error) => error instanceof InvalidInput && field.test(error.field) && error.reason.length > 0);
  }
  assert.throws(() => nowhere.verify(), TransportError);
});

test('a refused token is an Unauthorized error with a readable message and typed fields', () => {
  const secret = 'refused-token-31337';
  const connector = new Connector({ ...app, accessToken: secret }, { apiBase: base });
  assert.throws(
    () => connector.verify(),
    (error) => {
      assert.ok(error instanceof Unauthorized);
      assert.equal(error.name, 'Unauthorized');
      assert.equal(error.status, 401);
      assert.equal(error.code, 2);
      assert.match(error.message, /^unauthorized: HTTP 401, code 2: /);
      assert.ok(!error.message.includes(secret) && !String(error.stack).includes(secret));
      return true;
    },
  );
});

test('a trigger hands over a pin created after its first poll, once', () => {
  const connector = production();
  const first = connector.poll(Trigger.newPin());
  assert.deepEqual(first.items, []);
  const created = connector.call('POST /pins', {
    body: { board_id: env('MOCK_BOARD_ID'), media_source: { source_type: 'image_url', url: 'https://example.com/a.jpg' } },
  });
  assert.equal(created.status, 201);
  const next = connector.poll(Trigger.newPin(), first.cursor);
  assert.deepEqual(next.items.map((item) => item.id), [created.json().id]);
  const again = connector.poll(Trigger.newPin(), next.cursor);
  assert.deepEqual(again.items, []);
});
