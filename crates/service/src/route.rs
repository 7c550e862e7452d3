//! The routes: which action a method and path name, and the catalog's
//! answers (the index, the endpoints, one endpoint's input schema).

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use pinterest_connector_core::catalog::Catalog;
use pinterest_connector_core::error::ConnectorError;

use crate::answer::{Answer, error_answer, failure, json};

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
    /// `POST /upload-media`
    UploadMedia,
    /// `POST /await-media`
    AwaitMedia,
    /// `POST /create-report`
    CreateReport,
    /// `POST /download-report`
    DownloadReport,
    /// `POST /poll`
    Poll,
}

/// The route of `method` and `path`, or the `404`/`405` answer.
pub fn route(method: &str, path: &str) -> Result<Route, Answer> {
    let (route, allowed) = match path {
        "/" => (Route::Index, "GET"),
        "/endpoints" => (Route::Endpoints, "GET"),
        "/api-call" => (Route::ApiCall, "POST"),
        "/raw-request" => (Route::RawRequest, "POST"),
        "/verify-credentials" => (Route::VerifyCredentials, "POST"),
        "/upload-media" => (Route::UploadMedia, "POST"),
        "/await-media" => (Route::AwaitMedia, "POST"),
        "/create-report" => (Route::CreateReport, "POST"),
        "/download-report" => (Route::DownloadReport, "POST"),
        "/poll" => (Route::Poll, "POST"),
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

pub(crate) fn index() -> Value {
    serde_json::json!({
        "service": "pinterest-connector",
        "version": env!("CARGO_PKG_VERSION"),
        "routes": [
            "GET /endpoints",
            "GET /endpoints/{id}",
            "POST /api-call",
            "POST /raw-request",
            "POST /verify-credentials",
            "POST /upload-media",
            "POST /await-media",
            "POST /create-report",
            "POST /download-report",
            "POST /poll",
            "POST /mcp",
            "POST /mcp/no-destructive",
            "POST /mcp/read-only",
        ],
    })
}

/// The embedded catalog, loaded without I/O.
pub(crate) fn embedded() -> &'static Catalog {
    pinterest_connector_core::catalog::embedded()
}

#[derive(Serialize)]
pub(crate) struct EndpointSummary<'a> {
    id: &'a str,
    method: &'a str,
    path: &'a str,
    label: String,
    paginated: bool,
}

pub(crate) fn endpoints() -> Answer {
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

pub(crate) fn endpoint(id: &str) -> Answer {
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
    // Borrowed from the bytes: `from_string` parses with a second reader.
    match serde_json::from_slice::<&RawValue>(schema.as_bytes()) {
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
                input_schema: schema,
            },
        ),
        Err(e) => failure(
            500,
            "internal",
            &format!("the input schema is not JSON: {e}"),
        ),
    }
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
