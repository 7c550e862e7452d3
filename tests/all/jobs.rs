//! Jobs that span calls, through the built component against the mock: a
//! video pin from upload to pin, a failed processing, a wait that runs out,
//! an upload host the policy does not know, and the token never reaching
//! the upload host (asserted on what that host received); an ads report of
//! tens of MB downloaded in chunks with flat guest memory, plain and
//! gzipped, each state that will not finish, a wait that runs out, and
//! sandbox credentials refused.

use pinterest_connector_host::types::{ConnectorError, Credentials, SpecSource};
use pinterest_connector_host::{
    ApiCallInput, ConnectorHost, HostConfig, JobWait, MediaFile, NetworkPolicy,
};
use pinterest_host_test::media_mock::UPLOAD_HOST;
use pinterest_host_test::report_mock::{ReportEncoding, ReportPlay, report_csv};
use pinterest_host_test::{MockConfig, MockPinterest, compiled_component, host_for};

fn credentials(mock: &MockPinterest) -> Credentials {
    pinterest_host_test::mock_credentials(mock)
}

/// A few megabytes that look like an MP4 (an `ftyp` box first).
fn video(len: usize) -> Vec<u8> {
    let mut bytes = b"\0\0\0\x18ftypmp42".to_vec();
    bytes.extend((0..len).map(|i| (i * 31 % 251) as u8));
    bytes
}

fn file(bytes: Vec<u8>) -> MediaFile {
    MediaFile {
        file_name: "clip.mp4".into(),
        content_type: "video/mp4".into(),
        bytes,
    }
}

/// Polls every 10 ms: the mock processes in a few polls.
fn quick(max_polls: u32) -> Option<JobWait> {
    Some(JobWait {
        max_polls,
        poll_interval_ms: 10,
    })
}

#[tokio::test]
async fn a_video_pin_is_created_end_to_end() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let host = host_for(&mock).unwrap();
    let creds = credentials(&mock);
    let bytes = video(3 * 1024 * 1024);
    let uploaded = host
        .upload_media(&creds, &file(bytes.clone()), quick(10))
        .await
        .unwrap()
        .unwrap();
    assert!(!uploaded.media_id.is_empty());

    // What the upload host received: the policy's fields, then the file,
    // with a Content-Length and no credentials of any kind.
    let uploads = mock.uploads();
    assert_eq!(uploads.len(), 1);
    let upload = &uploads[0];
    assert_eq!(upload.status, 204);
    assert_eq!(upload.file_len, bytes.len());
    let header = |name: &str| {
        upload
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert!(header("content-length").is_some());
    assert_eq!(header("transfer-encoding"), None);
    assert_eq!(header("authorization"), None);
    assert_eq!(header("host").as_deref(), Some(UPLOAD_HOST));
    let token = &mock.config().access_token;
    assert!(
        upload
            .headers
            .iter()
            .all(|(_, v)| !v.contains(token.as_str()))
            && upload
                .fields
                .iter()
                .all(|(_, v)| !v.contains(token.as_str())),
        "the token reached the upload host"
    );
    let names: Vec<&str> = upload.fields.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"key") && names.contains(&"policy"),
        "{names:?}"
    );

    // The pin, an ordinary call naming the media.
    let body = serde_json::json!({
        "board_id": MockPinterest::board_id(0),
        "title": "A video pin",
        "media_source": {
            "source_type": "video_id",
            "media_id": uploaded.media_id,
            "cover_image_url": "https://example.com/cover.jpg",
        },
    });
    let pin = host
        .api_call(
            &creds,
            &ApiCallInput {
                spec: SpecSource::Embedded,
                endpoint: "POST /pins".into(),
                path_params: vec![],
                query_params: vec![],
                body: Some(body.to_string()),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pin.status, 201);
}

#[tokio::test]
async fn an_image_uploaded_as_the_video_fails_processing() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let host = host_for(&mock).unwrap();
    let png = b"\x89PNG\r\n\x1a\nnot a video".to_vec();
    let failure = host
        .upload_media(&credentials(&mock), &file(png), quick(10))
        .await
        .unwrap()
        .unwrap_err();
    match failure.error {
        ConnectorError::JobFailed(job) => {
            assert_eq!((job.job.as_str(), job.state.as_str()), ("media", "failed"));
            assert!(job.polls >= 3, "{job:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_wait_that_runs_out_is_pending_and_can_be_taken_up_again() {
    let mock = MockPinterest::start(MockConfig {
        media_processing_polls: 4,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let host = host_for(&mock).unwrap();
    let creds = credentials(&mock);
    let failure = host
        .upload_media(&creds, &file(video(1024)), quick(2))
        .await
        .unwrap()
        .unwrap_err();
    let ConnectorError::JobPending(job) = failure.error else {
        panic!("{:?}", failure.error);
    };
    assert_eq!((job.state.as_str(), job.polls), ("processing", 2));
    let done = host
        .await_media(&creds, &job.id, quick(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.media_id, job.id);
}

#[tokio::test]
async fn an_upload_host_the_policy_does_not_know_is_refused() {
    let mock = MockPinterest::start(MockConfig {
        upload_host: "uploads.evil.example".into(),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let host = host_for(&mock).unwrap();
    let failure = host
        .upload_media(&credentials(&mock), &file(video(1024)), quick(3))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(failure.error, ConnectorError::DeniedByHost(_)),
        "{:?}",
        failure.error
    );
    assert!(mock.uploads().is_empty());
}

#[tokio::test]
async fn a_policy_without_s3_refuses_the_upload_host() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let (engine, component) = compiled_component().unwrap();
    let policy = NetworkPolicy::deny_all()
        .route("api.pinterest.com", mock.production_addr)
        .unwrap();
    let host = ConnectorHost::from_component(
        engine,
        component,
        HostConfig {
            network: policy,
            ..HostConfig::default()
        },
    )
    .unwrap();
    let failure = host
        .upload_media(&credentials(&mock), &file(video(1024)), quick(3))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(failure.error, ConnectorError::DeniedByHost(_)),
        "{:?}",
        failure.error
    );
    assert!(mock.uploads().is_empty());
}

/// The upload host is as strict as S3 where it matters to the connector: a
/// chunked upload (no `Content-Length`) is refused with 411, and so is a
/// request carrying an `Authorization` header (400).
#[tokio::test]
async fn the_mock_upload_host_refuses_chunked_and_credentialed_uploads() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let send = |request: String| async move {
        let mut stream = tokio::net::TcpStream::connect(mock.upload_addr)
            .await
            .unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    };
    let body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nx\r\n--b--\r\n";
    let chunked = format!(
        "POST / HTTP/1.1\r\nHost: {UPLOAD_HOST}\r\nContent-Type: multipart/form-data; boundary=b\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let answer = send(chunked).await;
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
    assert!(answer.contains("MissingContentLength"), "{answer}");
    let credentialed = format!(
        "POST / HTTP/1.1\r\nHost: {UPLOAD_HOST}\r\nContent-Type: multipart/form-data; boundary=b\r\n\
         Authorization: Bearer t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = send(credentialed).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(mock.uploads().len(), 2);
}

const REPORT_REQUEST: &str = r#"{"start_date": "2024-01-01", "end_date": "2024-06-30",
    "granularity": "DAY", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR", "IMPRESSION_1"]}"#;

/// Asks for a report and downloads it through the component, checking
/// every chunk against the mock's report as it arrives; the guest's memory
/// peak.
async fn download(mock: &MockPinterest, host: &ConnectorHost) -> (usize, usize) {
    let creds = credentials(mock);
    let started = host
        .create_report(&creds, "549755885175", REPORT_REQUEST)
        .await
        .unwrap()
        .unwrap();
    let mut stream = host
        .download_report(&creds, "549755885175", &started.token, quick(10))
        .await
        .unwrap()
        .unwrap();
    let expected = report_csv(mock.config().reports.bytes);
    let mut at = 0;
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await.unwrap().unwrap() {
        assert!(
            expected.get(at..at + chunk.len()) == Some(chunk.as_slice()),
            "chunk {chunks} at {at} differs"
        );
        at += chunk.len();
        chunks += 1;
    }
    assert_eq!(at, expected.len(), "the whole report");
    assert!(chunks > 1, "{chunks} chunks");
    (at, stream.memory_peak_bytes())
}

/// A mock whose ads reports are `bytes` long, served with `encoding`.
pub(crate) fn reporting(bytes: usize, encoding: ReportEncoding) -> MockConfig {
    MockConfig {
        reports: ReportPlay {
            bytes,
            encoding,
            ..ReportPlay::default()
        },
        ..MockConfig::default()
    }
}

#[tokio::test]
async fn a_large_report_downloads_in_chunks_with_flat_guest_memory() {
    let mock = MockPinterest::start(reporting(40 << 20, ReportEncoding::Plain))
        .await
        .unwrap();
    let host = host_for(&mock).unwrap();
    let (bytes, peak) = download(&mock, &host).await;
    eprintln!("report of {bytes} bytes: guest memory peak {peak} bytes");
    assert!(
        peak < 16 << 20,
        "the guest held {peak} bytes for a {bytes}-byte report"
    );
    let downloads = mock.downloads();
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].status, 200);
    let token = &mock.config().access_token;
    assert!(
        downloads[0]
            .headers
            .iter()
            .all(|(n, v)| n != "authorization" && !v.contains(token.as_str())),
        "credentials reached the download host"
    );
}

#[tokio::test]
async fn a_gzipped_report_is_unpacked_whether_or_not_it_says_so() {
    for encoding in [ReportEncoding::GzipDeclared, ReportEncoding::GzipUndeclared] {
        let mock = MockPinterest::start(reporting(12 << 20, encoding))
            .await
            .unwrap();
        let host = host_for(&mock).unwrap();
        let (bytes, peak) = download(&mock, &host).await;
        eprintln!("{encoding:?} report of {bytes} bytes: guest memory peak {peak} bytes");
        assert!(peak < 16 << 20, "{encoding:?}: {peak} bytes held");
    }
}

#[tokio::test]
async fn every_report_that_will_not_finish_is_a_typed_failed_job() {
    for state in ["FAILED", "CANCELLED", "EXPIRED", "DOES_NOT_EXIST"] {
        let mock = MockPinterest::start(MockConfig {
            reports: ReportPlay {
                end: Some(state.into()),
                ..ReportPlay::default()
            },
            ..MockConfig::default()
        })
        .await
        .unwrap();
        let host = host_for(&mock).unwrap();
        let creds = credentials(&mock);
        let started = host
            .create_report(&creds, "549755885175", REPORT_REQUEST)
            .await
            .unwrap()
            .unwrap();
        let failure = host
            .download_report(&creds, "549755885175", &started.token, quick(10))
            .await
            .unwrap()
            .err()
            .expect("a failed job");
        match failure.error {
            ConnectorError::JobFailed(job) => {
                assert_eq!((job.job.as_str(), job.state.as_str()), ("report", state));
                assert_eq!(job.id, started.token);
            }
            other => panic!("{state}: {other:?}"),
        }
        assert!(mock.downloads().is_empty(), "{state}: nothing to download");
    }
}

#[tokio::test]
async fn a_report_wait_that_runs_out_is_pending() {
    let mock = MockPinterest::start(MockConfig {
        reports: ReportPlay {
            polls: 5,
            ..ReportPlay::default()
        },
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let host = host_for(&mock).unwrap();
    let creds = credentials(&mock);
    let started = host
        .create_report(&creds, "549755885175", REPORT_REQUEST)
        .await
        .unwrap()
        .unwrap();
    let failure = host
        .download_report(&creds, "549755885175", &started.token, quick(3))
        .await
        .unwrap()
        .err()
        .expect("still running");
    match failure.error {
        ConnectorError::JobPending(job) => {
            assert_eq!((job.state.as_str(), job.polls), ("IN_PROGRESS", 3))
        }
        other => panic!("{other:?}"),
    }
    // Asked again, it finishes.
    let mut stream = host
        .download_report(&creds, "549755885175", &started.token, quick(5))
        .await
        .unwrap()
        .unwrap();
    assert!(stream.next().await.unwrap().unwrap().is_some());
}

#[tokio::test]
async fn reports_are_refused_to_sandbox_credentials_before_sending() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let host = host_for(&mock).unwrap();
    let sandbox = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let failure = host
        .create_report(&sandbox, "549755885175", REPORT_REQUEST)
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(failure.error, ConnectorError::UnsupportedInSandbox(_)),
        "{:?}",
        failure.error
    );
    assert_eq!(mock.request_count(), 0);
}

#[tokio::test]
async fn an_upload_reports_its_progress_as_the_file_leaves() {
    use std::sync::{Arc, Mutex};
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let host = host_for(&mock).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let progress: pinterest_connector_host::UploadProgress =
        Arc::new(move |sent, total| record.lock().unwrap().push((sent, total)));
    let bytes = video(2 << 20);
    host.upload_media_reporting(
        &credentials(&mock),
        &file(bytes.clone()),
        quick(10),
        Some(progress),
    )
    .await
    .unwrap()
    .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() > 10, "{} reports", seen.len());
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "sent only grows");
    let (sent, total) = *seen.last().unwrap();
    assert_eq!(sent, total, "all of it");
    assert!(
        total > bytes.len() as u64,
        "the multipart request, file and fields"
    );
    let received = &mock.uploads()[0];
    let length = received
        .headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse::<u64>().unwrap());
    assert_eq!(length, Some(total));
    // Only the upload is counted, not the API calls around it.
    assert!(seen.iter().all(|&(_, t)| t == total));
}
