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

use crate::destination::JobUrls;
use crate::error::{ApiError, ConnectorError};
use crate::http::{BodyChunks, HttpResponse, StreamedResponse};

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
    read_status_for(response, JobUrls::Https)
}

/// [`read_status`], taking the download URLs `urls` allows.
pub fn read_status_for(
    response: &HttpResponse,
    urls: JobUrls,
) -> Result<ReportStatus, ConnectorError> {
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
                .filter(|url| urls.allow(url))
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

/// A finished report's bytes as they download, unpacked on the way when
/// they come gzip-compressed (every member, as `gzip -d` does): each chunk
/// is handed over as it arrives, so that no more than a chunk is held.
pub struct ReportReader {
    body: Box<dyn BodyChunks>,
    status: u16,
    said_gzip: bool,
    unpack: Unpack,
}

enum Unpack {
    /// Fewer than the two bytes that tell plain from gzip seen yet: these.
    Undecided(Vec<u8>),
    Plain,
    Gzip(Box<flate2::write::MultiGzDecoder<Vec<u8>>>),
    Done,
}

impl ReportReader {
    /// Reads `response`'s body (a 2xx download).
    pub fn new(response: StreamedResponse) -> ReportReader {
        ReportReader {
            said_gzip: is_gzip(response.header("content-encoding"), &[]),
            status: response.status,
            body: response.body,
            unpack: Unpack::Undecided(Vec::new()),
        }
    }

    /// The next chunk of the report, unpacked; `None` after the last. A
    /// body that says it is gzip and is not is `upstream`.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ConnectorError> {
        use std::io::Write;
        loop {
            let Some(mut chunk) = self.body_chunk()? else {
                return self.finish();
            };
            if let Unpack::Undecided(seen) = &mut self.unpack {
                seen.extend_from_slice(&chunk);
                if seen.len() < 2 && !self.said_gzip {
                    continue;
                }
                chunk = std::mem::take(seen);
                self.unpack = if self.said_gzip || is_gzip(None, &chunk) {
                    Unpack::Gzip(Box::new(flate2::write::MultiGzDecoder::new(Vec::new())))
                } else {
                    Unpack::Plain
                };
            }
            let status = self.status;
            match &mut self.unpack {
                Unpack::Gzip(decoder) => {
                    decoder
                        .write_all(&chunk)
                        .map_err(|e| corrupt(status, &e.to_string()))?;
                    let out = std::mem::take(decoder.get_mut());
                    if !out.is_empty() {
                        return Ok(Some(out));
                    }
                }
                _ => return Ok(Some(chunk)),
            }
        }
    }

    fn body_chunk(&mut self) -> Result<Option<Vec<u8>>, ConnectorError> {
        if matches!(self.unpack, Unpack::Done) {
            return Ok(None);
        }
        // Empty chunks say nothing; skip them.
        loop {
            match self.body.next_chunk()? {
                Some(chunk) if chunk.is_empty() => {}
                other => return Ok(other),
            }
        }
    }

    fn finish(&mut self) -> Result<Option<Vec<u8>>, ConnectorError> {
        let unpack = std::mem::replace(&mut self.unpack, Unpack::Done);
        let mut decoder = match unpack {
            Unpack::Gzip(decoder) => decoder,
            // A body of one byte: plain.
            Unpack::Undecided(seen) => return Ok((!seen.is_empty()).then_some(seen)),
            Unpack::Plain | Unpack::Done => return Ok(None),
        };
        decoder
            .try_finish()
            .map_err(|e| corrupt(self.status, &e.to_string()))?;
        let out = std::mem::take(decoder.get_mut());
        Ok((!out.is_empty()).then_some(out))
    }
}

/// The `upstream` error of a download (answered `status`) that says it is
/// gzip and is not.
fn corrupt(status: u16, why: &str) -> ConnectorError {
    ConnectorError::Upstream(ApiError {
        status,
        code: None,
        message: format!("the report is not valid gzip: {why}"),
        request_id: None,
        attempts: 1,
    })
}

fn malformed(response: &HttpResponse, why: String) -> ConnectorError {
    let mut api = response.api_error();
    api.message = format!("the report answer {why}");
    ConnectorError::Upstream(api)
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
