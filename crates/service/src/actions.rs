//! The actions: each request body run through the core's connector, and
//! its outcome as an answer.

use serde::Serialize;
use serde_json::value::RawValue;

use pinterest_connector_core::connector::Connector;
use pinterest_connector_core::credentials::Credentials;
use pinterest_connector_core::error::ConnectorError;
use pinterest_connector_core::http::Method;
use pinterest_connector_core::pagination::PaginationOptions;
use pinterest_connector_core::raw::RawInput;
use pinterest_connector_core::request::CallInput;
use pinterest_connector_core::session::Session;
use pinterest_connector_core::spec::SpecSource;

use crate::answer::{Answer, ResponseJson, error_answer, settled};
use crate::ndjson::PageLines;
use crate::wire::{
    ApiCallRequest, RawRequest, VerifyRequest, WireOptions, WireSpec, body_text, pairs,
};
use crate::{Reply, Runtime};

/// What an action runs with: the credentials' session, a connector over the
/// runtime's transport with the request's options.
pub(crate) struct Action<T> {
    pub(crate) session: Session,
    pub(crate) connector: Connector<T>,
}

/// Starts an action, or answers why its options are refused.
pub(crate) fn begin<R: Runtime>(
    runtime: &mut R,
    options: WireOptions,
    credentials: Credentials,
) -> Result<Action<R::Transport>, Answer> {
    let options = options.resolve().map_err(|e| error_answer(&e, None))?;
    check_token_endpoint(&credentials).map_err(|e| error_answer(&e, None))?;
    Ok(Action {
        session: Session::new(credentials),
        connector: Connector::new(runtime.transport(options)),
    })
}

/// Runs an action that answers one JSON body: starts it ([`begin`]), runs
/// `run` on its connector and session, and answers `answer` of the value
/// (see [`settled`](crate::answer::settled)) or the error, redacted, with the
/// credentials as they stand. Every such route is this, but for its inputs
/// and its answer's fields.
pub(crate) fn act<R: Runtime, T>(
    runtime: &mut R,
    options: WireOptions,
    credentials: Credentials,
    run: impl FnOnce(&mut Connector<R::Transport>, &mut Session) -> Result<T, ConnectorError>,
    answer: impl FnOnce(T, &Session) -> Answer,
) -> Answer {
    let Action {
        mut session,
        mut connector,
    } = match begin(runtime, options, credentials) {
        Ok(action) => action,
        Err(refused) => return refused,
    };
    match run(&mut connector, &mut session) {
        Ok(value) => answer(value, &session),
        Err(e) => error_answer(&session.redact(e), Some(&session)),
    }
}

/// Refuses a token endpoint off Pinterest's API hosts: the service would
/// send the client secret and the refresh token wherever a caller named,
/// and connect there. (The component and the CLI, whose host chooses the
/// credentials, accept any `https://` endpoint.)
pub(crate) fn check_token_endpoint(credentials: &Credentials) -> Result<(), ConnectorError> {
    let Credentials::OAuth2(oauth) = credentials else {
        return Ok(());
    };
    let Some(endpoint) = &oauth.token_endpoint else {
        return Ok(());
    };
    match url::Url::parse(endpoint) {
        Ok(url) if pinterest_connector_core::destination::is_pinterest_api(&url) => Ok(()),
        _ => Err(ConnectorError::invalid(
            "credentials.oauth2.token_endpoint",
            format!(
                "this service sends only to Pinterest's API hosts; leave it out for Pinterest's \
                 own ({})",
                pinterest_connector_core::oauth::TOKEN_ENDPOINT
            ),
        )),
    }
}

pub(crate) fn api_call<R: Runtime>(
    runtime: &mut R,
    request: ApiCallRequest,
) -> Reply<R::Transport> {
    let Action {
        mut session,
        mut connector,
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
        let result = connector.api_call(&mut session, &input);
        return Reply::Done(match result {
            Ok(output) => {
                #[derive(Serialize)]
                struct Out<'a> {
                    #[serde(flatten)]
                    response: ResponseJson<'a>,
                    next_bookmark: Option<&'a str>,
                }
                let out = Out {
                    response: ResponseJson::of(&output.response),
                    next_bookmark: output.next_bookmark.as_deref(),
                };
                settled(&out, &session)
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
    match lines.fetch() {
        Ok(first) => {
            lines.first = Some(first);
            Reply::Pages(Box::new(lines))
        }
        Err(e) => Reply::Done(error_answer(&e, Some(&lines.session))),
    }
}

pub(crate) fn raw_request<R: Runtime>(runtime: &mut R, request: RawRequest) -> Answer {
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
    act(
        runtime,
        request.options,
        request.credentials,
        |connector, session| connector.raw_request(session, &input),
        |response, session| settled(&ResponseJson::of(&response), session),
    )
}

pub(crate) fn verify<R: Runtime>(runtime: &mut R, request: VerifyRequest) -> Answer {
    act(
        runtime,
        request.options,
        request.credentials,
        |connector, session| connector.verify_credentials(session),
        |account, session| {
            #[derive(Serialize)]
            struct Out<'a> {
                username: &'a str,
                account_type: &'a str,
                scopes: &'a [String],
                user_accounts_read: bool,
                account: Option<&'a RawValue>,
            }
            let raw: Option<&RawValue> = serde_json::from_slice(account.raw.as_bytes()).ok();
            let out = Out {
                username: &account.username,
                account_type: &account.account_type,
                scopes: &account.scopes,
                user_accounts_read: account.user_accounts_read,
                account: raw,
            };
            settled(&out, session)
        },
    )
}
