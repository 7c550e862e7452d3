//! Asynchronous ads reports, the parts that are plain data: the token
//! `POST /ad_accounts/{id}/reports` answers, the states `GET` on the same
//! path with `?token=` reports, and the download URL a finished report
//! names.
//!
//! A finished report is fetched from a pre-signed S3 URL (valid about an
//! hour) without the Authorization header; it may come gzip-compressed
//! ([`is_gzip`]). Reports reach about 2.5 years back, where the synchronous
//! analytics endpoints reach 90 days; the sandbox does not serve them.

use serde::Deserialize;

use crate::destination::is_plain_https;
use crate::error::ConnectorError;
use crate::http::HttpResponse;

/// Where a report stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportStatus {
    /// Still being made: ask again later.
    InProgress,
    /// Made: download it from `url` (without credentials).
    Finished {
        /// The pre-signed download URL.
        url: url::Url,
        /// Its size in bytes, when Pinterest says.
        size: Option<u64>,
    },
    /// It will never be made, and why, as Pinterest spells it: `FAILED`,
    /// `CANCELLED`, `EXPIRED` or `DOES_NOT_EXIST`.
    Ended(String),
}

/// Reads `POST /ad_accounts/{id}/reports`' answer: the report's token. A
/// non-2xx answer is its typed error; an answer without a token is an
/// upstream error.
pub fn read_token(response: &HttpResponse) -> Result<String, ConnectorError> {
    response.check_status()?;
    #[derive(Deserialize)]
    struct Body {
        token: Option<String>,
    }
    serde_json::from_slice::<Body>(&response.body)
        .ok()
        .and_then(|body| body.token)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| malformed(response, "has no token".into()))
}

/// Reads the report status `GET /ad_accounts/{id}/reports?token=` answers.
/// A `FINISHED` report without a plain `https` URL, or a state Pinterest
/// does not document, is an upstream error.
pub fn read_status(response: &HttpResponse) -> Result<ReportStatus, ConnectorError> {
    response.check_status()?;
    #[derive(Deserialize)]
    struct Body {
        report_status: Option<String>,
        url: Option<String>,
        size: Option<f64>,
    }
    let body: Body = serde_json::from_slice(&response.body)
        .map_err(|e| malformed(response, format!("is not the expected JSON: {e}")))?;
    match body.report_status.as_deref() {
        Some("IN_PROGRESS") => Ok(ReportStatus::InProgress),
        Some("FINISHED") => {
            let url = body
                .url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok())
                .filter(is_plain_https)
                .ok_or_else(|| {
                    malformed(response, "is FINISHED without a plain https URL".into())
                })?;
            let size = body
                .size
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| s as u64);
            Ok(ReportStatus::Finished { url, size })
        }
        Some(state @ ("FAILED" | "CANCELLED" | "EXPIRED" | "DOES_NOT_EXIST")) => {
            Ok(ReportStatus::Ended(state.to_owned()))
        }
        other => Err(malformed(
            response,
            format!(
                "has no known report_status (got {})",
                other.map_or_else(|| "none".to_owned(), |s| format!("`{s}`"))
            ),
        )),
    }
}

/// Whether a downloaded report is gzip-compressed: said by its
/// `Content-Encoding`, or by the gzip magic bytes it starts with (S3 serves
/// a stored `.gz` object without saying so).
pub fn is_gzip(content_encoding: Option<&str>, first_bytes: &[u8]) -> bool {
    content_encoding.is_some_and(|e| e.trim().eq_ignore_ascii_case("gzip"))
        || first_bytes.starts_with(&[0x1f, 0x8b])
}

/// Unpacks a whole gzip-compressed report (every member, as `gzip -d`
/// does).
pub fn gunzip(compressed: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(compressed).read_to_end(&mut out)?;
    Ok(out)
}

fn malformed(response: &HttpResponse, why: String) -> ConnectorError {
    let mut api = response.api_error();
    api.message = format!("the report answer {why}");
    ConnectorError::Upstream(api)
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
