//! The jobs that span calls, as routes: a video uploaded for a pin
//! (`/upload-media`, `/await-media`) and an asynchronous ads report
//! (`/create-report`, `/download-report`).
//!
//! The video is the request body itself, as it is for a file upload to
//! Dropbox's API; what other routes read from a JSON body (credentials,
//! options, the wait) comes in the [`UPLOAD_ARG_HEADER`] header as JSON. A
//! finished report is answered as it downloads: its bytes, a chunk at a
//! time ([`ReportBytes`]).

use serde::Serialize;

use pinterest_connector_core::error::ConnectorError;
use pinterest_connector_core::jobs::{JobWait, MediaFile};
use pinterest_connector_core::report::ReportReader;
use pinterest_connector_core::session::Session;

use crate::actions::{Action, act, begin};
use crate::answer::{Answer, error_answer, refreshed, settled};
use crate::wire::{
    AwaitMediaRequest, CreateReportRequest, DownloadReportRequest, UploadMediaArg, body_text,
};
use crate::{Reply, Runtime};

/// The header that carries `/upload-media`'s arguments as JSON:
/// `credentials`, and optionally `file_name`, `content_type`, `wait`
/// (`max_polls`, `poll_interval_ms`) and `options`.
pub const UPLOAD_ARG_HEADER: &str = "pinterest-connector-arg";

/// The header of a report's answer that carries the credentials as JSON
/// when they were refreshed while waiting: store them.
pub const REFRESHED_CREDENTIALS_HEADER: &str = "pinterest-connector-refreshed-credentials";

/// The largest video `/upload-media` takes (the edge build holds it in
/// memory while it uploads).
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;

/// `/upload-media`: registers the video, uploads `file` to the host
/// Pinterest names (without the token), waits for processing.
pub(crate) fn upload_media<R: Runtime>(
    runtime: &mut R,
    arg: UploadMediaArg,
    request_content_type: Option<&str>,
    file: &[u8],
) -> Answer {
    let content_type = arg
        .content_type
        .or_else(|| request_content_type.map(str::to_owned))
        .filter(|t| !t.is_empty() && t != "application/octet-stream");
    let Some(content_type) = content_type else {
        return error_answer(
            &ConnectorError::invalid(
                "content_type",
                "say the video's media type (such as video/mp4) as the request's Content-Type \
                 or in the argument header",
            ),
            None,
        );
    };
    let wait = arg.wait.resolve(JobWait::MEDIA);
    let file = MediaFile {
        file_name: arg.file_name.as_deref().unwrap_or("video"),
        content_type: &content_type,
        bytes: file,
    };
    act(
        runtime,
        arg.options,
        arg.credentials,
        |connector, session| connector.upload_video(session, file, wait),
        media_answer,
    )
}

/// `/await-media`: waits for an upload's processing after a `job-pending`.
pub(crate) fn await_media<R: Runtime>(runtime: &mut R, request: AwaitMediaRequest) -> Answer {
    let wait = request.wait.resolve(JobWait::MEDIA);
    let media_id = request.media_id;
    act(
        runtime,
        request.options,
        request.credentials,
        |connector, session| {
            connector
                .await_media(session, &media_id, wait)
                .map(|()| media_id.clone())
        },
        media_answer,
    )
}

fn media_answer(media_id: String, session: &Session) -> Answer {
    #[derive(Serialize)]
    struct Out<'a> {
        media_id: &'a str,
    }
    settled(
        &Out {
            media_id: &media_id,
        },
        session,
    )
}

/// `/create-report`: asks for the report; its token.
pub(crate) fn create_report<R: Runtime>(runtime: &mut R, request: CreateReportRequest) -> Answer {
    let body = body_text(Some(request.body)).unwrap_or_default();
    let ad_account_id = request.ad_account_id;
    act(
        runtime,
        request.options,
        request.credentials,
        |connector, session| connector.create_report(session, &ad_account_id, &body),
        |token, session| {
            #[derive(Serialize)]
            struct Out<'a> {
                token: &'a str,
            }
            settled(&Out { token: &token }, session)
        },
    )
}

/// `/download-report`: waits for the report, opens its download and reads
/// its first chunk (so that a report that cannot be had is an error answer,
/// not a broken stream).
pub(crate) fn download_report<R: Runtime>(
    runtime: &mut R,
    request: DownloadReportRequest,
) -> Reply<R::Transport> {
    let wait = request.wait.resolve(JobWait::REPORT);
    let Action {
        mut session,
        mut connector,
    } = match begin(runtime, request.options, request.credentials) {
        Ok(action) => action,
        Err(answer) => return Reply::Done(answer),
    };
    let opened = connector
        .await_report(&mut session, &request.ad_account_id, &request.token, wait)
        .and_then(|finished| {
            let mut reader = connector.open_report(&finished)?;
            let first = reader.next_chunk()?;
            Ok((reader, first, finished.size))
        });
    match opened {
        Ok((reader, first, size)) => {
            let mut headers = vec![(
                "content-type".to_owned(),
                report_content_type(first.as_deref().unwrap_or_default()).to_owned(),
            )];
            if let Some(size) = size {
                headers.push(("pinterest-report-size".into(), size.to_string()));
            }
            if let Some(credentials) = refreshed(&session)
                && let Ok(text) = serde_json::to_string(credentials)
            {
                headers.push((REFRESHED_CREDENTIALS_HEADER.into(), text));
            }
            Reply::Report(Box::new(ReportBytes {
                headers,
                first,
                reader,
            }))
        }
        Err(e) => Reply::Done(error_answer(&session.redact(e), Some(&session))),
    }
}

/// A report as JSON when it starts like JSON, CSV otherwise (the two
/// formats Pinterest writes).
fn report_content_type(start: &[u8]) -> &'static str {
    match start.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => "application/json",
        _ => "text/csv",
    }
}

/// A finished report answered as it downloads: `200` with
/// [`ReportBytes::headers`], then its bytes (unpacked when they came
/// gzip-compressed) a chunk at a time.
pub struct ReportBytes {
    headers: Vec<(String, String)>,
    first: Option<Vec<u8>>,
    reader: ReportReader,
}

impl ReportBytes {
    /// The answer's headers: `content-type` (`text/csv` or
    /// `application/json`), `pinterest-report-size` when Pinterest said,
    /// and [`REFRESHED_CREDENTIALS_HEADER`] when the credentials were
    /// refreshed.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The next chunk; `Ok(None)` after the last. An error means the
    /// download broke off: end the answer as broken, so the client does
    /// not take a part for the whole.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ConnectorError> {
        if let Some(first) = self.first.take() {
            return Ok(Some(first));
        }
        self.reader.next_chunk()
    }
}
