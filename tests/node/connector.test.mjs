// The connector component in Node.js: transpiled by jco into build/connector
// (the Rust test `tests/node.rs` does that, starts the mock Pinterest and
// runs this file with its tokens in the environment). Each check matches one
// of the Rust conformance tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { actions, catalog } from './build/connector/connector.js';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is set by the Rust test that starts the mock`);
  return value;
};

const oauth2 = (accessToken, extra = {}) => ({
  tag: 'oauth2',
  val: {
    clientId: env('MOCK_CLIENT_ID'),
    clientSecret: env('MOCK_CLIENT_SECRET'),
    accessToken,
    refreshToken: undefined,
    expiresAt: undefined,
    refreshTokenExpiresAt: undefined,
    tokenEndpoint: undefined,
    continuousRefresh: false,
    scopes: [],
    ...extra,
  },
});
const production = () => oauth2(env('MOCK_ACCESS_TOKEN'));
const sandbox = () => ({ tag: 'sandbox', val: env('MOCK_SANDBOX_TOKEN') });

const embedded = { tag: 'embedded' };
const call = (endpoint, pathParams = [], queryParams = [], body = undefined) => ({
  spec: embedded,
  endpoint,
  pathParams,
  queryParams,
  body,
});
const pinId = (index) => String(1_000_000_000_000 + index);

/** The ComponentError a failed action throws, with its typed payload. */
function actionError(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e.payload, `a typed error, not ${e}`);
    return e.payload;
  }
  assert.fail('the action succeeded');
}

test('verify-credentials names the account behind a production token', () => {
  const account = actions.verifyCredentials(production(), undefined);
  assert.equal(account.username, 'mock_user');
  assert.equal(account.accountType, 'BUSINESS');
  assert.equal(account.userAccountsRead, true);
  assert.equal(JSON.parse(account.raw).pin_count, 1000);
  assert.equal(account.credentials.refreshed, false);
});

test('a sandbox token switches the calls to the sandbox API', () => {
  const account = actions.verifyCredentials(sandbox(), undefined);
  assert.equal(account.username, 'mock_sandbox_user');
});

test('a refused token is a typed unauthorized error that does not carry it', () => {
  const token = 'not-a-valid-token-4242';
  const error = actionError(() => actions.verifyCredentials(oauth2(token), undefined));
  assert.equal(error.error.tag, 'unauthorized');
  assert.equal(error.error.val.status, 401);
  assert.equal(error.error.val.code, 2n);
  assert.ok(!JSON.stringify(error, (_, v) => (typeof v === 'bigint' ? String(v) : v))
    .replace(`"accessToken":"${token}"`, '')
    .includes(token), 'the token appears only where the credentials are handed back');
});

test('api-call by method and path or by operationId, with a path parameter', () => {
  for (const endpoint of ['GET /pins/{pin_id}', 'pins/get']) {
    const out = actions.apiCall(production(), call(endpoint, [['pin_id', pinId(7)]]), undefined);
    assert.equal(out.status, 200);
    assert.equal(JSON.parse(out.body).id, pinId(7));
    assert.equal(out.nextBookmark, undefined);
    assert.ok(out.headers.some(([name]) => name === 'x-pinterest-rid'));
  }
});

test('invalid input is refused before anything is sent', () => {
  const error = actionError(() => actions.apiCall(production(), call('GET /pins/{pin_id}'), undefined));
  assert.equal(error.error.tag, 'invalid-input');
  assert.match(error.error.val.field, /pin_id/);
});

test('a paginated api-call hands over every page, one at a time', () => {
  const stream = actions.apiCallPaginated(
    production(),
    call('GET /pins', [], [['page_size', '250']]),
    { maxPages: undefined },
    undefined,
  );
  const ids = [];
  let pages = 0;
  for (let page = stream.next(); page !== undefined; page = stream.next()) {
    assert.equal(page.index, pages);
    assert.equal(page.status, 200);
    const items = JSON.parse(page.body).items;
    assert.equal(items.length, page.itemCount);
    assert.equal(page.nextBookmark === undefined, pages === 3);
    ids.push(...items.map((pin) => pin.id));
    pages += 1;
  }
  assert.equal(pages, 4);
  assert.deepEqual(ids, Array.from({ length: 1000 }, (_, i) => pinId(i)));
  assert.equal(stream.next(), undefined, 'a finished stream stays finished');
});

test('max-pages stops the walk', () => {
  const stream = actions.apiCallPaginated(
    production(),
    call('pins/list', [], [['page_size', '100']]),
    { maxPages: 3 },
    undefined,
  );
  let pages = 0;
  while (stream.next() !== undefined) pages += 1;
  assert.equal(pages, 3);
});

test('raw-request returns status, headers and body', () => {
  const out = actions.rawRequest(
    production(),
    { method: 'get', url: '/user_account', headers: [], body: undefined, noThrowOn404: false },
    undefined,
  );
  assert.equal(out.status, 200);
  assert.equal(JSON.parse(out.body).username, 'mock_user');
  assert.ok(out.headers.some(([name]) => name === 'content-type'));
});

test('raw-request answers a 404 or throws it, as asked', () => {
  const input = (noThrowOn404) => ({
    method: 'get',
    url: '/pins/999',
    headers: [],
    body: undefined,
    noThrowOn404,
  });
  const out = actions.rawRequest(production(), input(true), undefined);
  assert.equal(out.status, 404);
  assert.ok(JSON.parse(out.body).message);
  const error = actionError(() => actions.rawRequest(production(), input(false), undefined));
  assert.equal(error.error.tag, 'not-found');
  assert.equal(error.error.val.status, 404);
});

test('an expired access token is refreshed and the new tokens handed back', () => {
  const expired = oauth2('expired-access-token', {
    refreshToken: env('MOCK_REFRESH_TOKEN'),
    expiresAt: 1n,
  });
  const account = actions.verifyCredentials(expired, undefined);
  assert.equal(account.username, 'mock_user');
  assert.equal(account.credentials.refreshed, true);
  const fresh = account.credentials.credentials.val;
  assert.notEqual(fresh.accessToken, 'expired-access-token');
  assert.ok(fresh.expiresAt > BigInt(Math.floor(Date.now() / 1000)));
  const again = actions.verifyCredentials(account.credentials.credentials, undefined);
  assert.equal(again.credentials.refreshed, false);
});

test('the catalog lists and describes the embedded endpoints', () => {
  const endpoints = catalog.listEndpoints(embedded);
  assert.equal(endpoints.length, 142);
  const pins = endpoints.find((e) => e.id === 'pins/list');
  assert.deepEqual([pins.method, pins.path, pins.paginated], ['GET', '/pins', true]);
  const schema = JSON.parse(catalog.describeEndpoint(embedded, 'GET /pins/{pin_id}'));
  assert.ok(schema.properties.path.required.includes('pin_id'));
});
