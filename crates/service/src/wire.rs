//! The JSON bodies of requests, as callers send them.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use pinterest_connector_core::credentials::Credentials;
use pinterest_connector_core::error::ConnectorError;
use pinterest_connector_core::jobs::JobWait;
use pinterest_connector_core::options::CallOptions;
use pinterest_connector_core::retry::RetryPolicy;

use crate::answer::{Answer, error_answer};

/// Per-call options; each one left out keeps its default.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireOptions {
    pub(crate) max_attempts: Option<u32>,
    pub(crate) initial_backoff_ms: Option<u64>,
    pub(crate) max_backoff_ms: Option<u64>,
    pub(crate) max_total_wait_ms: Option<u64>,
    pub(crate) connect_timeout_ms: Option<u64>,
    pub(crate) first_byte_timeout_ms: Option<u64>,
    pub(crate) between_bytes_timeout_ms: Option<u64>,
    pub(crate) max_response_bytes: Option<u64>,
    /// Read only to be refused: where this service sends is its deployer's
    /// choice, never a caller's (see the WIT's `call-options.api-base`).
    pub(crate) api_base: Option<serde::de::IgnoredAny>,
}

impl WireOptions {
    pub(crate) fn resolve(self) -> Result<CallOptions, ConnectorError> {
        if self.api_base.is_some() {
            return Err(ConnectorError::invalid(
                "options.api_base",
                "is not taken from callers: this service sends only to Pinterest's API",
            ));
        }
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
pub(crate) enum WireSpec {
    #[default]
    Embedded,
    Json(Box<RawValue>),
}

/// A parameter value: text, a number or a boolean, or a list of them for a
/// repeated query parameter.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum WireValue {
    One(Scalar),
    Many(Vec<Scalar>),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Scalar {
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
}

impl Scalar {
    pub(crate) fn into_text(self) -> String {
        match self {
            Scalar::Text(text) => text,
            Scalar::Number(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

pub(crate) fn pairs(params: BTreeMap<String, WireValue>) -> Vec<(String, String)> {
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
pub(crate) struct WirePaginate {
    #[serde(default)]
    pub(crate) max_pages: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiCallRequest {
    pub(crate) credentials: Credentials,
    pub(crate) endpoint: String,
    /// Also spelt `path`, as the CLI's `--path` and Python's `path=`.
    #[serde(default, alias = "path")]
    pub(crate) path_params: BTreeMap<String, WireValue>,
    /// Also spelt `query`.
    #[serde(default, alias = "query")]
    pub(crate) query_params: BTreeMap<String, WireValue>,
    #[serde(default)]
    pub(crate) body: Option<Box<RawValue>>,
    #[serde(default)]
    pub(crate) spec: WireSpec,
    #[serde(default)]
    pub(crate) options: WireOptions,
    #[serde(default)]
    pub(crate) paginate: Option<WirePaginate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequest {
    pub(crate) credentials: Credentials,
    pub(crate) method: String,
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) body: Option<Box<RawValue>>,
    #[serde(default)]
    pub(crate) no_throw_on_404: bool,
    #[serde(default)]
    pub(crate) options: WireOptions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyRequest {
    pub(crate) credentials: Credentials,
    #[serde(default)]
    pub(crate) options: WireOptions,
}

/// How long to wait for a job; each field left out keeps the job's
/// default.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireWait {
    pub(crate) max_polls: Option<u32>,
    pub(crate) poll_interval_ms: Option<u64>,
}

impl WireWait {
    pub(crate) fn resolve(self, default: JobWait) -> JobWait {
        JobWait {
            max_polls: self.max_polls.unwrap_or(default.max_polls),
            interval: self
                .poll_interval_ms
                .map_or(default.interval, std::time::Duration::from_millis),
        }
    }
}

/// `/upload-media`'s arguments (the video is the request body).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadMediaArg {
    pub(crate) credentials: Credentials,
    #[serde(default)]
    pub(crate) file_name: Option<String>,
    #[serde(default)]
    pub(crate) content_type: Option<String>,
    #[serde(default)]
    pub(crate) wait: WireWait,
    #[serde(default)]
    pub(crate) options: WireOptions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AwaitMediaRequest {
    pub(crate) credentials: Credentials,
    pub(crate) media_id: String,
    #[serde(default)]
    pub(crate) wait: WireWait,
    #[serde(default)]
    pub(crate) options: WireOptions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateReportRequest {
    pub(crate) credentials: Credentials,
    pub(crate) ad_account_id: String,
    pub(crate) body: Box<RawValue>,
    #[serde(default)]
    pub(crate) options: WireOptions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DownloadReportRequest {
    pub(crate) credentials: Credentials,
    pub(crate) ad_account_id: String,
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) wait: WireWait,
    #[serde(default)]
    pub(crate) options: WireOptions,
}

/// Reads a request body, or answers `400` saying what is wrong with it.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Answer> {
    parse_named(body, "body", "the request body")
}

/// Reads JSON that arrived as `what` (named `field` in an error), or
/// answers `400` saying what is wrong with it.
pub(crate) fn parse_named<T: for<'de> Deserialize<'de>>(
    text: &[u8],
    field: &str,
    what: &str,
) -> Result<T, Answer> {
    let mut reader = serde_json::Deserializer::from_slice(text);
    let read = serde_path_to_error::deserialize(&mut reader)
        .map_err(|e| (e.path().to_string(), e.into_inner()))
        .and_then(|value| {
            // Nothing but white space may follow the value.
            reader.end().map_err(|e| (String::new(), e))?;
            Ok(value)
        });
    read.map_err(|(path, e)| {
        let path = match path.as_str() {
            "." => String::new(),
            _ => path,
        };
        // Where in the JSON it went wrong, as the fields of other errors are
        // named (`options.max_attempts`); the whole of it at its root.
        let field = match path.as_str() {
            "" => field.to_owned(),
            inner if field == "body" => inner.to_owned(),
            inner => format!("{field}.{inner}"),
        };
        let reason = plain_reason(&e);
        // An unknown field's path ends with it: the object it is in says it.
        let within = match reason.starts_with("has an unknown field") {
            true => path.rsplit_once('.').map_or("", |(parent, _)| parent),
            false => path.as_str(),
        };
        let reason = match (e.classify(), within) {
            (serde_json::error::Category::Data, "") => format!("{what} {reason}"),
            (serde_json::error::Category::Data, within) => format!("{what}'s `{within}` {reason}"),
            _ => format!("{what} is not JSON ({})", without_position(&e.to_string())),
        };
        error_answer(&ConnectorError::invalid(field, reason), None)
    })
}

/// serde's account of a value that does not fit, for people: without the
/// value it quotes (see [`without_values`]) or the line and column (a body
/// is one line), and its `missing field` said as what the body lacks.
pub(crate) fn plain_reason(error: &serde_json::Error) -> String {
    let message = without_position(&without_values(error));
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("lacks {field}, which is required");
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return format!("has an unknown field {rest}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return format!("has an unknown choice {rest}");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return format!("has a value of the wrong type ({rest})");
    }
    message
}

/// A serde message without its ` at line L column C`.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_owned(),
        _ => message.to_owned(),
    }
}

/// serde's message without the value it quotes (`invalid type: string
/// "…"`), which may be a token put in the wrong field; field names, which
/// it quotes with backticks, stay.
pub(crate) fn without_values(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match (message.find('"'), message.rfind('"')) {
        (Some(first), Some(last)) if first < last => {
            format!("{}…{}", &message[..first], &message[last + 1..])
        }
        _ => message,
    }
}

/// A JSON body sent upstream: text as it came.
pub(crate) fn body_text(body: Option<Box<RawValue>>) -> Option<String> {
    body.map(|raw| String::from(Box::<str>::from(raw)))
}
