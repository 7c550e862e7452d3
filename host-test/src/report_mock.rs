//! The mock's asynchronous ads reports: `POST /v5/ad_accounts/{id}/reports`
//! answers a token; `GET` on the same path with `?token=` answers
//! `IN_PROGRESS` for a few polls, then `FINISHED` with a pre-signed URL on
//! an S3-like download host (or the failure state the test chose); the
//! download host (a listener of its own) serves the report, plain or
//! gzip-compressed (said by `Content-Encoding`, or not, as S3 serves a
//! stored `.gz`), and refuses a request with an `Authorization` header or
//! without the URL's signature, as S3 does.

use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::media_mock::s3_error;
use serde_json::json;

/// The download host the mock names.
pub const REPORT_HOST: &str = "pinterest-analytics-reports.s3.amazonaws.com";

/// How the download host serves a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportEncoding {
    /// As it is.
    Plain,
    /// gzip-compressed, with `Content-Encoding: gzip`.
    GzipDeclared,
    /// gzip-compressed, served as a stored `.gz` object: nothing says so.
    GzipUndeclared,
}

/// What the report endpoints play.
#[derive(Debug, Clone)]
pub struct ReportPlay {
    /// Status asks answered `IN_PROGRESS` before the end.
    pub polls: u32,
    /// The state a report ends in: `None` for `FINISHED`, else one of
    /// `FAILED`, `CANCELLED`, `EXPIRED`, `DOES_NOT_EXIST`.
    pub end: Option<String>,
    /// The report's size, unpacked.
    pub bytes: usize,
    /// How it is served.
    pub encoding: ReportEncoding,
}

impl Default for ReportPlay {
    fn default() -> Self {
        ReportPlay {
            polls: 2,
            end: None,
            bytes: 64 * 1024,
            encoding: ReportEncoding::Plain,
        }
    }
}

/// The report's CSV: `bytes` long, the same for the same length, so that a
/// test can check every byte that arrives against it.
pub fn report_csv(bytes: usize) -> Vec<u8> {
    let mut csv = b"DATE,CAMPAIGN_ID,SPEND_IN_DOLLAR,IMPRESSION_1\n".to_vec();
    let mut row = 0u64;
    while csv.len() < bytes {
        csv.extend_from_slice(
            format!(
                "2024-{:02}-{:02},{},{}.{:02},{}\n",
                row % 12 + 1,
                row % 28 + 1,
                626_000_000_000 + row % 50,
                row % 977,
                row % 100,
                row * 7 % 100_003
            )
            .as_bytes(),
        );
        row += 1;
    }
    csv.truncate(bytes);
    csv
}

/// One download as the download host received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedDownload {
    /// Every request header, names lowercase.
    pub headers: Vec<(String, String)>,
    /// What the host answered.
    pub status: u16,
}

pub(crate) struct ReportStore {
    play: ReportPlay,
    /// Where the download URLs the mock names point: the S3 host's
    /// `https://…` or the download listener's `http://127.0.0.1:…`.
    base: String,
    /// Tokens issued, with the status asks each has had.
    reports: Mutex<Vec<(String, u32)>>,
    received: Mutex<Vec<ReceivedDownload>>,
    /// The served body, made once.
    body: OnceLock<Arc<Vec<u8>>>,
}

impl ReportStore {
    pub(crate) fn new(play: ReportPlay, base: String) -> ReportStore {
        ReportStore {
            play,
            base,
            reports: Mutex::new(Vec::new()),
            received: Mutex::new(Vec::new()),
            body: OnceLock::new(),
        }
    }

    pub(crate) fn received(&self) -> Vec<ReceivedDownload> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// `POST /v5/ad_accounts/{id}/reports`.
    pub(crate) fn create(&self) -> Response {
        let mut reports = self.reports.lock().expect("reports");
        let token = format!("mock-report-{}", reports.len() + 1);
        reports.push((token.clone(), 0));
        axum::Json(json!({"report_status": "IN_PROGRESS", "token": token, "message": null}))
            .into_response()
    }

    /// `GET /v5/ad_accounts/{id}/reports?token=`.
    pub(crate) fn status(&self, token: Option<&str>) -> Response {
        let mut reports = self.reports.lock().expect("reports");
        let Some((token, polls)) = reports.iter_mut().find(|(t, _)| Some(t.as_str()) == token)
        else {
            return axum::Json(
                json!({"report_status": "DOES_NOT_EXIST", "url": null, "size": null}),
            )
            .into_response();
        };
        *polls += 1;
        if *polls <= self.play.polls {
            return axum::Json(json!({"report_status": "IN_PROGRESS", "url": null, "size": null}))
                .into_response();
        }
        if let Some(end) = &self.play.end {
            return axum::Json(json!({"report_status": end, "url": null, "size": null}))
                .into_response();
        }
        let url = format!(
            "{}/reports/{token}.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=mock",
            self.base
        );
        let size = self.body().len();
        axum::Json(json!({"report_status": "FINISHED", "url": url, "size": size as f64}))
            .into_response()
    }

    fn body(&self) -> Arc<Vec<u8>> {
        self.body
            .get_or_init(|| {
                let csv = report_csv(self.play.bytes);
                Arc::new(match self.play.encoding {
                    ReportEncoding::Plain => csv,
                    ReportEncoding::GzipDeclared | ReportEncoding::GzipUndeclared => {
                        use std::io::Write;
                        let mut encoder =
                            flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                        encoder.write_all(&csv).expect("gzip into memory");
                        encoder.finish().expect("gzip into memory")
                    }
                })
            })
            .clone()
    }
}

/// The download host's router.
pub(crate) fn download_router(store: Arc<ReportStore>) -> Router {
    Router::new()
        .route("/reports/{file}", axum::routing::get(download))
        .with_state(store)
}

async fn download(
    State(store): State<Arc<ReportStore>>,
    Path(_file): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let (status, answer) = if headers.contains_key("authorization") {
        (
            StatusCode::BAD_REQUEST,
            s3_error(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "Only one auth mechanism allowed",
            ),
        )
    } else if !query.iter().any(|(k, _)| k == "X-Amz-Signature") {
        (
            StatusCode::FORBIDDEN,
            s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied"),
        )
    } else {
        let body = store.body();
        let mut response = Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "text/csv")
            .header("content-length", body.len());
        if store.play.encoding == ReportEncoding::GzipDeclared {
            response = response.header("content-encoding", "gzip");
        }
        // Sent in pieces, as a large object arrives.
        let pieces: Vec<Result<Vec<u8>, std::io::Error>> = body
            .chunks(256 * 1024)
            .map(|piece| Ok(piece.to_vec()))
            .collect();
        let body = Body::from_stream(futures_util::stream::iter(pieces));
        (
            StatusCode::OK,
            response
                .body(body)
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        )
    };
    if let Ok(mut received) = store.received.lock() {
        received.push(ReceivedDownload {
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            status: status.as_u16(),
        });
    }
    answer
}
