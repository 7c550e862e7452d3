// What the Node tests share: the mock's facts, which the Rust test that
// starts the mock passes in the environment, and credentials it accepts.
import assert from 'node:assert/strict';

/** The environment variable `name`, which must be set. */
export const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is set by the Rust test that starts the mock`);
  return value;
};

/** OAuth2 credentials the mock accepts: its app and access token. */
export const credentials = () => ({
  tag: 'oauth2',
  val: {
    clientId: env('MOCK_CLIENT_ID'),
    clientSecret: env('MOCK_CLIENT_SECRET'),
    accessToken: env('MOCK_ACCESS_TOKEN'),
    refreshToken: undefined,
    expiresAt: undefined,
    refreshTokenExpiresAt: undefined,
    tokenEndpoint: undefined,
    continuousRefresh: false,
    scopes: [],
  },
});
