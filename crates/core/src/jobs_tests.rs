use std::collections::VecDeque;
use std::io::Write;

use super::*;
use crate::credentials::{Credentials, OAuth2Credentials};

/// Answers from a script, in order, keeping every request and wait.
#[derive(Default)]
struct Script {
    answers: VecDeque<HttpResponse>,
    sent: Vec<HttpRequest>,
    waits: Vec<Duration>,
}

impl Transport for Script {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        self.sent.push(request.clone());
        Ok(self.answers.pop_front().expect("the script ran out"))
    }

    fn wait(&mut self, duration: Duration) {
        self.waits.push(duration);
    }

    fn now(&self) -> u64 {
        0
    }
}

fn json(status: u16, body: &str) -> HttpResponse {
    HttpResponse::new(
        status,
        vec![("content-type".into(), "application/json".into())],
        body.as_bytes().to_vec(),
    )
}

fn connector(answers: Vec<HttpResponse>) -> Connector<Script> {
    Connector::new(Script {
        answers: answers.into(),
        ..Script::default()
    })
}

fn session() -> Session {
    Session::new(Credentials::OAuth2(OAuth2Credentials {
        client_id: "id".into(),
        client_secret: "secret".into(),
        access_token: "access-token-1".into(),
        refresh_token: None,
        expires_at: None,
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec![],
    }))
}

fn authorization(request: &HttpRequest) -> Option<&str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.as_str())
}

const WAIT: JobWait = JobWait {
    max_polls: 3,
    interval: Duration::from_secs(2),
};

const REGISTERED: &str = r#"{"media_id": "555", "media_type": "video",
    "upload_url": "https://pinterest-media-upload.s3-accelerate.amazonaws.com/",
    "upload_parameters": {"key": "uploads/555", "policy": "cG9s"}}"#;

#[test]
fn a_video_is_registered_uploaded_without_the_token_and_awaited() {
    let mut c = connector(vec![
        json(201, REGISTERED),
        HttpResponse::new(204, vec![], vec![]),
        json(200, r#"{"media_id": "555", "status": "registered"}"#),
        json(200, r#"{"media_id": "555", "status": "processing"}"#),
        json(200, r#"{"media_id": "555", "status": "succeeded"}"#),
    ]);
    let mut session = session();
    let registration = c.register_media(&mut session).unwrap();
    let upload = MultipartUpload::new(
        &registration.upload_parameters,
        "clip.mp4",
        "video/mp4",
        "bnd",
    )
    .unwrap();
    c.upload_media(&registration, &upload, b"MOVIE").unwrap();
    c.await_media(&mut session, &registration.media_id, WAIT)
        .unwrap();

    let sent = &c.transport().sent;
    assert_eq!(sent[0].url.as_str(), "https://api.pinterest.com/v5/media");
    assert_eq!(authorization(&sent[0]), Some("Bearer access-token-1"));
    assert_eq!(
        sent[0].body.as_deref(),
        Some(br#"{"media_type":"video"}"#.as_slice())
    );

    let upload_sent = &sent[1];
    assert_eq!(
        upload_sent.url.as_str(),
        "https://pinterest-media-upload.s3-accelerate.amazonaws.com/"
    );
    assert_eq!(
        authorization(upload_sent),
        None,
        "no token to the upload host"
    );
    let body = upload_sent.body.as_deref().unwrap();
    assert!(body.ends_with(b"MOVIE\r\n--bnd--\r\n"));
    assert_eq!(
        upload_sent.content_length(),
        Some(upload.content_length(5) as usize)
    );

    assert_eq!(
        sent[2].url.as_str(),
        "https://api.pinterest.com/v5/media/555"
    );
    assert_eq!(sent.len(), 5);
    assert_eq!(c.transport().waits, [WAIT.interval, WAIT.interval]);
}

#[test]
fn failed_processing_and_a_wait_that_runs_out_are_typed() {
    let mut c = connector(vec![
        json(200, r#"{"status": "processing"}"#),
        json(200, r#"{"status": "failed"}"#),
    ]);
    match c.await_media(&mut session(), "555", WAIT) {
        Err(ConnectorError::JobFailed(job)) => {
            assert_eq!((job.job.as_str(), job.id.as_str()), ("media", "555"));
            assert_eq!((job.state.as_str(), job.polls), ("failed", 2));
        }
        other => panic!("{other:?}"),
    }
    let mut c = connector(vec![json(200, r#"{"status": "processing"}"#); 3]);
    match c.await_media(&mut session(), "555", WAIT) {
        Err(ConnectorError::JobPending(job)) => {
            assert_eq!((job.state.as_str(), job.polls), ("processing", 3));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.transport().sent.len(), 3, "no poll past the wait");
}

#[test]
fn an_upload_refused_by_the_upload_host_is_upstream_with_what_it_said() {
    let mut c = connector(vec![HttpResponse::new(
        411,
        vec![("content-type".into(), "application/xml".into())],
        b"<Error><Code>MissingContentLength</Code></Error>".to_vec(),
    )]);
    let registration = media::read_registration(&json(201, REGISTERED)).unwrap();
    let upload = MultipartUpload::new(&[], "f", "video/mp4", "b").unwrap();
    match c.upload_media(&registration, &upload, b"x") {
        Err(ConnectorError::Upstream(api)) => {
            assert_eq!(api.status, 411);
            assert!(
                api.message.contains("MissingContentLength"),
                "{}",
                api.message
            );
        }
        other => panic!("{other:?}"),
    }
}

const FINISHED: &str = r#"{"report_status": "FINISHED",
    "url": "https://pinterest-analytics-reports.s3.amazonaws.com/r.csv?X-Amz-Signature=abc",
    "size": 20.0}"#;

const REPORT_BODY: &str = r#"{"start_date": "2024-01-01", "end_date": "2024-01-31",
    "granularity": "DAY", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"]}"#;

#[test]
fn a_report_is_created_awaited_and_downloaded_plain_or_gzipped() {
    let csv = b"date,spend\n2024-01-01,3\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(csv).unwrap();
    let gzipped = gz.finish().unwrap();
    for (download, encoding) in [
        (csv.to_vec(), None),
        (gzipped.clone(), Some("gzip")),
        (gzipped, None),
    ] {
        let headers = encoding
            .map(|e| vec![("content-encoding".to_string(), e.to_string())])
            .unwrap_or_default();
        let mut c = connector(vec![
            json(200, r#"{"report_status": "IN_PROGRESS", "token": "tok-9"}"#),
            json(200, r#"{"report_status": "IN_PROGRESS", "url": null}"#),
            json(200, FINISHED),
            HttpResponse::new(200, headers, download),
        ]);
        let mut session = session();
        let token = c.create_report(&mut session, "42", REPORT_BODY).unwrap();
        assert_eq!(token, "tok-9");
        let finished = c.await_report(&mut session, "42", &token, WAIT).unwrap();
        assert_eq!(finished.size, Some(20));
        assert_eq!(c.download_report(&finished).unwrap(), csv);

        let sent = &c.transport().sent;
        assert_eq!(
            sent[0].url.as_str(),
            "https://api.pinterest.com/v5/ad_accounts/42/reports"
        );
        assert_eq!(
            sent[1].url.as_str(),
            "https://api.pinterest.com/v5/ad_accounts/42/reports?token=tok-9"
        );
        assert_eq!(
            sent[3].url.host_str(),
            Some("pinterest-analytics-reports.s3.amazonaws.com")
        );
        assert_eq!(authorization(&sent[3]), None, "no token to the report host");
    }
}

#[test]
fn every_ended_report_state_is_a_failed_job_and_a_long_wait_is_pending() {
    for state in ["FAILED", "CANCELLED", "EXPIRED", "DOES_NOT_EXIST"] {
        let mut c = connector(vec![json(
            200,
            &format!(r#"{{"report_status": "{state}"}}"#),
        )]);
        match c.await_report(&mut session(), "42", "tok", WAIT) {
            Err(ConnectorError::JobFailed(job)) => {
                assert_eq!((job.job.as_str(), job.state.as_str()), ("report", state))
            }
            other => panic!("{state}: {other:?}"),
        }
    }
    let mut c = connector(vec![json(200, r#"{"report_status": "IN_PROGRESS"}"#); 3]);
    assert!(matches!(
        c.await_report(&mut session(), "42", "tok", WAIT),
        Err(ConnectorError::JobPending(job)) if job.polls == 3
    ));
}

#[test]
fn reports_are_refused_to_sandbox_credentials_before_sending() {
    let mut c = connector(vec![]);
    let mut sandbox = Session::new(Credentials::Sandbox("sandbox-token".into()));
    assert!(matches!(
        c.create_report(&mut sandbox, "42", REPORT_BODY),
        Err(ConnectorError::UnsupportedInSandbox(_))
    ));
    assert!(c.transport().sent.is_empty());
}

#[test]
fn a_report_body_is_checked_against_the_description_before_sending() {
    let mut c = connector(vec![]);
    assert!(matches!(
        c.create_report(&mut session(), "42", r#"{"granularity": "FORTNIGHT"}"#),
        Err(ConnectorError::InvalidInput { .. })
    ));
    assert!(c.transport().sent.is_empty());
}

#[test]
fn a_corrupt_gzip_report_is_an_upstream_error() {
    let mut c = connector(vec![HttpResponse::new(
        200,
        vec![("content-encoding".into(), "gzip".into())],
        vec![0x1f, 0x8b, 8, 0, 1, 2, 3],
    )]);
    let finished = FinishedReport {
        token: "t".into(),
        url: url::Url::parse("https://reports.example/r").unwrap(),
        size: None,
    };
    assert!(matches!(
        c.download_report(&finished),
        Err(ConnectorError::Upstream(api)) if api.message.contains("gzip")
    ));
}

#[test]
fn the_whole_video_job_ends_with_the_media_id_and_refuses_a_bad_name_up_front() {
    let mut c = connector(vec![
        json(201, REGISTERED),
        HttpResponse::new(204, vec![], vec![]),
        json(200, r#"{"status": "succeeded"}"#),
    ]);
    let file = MediaFile {
        file_name: "clip.mp4",
        content_type: "video/mp4",
        bytes: b"MOVIE",
    };
    let id = c.upload_video(&mut session(), file, WAIT).unwrap();
    assert_eq!(id, "555");
    let upload = &c.transport().sent[1];
    let content_type = upload
        .headers
        .iter()
        .find(|(n, _)| n == "Content-Type")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(content_type.starts_with("multipart/form-data; boundary=pinterest-connector-"));

    let mut c = connector(vec![]);
    let bad = MediaFile {
        file_name: "a\"b.mp4",
        ..file
    };
    assert!(matches!(
        c.upload_video(&mut session(), bad, WAIT),
        Err(ConnectorError::InvalidInput { .. })
    ));
    assert!(c.transport().sent.is_empty());
}
