//! The actions as JSON over HTTP: what the edge build (a `wasi:http/proxy`
//! component) serves, independent of how requests arrive.
//!
//! | route | answers |
//! |---|---|
//! | `GET /` | the service's name, version and routes |
//! | `GET /endpoints` | every endpoint of the embedded catalog |
//! | `GET /endpoints/{id}` | one endpoint and its input schema (`id` is an operationId or `GET /pins`, percent-encoded); `404` for no such endpoint |
//! | `POST /api-call` | one call, or with `paginate` every page as one line of NDJSON, sent as it arrives |
//! | `POST /raw-request` | a request to a URL relative to the API base |
//! | `POST /verify-credentials` | the account behind the credentials |
//!
//! Credentials travel in each request's JSON body and are never written to
//! an answer, but for refreshed ones (`refreshed_credentials`), which the
//! caller must store. A failed action answers
//! `{"error": {"kind": …, "message": …, …}}` with a status that says what
//! went wrong (see [`status_of`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::catalog::Catalog;
use crate::connector::Connector;
use crate::credentials::Credentials;
use crate::error::{ApiError, ConnectorError, TransportKind};
use crate::http::{HttpResponse, Method, Transport};
use crate::options::CallOptions;
use crate::pagination::{PageWalker, PaginationOptions};
use crate::raw::RawInput;
use crate::request::CallInput;
use crate::retry::RetryPolicy;
use crate::session::Session;
use crate::spec::SpecSource;

/// What the service needs from where it runs.
pub trait Runtime {
    /// How requests to Pinterest are sent.
    type Transport: Transport;
    /// The transport of one action, applying its `options` (timeouts,
    /// retries, the response cap).
    fn transport(&mut self, options: CallOptions) -> Self::Transport;
    /// The wall clock, in Unix seconds.
    fn now(&self) -> u64;
}

/// The service's answer to one request.
pub enum Reply<T> {
    /// A whole answer.
    Done(Answer),
    /// A walk whose first page was fetched: answered `200` with
    /// `application/x-ndjson`, one line per [`PageLines::next_line`].
    Pages(Box<PageLines<T>>),
}

/// A whole answer: status, headers and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides `content-type` (which is JSON).
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// The content type of a paginated answer.
pub const NDJSON: &str = "application/x-ndjson";

/// Serves one request: `method`, `path` (without the query) and `body`.
pub fn serve<R: Runtime>(
    runtime: &mut R,
    method: &str,
    path: &str,
    body: &[u8],
) -> Reply<R::Transport> {
    let route = match route(method, path) {
        Ok(route) => route,
        Err(answer) => return Reply::Done(answer),
    };
    match route {
        Route::Index => Reply::Done(json(200, &index())),
        Route::Endpoints => Reply::Done(endpoints()),
        Route::Endpoint(id) => Reply::Done(endpoint(&id)),
        Route::ApiCall => match parse::<ApiCallRequest>(body) {
            Ok(request) => api_call(runtime, request),
            Err(answer) => Reply::Done(answer),
        },
        Route::RawRequest => Reply::Done(match parse::<RawRequest>(body) {
            Ok(request) => raw_request(runtime, request),
            Err(answer) => answer,
        }),
        Route::VerifyCredentials => Reply::Done(match parse::<VerifyRequest>(body) {
            Ok(request) => verify(runtime, request),
            Err(answer) => answer,
        }),
    }
}

/// The routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /`
    Index,
    /// `GET /endpoints`
    Endpoints,
    /// `GET /endpoints/{id}`, decoded.
    Endpoint(String),
    /// `POST /api-call`
    ApiCall,
    /// `POST /raw-request`
    RawRequest,
    /// `POST /verify-credentials`
    VerifyCredentials,
}

/// The route of `method` and `path`, or the `404`/`405` answer.
pub fn route(method: &str, path: &str) -> Result<Route, Answer> {
    let (route, allowed) = match path {
        "/" => (Route::Index, "GET"),
        "/endpoints" => (Route::Endpoints, "GET"),
        "/api-call" => (Route::ApiCall, "POST"),
        "/raw-request" => (Route::RawRequest, "POST"),
        "/verify-credentials" => (Route::VerifyCredentials, "POST"),
        _ => match path.strip_prefix("/endpoints/") {
            Some(id) if !id.is_empty() => {
                let id = percent_encoding::percent_decode_str(id)
                    .decode_utf8()
                    .map_err(|_| {
                        failure(
                            400,
                            "invalid-input",
                            "the endpoint id is not UTF-8 once decoded",
                        )
                    })?;
                (Route::Endpoint(id.into_owned()), "GET")
            }
            _ => {
                return Err(failure(
                    404,
                    "no-such-route",
                    &format!("no route {path}: see GET / for the routes"),
                ));
            }
        },
    };
    if method != allowed {
        let mut answer = failure(
            405,
            "method-not-allowed",
            &format!("{path} answers {allowed} only"),
        );
        answer.headers.push(("allow".into(), allowed.into()));
        return Err(answer);
    }
    Ok(route)
}

fn index() -> Value {
    serde_json::json!({
        "service": "pinterest-connector",
        "version": env!("CARGO_PKG_VERSION"),
        "routes": [
            "GET /endpoints",
            "GET /endpoints/{id}",
            "POST /api-call",
            "POST /raw-request",
            "POST /verify-credentials",
        ],
    })
}

/// The embedded catalog, loaded without I/O.
fn embedded() -> &'static Catalog {
    crate::catalog::embedded()
}

#[derive(Serialize)]
struct EndpointSummary<'a> {
    id: &'a str,
    method: &'a str,
    path: &'a str,
    label: String,
    paginated: bool,
}

fn endpoints() -> Answer {
    let catalog = embedded();
    let list: Vec<EndpointSummary<'_>> = catalog
        .operations
        .summaries()
        .map(|op| EndpointSummary {
            id: op.id,
            method: op.method.as_str(),
            path: op.path,
            label: op.label(),
            paginated: op.paginated,
        })
        .collect();
    json(200, &serde_json::json!({ "endpoints": list }))
}

fn endpoint(id: &str) -> Answer {
    let catalog = embedded();
    let op = match catalog.get(id) {
        Ok(op) => op,
        Err(ConnectorError::InvalidInput { reason, .. }) => {
            return failure(404, "no-such-endpoint", &reason);
        }
        Err(e) => return error_answer(&e, None),
    };
    let schema = catalog.input_schema_text(op);
    #[derive(Serialize)]
    struct Described<'a> {
        #[serde(flatten)]
        summary: EndpointSummary<'a>,
        input_schema: &'a RawValue,
    }
    match RawValue::from_string(schema) {
        Ok(schema) => json(
            200,
            &Described {
                summary: EndpointSummary {
                    id: &op.id,
                    method: op.method.as_str(),
                    path: &op.path,
                    label: op.label(),
                    paginated: op.paginated,
                },
                input_schema: &schema,
            },
        ),
        Err(e) => failure(
            500,
            "internal",
            &format!("the input schema is not JSON: {e}"),
        ),
    }
}

// ----- request bodies -----

/// Per-call options; each one left out keeps its default.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireOptions {
    max_attempts: Option<u32>,
    initial_backoff_ms: Option<u64>,
    max_backoff_ms: Option<u64>,
    max_total_wait_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    first_byte_timeout_ms: Option<u64>,
    between_bytes_timeout_ms: Option<u64>,
    max_response_bytes: Option<u64>,
}

impl WireOptions {
    fn resolve(self) -> Result<CallOptions, ConnectorError> {
        let defaults = CallOptions::default();
        let ms =
            |value: Option<u64>, default| value.map_or(default, std::time::Duration::from_millis);
        let options = CallOptions {
            retry: RetryPolicy {
                max_attempts: self.max_attempts.unwrap_or(defaults.retry.max_attempts),
                initial_backoff: ms(self.initial_backoff_ms, defaults.retry.initial_backoff),
                max_backoff: ms(self.max_backoff_ms, defaults.retry.max_backoff),
                max_total_wait: ms(self.max_total_wait_ms, defaults.retry.max_total_wait),
            },
            connect_timeout: ms(self.connect_timeout_ms, defaults.connect_timeout),
            first_byte_timeout: ms(self.first_byte_timeout_ms, defaults.first_byte_timeout),
            between_bytes_timeout: ms(
                self.between_bytes_timeout_ms,
                defaults.between_bytes_timeout,
            ),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(defaults.max_response_bytes),
        };
        options.validate()?;
        Ok(options)
    }
}

/// Where the API description comes from. A URL is not accepted: a service
/// that fetches any URL its callers name would reach wherever it runs.
#[derive(Deserialize, Default)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum WireSpec {
    #[default]
    Embedded,
    Json(Box<RawValue>),
}

/// A parameter value: text, a number or a boolean, or a list of them for a
/// repeated query parameter.
#[derive(Deserialize)]
#[serde(untagged)]
enum WireValue {
    One(Scalar),
    Many(Vec<Scalar>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Text(text) => text,
            Scalar::Number(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

fn pairs(params: BTreeMap<String, WireValue>) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(params.len());
    for (name, value) in params {
        match value {
            WireValue::One(v) => out.push((name, v.into_text())),
            WireValue::Many(vs) => {
                out.extend(vs.into_iter().map(|v| (name.clone(), v.into_text())))
            }
        }
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePaginate {
    #[serde(default)]
    max_pages: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiCallRequest {
    credentials: Credentials,
    endpoint: String,
    #[serde(default)]
    path_params: BTreeMap<String, WireValue>,
    #[serde(default)]
    query_params: BTreeMap<String, WireValue>,
    #[serde(default)]
    body: Option<Box<RawValue>>,
    #[serde(default)]
    spec: WireSpec,
    #[serde(default)]
    options: WireOptions,
    #[serde(default)]
    paginate: Option<WirePaginate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    credentials: Credentials,
    method: String,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<Box<RawValue>>,
    #[serde(default)]
    no_throw_on_404: bool,
    #[serde(default)]
    options: WireOptions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    credentials: Credentials,
    #[serde(default)]
    options: WireOptions,
}

/// Reads a request body, or answers `400` saying what is wrong with it.
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Answer> {
    serde_json::from_slice(body).map_err(|e| {
        let reason = match e.classify() {
            serde_json::error::Category::Data => format!("the request body {}", without_values(&e)),
            _ => format!("the request body is not JSON: {e}"),
        };
        error_answer(&ConnectorError::invalid("body", reason), None)
    })
}

/// serde's message without the value it quotes (`invalid type: string
/// "…"`), which may be a token put in the wrong field; field names, which
/// it quotes with backticks, stay.
fn without_values(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match (message.find('"'), message.rfind('"')) {
        (Some(first), Some(last)) if first < last => {
            format!("{}…{}", &message[..first], &message[last + 1..])
        }
        _ => message,
    }
}

/// A JSON body sent upstream: text as it came.
fn body_text(body: Option<Box<RawValue>>) -> Option<String> {
    body.map(|raw| String::from(Box::<str>::from(raw)))
}

// ----- actions -----

/// What an action runs with: the credentials' session, a connector over the
/// runtime's transport with the request's options, and the time.
struct Action<T> {
    session: Session,
    connector: Connector<T>,
    now: u64,
}

/// Starts an action, or answers why its options are refused.
fn begin<R: Runtime>(
    runtime: &mut R,
    options: WireOptions,
    credentials: Credentials,
) -> Result<Action<R::Transport>, Answer> {
    let options = options.resolve().map_err(|e| error_answer(&e, None))?;
    check_token_endpoint(&credentials).map_err(|e| error_answer(&e, None))?;
    Ok(Action {
        session: Session::new(credentials),
        connector: Connector::new(runtime.transport(options)),
        now: runtime.now(),
    })
}

/// Refuses a token endpoint off Pinterest's API hosts: the service would
/// send the client secret and the refresh token wherever a caller named,
/// and connect there. (The component and the CLI, whose host chooses the
/// credentials, accept any `https://` endpoint.)
fn check_token_endpoint(credentials: &Credentials) -> Result<(), ConnectorError> {
    let Credentials::OAuth2(oauth) = credentials else {
        return Ok(());
    };
    let Some(endpoint) = &oauth.token_endpoint else {
        return Ok(());
    };
    match url::Url::parse(endpoint) {
        Ok(url) if crate::destination::is_pinterest_api(&url) => Ok(()),
        _ => Err(ConnectorError::invalid(
            "credentials.oauth2.token_endpoint",
            format!(
                "this service sends only to Pinterest's API hosts; leave it out for Pinterest's \
                 own ({})",
                crate::oauth::TOKEN_ENDPOINT
            ),
        )),
    }
}

fn api_call<R: Runtime>(runtime: &mut R, request: ApiCallRequest) -> Reply<R::Transport> {
    let Action {
        mut session,
        mut connector,
        now,
    } = match begin(runtime, request.options, request.credentials) {
        Ok(action) => action,
        Err(answer) => return Reply::Done(answer),
    };
    let input = CallInput {
        spec: match request.spec {
            WireSpec::Embedded => SpecSource::Embedded,
            WireSpec::Json(raw) => SpecSource::Json(String::from(Box::<str>::from(raw))),
        },
        endpoint: request.endpoint,
        path_params: pairs(request.path_params),
        query_params: pairs(request.query_params),
        body: body_text(request.body),
    };
    let Some(paginate) = request.paginate else {
        let result = connector.api_call(&mut session, &input, now);
        return Reply::Done(match result {
            Ok(output) => {
                #[derive(Serialize)]
                struct Out<'a> {
                    #[serde(flatten)]
                    response: ResponseJson<'a>,
                    next_bookmark: Option<&'a str>,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    refreshed_credentials: Option<&'a Credentials>,
                }
                let body = BodyJson::of(&output.response);
                json(
                    200,
                    &Out {
                        response: ResponseJson::of(&output.response, &body),
                        next_bookmark: output.next_bookmark.as_deref(),
                        refreshed_credentials: refreshed(&session),
                    },
                )
            }
            Err(e) => error_answer(&session.redact(e), Some(&session)),
        });
    };
    let pagination = PaginationOptions {
        max_pages: paginate.max_pages,
    };
    let walker = match connector.paginate(&session, &input, pagination) {
        Ok(walker) => walker,
        Err(e) => return Reply::Done(error_answer(&session.redact(e), Some(&session))),
    };
    let mut lines = PageLines {
        walker,
        session,
        transport: connector.into_transport(),
        pages: 0,
        items: 0,
        first: None,
        ended: false,
    };
    // The first page decides the answer's status: a walk that cannot start
    // is an error answer, not a stream holding one error line.
    match lines.fetch(now) {
        Ok(first) => {
            lines.first = Some(first);
            Reply::Pages(Box::new(lines))
        }
        Err(e) => Reply::Done(error_answer(&e, Some(&lines.session))),
    }
}

fn raw_request<R: Runtime>(runtime: &mut R, request: RawRequest) -> Answer {
    let Action {
        mut session,
        mut connector,
        now,
    } = match begin(runtime, request.options, request.credentials) {
        Ok(action) => action,
        Err(answer) => return answer,
    };
    let Some(method) = Method::parse(&request.method) else {
        return error_answer(
            &ConnectorError::invalid("method", "is not GET, POST, PUT, PATCH or DELETE"),
            None,
        );
    };
    let input = RawInput {
        method,
        url: request.url,
        headers: request.headers.into_iter().collect(),
        body: body_text(request.body),
        no_throw_on_404: request.no_throw_on_404,
    };
    match connector.raw_request(&mut session, &input, now) {
        Ok(response) => {
            #[derive(Serialize)]
            struct Out<'a> {
                #[serde(flatten)]
                response: ResponseJson<'a>,
                #[serde(skip_serializing_if = "Option::is_none")]
                refreshed_credentials: Option<&'a Credentials>,
            }
            let body = BodyJson::of(&response);
            json(
                200,
                &Out {
                    response: ResponseJson::of(&response, &body),
                    refreshed_credentials: refreshed(&session),
                },
            )
        }
        Err(e) => error_answer(&session.redact(e), Some(&session)),
    }
}

fn verify<R: Runtime>(runtime: &mut R, request: VerifyRequest) -> Answer {
    let Action {
        mut session,
        mut connector,
        now,
    } = match begin(runtime, request.options, request.credentials) {
        Ok(action) => action,
        Err(answer) => return answer,
    };
    match connector.verify_credentials(&mut session, now) {
        Ok(account) => {
            #[derive(Serialize)]
            struct Out<'a> {
                username: &'a str,
                account_type: &'a str,
                scopes: &'a [String],
                user_accounts_read: bool,
                account: Option<&'a RawValue>,
                #[serde(skip_serializing_if = "Option::is_none")]
                refreshed_credentials: Option<&'a Credentials>,
            }
            let raw: Option<&RawValue> = serde_json::from_str(&account.raw).ok();
            json(
                200,
                &Out {
                    username: &account.username,
                    account_type: &account.account_type,
                    scopes: &account.scopes,
                    user_accounts_read: account.user_accounts_read,
                    account: raw,
                    refreshed_credentials: refreshed(&session),
                },
            )
        }
        Err(e) => error_answer(&session.redact(e), Some(&session)),
    }
}

// ----- pagination as NDJSON -----

/// A walk answered as NDJSON: `{"page": …}` per page as it arrives, then
/// `{"done": {"pages", "items", "refreshed_credentials"?}}`, or
/// `{"error": …, "next_bookmark": …}` if a later page fails (the bookmark
/// resumes the walk where it stopped).
pub struct PageLines<T> {
    walker: PageWalker,
    session: Session,
    transport: T,
    pages: u32,
    items: u64,
    first: Option<Vec<u8>>,
    ended: bool,
}

impl<T: Transport> PageLines<T> {
    /// The next line (with its `\n`), fetching the next page at `now`
    /// (Unix seconds); `None` after the last.
    pub fn next_line(&mut self, now: u64) -> Option<Vec<u8>> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        if self.ended {
            return None;
        }
        match self.fetch(now) {
            Ok(line) => Some(line),
            Err(e) => {
                self.ended = true;
                #[derive(Serialize)]
                struct Failed<'a> {
                    error: ErrorJson<'a>,
                    next_bookmark: Option<&'a str>,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    refreshed_credentials: Option<&'a Credentials>,
                }
                Some(line(&Failed {
                    error: ErrorJson::of(&e),
                    next_bookmark: self.walker.next_bookmark(),
                    refreshed_credentials: refreshed(&self.session),
                }))
            }
        }
    }

    /// The next page's line, or the `done` line once the walk has ended.
    fn fetch(&mut self, now: u64) -> Result<Vec<u8>, ConnectorError> {
        let page = self
            .walker
            .next_page(&mut self.transport, &mut self.session, now)
            .map_err(|e| self.session.redact(e))?;
        let Some(page) = page else {
            self.ended = true;
            #[derive(Serialize)]
            struct Done<'a> {
                pages: u32,
                items: u64,
                #[serde(skip_serializing_if = "Option::is_none")]
                refreshed_credentials: Option<&'a Credentials>,
            }
            return Ok(line(&serde_json::json!({
                "done": Done {
                    pages: self.pages,
                    items: self.items,
                    refreshed_credentials: refreshed(&self.session),
                }
            })));
        };
        self.pages += 1;
        self.items += u64::from(page.item_count);
        #[derive(Serialize)]
        struct PageJson<'a> {
            index: u32,
            item_count: u32,
            next_bookmark: Option<&'a str>,
            #[serde(flatten)]
            response: ResponseJson<'a>,
        }
        #[derive(Serialize)]
        struct Line<'a> {
            page: PageJson<'a>,
        }
        let body = BodyJson::of(&page.response);
        Ok(line(&Line {
            page: PageJson {
                index: page.index,
                item_count: page.item_count,
                next_bookmark: page.next_bookmark.as_deref(),
                response: ResponseJson::of(&page.response, &body),
            },
        }))
    }
}

// ----- answers -----

/// A response body as JSON: the JSON Pinterest sent, or its text.
enum BodyJson<'a> {
    Json(&'a RawValue),
    Text(String),
    Empty,
}

impl<'a> BodyJson<'a> {
    fn of(response: &'a HttpResponse) -> BodyJson<'a> {
        if response.body.is_empty() {
            return BodyJson::Empty;
        }
        match std::str::from_utf8(&response.body)
            .ok()
            .and_then(|text| serde_json::from_str::<&RawValue>(text).ok())
        {
            Some(raw) => BodyJson::Json(raw),
            None => BodyJson::Text(response.body_text()),
        }
    }
}

impl Serialize for BodyJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            BodyJson::Json(raw) => raw.serialize(serializer),
            BodyJson::Text(text) => text.serialize(serializer),
            BodyJson::Empty => serializer.serialize_none(),
        }
    }
}

#[derive(Serialize)]
struct ResponseJson<'a> {
    status: u16,
    headers: &'a [(String, String)],
    body: &'a BodyJson<'a>,
}

impl<'a> ResponseJson<'a> {
    fn of(response: &'a HttpResponse, body: &'a BodyJson<'a>) -> ResponseJson<'a> {
        ResponseJson {
            status: response.status,
            headers: &response.headers,
            body,
        }
    }
}

/// The credentials to hand back when they were refreshed: the caller must
/// store them.
fn refreshed(session: &Session) -> Option<&Credentials> {
    session.refreshed().then(|| session.credentials())
}

/// Pinterest's error as JSON.
#[derive(Serialize)]
struct ApiJson<'a> {
    status: u16,
    code: Option<i64>,
    pinterest_message: &'a str,
    request_id: Option<&'a str>,
    attempts: u32,
}

impl<'a> ApiJson<'a> {
    fn of(api: &'a ApiError) -> ApiJson<'a> {
        ApiJson {
            status: api.status,
            code: api.code,
            pinterest_message: &api.message,
            request_id: api.request_id.as_deref(),
            attempts: api.attempts,
        }
    }
}

/// A typed error as JSON: its kind, message and the fields of that kind.
#[derive(Serialize)]
struct ErrorJson<'a> {
    kind: &'static str,
    message: String,
    #[serde(flatten)]
    detail: ErrorDetail<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ErrorDetail<'a> {
    Api(ApiJson<'a>),
    RateLimited {
        retry_after_seconds: Option<u64>,
        #[serde(flatten)]
        error: ApiJson<'a>,
    },
    Invalid {
        field: &'a str,
        reason: &'a str,
    },
    Scopes {
        endpoint: &'a str,
        scopes: &'a [String],
    },
    Transport {
        transport_kind: &'static str,
        attempts: u32,
    },
    None {},
}

impl<'a> ErrorJson<'a> {
    fn of(error: &'a ConnectorError) -> ErrorJson<'a> {
        use ConnectorError as E;
        let (kind, detail) = match error {
            E::Unauthorized(api) => ("unauthorized", ErrorDetail::Api(ApiJson::of(api))),
            E::Forbidden(api) => ("forbidden", ErrorDetail::Api(ApiJson::of(api))),
            E::NotFound(api) => ("not-found", ErrorDetail::Api(ApiJson::of(api))),
            E::Upstream(api) => ("upstream", ErrorDetail::Api(ApiJson::of(api))),
            E::RateLimited {
                retry_after_seconds,
                error,
            } => (
                "rate-limited",
                ErrorDetail::RateLimited {
                    retry_after_seconds: *retry_after_seconds,
                    error: ApiJson::of(error),
                },
            ),
            E::InvalidInput { field, reason } => {
                ("invalid-input", ErrorDetail::Invalid { field, reason })
            }
            E::MissingScopes { endpoint, scopes } => {
                ("missing-scopes", ErrorDetail::Scopes { endpoint, scopes })
            }
            E::UnsupportedInSandbox(_) => ("unsupported-in-sandbox", ErrorDetail::None {}),
            E::Transport(t) => (
                "transport",
                ErrorDetail::Transport {
                    transport_kind: transport_kind(t.kind),
                    attempts: t.attempts,
                },
            ),
            E::DeniedByHost(_) => ("denied-by-host", ErrorDetail::None {}),
        };
        ErrorJson {
            kind,
            message: error.to_string(),
            detail,
        }
    }
}

fn transport_kind(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Refused => "refused",
        TransportKind::TimedOut => "timed-out",
        TransportKind::Interrupted => "interrupted",
        TransportKind::TooLarge => "too-large",
        TransportKind::Other => "other",
    }
}

/// The HTTP status the service answers a failed action with.
pub fn status_of(error: &ConnectorError) -> u16 {
    use ConnectorError as E;
    match error {
        E::InvalidInput { .. } => 400,
        E::Unauthorized(_) => 401,
        E::Forbidden(_) | E::MissingScopes { .. } => 403,
        E::NotFound(_) => 404,
        E::UnsupportedInSandbox(_) => 422,
        E::RateLimited { .. } => 429,
        E::Transport(t) if t.kind == TransportKind::TimedOut => 504,
        E::Upstream(_) | E::Transport(_) | E::DeniedByHost(_) => 502,
    }
}

/// The answer to a failed action; a rate limit carries `retry-after`.
fn error_answer(error: &ConnectorError, session: Option<&Session>) -> Answer {
    #[derive(Serialize)]
    struct Failed<'a> {
        error: ErrorJson<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        refreshed_credentials: Option<&'a Credentials>,
    }
    let mut answer = json(
        status_of(error),
        &Failed {
            error: ErrorJson::of(error),
            refreshed_credentials: session.and_then(refreshed),
        },
    );
    if let ConnectorError::RateLimited {
        retry_after_seconds: Some(seconds),
        ..
    } = error
    {
        answer
            .headers
            .push(("retry-after".into(), seconds.to_string()));
    }
    answer
}

/// An answer refusing the request itself, before any action: `kind` such
/// as `no-such-route` or `too-large`.
pub fn failure(status: u16, kind: &str, message: &str) -> Answer {
    json(
        status,
        &serde_json::json!({ "error": { "kind": kind, "message": message } }),
    )
}

fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec()),
    }
}

fn line<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut line = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
    line.push(b'\n');
    line
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
