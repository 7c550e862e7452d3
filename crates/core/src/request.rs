//! Building the HTTP request of an `api-call` from an operation and its
//! inputs: checked first, then percent-encoded path parameters, query
//! parameters serialised per `explode`, and the body in the operation's
//! media type.

use serde_json::Value;

use crate::catalog::{Auth, Catalog, Operation, ParamLocation, Parameter};
use crate::credentials::Credentials;
use crate::error::ConnectorError;
use crate::http::{
    HttpRequest, NamedBy, base_headers, encode_path_segment, form_string, form_value,
};
use crate::schema::{Validator, check_count};
use crate::session::Session;

/// The inputs of one call to a catalog endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallInput {
    /// The description the endpoint comes from.
    pub spec: crate::spec::SpecSource,
    /// `GET /pins` or an operationId.
    pub endpoint: String,
    /// Path template values by name.
    pub path_params: Vec<(String, String)>,
    /// Query parameters by name; a repeated name is an array.
    pub query_params: Vec<(String, String)>,
    /// The JSON body as text.
    pub body: Option<String>,
}

/// A checked call: the request without its `bookmark`, which pagination
/// adds page by page.
#[derive(Debug, Clone)]
pub struct PreparedCall {
    /// The request as built from the inputs, minus `bookmark`.
    pub request: HttpRequest,
    /// The `bookmark` the caller passed, if any.
    pub bookmark: Option<String>,
    /// Whether the operation pages with `bookmark`.
    pub paginated: bool,
    /// How it authenticates: a [`Auth::Basic`] request already carries the
    /// app's client credentials and is sent without the bearer token.
    pub auth: Auth,
}

impl PreparedCall {
    /// The request for the page at `bookmark` (the first page for `None`).
    pub(crate) fn request_at(&self, bookmark: Option<&str>) -> HttpRequest {
        let mut request = self.request.clone();
        if let Some(bookmark) = bookmark {
            let pair = form_string([("bookmark", bookmark)]);
            let query = match request.url.query() {
                Some(q) if !q.is_empty() => format!("{q}&{pair}"),
                _ => pair,
            };
            request.url.set_query(Some(&query));
        }
        request
    }
}

/// Checks `input` against the catalog and builds its request for the
/// session's credentials, at its API base.
pub fn prepare_call(
    catalog: &Catalog,
    session: &Session,
    input: &CallInput,
) -> Result<PreparedCall, ConnectorError> {
    let credentials = session.credentials();
    let op = catalog.get(&input.endpoint)?;
    let authorization = match op.auth {
        Auth::Bearer => {
            credentials.validate()?;
            None
        }
        Auth::Basic => Some(basic_authorization(op, credentials)?),
    };
    preflight(op, credentials)?;
    let validator = Validator::new(&catalog.schemas);
    let path = render_path(&validator, op, &input.path_params)?;
    let (query, bookmark) = render_query(&validator, op, &input.query_params)?;
    let body = render_body(&validator, op, input.body.as_deref())?;

    let mut url_text = format!("{}{}", session.api_base(), path);
    if !query.is_empty() {
        url_text.push('?');
        url_text.push_str(&query);
    }
    let url = url::Url::parse(&url_text)
        .map_err(|e| ConnectorError::invalid("path", format!("does not form a valid URL: {e}")))?;
    let mut headers = base_headers(credentials.access_token());
    if let Some(basic) = authorization {
        for (name, value) in &mut headers {
            if name.eq_ignore_ascii_case("authorization") {
                *value = basic.clone();
            }
        }
    }
    if let (Some(_), Some(spec)) = (&body, &op.body) {
        headers.push(("Content-Type".into(), spec.content_type.clone()));
    }
    Ok(PreparedCall {
        request: HttpRequest {
            method: op.method,
            url,
            headers,
            body,
            named_by: NamedBy::Connector,
        },
        bookmark,
        paginated: op.paginated,
        auth: op.auth,
    })
}

/// The `Authorization` value of an operation that declares HTTP Basic
/// security: the app's client id and secret, which only OAuth2 credentials
/// hold.
fn basic_authorization(
    op: &Operation,
    credentials: &Credentials,
) -> Result<String, ConnectorError> {
    let needs = format!(
        "`{}` authenticates with the app's client id and secret (HTTP Basic)",
        op.label()
    );
    match credentials {
        Credentials::Sandbox(_) => Err(ConnectorError::invalid(
            "credentials",
            format!("{needs}: sandbox credentials hold only a token; use OAuth2 credentials"),
        )),
        Credentials::OAuth2(oauth) if oauth.client_id.is_empty() => Err(ConnectorError::invalid(
            "credentials.client-id",
            format!("{needs}: it is empty"),
        )),
        Credentials::OAuth2(oauth) if oauth.client_secret.is_empty() => Err(
            ConnectorError::invalid("credentials.client-secret", format!("{needs}: it is empty")),
        ),
        Credentials::OAuth2(oauth) => Ok(format!(
            "Basic {}",
            crate::oauth::basic_credentials(&oauth.client_id, &oauth.client_secret)
        )),
    }
}

/// Refuses a call the API would refuse anyway: an endpoint the sandbox does
/// not serve, with sandbox credentials; or, when the credentials say which
/// scopes were granted, an endpoint that needs others.
pub(crate) fn preflight(op: &Operation, credentials: &Credentials) -> Result<(), ConnectorError> {
    if credentials.is_sandbox() && op.sandbox == Some(false) {
        return Err(ConnectorError::UnsupportedInSandbox(format!(
            "`{}` is not served by the sandbox API",
            op.label()
        )));
    }
    if let Credentials::OAuth2(oauth) = credentials
        && !oauth.scopes.is_empty()
    {
        let missing: Vec<String> = op
            .scopes
            .iter()
            .filter(|needed| !oauth.scopes.contains(needed))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(ConnectorError::MissingScopes {
                endpoint: op.label(),
                scopes: missing,
            });
        }
    }
    Ok(())
}

/// Fills the path template, refusing missing, empty, dot-segment and
/// unknown parameters.
fn render_path(
    validator: &Validator<'_>,
    op: &Operation,
    given: &[(String, String)],
) -> Result<String, ConnectorError> {
    for (name, _) in given {
        if op.param(ParamLocation::Path, name).is_none() {
            return Err(ConnectorError::invalid(
                format!("path.{name}"),
                format!("`{}` has no path parameter `{name}`", op.id),
            ));
        }
    }
    let mut out = String::with_capacity(op.path.len() + 16);
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|i| open + i)
            .ok_or_else(|| ConnectorError::invalid("endpoint", "malformed path template"))?;
        let name = &rest[open + 1..close];
        let field = format!("path.{name}");
        let value = given
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| ConnectorError::invalid(&field, "is required"))?;
        if value.is_empty() {
            return Err(ConnectorError::invalid(&field, "must not be empty"));
        }
        if value == "." || value == ".." {
            return Err(ConnectorError::invalid(&field, "must not be `.` or `..`"));
        }
        if let Some(param) = op.param(ParamLocation::Path, name) {
            validator.validate_text(&field, &param.schema, value)?;
        }
        out.push_str(&encode_path_segment(value));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Serialises the query, in the operation's parameter order. Returns the
/// query string without `bookmark`, and the bookmark apart.
fn render_query(
    validator: &Validator<'_>,
    op: &Operation,
    given: &[(String, String)],
) -> Result<(String, Option<String>), ConnectorError> {
    for (name, _) in given {
        if op.param(ParamLocation::Query, name).is_none() {
            return Err(ConnectorError::invalid(
                format!("query.{name}"),
                format!("`{}` has no query parameter `{name}`", op.id),
            ));
        }
    }
    let mut pairs: Vec<String> = Vec::new();
    let mut bookmark = None;
    for param in op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Query)
    {
        let field = format!("query.{}", param.name);
        let values: Vec<&str> = given
            .iter()
            .filter(|(n, _)| *n == param.name)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            if param.required {
                return Err(ConnectorError::invalid(&field, "is required"));
            }
            continue;
        }
        if param.name == "bookmark" && op.paginated {
            bookmark = Some(single(&field, &values)?.to_owned());
            continue;
        }
        render_query_param(validator, param, &field, &values, &mut pairs)?;
    }
    Ok((pairs.join("&"), bookmark))
}

fn render_query_param(
    validator: &Validator<'_>,
    param: &Parameter,
    field: &str,
    values: &[&str],
    pairs: &mut Vec<String>,
) -> Result<(), ConnectorError> {
    if param.deep_object {
        return render_deep_object(validator, param, field, single(field, values)?, pairs);
    }
    let schema = validator.resolve(field, &param.schema, 0)?;
    if schema.get("type").and_then(Value::as_str) == Some("array") {
        let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
        for (i, v) in values.iter().enumerate() {
            validator.validate_text(&format!("{field}[{i}]"), &item_schema, v)?;
        }
        if let Some(rules) = schema.as_object() {
            check_count(field, rules, values.len())?;
        }
        if param.explode {
            pairs.extend(
                values
                    .iter()
                    .map(|v| form_string([(param.name.as_str(), *v)])),
            );
        } else {
            let joined: Vec<String> = values.iter().map(|v| form_value(v)).collect();
            pairs.push(format!("{}={}", form_value(&param.name), joined.join(",")));
        }
    } else {
        let value = single(field, values)?;
        validator.validate_text(field, schema, value)?;
        pairs.push(form_string([(param.name.as_str(), value)]));
    }
    Ok(())
}

/// A `deepObject` parameter: the value is a JSON object, checked against the
/// schema and sent as `name[key]=value` pairs (nested values as JSON text).
fn render_deep_object(
    validator: &Validator<'_>,
    param: &Parameter,
    field: &str,
    value: &str,
    pairs: &mut Vec<String>,
) -> Result<(), ConnectorError> {
    let object: Value = serde_json::from_slice(value.as_bytes())
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            ConnectorError::invalid(field, "must be a JSON object (deepObject style)")
        })?;
    validator.validate(field, &param.schema, &object)?;
    for (key, v) in object.as_object().into_iter().flatten() {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let name = format!("{}[{key}]", param.name);
        pairs.push(form_string([(name.as_str(), text.as_str())]));
    }
    Ok(())
}

fn single<'a>(field: &str, values: &[&'a str]) -> Result<&'a str, ConnectorError> {
    match values {
        [one] => Ok(one),
        _ => Err(ConnectorError::invalid(field, "takes a single value")),
    }
}

/// The body in the operation's media type: JSON as compact JSON, and a
/// JSON object as `application/x-www-form-urlencoded` where the spec says so.
fn render_body(
    validator: &Validator<'_>,
    op: &Operation,
    given: Option<&str>,
) -> Result<Option<Vec<u8>>, ConnectorError> {
    let Some(spec) = &op.body else {
        return match given {
            Some(_) => Err(ConnectorError::invalid(
                "body",
                format!("`{}` takes no body", op.id),
            )),
            None => Ok(None),
        };
    };
    let Some(text) = given else {
        return if spec.required {
            Err(ConnectorError::invalid("body", "is required"))
        } else {
            Ok(None)
        };
    };
    let value: Value = serde_json::from_slice(text.as_bytes())
        .map_err(|e| ConnectorError::invalid("body", format!("is not valid JSON: {e}")))?;
    validator.validate("body", &spec.schema, &value)?;
    if spec.content_type == "application/x-www-form-urlencoded" {
        let Value::Object(fields) = value else {
            return Err(ConnectorError::invalid(
                "body",
                "must be a JSON object for a form body",
            ));
        };
        let texts: Vec<(&str, String)> = fields
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.as_str(), v)
            })
            .collect();
        let form = form_string(texts.iter().map(|(k, v)| (*k, v.as_str())));
        return Ok(Some(form.into_bytes()));
    }
    Ok(Some(value.to_string().into_bytes()))
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
