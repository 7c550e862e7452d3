use super::*;
use crate::http::{BodyChunks, StreamedResponse};

fn answer(status: u16, body: &str) -> HttpResponse {
    HttpResponse::new(status, vec![], body.as_bytes().to_vec())
}

#[test]
fn the_token_is_read_and_its_absence_is_an_upstream_error() {
    let token = read_token(&answer(
        200,
        r#"{"report_status": "IN_PROGRESS", "token": "tok-1", "message": null}"#,
    ));
    assert_eq!(token.unwrap(), "tok-1");
    for body in [
        r#"{"report_status": "IN_PROGRESS"}"#,
        r#"{"token": ""}"#,
        "nope",
    ] {
        assert!(
            matches!(
                read_token(&answer(200, body)),
                Err(ConnectorError::Upstream(_))
            ),
            "{body}"
        );
    }
    assert!(matches!(
        read_token(&answer(403, r#"{"code": 3, "message": "no access"}"#)),
        Err(ConnectorError::Forbidden(_))
    ));
}

#[test]
fn every_state_is_read() {
    assert_eq!(
        read_status(&answer(
            200,
            r#"{"report_status": "IN_PROGRESS", "url": null, "size": null}"#
        ))
        .unwrap(),
        ReportStatus::InProgress
    );
    match read_status(&answer(
        200,
        r#"{"report_status": "FINISHED", "url": "https://pinterest-reports.s3.amazonaws.com/r.csv?X-Amz-Signature=s", "size": 1234.0}"#,
    ))
    .unwrap()
    {
        ReportStatus::Finished { url, size } => {
            assert_eq!(url.host_str(), Some("pinterest-reports.s3.amazonaws.com"));
            assert_eq!(size, Some(1234));
        }
        other => panic!("{other:?}"),
    }
    for state in ["FAILED", "CANCELLED", "EXPIRED", "DOES_NOT_EXIST"] {
        let body = format!(r#"{{"report_status": "{state}"}}"#);
        assert_eq!(
            read_status(&answer(200, &body)).unwrap(),
            ReportStatus::Ended(state.into())
        );
    }
}

#[test]
fn a_finished_report_must_name_a_plain_https_url() {
    for url in [
        "null",
        r#""http://reports.example/r.csv""#,
        r#""https://user:pw@reports.example/r.csv""#,
        r#""not a url""#,
    ] {
        let body = format!(r#"{{"report_status": "FINISHED", "url": {url}}}"#);
        assert!(
            matches!(
                read_status(&answer(200, &body)),
                Err(ConnectorError::Upstream(_))
            ),
            "{url}"
        );
    }
    assert!(matches!(
        read_status(&answer(200, r#"{"report_status": "EXPLODED"}"#)),
        Err(ConnectorError::Upstream(_))
    ));
}

#[test]
fn gzip_is_told_by_its_header_or_its_magic_bytes() {
    assert!(is_gzip(Some("gzip"), b"a,b"));
    assert!(is_gzip(Some(" GZIP "), b""));
    assert!(is_gzip(None, &[0x1f, 0x8b, 8, 0]));
    assert!(!is_gzip(None, b"date,spend\n"));
    assert!(!is_gzip(Some("identity"), b"\x1f"));
}

/// Hands a body over in chunks of `size` bytes.
struct Chunked(Vec<u8>, usize);

impl BodyChunks for Chunked {
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ConnectorError> {
        if self.0.is_empty() {
            return Ok(None);
        }
        let rest = self.0.split_off(self.1.min(self.0.len()));
        Ok(Some(std::mem::replace(&mut self.0, rest)))
    }
}

fn read_all(
    body: Vec<u8>,
    chunk: usize,
    encoding: Option<&str>,
) -> Result<Vec<u8>, ConnectorError> {
    let headers = encoding
        .map(|e| vec![("Content-Encoding".to_string(), e.to_string())])
        .unwrap_or_default();
    let mut reader = ReportReader::new(StreamedResponse {
        status: 200,
        headers,
        body: Box::new(Chunked(body, chunk)),
    });
    let mut out = Vec::new();
    let mut chunks = 0;
    while let Some(part) = reader.next_chunk()? {
        assert!(!part.is_empty());
        out.extend_from_slice(&part);
        chunks += 1;
    }
    assert!(reader.next_chunk()?.is_none(), "done stays done");
    assert!(chunks >= 1 || out.is_empty());
    Ok(out)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn a_report_is_unpacked_chunk_by_chunk_whatever_the_chunk_size() {
    let csv: Vec<u8> = (0..2_000)
        .flat_map(|i| format!("2024-01-01,campaign-{i},{}.{:02}\n", i % 97, i % 100).into_bytes())
        .collect();
    let packed = gzip(&csv);
    // Two members, as `cat a.gz b.gz` makes: `gzip -d` gives both.
    let two = [gzip(&csv[..1000]), gzip(&csv[1000..])].concat();
    for chunk in [1, 7, 4096, 1 << 20] {
        assert_eq!(
            read_all(csv.clone(), chunk, None).unwrap(),
            csv,
            "plain {chunk}"
        );
        assert_eq!(
            read_all(packed.clone(), chunk, Some("gzip")).unwrap(),
            csv,
            "gzip {chunk}"
        );
        assert_eq!(
            read_all(packed.clone(), chunk, None).unwrap(),
            csv,
            "magic {chunk}"
        );
        assert_eq!(
            read_all(two.clone(), chunk, None).unwrap(),
            csv,
            "members {chunk}"
        );
    }
    assert_eq!(read_all(Vec::new(), 10, None).unwrap(), b"");
    assert_eq!(read_all(b"x".to_vec(), 10, None).unwrap(), b"x");
}

#[test]
fn a_truncated_or_false_gzip_is_an_upstream_error() {
    let packed = gzip(b"date,spend\n2024-01-01,3\n");
    let truncated = packed[..packed.len() - 6].to_vec();
    for (body, encoding) in [(truncated, None), (b"plain text".to_vec(), Some("gzip"))] {
        match read_all(body, 5, encoding) {
            Err(ConnectorError::Upstream(api)) => assert!(api.message.contains("gzip"), "{api:?}"),
            other => panic!("{other:?}"),
        }
    }
}
