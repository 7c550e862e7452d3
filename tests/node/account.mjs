// One Pinterest account shared by the many flows of a Node host (an n8n or
// Activepieces worker): the pattern the README gives, tested here.
//
// The refresh token rotates and the old one is revoked once used, so flows
// must not refresh on their own. This handle owns the refresh: it refreshes
// when the token is due and after a 401, once for every flow that asks at
// the same time (one shared promise), and hands the component credentials
// without the refresh token, so that the component answers `unauthorized`
// instead of refreshing by itself. A 401 means nothing was applied: the
// action runs once more with the new token. For flows in other processes,
// put the same around your credential store's lock.

/** Seconds before expiry at which a token is refreshed (the component's). */
const MARGIN_SECONDS = 300n;

const unixNow = () => BigInt(Math.floor(Date.now() / 1000));

/**
 * @param initial the stored credentials (`{tag: 'oauth2', val}` or sandbox)
 * @param oauth the component's `oauth` interface
 * @param save persists new credentials (awaited before flows go on)
 */
export function sharedAccount(initial, { oauth, save = async () => {} }) {
  let current = initial;
  let inflight = null;
  const canRefresh = (c) => c.tag === 'oauth2' && Boolean(c.val.refreshToken);
  const due = (c) =>
    canRefresh(c) && c.val.expiresAt !== undefined && c.val.expiresAt <= unixNow() + MARGIN_SECONDS;

  /** Refreshes if `needed(current)` still holds, once for all who ask meanwhile. */
  function refreshOnce(needed) {
    inflight ??= (async () => {
      try {
        if (!needed(current)) return current;
        const fresh = { tag: 'oauth2', val: oauth.refresh(current.val) };
        await save(fresh);
        current = fresh;
        return current;
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  }

  /** The credentials as the component gets them: no refresh token. */
  const withoutRefresh = (c) =>
    c.tag === 'oauth2' ? { tag: 'oauth2', val: { ...c.val, refreshToken: undefined } } : c;

  /** Runs `action(credentials)` (a component call, or an async function making one). */
  async function run(action) {
    let credentials = due(current) ? await refreshOnce(due) : current;
    try {
      return await action(withoutRefresh(credentials));
    } catch (e) {
      if (e?.payload?.error?.tag !== 'unauthorized' || !canRefresh(credentials)) throw e;
      const refused = credentials.val.accessToken;
      credentials = await refreshOnce((c) => c.tag === 'oauth2' && c.val.accessToken === refused);
      return await action(withoutRefresh(credentials));
    }
  }

  return {
    run,
    get credentials() {
      return current;
    },
  };
}
