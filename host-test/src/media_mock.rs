//! The mock's video uploads: `POST /v5/media` registers one and names an
//! S3-like upload host; that host (a listener of its own) takes the file the
//! way S3 takes a browser-style POST upload, strictly: a
//! `multipart/form-data` body with a `Content-Length` (a chunked body is
//! refused with 411 `MissingContentLength`, as S3 does), every upload
//! parameter as a field with the value handed out, the file last as field
//! `file`, and no `Authorization` (S3 refuses a request carrying two kinds of
//! credentials); `GET /v5/media/{media_id}` then reports `registered`,
//! `processing` for a few polls, and `succeeded` — or `failed` when the file
//! is an image (Pinterest fails a cover image uploaded as the video).
//! The multipart body is read by `multer` (through axum's `Multipart`), a
//! parser the connector did not write.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The upload host the mock names, as Pinterest does.
pub const UPLOAD_HOST: &str = "pinterest-media-upload.s3-accelerate.amazonaws.com";

/// One upload as the S3-like host received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedUpload {
    /// Every request header, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The form fields before the file, in order.
    pub fields: Vec<(String, String)>,
    /// The file's bytes.
    pub file_len: usize,
    /// What the host answered.
    pub status: u16,
}

struct Media {
    id: String,
    key: String,
    uploaded: Option<Vec<u8>>,
    /// Status asks answered since the upload.
    polls_since_upload: u32,
}

/// The uploads the mock knows, shared by the API and the upload host.
pub(crate) struct MediaStore {
    media: Mutex<Vec<Media>>,
    received: Mutex<Vec<ReceivedUpload>>,
    /// Status asks answered `processing` after an upload, before the end.
    processing_polls: u32,
    /// The upload URL the registration names.
    upload_url: String,
}

impl MediaStore {
    pub(crate) fn new(processing_polls: u32, upload_url: String) -> MediaStore {
        MediaStore {
            media: Mutex::new(Vec::new()),
            received: Mutex::new(Vec::new()),
            processing_polls,
            upload_url,
        }
    }

    pub(crate) fn received(&self) -> Vec<ReceivedUpload> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// `POST /v5/media`.
    pub(crate) fn register(&self, body: &[u8]) -> Response {
        let media_type = serde_json::from_slice::<Value>(body).ok().and_then(|b| {
            b.get("media_type")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        if media_type.as_deref() != Some("video") {
            return api_error(StatusCode::BAD_REQUEST, 1, "media_type must be video.");
        }
        let mut media = self.media.lock().expect("media");
        let id = (3_000_000_000_000u64 + media.len() as u64).to_string();
        let key = format!("uploads/{id}/video");
        media.push(Media {
            id: id.clone(),
            key: key.clone(),
            uploaded: None,
            polls_since_upload: 0,
        });
        (
            StatusCode::CREATED,
            axum::Json(json!({
                "media_id": id,
                "media_type": "video",
                "upload_url": self.upload_url,
                "upload_parameters": upload_parameters(&key),
            })),
        )
            .into_response()
    }

    /// `GET /v5/media/{media_id}`.
    pub(crate) fn status(&self, media_id: &str) -> Response {
        let mut media = self.media.lock().expect("media");
        let Some(found) = media.iter_mut().find(|m| m.id == media_id) else {
            return api_error(StatusCode::NOT_FOUND, 404, "Media not found.");
        };
        let status = match &found.uploaded {
            None => "registered",
            Some(bytes) => {
                found.polls_since_upload += 1;
                if found.polls_since_upload <= self.processing_polls {
                    "processing"
                } else if is_image(bytes) {
                    "failed"
                } else {
                    "succeeded"
                }
            }
        };
        axum::Json(json!({"media_id": found.id, "media_type": "video", "status": status}))
            .into_response()
    }

    /// Whether `media_id` was uploaded and has succeeded: what a video pin
    /// may name.
    pub(crate) fn is_ready(&self, media_id: &str) -> bool {
        self.media.lock().is_ok_and(|media| {
            media.iter().any(|m| {
                m.id == media_id
                    && m.uploaded.as_deref().is_some_and(|b| !is_image(b))
                    && m.polls_since_upload > self.processing_polls
            })
        })
    }
}

/// The form fields an upload must carry, as Pinterest hands them out.
fn upload_parameters(key: &str) -> Value {
    json!({
        "key": key,
        "policy": "eyJleHBpcmF0aW9uIjogIm1vY2sifQ==",
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": "MOCKKEY/20240101/us-east-1/s3/aws4_request",
        "x-amz-date": "20240101T000000Z",
        "x-amz-signature": "0123456789abcdef",
        "Content-Type": "multipart/form-data",
    })
}

fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG") || bytes.starts_with(&[0xff, 0xd8, 0xff])
}

/// The S3-like upload host's router.
pub(crate) fn upload_router(store: Arc<MediaStore>) -> Router {
    // S3 takes objects up to 5 GB in one POST; the mock, 256 MiB.
    Router::new()
        .route("/", axum::routing::post(upload))
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024 * 1024))
        .with_state(store)
}

/// An S3 error answer, as both S3-like hosts of the mock give it.
pub(crate) fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/xml")],
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"),
    )
        .into_response()
}

async fn upload(State(store): State<Arc<MediaStore>>, request: Request) -> Response {
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let (status, fields, file_len, answer) =
        check_upload(&store, request.headers().clone(), request).await;
    if let Ok(mut received) = store.received.lock() {
        received.push(ReceivedUpload {
            headers,
            fields,
            file_len,
            status: status.as_u16(),
        });
    }
    answer
}

async fn check_upload(
    store: &MediaStore,
    headers: HeaderMap,
    request: Request,
) -> (StatusCode, Vec<(String, String)>, usize, Response) {
    let refuse = |status: StatusCode, code: &str, message: &str| {
        (status, Vec::new(), 0, s3_error(status, code, message))
    };
    if headers.contains_key("authorization") {
        return refuse(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        );
    }
    if headers.contains_key("transfer-encoding") || !headers.contains_key("content-length") {
        return refuse(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
        );
    }
    let mut multipart = match Multipart::from_request(request, &()).await {
        Ok(multipart) => multipart,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "MalformedPOSTRequest",
                &e.body_text(),
            );
        }
    };
    let mut fields = Vec::new();
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "MalformedPOSTRequest",
                    &e.body_text(),
                );
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if file.is_some() {
            // S3 ignores what follows the file; Pinterest's flow sends none.
            return refuse(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "The file must be the last field of the form.",
            );
        }
        if name == "file" {
            match field.bytes().await {
                Ok(bytes) => file = Some(bytes.to_vec()),
                Err(e) => {
                    return refuse(StatusCode::BAD_REQUEST, "IncompleteBody", &e.body_text());
                }
            }
        } else {
            match field.text().await {
                Ok(text) => fields.push((name, text)),
                Err(e) => {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        "MalformedPOSTRequest",
                        &e.body_text(),
                    );
                }
            }
        }
    }
    let Some(file) = file else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "POST requires exactly one file upload per request.",
        );
    };
    let key = fields
        .iter()
        .find(|(n, _)| n == "key")
        .map(|(_, v)| v.clone());
    let mut media = store.media.lock().expect("media");
    let Some(found) = key
        .as_deref()
        .and_then(|key| media.iter_mut().find(|m| m.key == key))
    else {
        return (
            StatusCode::FORBIDDEN,
            fields,
            file.len(),
            s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Invalid according to Policy: no such key",
            ),
        );
    };
    // Every upload parameter handed out, with its value (S3 checks the
    // policy's conditions and the signature over them).
    let expected = upload_parameters(&found.key);
    for (name, value) in expected.as_object().into_iter().flatten() {
        let sent = fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        if sent != value.as_str() {
            let message = format!(
                "Invalid according to Policy: Policy Condition failed: [\"eq\", \"${name}\"]"
            );
            return (
                StatusCode::FORBIDDEN,
                fields,
                file.len(),
                s3_error(StatusCode::FORBIDDEN, "AccessDenied", &message),
            );
        }
    }
    let file_len = file.len();
    found.uploaded = Some(file);
    (
        StatusCode::NO_CONTENT,
        fields,
        file_len,
        StatusCode::NO_CONTENT.into_response(),
    )
}

fn api_error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message})),
    )
        .into_response()
}
