use super::*;

fn oauth(refresh_token: &str) -> Credentials {
    Credentials::Oauth2(Oauth2Credentials {
        client_id: "app".into(),
        client_secret: "secret".into(),
        access_token: "access".into(),
        refresh_token: Some(refresh_token.into()),
        expires_at: Some(10),
        refresh_token_expires_at: None,
        token_endpoint: None,
        continuous_refresh: false,
        scopes: vec!["pins:read".into()],
    })
}

#[test]
fn a_record_reads_back_as_the_credentials_it_was_made_of() {
    for credentials in [oauth("r1"), Credentials::Sandbox("sandbox-token".into())] {
        let json = StoredRecord::new(&credentials, 7, true).to_json();
        let stored = StoredRecord::parse(&json).unwrap().into_stored();
        assert_eq!(stored.credentials, credentials);
        assert_eq!((stored.generation, stored.refresh_refused), (7, true));
    }
}

#[test]
fn a_credentials_file_written_before_the_store_reads_as_generation_zero() {
    let text = br#"{"kind": "sandbox", "token": "t"}"#;
    let stored = StoredRecord::parse(text).unwrap().into_stored();
    assert_eq!(stored.generation, 0);
    assert!(!stored.refresh_refused);
}

#[test]
fn an_unreadable_record_is_described_without_its_values() {
    for text in [
        &br#"{"kind": "oauth2", "client_id": 5, "access_token": "leaked-token"}"#[..],
        br#"{"kind": "leaked-token"}"#,
        br#"{"kind": "sandbox", "token": "leaked-token""#,
    ] {
        let reason = StoredRecord::parse(text).err().unwrap();
        assert!(!reason.contains("leaked-token"), "{reason}");
        assert!(reason.contains("line 1"), "{reason}");
    }
}

#[test]
fn a_lease_owner_is_random_and_its_debug_shows_only_the_token() {
    let (a, b) = (LeaseOwner::new(), LeaseOwner::new());
    assert_ne!(a, b);
    assert_eq!(a.as_str().len(), 32);
}
