//! Jobs that span calls: a video uploaded for a pin, an asynchronous ads
//! report. Each step that talks to the API is an ordinary call of the
//! catalog's endpoint (so its inputs are checked against the description,
//! its scopes and sandbox support known before sending); the steps that go
//! to the host Pinterest names (the upload, the download) go without the
//! bearer token.

use std::time::Duration;

use crate::connector::Connector;
use crate::error::{ConnectorError, JobState};
use crate::http::{HttpRequest, HttpResponse, Method, NamedBy, Transport};
use crate::media::{self, MediaRegistration, MediaStatus, MultipartUpload};
use crate::report::{self, ReportReader, ReportStatus};
use crate::request::CallInput;
use crate::session::Session;

/// How long to wait for a job Pinterest runs: at most `max_polls` asks for
/// its state, `interval` apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobWait {
    /// Asks for the state at most this many times (at least once).
    pub max_polls: u32,
    /// The wait between two asks.
    pub interval: Duration,
}

impl JobWait {
    /// A video's processing: a minute or two is usual.
    pub const MEDIA: JobWait = JobWait {
        max_polls: 60,
        interval: Duration::from_secs(5),
    };
    /// An ads report: minutes for a long range.
    pub const REPORT: JobWait = JobWait {
        max_polls: 90,
        interval: Duration::from_secs(10),
    };
}

/// A report ready to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedReport {
    /// The report's token.
    pub token: String,
    /// The pre-signed download URL (send no credentials there).
    pub url: url::Url,
    /// Its size in bytes, when Pinterest says.
    pub size: Option<u64>,
}

/// A video to upload, borrowed from wherever it is held (the guest's
/// argument, the edge's request body): the only copy made is the
/// multipart request around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaFile<'a> {
    /// Its file name, such as `clip.mp4`.
    pub file_name: &'a str,
    /// Its media type, such as `video/mp4`.
    pub content_type: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
}

impl<T: Transport> Connector<T> {
    /// The whole job of a video pin's media: registers the upload, sends
    /// `file` to the host Pinterest names (without the token), and waits for
    /// processing; the media id, which a pin's `media_source` names
    /// (`source_type: "video_id"`). The file is framed before anything is
    /// sent, so a file name that cannot be sent is refused up front.
    pub fn upload_video(
        &mut self,
        session: &mut Session,
        file: MediaFile<'_>,
        wait: JobWait,
    ) -> Result<String, ConnectorError> {
        MultipartUpload::new(&[], file.file_name, file.content_type, "check")?;
        let registration = self.register_media(session)?;
        let boundary =
            media::boundary([self.transport_mut().random(), self.transport_mut().random()]);
        let upload = MultipartUpload::new(
            &registration.upload_parameters,
            file.file_name,
            file.content_type,
            &boundary,
        )?;
        self.upload_media(&registration, &upload, file.bytes)?;
        self.await_media(session, &registration.media_id, wait)?;
        Ok(registration.media_id)
    }

    /// Registers a video upload (`POST /media`): where the file goes.
    pub fn register_media(
        &mut self,
        session: &mut Session,
    ) -> Result<MediaRegistration, ConnectorError> {
        let input = CallInput {
            endpoint: "POST /media".into(),
            body: Some(r#"{"media_type":"video"}"#.into()),
            ..CallInput::default()
        };
        let output = self.api_call(session, &input)?;
        media::read_registration_for(&output.response, session.job_urls())
    }

    /// Uploads `file` (in memory) to the host `registration` names, as the
    /// `multipart/form-data` POST it expects, with its `Content-Length` and
    /// without the bearer token. A refusal (S3 answers XML) is `upstream`.
    pub fn upload_media(
        &mut self,
        registration: &MediaRegistration,
        upload: &MultipartUpload,
        file: &[u8],
    ) -> Result<(), ConnectorError> {
        let request = upload_request(registration, upload, upload.body(file));
        let response = self.transport_mut().send(&request)?;
        check_foreign(&response, "the upload host")
    }

    /// Asks for an upload's processing state (`GET /media/{media_id}`)
    /// until it has `succeeded`, `wait.interval` apart: `job-failed` when it
    /// `failed`, `job-pending` when the wait ran out first.
    pub fn await_media(
        &mut self,
        session: &mut Session,
        media_id: &str,
        wait: JobWait,
    ) -> Result<(), ConnectorError> {
        let input = CallInput {
            endpoint: "GET /media/{media_id}".into(),
            path_params: vec![("media_id".into(), media_id.into())],
            ..CallInput::default()
        };
        let mut last = MediaStatus::Registered;
        for poll in 1..=wait.max_polls.max(1) {
            if poll > 1 {
                self.transport_mut().wait(wait.interval);
            }
            last = media::read_status(&self.api_call(session, &input)?.response)?;
            let state = |status: MediaStatus| JobState {
                job: "media".into(),
                id: media_id.into(),
                state: status.as_str().into(),
                polls: poll,
            };
            match last {
                MediaStatus::Succeeded => return Ok(()),
                MediaStatus::Failed => return Err(ConnectorError::JobFailed(state(last))),
                MediaStatus::Registered | MediaStatus::Processing => {}
            }
        }
        Err(ConnectorError::JobPending(JobState {
            job: "media".into(),
            id: media_id.into(),
            state: last.as_str().into(),
            polls: wait.max_polls.max(1),
        }))
    }

    /// Asks for an ads report (`POST /ad_accounts/{ad_account_id}/reports`
    /// with `body`, checked against the description): its token. Sandbox
    /// credentials are refused before sending (reports are not served
    /// there).
    pub fn create_report(
        &mut self,
        session: &mut Session,
        ad_account_id: &str,
        body: &str,
    ) -> Result<String, ConnectorError> {
        let input = CallInput {
            endpoint: "POST /ad_accounts/{ad_account_id}/reports".into(),
            path_params: vec![("ad_account_id".into(), ad_account_id.into())],
            body: Some(body.into()),
            ..CallInput::default()
        };
        report::read_token(&self.api_call(session, &input)?.response)
    }

    /// Asks for a report's state (`GET /ad_accounts/{ad_account_id}/reports?token=`)
    /// until it is `FINISHED`, `wait.interval` apart: `job-failed` for
    /// `FAILED`, `CANCELLED`, `EXPIRED` or `DOES_NOT_EXIST`, `job-pending`
    /// when the wait ran out first.
    pub fn await_report(
        &mut self,
        session: &mut Session,
        ad_account_id: &str,
        token: &str,
        wait: JobWait,
    ) -> Result<FinishedReport, ConnectorError> {
        let input = CallInput {
            endpoint: "GET /ad_accounts/{ad_account_id}/reports".into(),
            path_params: vec![("ad_account_id".into(), ad_account_id.into())],
            query_params: vec![("token".into(), token.into())],
            ..CallInput::default()
        };
        let state = |state: &str, polls: u32| JobState {
            job: "report".into(),
            id: token.into(),
            state: state.into(),
            polls,
        };
        for poll in 1..=wait.max_polls.max(1) {
            if poll > 1 {
                self.transport_mut().wait(wait.interval);
            }
            let answer = self.api_call(session, &input)?.response;
            match report::read_status_for(&answer, session.job_urls())? {
                ReportStatus::Finished { url, size } => {
                    return Ok(FinishedReport {
                        token: token.into(),
                        url,
                        size,
                    });
                }
                ReportStatus::Ended(ended) => {
                    return Err(ConnectorError::JobFailed(state(&ended, poll)));
                }
                ReportStatus::InProgress => {}
            }
        }
        Err(ConnectorError::JobPending(state(
            "IN_PROGRESS",
            wait.max_polls.max(1),
        )))
    }

    /// Opens a finished report's download, without credentials: its bytes
    /// come a chunk at a time, unpacked when gzip-compressed. A refusal (S3
    /// answers XML; an expired URL is a 403) is `upstream`.
    pub fn open_report(&mut self, report: &FinishedReport) -> Result<ReportReader, ConnectorError> {
        let mut response = self.transport_mut().open(&download_request(&report.url))?;
        if !(200..300).contains(&response.status) {
            let said = response.body.next_chunk()?.unwrap_or_default();
            let headers = std::mem::take(&mut response.headers);
            let answer = HttpResponse::new(response.status, headers, said);
            return Err(foreign_error(&answer, "the report host"));
        }
        Ok(ReportReader::new(response))
    }

    /// Downloads a finished report whole (see [`Connector::open_report`]).
    pub fn download_report(&mut self, report: &FinishedReport) -> Result<Vec<u8>, ConnectorError> {
        let mut reader = self.open_report(report)?;
        let mut whole = Vec::new();
        while let Some(chunk) = reader.next_chunk()? {
            whole.extend_from_slice(&chunk);
        }
        Ok(whole)
    }
}

/// The upload's request: the multipart body to the registration's URL,
/// with no `Authorization`.
fn upload_request(
    registration: &MediaRegistration,
    upload: &MultipartUpload,
    body: Vec<u8>,
) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url: registration.upload_url.clone(),
        headers: vec![
            ("Content-Type".into(), upload.content_type()),
            ("User-Agent".into(), crate::http::USER_AGENT.into()),
        ],
        body: Some(body),
        named_by: NamedBy::PinterestAnswer,
    }
}

/// The download's request: a plain GET of the pre-signed URL, with no
/// `Authorization` (S3 refuses a request that carries two kinds of
/// credentials).
fn download_request(url: &url::Url) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: url.clone(),
        headers: vec![("User-Agent".into(), crate::http::USER_AGENT.into())],
        body: None,
        named_by: NamedBy::PinterestAnswer,
    }
}

/// A 2xx from a host that is not Pinterest's API passes; any other answer
/// is `upstream`, with the start of what it said (S3 answers XML, which
/// the API's error reading does not understand).
fn check_foreign(response: &HttpResponse, host: &str) -> Result<(), ConnectorError> {
    if (200..300).contains(&response.status) {
        return Ok(());
    }
    Err(foreign_error(response, host))
}

/// The `upstream` error of a non-2xx answer from `host`.
fn foreign_error(response: &HttpResponse, host: &str) -> ConnectorError {
    let mut api = response.api_error();
    let said: String = response.body_text().chars().take(300).collect();
    api.message = format!("{host} answered {}: {said}", response.status);
    ConnectorError::Upstream(api)
}

#[cfg(test)]
#[path = "jobs_tests.rs"]
mod tests;
