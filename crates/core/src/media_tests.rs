use super::*;

fn answer(status: u16, body: &str) -> HttpResponse {
    HttpResponse::new(status, vec![], body.as_bytes().to_vec())
}

#[test]
fn a_registration_is_read_with_every_parameter() {
    let registration = read_registration(&answer(
        201,
        r#"{"media_id": "12345", "media_type": "video",
            "upload_url": "https://pinterest-media-upload.s3-accelerate.amazonaws.com/",
            "upload_parameters": {"key": "uploads/12345", "policy": "cG9s",
                                  "x-amz-signature": "sig", "Content-Type": "multipart/form-data"}}"#,
    ))
    .unwrap();
    assert_eq!(registration.media_id, "12345");
    assert_eq!(
        registration.upload_url.host_str(),
        Some("pinterest-media-upload.s3-accelerate.amazonaws.com")
    );
    let names: Vec<&str> = registration
        .upload_parameters
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names, ["Content-Type", "key", "policy", "x-amz-signature"]);
}

#[test]
fn a_registration_without_a_usable_upload_url_is_an_upstream_error() {
    for body in [
        r#"{"upload_url": "https://s3.example/"}"#,
        r#"{"media_id": "", "upload_url": "https://s3.example/"}"#,
        r#"{"media_id": "1"}"#,
        r#"{"media_id": "1", "upload_url": "http://s3.example/"}"#,
        r#"{"media_id": "1", "upload_url": "https://user:pw@s3.example/"}"#,
        r#"{"media_id": "1", "upload_url": "not a url"}"#,
        r#"{"media_id": "1", "upload_url": "https://s3.example/", "upload_parameters": {"key": 1}}"#,
        "<html>",
    ] {
        match read_registration(&answer(201, body)) {
            Err(ConnectorError::Upstream(api)) => {
                assert!(
                    api.message.starts_with("the media registration"),
                    "{body}: {api:?}"
                )
            }
            other => panic!("{body}: {other:?}"),
        }
    }
    assert!(matches!(
        read_registration(&answer(
            401,
            r#"{"code": 2, "message": "Authentication failed."}"#
        )),
        Err(ConnectorError::Unauthorized(_))
    ));
}

#[test]
fn the_multipart_body_has_every_parameter_then_the_file_last() {
    let parameters = vec![
        ("key".to_string(), "uploads/1".to_string()),
        ("policy".to_string(), "cG9s".to_string()),
    ];
    let upload = MultipartUpload::new(&parameters, "clip.mp4", "video/mp4", "b0undary").unwrap();
    assert_eq!(
        upload.content_type(),
        "multipart/form-data; boundary=b0undary"
    );
    let body = upload.body(b"VIDEO");
    let expected = "--b0undary\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/1\r\n\
                    --b0undary\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\ncG9s\r\n\
                    --b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.mp4\"\r\n\
                    Content-Type: video/mp4\r\n\r\nVIDEO\r\n--b0undary--\r\n";
    assert_eq!(String::from_utf8(body.clone()).unwrap(), expected);
    assert_eq!(upload.content_length(5), body.len() as u64);
    assert_eq!(
        [upload.head(), b"VIDEO".as_slice(), upload.tail()].concat(),
        body
    );
}

#[test]
fn header_breaking_names_and_bad_boundaries_are_refused() {
    let quoted = vec![("a\"b".to_string(), "v".to_string())];
    assert!(matches!(
        MultipartUpload::new(&quoted, "f", "video/mp4", "b"),
        Err(ConnectorError::InvalidInput { .. })
    ));
    for (file, kind) in [
        ("a\r\nX: y", "video/mp4"),
        ("f", "video/mp4\r\n"),
        ("f\"", "v"),
    ] {
        assert!(
            MultipartUpload::new(&[], file, kind, "b").is_err(),
            "{file:?} {kind:?}"
        );
    }
    for bad in ["", "has space", &"x".repeat(71), "semi;colon"] {
        assert!(MultipartUpload::new(&[], "f", "v", bad).is_err(), "{bad:?}");
    }
    let made = boundary([1, u64::MAX]);
    assert!(MultipartUpload::new(&[], "f", "v", &made).is_ok(), "{made}");
    assert_ne!(boundary([1, 2]), boundary([2, 1]));
}

#[test]
fn statuses_are_read_and_unknown_ones_are_upstream_errors() {
    for (text, status) in [
        ("registered", MediaStatus::Registered),
        ("processing", MediaStatus::Processing),
        ("succeeded", MediaStatus::Succeeded),
        ("failed", MediaStatus::Failed),
    ] {
        let body = format!(r#"{{"media_id": "1", "media_type": "video", "status": "{text}"}}"#);
        let read = read_status(&answer(200, &body)).unwrap();
        assert_eq!(read, status);
        assert_eq!(read.as_str(), text);
        assert_eq!(read.is_final(), matches!(text, "succeeded" | "failed"));
    }
    for body in [r#"{"status": "exploded"}"#, "{}", "[]"] {
        assert!(
            matches!(
                read_status(&answer(200, body)),
                Err(ConnectorError::Upstream(_))
            ),
            "{body}"
        );
    }
    assert!(matches!(
        read_status(&answer(
            404,
            r#"{"code": 404, "message": "Media not found."}"#
        )),
        Err(ConnectorError::NotFound(_))
    ));
}
