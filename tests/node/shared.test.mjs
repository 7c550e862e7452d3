// Many flows on one account in Node through jco: with the shared-account
// pattern (./account.mjs) eight concurrent flows refresh once, for an
// expired token and for a token revoked in the middle; without it, each
// flow's component refreshes on its own and all but one are refused (the
// mock, like Pinterest, revokes a refresh token once used). The Rust test
// counts the refresh requests the mock received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { actions, oauth } from './build/shared/shared.js';
import { sharedAccount } from './account.mjs';
import { env } from './mock.mjs';

const oauth2 = (accessToken, refreshToken, expiresAt) => ({
  tag: 'oauth2',
  val: {
    clientId: env('MOCK_CLIENT_ID'),
    clientSecret: env('MOCK_CLIENT_SECRET'),
    accessToken,
    refreshToken,
    expiresAt,
    refreshTokenExpiresAt: undefined,
    tokenEndpoint: undefined,
    continuousRefresh: false,
    scopes: [],
  },
});

/** Eight flows at once, each reading the credentials before any acts. */
const eightFlows = (account) =>
  Promise.allSettled(
    Array.from({ length: 8 }, () =>
      account.run(async (credentials) => {
        await sleep(5);
        return actions.verifyCredentials(credentials, undefined);
      }),
    ),
  );

let refreshToken = env('MOCK_REFRESH_TOKEN');
const saved = [];
const save = async (credentials) => {
  await sleep(10);
  saved.push(credentials);
  refreshToken = credentials.val.refreshToken;
};

test('eight flows with an expired token share one refresh', async () => {
  const account = sharedAccount(oauth2(env('MOCK_ACCESS_TOKEN'), refreshToken, 1n), { oauth, save });
  const results = await eightFlows(account);
  for (const result of results) {
    assert.equal(result.status, 'fulfilled', String(result.reason));
    assert.equal(result.value.username, 'mock_user');
  }
  assert.equal(saved.length, 1, 'one refresh, persisted once');
});

test('a token revoked in the middle of eight flows is refreshed once', async () => {
  const farAway = 4_000_000_000n;
  const account = sharedAccount(oauth2('revoked-early-token', refreshToken, farAway), { oauth, save });
  const results = await eightFlows(account);
  for (const result of results) {
    assert.equal(result.status, 'fulfilled', String(result.reason));
  }
  assert.equal(saved.length, 2, 'one more refresh');
});

test('without the pattern each flow refreshes by itself and all but one are refused', async () => {
  const stale = oauth2('revoked-early-token', refreshToken, 4_000_000_000n);
  const results = Array.from({ length: 8 }, () => {
    try {
      return actions.verifyCredentials(stale, undefined);
    } catch (e) {
      return e.payload;
    }
  });
  const refused = results.filter((r) => r.error?.tag === 'unauthorized');
  assert.equal(results.length - refused.length, 1, 'the first one succeeds');
  assert.equal(refused.length, 7);
});
