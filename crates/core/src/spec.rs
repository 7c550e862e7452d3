//! Where the catalog comes from: the embedded 5.11.0 description, an
//! OpenAPI JSON given inline, or one fetched from an `https://` URL.

use std::borrow::Cow;

use crate::catalog::{self, Catalog};
use crate::error::ConnectorError;
use crate::http::USER_AGENT;
use crate::http::{HttpRequest, Method, NamedBy, Transport};
use crate::openapi::read_catalog;

/// Where the API description comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SpecSource {
    /// The embedded Pinterest 5.11.0 catalog.
    #[default]
    Embedded,
    /// An `https://` URL of an OpenAPI 3.0 JSON.
    Url(String),
    /// An OpenAPI 3.0 JSON document.
    Json(String),
}

/// The catalog `source` describes. A URL is fetched through `transport`
/// without credentials.
pub(crate) fn load_catalog(
    source: &SpecSource,
    transport: &mut dyn Transport,
) -> Result<Cow<'static, Catalog>, ConnectorError> {
    match source {
        SpecSource::Embedded => Ok(Cow::Borrowed(catalog::embedded())),
        SpecSource::Json(text) => parse(text).map(Cow::Owned),
        SpecSource::Url(location) => {
            let url = url::Url::parse(location).map_err(|e| {
                ConnectorError::invalid("spec", format!("`{location}` is not a URL: {e}"))
            })?;
            if url.scheme() != "https" {
                return Err(ConnectorError::invalid(
                    "spec",
                    "the description's URL must be https://",
                ));
            }
            let request = HttpRequest {
                method: Method::Get,
                url,
                headers: vec![
                    ("Accept".into(), "application/json".into()),
                    ("User-Agent".into(), USER_AGENT.into()),
                ],
                body: None,
                named_by: NamedBy::Connector,
            };
            let response = transport.send(&request)?;
            response.check_status()?;
            let text = std::str::from_utf8(&response.body).map_err(|_| {
                ConnectorError::invalid("spec", "the description is not UTF-8 text")
            })?;
            parse(text).map(Cow::Owned)
        }
    }
}

fn parse(text: &str) -> Result<Catalog, ConnectorError> {
    let catalog = read_catalog(text).map_err(|e| ConnectorError::invalid("spec", e.to_string()))?;
    if catalog.operations.is_empty() {
        return Err(ConnectorError::invalid(
            "spec",
            "the description has no operations",
        ));
    }
    Ok(catalog)
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
