use super::*;

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
