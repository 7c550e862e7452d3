//! Media uploads for video pins, the parts that are plain data: reading the
//! registration Pinterest answers `POST /media` with, framing the file as
//! the `multipart/form-data` upload the named host expects, and reading the
//! processing status `GET /media/{media_id}` reports.
//!
//! Pinterest's flow: `POST /v5/media {"media_type": "video"}` answers a
//! `media_id`, an `upload_url` (an Amazon S3 host) and `upload_parameters`;
//! the file goes to `upload_url` as a `multipart/form-data` POST with every
//! upload parameter as a field and the file last, as field `file`, with a
//! `Content-Length` (S3 refuses a chunked upload with 411) and without the
//! bearer token; then `GET /v5/media/{media_id}` reports `registered`,
//! `processing`, and at last `succeeded` or `failed`.

use serde::Deserialize;

use crate::destination::JobUrls;
use crate::error::ConnectorError;
use crate::http::HttpResponse;

/// The form field the file goes in.
pub const FILE_FIELD: &str = "file";

/// A registered upload: where the file goes, and with which form fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRegistration {
    /// The id the upload is tracked by, and a video pin names.
    pub media_id: String,
    /// Where the file goes: an `https` URL on the host Pinterest chose.
    pub upload_url: url::Url,
    /// The form fields to send before the file, by name (S3 asks only that
    /// they come before the file).
    pub upload_parameters: Vec<(String, String)>,
}

/// Reads `POST /media`'s answer. A non-2xx answer is its typed error; an
/// answer without a media id, or whose upload URL is not `https` (or
/// carries credentials), is an upstream error: nothing is uploaded there.
pub fn read_registration(response: &HttpResponse) -> Result<MediaRegistration, ConnectorError> {
    read_registration_for(response, JobUrls::Https)
}

/// [`read_registration`], taking the upload URLs `urls` allows.
pub fn read_registration_for(
    response: &HttpResponse,
    urls: JobUrls,
) -> Result<MediaRegistration, ConnectorError> {
    response.check_status()?;
    #[derive(Deserialize)]
    struct Body {
        media_id: Option<String>,
        upload_url: Option<String>,
        #[serde(default)]
        upload_parameters: serde_json::Map<String, serde_json::Value>,
    }
    let malformed = |why: String| {
        let mut api = response.api_error();
        api.message = format!("the media registration {why}");
        ConnectorError::Upstream(api)
    };
    let body: Body = serde_json::from_slice(&response.body)
        .map_err(|e| malformed(format!("is not the expected JSON: {e}")))?;
    let media_id = body
        .media_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| malformed("has no media_id".into()))?;
    let upload_url = body
        .upload_url
        .ok_or_else(|| malformed("has no upload_url".into()))?;
    let upload_url = url::Url::parse(&upload_url)
        .ok()
        .filter(|url| urls.allow(url))
        .ok_or_else(|| malformed("names an upload URL that is not a plain https URL".into()))?;
    let upload_parameters = body
        .upload_parameters
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => Ok((name, text)),
            other => Err(malformed(format!(
                "has a non-text upload parameter `{name}`: {other}"
            ))),
        })
        .collect::<Result<_, _>>()?;
    Ok(MediaRegistration {
        media_id,
        upload_url,
        upload_parameters,
    })
}

/// The `multipart/form-data` framing of an upload: the bytes that go before
/// the file (every upload parameter, then the file part's header) and after
/// it (the closing boundary), so that a transport can send the file from
/// wherever it is, with the whole length known before the first byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartUpload {
    boundary: String,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl MultipartUpload {
    /// Frames `parameters` and a file called `file_name` of `content_type`
    /// between parts separated by `boundary`. Names, the file name and the
    /// content type may not hold line breaks or quotes (they would end the
    /// part's header early): that is `invalid-input`, as is a boundary RFC
    /// 2046 does not allow.
    pub fn new(
        parameters: &[(String, String)],
        file_name: &str,
        content_type: &str,
        boundary: &str,
    ) -> Result<MultipartUpload, ConnectorError> {
        let boundary_ok = (1..=70).contains(&boundary.len())
            && boundary
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"'()+_,-./:=?".contains(&b));
        if !boundary_ok {
            return Err(ConnectorError::invalid(
                "boundary",
                "must be 1 to 70 letters, digits or '()+_,-./:=?",
            ));
        }
        let header_safe = |field: &str, text: &str| {
            if text
                .bytes()
                .any(|b| b == b'"' || b == b'\r' || b == b'\n' || b == 0)
            {
                Err(ConnectorError::invalid(
                    field,
                    "must not hold quotes, line breaks or NUL",
                ))
            } else {
                Ok(())
            }
        };
        header_safe("file-name", file_name)?;
        header_safe("content-type", content_type)?;
        let mut head = Vec::new();
        for (name, value) in parameters {
            header_safe(&format!("upload_parameters.{name}"), name)?;
            head.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        head.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{FILE_FIELD}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        let tail = format!("\r\n--{boundary}--\r\n").into_bytes();
        Ok(MultipartUpload {
            boundary: boundary.to_owned(),
            head,
            tail,
        })
    }

    /// The request's `Content-Type`, naming the boundary.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The bytes before the file.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// The bytes after the file.
    pub fn tail(&self) -> &[u8] {
        &self.tail
    }

    /// The whole body's length for a file of `file_size` bytes: the
    /// request's `Content-Length`.
    pub fn content_length(&self, file_size: u64) -> u64 {
        (self.head.len() as u64)
            .saturating_add(file_size)
            .saturating_add(self.tail.len() as u64)
    }

    /// The whole body around `file`, for a file already in memory.
    pub fn body(&self, file: &[u8]) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.head.len() + file.len() + self.tail.len());
        body.extend_from_slice(&self.head);
        body.extend_from_slice(file);
        body.extend_from_slice(&self.tail);
        body
    }
}

/// A boundary made from two random numbers: long enough that a file holding
/// it by chance is not a concern worth scanning gigabytes for.
pub fn boundary(random: [u64; 2]) -> String {
    format!("pinterest-connector-{:016x}{:016x}", random[0], random[1])
}

/// Where Pinterest's processing of an upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaStatus {
    /// Registered, the file not yet seen.
    Registered,
    /// The file arrived and is being processed.
    Processing,
    /// Ready: a pin may name the media id.
    Succeeded,
    /// Processing failed (a cover image uploaded as the video does this).
    Failed,
}

impl MediaStatus {
    /// The status as Pinterest spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaStatus::Registered => "registered",
            MediaStatus::Processing => "processing",
            MediaStatus::Succeeded => "succeeded",
            MediaStatus::Failed => "failed",
        }
    }

    /// Whether processing has ended, well or not.
    pub fn is_final(self) -> bool {
        matches!(self, MediaStatus::Succeeded | MediaStatus::Failed)
    }
}

/// Reads `GET /media/{media_id}`'s answer. A non-2xx answer is its typed
/// error; a status Pinterest does not document is an upstream error.
pub fn read_status(response: &HttpResponse) -> Result<MediaStatus, ConnectorError> {
    response.check_status()?;
    #[derive(Deserialize)]
    struct Body {
        status: Option<String>,
    }
    let status = serde_json::from_slice::<Body>(&response.body)
        .ok()
        .and_then(|body| body.status);
    match status.as_deref() {
        Some("registered") => Ok(MediaStatus::Registered),
        Some("processing") => Ok(MediaStatus::Processing),
        Some("succeeded") => Ok(MediaStatus::Succeeded),
        Some("failed") => Ok(MediaStatus::Failed),
        other => {
            let mut api = response.api_error();
            api.message = format!(
                "the media status answer has no known status (got {})",
                other.map_or_else(|| "none".to_owned(), |s| format!("`{s}`"))
            );
            Err(ConnectorError::Upstream(api))
        }
    }
}

#[cfg(test)]
#[path = "media_tests.rs"]
mod tests;
