// pinterest-connector for Node.js: a thin typed wrapper over the component
// jco transpiled into ./component. It fills the WIT records' defaults,
// turns the component's errors into Error subclasses with a readable
// message, hands refreshed credentials back through a callback, and walks
// pages as an async iterator. No secret is ever part of a message.
import { actions, catalog, triggers } from './component/connector.js';

/** The component's own defaults, for every `call-options` field. */
const DEFAULT_OPTIONS = Object.freeze({
  maxAttempts: 4,
  initialBackoffMs: 500,
  maxBackoffMs: 8000,
  maxTotalWaitMs: 30000,
  connectTimeoutMs: 10000,
  firstByteTimeoutMs: 30000,
  betweenBytesTimeoutMs: 30000,
  maxResponseBytes: 33554432,
});

/** Every error the connector raises. `kind` is the WIT's name for it. */
export class PinterestError extends Error {
  constructor(kind, message, fields = {}) {
    super(message);
    this.name = new.target.name;
    /** The WIT `connector-error` case, such as `not-found`. */
    this.kind = kind;
    Object.assign(this, fields);
    /** The credentials as they stand after the failed action, if any. */
    this.credentials = undefined;
  }
}
/** 401: the token is missing, expired or revoked. */
export class Unauthorized extends PinterestError {}
/** 403: the token lacks a scope, or the app lacks access. */
export class Forbidden extends PinterestError {}
/** 404: no such resource. */
export class NotFound extends PinterestError {}
/** 429: rate limited (`retryAfterSeconds` when the answer said). */
export class RateLimited extends PinterestError {}
/** An input was refused before anything was sent (`field`, `reason`). */
export class InvalidInput extends PinterestError {}
/** The sandbox does not serve the endpoint; nothing was sent. */
export class UnsupportedInSandbox extends PinterestError {}
/** The credentials lack scopes the endpoint needs (`endpoint`, `scopes`). */
export class MissingScopes extends PinterestError {}
/** Any other non-success answer from Pinterest. */
export class UpstreamError extends PinterestError {}
/** The request could not be sent or its answer not read. */
export class TransportError extends PinterestError {}
/** The host refused to let the request out. */
export class DeniedByHost extends PinterestError {}
/** A job Pinterest runs ended without its result. */
export class JobFailed extends PinterestError {}
/** A job was still running when the wait ran out. */
export class JobPending extends PinterestError {}

const CLASSES = {
  unauthorized: Unauthorized,
  forbidden: Forbidden,
  'not-found': NotFound,
  'rate-limited': RateLimited,
  'invalid-input': InvalidInput,
  'unsupported-in-sandbox': UnsupportedInSandbox,
  'missing-scopes': MissingScopes,
  upstream: UpstreamError,
  transport: TransportError,
  'denied-by-host': DeniedByHost,
  'job-failed': JobFailed,
  'job-pending': JobPending,
};

const num = (value) => (typeof value === 'bigint' ? Number(value) : value);

/** Pinterest's account of a failed call as fields and one line. */
function apiFields(api) {
  const fields = {
    status: api.status,
    code: api.code === undefined ? undefined : num(api.code),
    requestId: api.requestId,
    attempts: api.attempts,
  };
  const parts = [`HTTP ${api.status}`];
  if (fields.code !== undefined) parts.push(`code ${fields.code}`);
  let text = `${parts.join(', ')}: ${api.message}`;
  if (api.requestId) text += ` (request id ${api.requestId})`;
  if (api.attempts > 1) text += ` after ${api.attempts} attempts`;
  return [fields, text];
}

/** The WIT `connector-error` as the matching Error subclass. */
function errorOf({ tag, val }) {
  const make = (message, fields) => new (CLASSES[tag] ?? PinterestError)(tag, message, fields);
  switch (tag) {
    case 'unauthorized':
    case 'forbidden':
    case 'not-found':
    case 'upstream': {
      const [fields, text] = apiFields(val);
      return make(`${tag}: ${text}`, fields);
    }
    case 'rate-limited': {
      const [fields, text] = apiFields(val.error);
      const after = val.retryAfterSeconds === undefined ? undefined : num(val.retryAfterSeconds);
      const wait = after === undefined ? '' : `; retry after ${after} s`;
      return make(`rate limited: ${text}${wait}`, { ...fields, retryAfterSeconds: after });
    }
    case 'invalid-input':
      return make(`invalid input \`${val.field}\`: ${val.reason}`, { field: val.field, reason: val.reason });
    case 'missing-scopes':
      return make(`missing scopes: ${val.endpoint} needs ${val.scopes.join(', ')}`, {
        endpoint: val.endpoint,
        scopes: val.scopes,
      });
    case 'transport':
      return make(`transport (${val.kind}): ${val.message} after ${val.attempts} attempts`, {
        transportKind: val.kind,
        attempts: val.attempts,
      });
    case 'job-failed':
    case 'job-pending':
      return make(`${tag}: ${val.job} ${val.id} ${val.state} after ${val.polls} polls`, {
        job: val.job,
        id: val.id,
        state: val.state,
        polls: val.polls,
      });
    default:
      return make(`${tag}: ${typeof val === 'string' ? val : JSON.stringify(val)}`, {});
  }
}

/** Credentials as the component takes them. */
function credentialsIn(credentials) {
  if (!credentials) throw new InvalidInput('invalid-input', 'invalid input `credentials`: missing', { field: 'credentials', reason: 'missing' });
  if (credentials.sandboxToken !== undefined) return { tag: 'sandbox', val: credentials.sandboxToken };
  const big = (value) => (value === undefined || value === null ? undefined : BigInt(value));
  return {
    tag: 'oauth2',
    val: {
      clientId: credentials.clientId ?? '',
      clientSecret: credentials.clientSecret ?? '',
      accessToken: credentials.accessToken,
      refreshToken: credentials.refreshToken ?? undefined,
      expiresAt: big(credentials.expiresAt),
      refreshTokenExpiresAt: big(credentials.refreshTokenExpiresAt),
      tokenEndpoint: credentials.tokenEndpoint ?? undefined,
      continuousRefresh: Boolean(credentials.continuousRefresh),
      scopes: [...(credentials.scopes ?? [])],
    },
  };
}

/** The component's credentials as plain values (Unix seconds as numbers). */
function credentialsOut({ tag, val }) {
  if (tag === 'sandbox') return { sandboxToken: val };
  return {
    clientId: val.clientId,
    clientSecret: val.clientSecret,
    accessToken: val.accessToken,
    refreshToken: val.refreshToken,
    expiresAt: val.expiresAt === undefined ? undefined : num(val.expiresAt),
    refreshTokenExpiresAt: val.refreshTokenExpiresAt === undefined ? undefined : num(val.refreshTokenExpiresAt),
    tokenEndpoint: val.tokenEndpoint,
    continuousRefresh: val.continuousRefresh,
    scopes: [...val.scopes],
  };
}

/** Query values as the WIT's name/value pairs: an array repeats the name. */
function pairs(values = {}) {
  const out = [];
  for (const [name, value] of Object.entries(values)) {
    for (const one of Array.isArray(value) ? value : [value]) out.push([name, String(one)]);
  }
  return out;
}

const bodyIn = (body) => (body === undefined || typeof body === 'string' ? body : JSON.stringify(body));

/** How a trigger is named, as the WIT's variant. */
export const Trigger = Object.freeze({
  newPin: () => ({ tag: 'new-pin' }),
  newBoard: () => ({ tag: 'new-board' }),
  newPinOnBoard: (boardId) => ({ tag: 'new-pin-on-board', val: boardId }),
  newPinInSection: (boardId, sectionId) => ({ tag: 'new-pin-in-section', val: { boardId, sectionId } }),
  list: ({ endpoint, path = {}, query = {}, idField = 'id', timeField = 'created_at', newestFirst = false }) => ({
    tag: 'list',
    val: {
      spec: { tag: 'embedded' },
      endpoint,
      pathParams: pairs(path),
      queryParams: pairs(query),
      idField,
      timeField,
      newestFirst,
    },
  }),
});

/** Pinterest's API v5, every endpoint of its OpenAPI description. */
export class Connector {
  #credentials;

  /**
   * @param credentials `{clientId, clientSecret, accessToken, refreshToken?, expiresAt?, …}`
   *   or `{sandboxToken}`
   * @param settings `apiBase` (another base than Pinterest's: https, or http on loopback),
   *   `options` (retries, timeouts, the response cap), `onCredentials` (called with the new
   *   credentials each time a call refreshed them: store them)
   */
  constructor(credentials, { apiBase, options, onCredentials } = {}) {
    this.#credentials = credentials;
    this.apiBase = apiBase;
    this.options = { ...DEFAULT_OPTIONS, ...(options ?? {}) };
    this.onCredentials = onCredentials;
  }

  /** The credentials as they stand: the latest a call handed back. */
  get credentials() {
    return this.#credentials;
  }

  #callOptions() {
    return {
      ...this.options,
      maxResponseBytes: BigInt(this.options.maxResponseBytes),
      apiBase: this.apiBase,
    };
  }

  #take(state) {
    if (state?.refreshed) {
      this.#credentials = credentialsOut(state.credentials);
      this.onCredentials?.(this.#credentials);
    }
  }

  /** Runs an action, keeping the credentials it hands back either way. */
  #act(run) {
    try {
      const out = run(credentialsIn(this.#credentials), this.#callOptions());
      this.#take(out.credentials);
      return out;
    } catch (e) {
      const failure = e?.payload;
      if (failure?.error === undefined) throw e;
      this.#take(failure.credentials);
      const error = errorOf(failure.error);
      error.credentials = this.#credentials;
      throw error;
    }
  }

  /** Proves the credentials work: `GET /user_account`. */
  verify() {
    const account = this.#act((c, o) => actions.verifyCredentials(c, o));
    return {
      username: account.username,
      accountType: account.accountType,
      scopes: [...account.scopes],
      userAccountsRead: account.userAccountsRead,
      raw: JSON.parse(account.raw),
    };
  }

  #input(endpoint, { path = {}, query = {}, body } = {}) {
    return { spec: { tag: 'embedded' }, endpoint, pathParams: pairs(path), queryParams: pairs(query), body: bodyIn(body) };
  }

  /** Calls one endpoint once: `GET /pins/{pin_id}` or an operationId. */
  call(endpoint, inputs = {}) {
    const out = this.#act((c, o) => actions.apiCall(c, this.#input(endpoint, inputs), o));
    return {
      status: out.status,
      headers: out.headers,
      body: out.body,
      json: () => JSON.parse(out.body),
      nextBookmark: out.nextBookmark,
    };
  }

  /** The pages of a paginated endpoint, fetched one at a time as the loop asks. */
  async *pages(endpoint, { maxPages, ...inputs } = {}) {
    const stream = this.#act((c, o) => {
      const started = actions.apiCallPaginated(c, this.#input(endpoint, inputs), { maxPages }, o);
      return { stream: started, credentials: undefined };
    }).stream;
    try {
      for (;;) {
        const page = this.#act(() => {
          const next = stream.next();
          return { page: next, credentials: next?.credentials };
        }).page;
        if (page === undefined) return;
        yield {
          index: page.index,
          status: page.status,
          headers: page.headers,
          body: page.body,
          items: JSON.parse(page.body).items ?? [],
          itemCount: page.itemCount,
          nextBookmark: page.nextBookmark,
        };
      }
    } finally {
      stream[Symbol.dispose]?.();
    }
  }

  /** Sends `method` to `url`, relative to the API base. */
  raw(method, url, { body, headers = {}, noThrowOn404 = false } = {}) {
    const out = this.#act((c, o) =>
      actions.rawRequest(
        c,
        { method: String(method).toLowerCase(), url, headers: Object.entries(headers), body: bodyIn(body), noThrowOn404 },
        o,
      ),
    );
    return { status: out.status, headers: out.headers, body: out.body };
  }

  /** Polls a trigger for what is new since the poll that returned `cursor`. */
  poll(trigger, cursor, { backlog = 0, maxPages = 10, maxItems = 1000, pageSize } = {}) {
    const out = this.#act((c, o) =>
      triggers.poll(c, trigger, cursor, { backlog, maxPages, maxItems, pageSize }, o),
    );
    return {
      items: out.items.map((item) => ({ id: item.id, createdAt: num(item.createdAt), item: JSON.parse(item.item) })),
      cursor: out.cursor,
      more: out.more,
      interrupted: out.interrupted === undefined ? undefined : errorOf(out.interrupted),
    };
  }

  /** Every endpoint of the embedded description. */
  endpoints() {
    try {
      return catalog.listEndpoints({ tag: 'embedded' });
    } catch (e) {
      throw e?.payload ? errorOf(e.payload) : e;
    }
  }

  /** The inputs of `endpoint` as a JSON Schema object. */
  describe(endpoint) {
    try {
      return JSON.parse(catalog.describeEndpoint({ tag: 'embedded' }, endpoint));
    } catch (e) {
      throw e?.payload ? errorOf(e.payload) : e;
    }
  }
}
