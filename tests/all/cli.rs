//! The `pinterest-connector` CLI, run as a process against the built
//! component and the mock Pinterest.

use std::process::Command;

use pinterest_host_test::{
    Browser, MockConfig, MockPinterest, assert_no_secrets, component::built_component,
};
use serde_json::Value;

/// Secrets the tests pass in besides the mock's own; no run may print them.
const TEST_SECRETS: [&str; 2] = ["client-secret-value", "wrong-refresh-token-5678"];

/// What one CLI run produced.
pub(super) struct Run {
    pub(super) code: i32,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

/// The CLI with the built component, in a clean environment but for `env`,
/// and no routes: every other way the tests start it builds on this one.
pub(super) fn cli_bare(env: &[(&str, &str)]) -> Command {
    let component = built_component().expect("the component builds");
    let mut command = Command::new(env!("CARGO_BIN_EXE_pinterest-connector"));
    command
        .env_clear()
        .env("PINTEREST_CONNECTOR_WASM", component)
        .envs(env.iter().copied());
    command
}

/// The CLI with `args` against `mock`: [`cli_bare`] with the production and
/// sandbox APIs routed to it.
pub(super) fn cli_command(mock: &MockPinterest, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = cli_bare(env);
    command
        .arg("--route")
        .arg(format!("api.pinterest.com={}", mock.production_addr))
        .arg("--route")
        .arg(format!("api-sandbox.pinterest.com={}", mock.sandbox_addr))
        .args(args);
    command
}

/// What `command` printed and how it ended.
async fn run_of(mut command: Command) -> Run {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the CLI thread")
        .expect("the CLI starts");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the CLI with `args` against `mock` (see [`cli_command`]) and checks
/// that no secret shows on either stream.
pub(super) async fn cli(mock: &MockPinterest, env: &[(&str, &str)], args: &[&str]) -> Run {
    let run = run_of(cli_command(mock, env, args)).await;
    let mut secrets = mock.secrets();
    secrets.extend(TEST_SECRETS.map(String::from));
    assert_no_secrets(&run.stdout, &secrets);
    assert_no_secrets(&run.stderr, &secrets);
    run
}

async fn mock() -> MockPinterest {
    MockPinterest::start(MockConfig::default())
        .await
        .expect("mock starts")
}

fn token(mock: &MockPinterest) -> String {
    mock.config().access_token.clone()
}

/// The one-line error the CLI printed.
pub(super) fn error_line(run: &Run) -> &str {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    lines[0]
}

#[tokio::test]
async fn verify_prints_the_account() {
    let mock = mock().await;
    let run = cli(
        &mock,
        &[("PINTEREST_ACCESS_TOKEN", &token(&mock))],
        &["verify"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let account: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(account["username"], "mock_user");
    assert_eq!(account["account_type"], "BUSINESS");
}

#[tokio::test]
async fn a_bad_token_fails_with_one_line_and_exit_code_3() {
    let mock = mock().await;
    let run = cli(
        &mock,
        &[("PINTEREST_ACCESS_TOKEN", "client-secret-value")],
        &["verify"],
    )
    .await;
    assert_eq!(run.code, 3);
    let line = error_line(&run);
    assert!(
        line.contains("unauthorized") && line.contains("Authentication failed."),
        "{line}"
    );
    assert!(run.stdout.is_empty());
}

#[tokio::test]
async fn sandbox_token_from_the_environment_uses_the_sandbox() {
    let mock = mock().await;
    let sandbox = mock.config().sandbox_token.clone();
    let run = cli(&mock, &[("PINTEREST_SANDBOX_TOKEN", &sandbox)], &["verify"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("mock_sandbox_user"));
}

#[tokio::test]
async fn mixed_or_missing_credentials_are_usage_errors() {
    let mock = mock().await;
    let both = [
        ("PINTEREST_ACCESS_TOKEN", "a"),
        ("PINTEREST_SANDBOX_TOKEN", "b"),
    ];
    let run = cli(&mock, &both, &["verify"]).await;
    assert_eq!(run.code, 2);
    assert!(error_line(&run).contains("use one"));
    let mixed = [
        ("PINTEREST_SANDBOX_TOKEN", "b"),
        ("PINTEREST_REFRESH_TOKEN", "wrong-refresh-token-5678"),
    ];
    let run = cli(&mock, &mixed, &["verify"]).await;
    assert_eq!(run.code, 2);
    assert!(error_line(&run).contains("a sandbox token is not refreshed"));
    let run = cli(&mock, &[], &["verify"]).await;
    assert_eq!(run.code, 2);
    assert!(error_line(&run).contains("no credentials"));
    // An empty token, from the environment or a flag, is refused by name
    // rather than sent (or taken for none and the file used instead).
    let empty_env = cli(&mock, &[("PINTEREST_ACCESS_TOKEN", "")], &["verify"]).await;
    let empty_flag = cli(&mock, &[], &["--sandbox-token", "", "verify"]).await;
    for (run, flag) in [
        (empty_env, "--access-token"),
        (empty_flag, "--sandbox-token"),
    ] {
        assert_eq!(run.code, 2, "{}", run.stderr);
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains(flag) && first.contains("it is empty"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(mock.request_count(), 0);
}

#[tokio::test]
async fn the_apps_client_id_and_secret_may_stay_set_beside_a_sandbox_token() {
    let mock = mock().await;
    let sandbox = mock.config().sandbox_token.clone();
    let env = [
        ("PINTEREST_SANDBOX_TOKEN", sandbox.as_str()),
        ("PINTEREST_CLIENT_ID", "mock-client-id"),
        ("PINTEREST_CLIENT_SECRET", "client-secret-value"),
    ];
    let run = cli(&mock, &env, &["verify"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("mock_sandbox_user"));
}

#[tokio::test]
async fn transport_errors_and_denials_name_the_host_and_the_flag_that_reaches_it() {
    let mock = mock().await;
    // A routed host where nothing listens any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = closed.local_addr().unwrap();
    drop(closed);
    let route = format!("api.pinterest.com={gone}");
    let run = cli_unrouted(
        &[("PINTEREST_ACCESS_TOKEN", &token(&mock))],
        &["--route", &route, "verify"],
    )
    .await;
    assert_eq!(run.code, 7, "{}", run.stderr);
    let line = error_line(&run);
    assert!(line.contains("reaching api.pinterest.com"), "{line}");
    assert!(
        line.contains(&format!(
            "`api.pinterest.com` is routed to {gone} by --route"
        )),
        "{line}"
    );
    // A description from a host the CLI does not send to.
    let run = cli(
        &mock,
        &[],
        &[
            "--spec",
            "https://example.com/openapi.json?sig=abc",
            "endpoints",
        ],
    )
    .await;
    assert_eq!(run.code, 7, "{}", run.stderr);
    let line = error_line(&run);
    assert!(line.contains("reaching example.com;"), "{line}");
    assert!(
        line.contains("--route example.com=127.0.0.1:PORT"),
        "{line}"
    );
    assert!(line.contains("--spec FILE"), "{line}");
    assert!(
        !line.contains("sig=abc") && !line.contains("openapi.json"),
        "the path stays out: {line}"
    );
    assert_eq!(mock.request_count(), 0);
}

/// The CLI with `args` and the component, and no routes but those `args`
/// name.
async fn cli_unrouted(env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = cli_bare(env);
    command.args(args);
    run_of(command).await
}

#[tokio::test]
async fn help_puts_the_global_options_under_their_own_heading() {
    let mock = mock().await;
    let run = cli(&mock, &[], &["raw", "--help"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let help = &run.stdout;
    assert!(!help.contains("GET: GET"), "{help}");
    assert!(
        help.contains("[possible values: GET, POST, PUT, PATCH, DELETE]"),
        "{help}"
    );
    let own = help.find("--no-throw-404").expect("raw's own option");
    let global = help
        .find("Global options (for every command):")
        .expect("the global heading");
    let credentials = help
        .find("Credentials (for every command")
        .expect("the credentials heading");
    let route = help.find("--route <HOST=ADDR>").expect("--route");
    let token = help.find("--access-token").expect("--access-token");
    assert!(
        own < global && global < route && route < credentials && credentials < token,
        "{help}"
    );
}

#[tokio::test]
async fn the_edge_build_given_as_the_component_is_named_for_what_it_is() {
    let mock = mock().await;
    let edge = pinterest_host_test::component::built_edge_component().expect("the edge builds");
    let run = cli(
        &mock,
        &[("PINTEREST_ACCESS_TOKEN", &token(&mock))],
        &[
            "--no-cache",
            "--component",
            edge.to_str().unwrap(),
            "verify",
        ],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = error_line(&run);
    assert!(line.contains("this is the edge build"), "{line}");
    assert!(line.contains("jco serve"), "{line}");
    assert!(!line.contains("no exported instance"), "{line}");
}

#[tokio::test]
async fn call_paginate_prints_one_json_line_per_page() {
    let mock = mock().await;
    let env = [("PINTEREST_ACCESS_TOKEN", token(&mock))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = cli(
        &mock,
        &env,
        &[
            "call",
            "GET /pins",
            "--query",
            "page_size=250",
            "--paginate",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pages: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(pages.len(), 4);
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p["body"]["items"].as_array().unwrap().iter())
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        (0..1000).map(MockPinterest::pin_id).collect::<Vec<_>>()
    );
    assert_eq!(pages[3]["next_bookmark"], Value::Null);

    let run = cli(
        &mock,
        &env,
        &[
            "call",
            "pins/list",
            "--query",
            "page_size=5",
            "--paginate",
            "--max-pages",
            "2",
        ],
    )
    .await;
    assert_eq!(run.stdout.lines().count(), 2);
}

#[tokio::test]
async fn call_once_with_path_parameters_and_a_body() {
    let mock = mock().await;
    let token = token(&mock);
    let env = [("PINTEREST_ACCESS_TOKEN", token.as_str())];
    let pin = MockPinterest::pin_id(3);
    let run = cli(
        &mock,
        &env,
        &[
            "call",
            "GET /pins/{pin_id}",
            "--path",
            &format!("pin_id={pin}"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (out["status"].as_u64(), out["body"]["id"].as_str()),
        (Some(200), Some(pin.as_str()))
    );

    let body = format!(
        r#"{{"board_id":"{}","media_source":{{"source_type":"image_url","url":"https://example.com/x.jpg"}}}}"#,
        MockPinterest::board_id(0)
    );
    let run = cli(&mock, &env, &["call", "POST /pins", "--body", &body]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("\"status\": 201"));
}

#[tokio::test]
async fn invalid_input_exits_2_and_sends_nothing() {
    let mock = mock().await;
    let token = token(&mock);
    let env = [("PINTEREST_ACCESS_TOKEN", token.as_str())];
    let run = cli(&mock, &env, &["call", "GET /pins/{pin_id}"]).await;
    assert_eq!(run.code, 2);
    assert!(error_line(&run).contains("path.pin_id"));
    let run = cli(&mock, &env, &["raw", "GET", "https://evil.example/v5/pins"]).await;
    assert_eq!(run.code, 2);
    assert!(error_line(&run).contains("`url`"));
    let run = cli(&mock, &env, &["call", "GET /pins", "--query", "page_size"]).await;
    assert_eq!(run.code, 2, "clap refuses a query without `=`");
    assert_eq!(mock.request_count(), 0);
}

#[tokio::test]
async fn raw_404_fails_with_exit_code_4_unless_told_not_to() {
    let mock = mock().await;
    let token = token(&mock);
    let env = [("PINTEREST_ACCESS_TOKEN", token.as_str())];
    let run = cli(&mock, &env, &["raw", "get", "/pins/0"]).await;
    assert_eq!(run.code, 4);
    let line = error_line(&run);
    assert!(
        line.contains("Pin not found.") && line.contains("x-pinterest-rid mock-"),
        "{line}"
    );
    let run = cli(&mock, &env, &["raw", "GET", "/pins/0", "--no-throw-404"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["status"], 404);
    assert_eq!(out["body"]["code"], 50);
}

#[tokio::test]
async fn endpoints_and_describe_need_no_credentials() {
    let mock = mock().await;
    let run = cli(&mock, &[], &["endpoints"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 142);
    assert!(
        run.stdout
            .lines()
            .any(|l| l == "pins/list\tGET /pins (List Pins)\t[paginated]")
    );
    let run = cli(&mock, &[], &["endpoints", "--json"]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        142
    );
    let run = cli(&mock, &[], &["describe", "pins/list"]).await;
    let schema: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        schema["properties"]["query"]["properties"]["page_size"]["maximum"],
        250
    );
    let run = cli(&mock, &[], &["describe", "GET /nope"]).await;
    assert_eq!(run.code, 2);
    assert_eq!(mock.request_count(), 0);
}

#[tokio::test]
async fn a_description_file_replaces_the_embedded_catalog() {
    let mock = mock().await;
    let file = pinterest_host_test::component::workspace_root()
        .join("../shared/openapi/pinterest-v5.23.0.json");
    let file = file.to_str().unwrap();
    let run = cli(&mock, &[], &["--spec", file, "endpoints"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 231);
    let run = cli(&mock, &[], &["--spec", "/nonexistent.json", "endpoints"]).await;
    assert_eq!(run.code, 2);
    assert!(error_line(&run).contains("/nonexistent.json"));
}

/// [`cli_command`] as a tokio process, stopped when dropped.
fn command(mock: &MockPinterest) -> tokio::process::Command {
    let mut command = tokio::process::Command::from(cli_command(mock, &[], &[]));
    command.kill_on_drop(true);
    command
}

/// Starts `login` with the mock's app, and returns the running process and
/// the authorization URL it printed.
async fn start_login(
    mock: &MockPinterest,
    file: &std::path::Path,
) -> (
    tokio::process::Child,
    String,
    tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStderr>>,
) {
    use tokio::io::AsyncBufReadExt;
    let mut child = command(mock)
        .env("PINTEREST_CLIENT_ID", &mock.config().client_id)
        .env("PINTEREST_CLIENT_SECRET", &mock.config().client_secret)
        .env("PINTEREST_CREDENTIALS_FILE", file)
        .args(["login", "--no-browser", "--port", "0", "--timeout", "60"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the CLI starts");
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
            .await
            .expect("the URL within a minute")
            .unwrap()
            .expect("the CLI printed the authorization URL");
        assert_no_secrets(&line, &mock.secrets());
        if let Some(url) = line.trim().strip_prefix("https://") {
            break format!("https://{url}");
        }
    };
    (child, url, lines)
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn login_follows_the_redirect_and_writes_a_private_credentials_file() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/credentials.json");
    let (child, url, _lines) = start_login(&mock, &file).await;
    assert!(
        url.starts_with("https://www.pinterest.com/oauth/?client_id=mock-client-id&"),
        "{url}"
    );
    assert!(
        url.contains("scope=boards%3Aread,pins%3Aread,user_accounts%3Aread"),
        "{url}"
    );

    // The user's browser: Pinterest's page redirects to the CLI's listener.
    let browser = Browser::new().route("www.pinterest.com", mock.production_addr);
    let visit = browser.visit(&url).await.unwrap();
    assert_eq!(visit.visited.len(), 2, "{:?}", visit.visited);
    assert!(
        visit.visited[1].starts_with("http://127.0.0.1:"),
        "{:?}",
        visit.visited
    );
    assert!(
        visit.visited[1].contains("/callback?code="),
        "{:?}",
        visit.visited
    );
    assert_eq!(visit.status, 200);
    assert!(visit.body.contains("Authorised"), "{}", visit.body);

    let output = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert_no_secrets(&stdout, &mock.secrets());
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["credentials_file"], file.to_str().unwrap());
    assert_eq!(
        summary["scopes"],
        serde_json::json!(["boards:read", "pins:read", "user_accounts:read"])
    );
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let written = std::fs::read_to_string(&file).unwrap();
    let stored: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(stored["kind"], "oauth2");
    let refresh = stored["refresh_token"].as_str().unwrap().to_owned();
    assert!(mock.refresh_token_valid(&refresh));

    // Later commands read the file.
    let env = [("PINTEREST_CREDENTIALS_FILE", file.to_str().unwrap())];
    let run = cli(&mock, &env, &["verify"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("mock_user"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        written,
        "unchanged"
    );

    // The access token is revoked: the next command refreshes, and the file
    // is rewritten with the rotated tokens, still private.
    mock.revoke_access_token(stored["access_token"].as_str().unwrap());
    let run = cli(&mock, &env, &["raw", "GET", "/boards?page_size=1"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rotated: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_ne!(rotated["access_token"], stored["access_token"]);
    assert_ne!(rotated["refresh_token"], stored["refresh_token"]);
    assert!(
        !mock.refresh_token_valid(&refresh),
        "the old one is revoked"
    );
    assert!(mock.refresh_token_valid(rotated["refresh_token"].as_str().unwrap()));
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let mut leftovers: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        [
            "credentials.json",
            // The rate budget the CLIs of the machine share.
            "credentials.json.budget",
            // The store's locks: the save's and the refresh lease's.
            "credentials.json.lease",
            "credentials.json.lock",
        ],
        "no temporary file left"
    );

    // logout deletes the file; a second logout says so.
    let run = cli(&mock, &env, &["logout"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!file.exists());
    let run = cli(&mock, &env, &["logout"]).await;
    assert!(run.stderr.contains("not logged in"), "{}", run.stderr);
    let run = cli(&mock, &env, &["verify"]).await;
    assert_eq!(run.code, 2);
    assert!(error_line(&run).contains("no credentials"));
}

#[tokio::test]
async fn login_ignores_a_redirect_with_the_wrong_state_and_waits_for_the_right_one() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.json");
    let (child, url, _lines) = start_login(&mock, &file).await;
    let redirect = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let code = mock.issue_code(&redirect);
    let forged = format!("{redirect}?code={code}&state=forged");
    let visit = Browser::new().visit(&forged).await.unwrap();
    assert_eq!(visit.status, 400);
    assert!(!file.exists(), "nothing saved");
    assert_eq!(
        mock.token_requests(),
        0,
        "the forged code was not exchanged"
    );

    // The login still waits: the user's real redirect completes it.
    let browser = Browser::new().route("www.pinterest.com", mock.production_addr);
    let visit = browser.visit(&url).await.unwrap();
    assert_eq!(visit.status, 200, "{}", visit.body);
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(file.exists(), "the credentials were saved");
    assert_eq!(
        mock.token_requests(),
        1,
        "only the right code was exchanged"
    );
}

#[tokio::test]
async fn a_token_in_the_wrong_field_of_the_credentials_file_is_not_quoted() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.json");
    let env = [("PINTEREST_CREDENTIALS_FILE", file.to_str().unwrap())];
    for wrong in [
        serde_json::json!({ "kind": "oauth2", "client_id": "id", "client_secret": "s",
            "access_token": "a", "expires_at": "client-secret-value" }),
        serde_json::json!({ "kind": "client-secret-value", "token": "t" }),
        serde_json::json!({ "kind": "sandbox", "token": ["client-secret-value"] }),
    ] {
        std::fs::write(&file, wrong.to_string()).unwrap();
        // `cli` fails the test if the secret shows on either stream.
        let run = cli(&mock, &env, &["verify"]).await;
        assert_eq!(run.code, 2, "{}", run.stderr);
        let line = error_line(&run);
        assert!(line.contains("is not valid"), "{line}");
    }
}

#[tokio::test]
async fn login_needs_the_app_credentials() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.json");
    let run = cli(
        &mock,
        &[("PINTEREST_CREDENTIALS_FILE", file.to_str().unwrap())],
        &["login", "--no-browser"],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(error_line(&run).contains("PINTEREST_CLIENT_ID"));
}

#[tokio::test]
async fn errors_never_show_a_secret_even_when_the_server_echoes_it() {
    let mock = mock().await;
    mock.echo_secrets_in_errors(true);
    // A bad token in the environment, echoed by the API.
    let run = cli(
        &mock,
        &[("PINTEREST_ACCESS_TOKEN", "client-secret-value")],
        &["raw", "GET", "/boards"],
    )
    .await;
    assert_eq!(run.code, 3);
    assert!(error_line(&run).contains("[redacted]"), "{}", run.stderr);

    // A credentials file whose refresh token was revoked, echoed by the
    // token endpoint.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.json");
    let stale = serde_json::json!({
        "kind": "oauth2",
        "client_id": mock.config().client_id,
        "client_secret": mock.config().client_secret,
        "access_token": "client-secret-value",
        "refresh_token": "wrong-refresh-token-5678",
        "expires_at": 1,
        "refresh_token_expires_at": null,
        "token_endpoint": null,
    });
    std::fs::write(&file, stale.to_string()).unwrap();
    let env = [("PINTEREST_CREDENTIALS_FILE", file.to_str().unwrap())];
    let run = cli(&mock, &env, &["verify"]).await;
    assert_eq!(run.code, 3);
    let line = error_line(&run);
    assert!(
        line.contains("re-authenticate") && line.contains("[redacted]"),
        "{line}"
    );
    // A failed refresh leaves the credentials alone and remembers that the
    // refresh token was refused, so that no other process sends it again.
    let mut after: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(after["refresh_refused"], true, "{after}");
    for key in [
        "refresh_refused",
        "generation",
        "continuous_refresh",
        "scopes",
    ] {
        after.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(after, stale, "the credentials are as they were");
}

#[tokio::test]
async fn a_spent_quota_says_how_many_seconds_are_left() {
    // `X-RateLimit-Reset` holds the reset's Unix instant, two hours away.
    let mock = mock().await;
    mock.rate_limit_reset_in(7_200);
    mock.fail_next(1, 429);
    let run = cli(
        &mock,
        &[("PINTEREST_ACCESS_TOKEN", &token(&mock))],
        &["raw", "GET", "/boards"],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    let line = error_line(&run);
    let seconds: u64 = line
        .split("retry after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no wait in {line}"));
    assert!((7_190..=7_200).contains(&seconds), "{line}");
    assert!(line.contains("Pinterest code 8"), "{line}");
}

#[tokio::test]
async fn the_compiled_component_is_cached_and_a_bad_entry_is_replaced() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("PINTEREST_CONNECTOR_CACHE", dir.path().to_str().unwrap())];
    let entries = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
            .collect()
    };
    let run = cli(&mock, &env, &["endpoints"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cached = entries();
    assert_eq!(cached.len(), 1, "one entry after the first run");
    let written = std::fs::read(&cached[0]).unwrap();

    let run = cli(&mock, &env, &["endpoints"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read(&cached[0]).unwrap(),
        written,
        "used, not rewritten"
    );

    // A corrupted entry is detected, recompiled and replaced.
    let mut corrupted = written.clone();
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 0x55;
    std::fs::write(&cached[0], &corrupted).unwrap();
    let run = cli(&mock, &env, &["endpoints"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 142);
    assert_ne!(std::fs::read(&cached[0]).unwrap(), corrupted, "replaced");
    let run = cli(&mock, &env, &["endpoints"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[cfg(unix)]
#[tokio::test]
async fn a_compile_cache_others_may_write_to_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let by_env = [("PINTEREST_CONNECTOR_CACHE", dir.path().to_str().unwrap())];
    let run = cli(&mock, &by_env, &["endpoints"]).await;
    assert_ne!(run.code, 0);
    let line = error_line(&run);
    assert!(line.contains("compile cache"), "{line}");
    assert!(line.contains("group or others"), "{line}");
    let by_flag = cli(
        &mock,
        &[],
        &["--cache-dir", dir.path().to_str().unwrap(), "endpoints"],
    )
    .await;
    assert_ne!(by_flag.code, 0);
    assert!(error_line(&by_flag).contains("compile cache"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    // Once only its owner may write to it, it is used.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = cli(&mock, &by_env, &["endpoints"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// `cli` with the S3-like hosts of the jobs routed to the mock too.
async fn cli_with_jobs(mock: &MockPinterest, env: &[(&str, &str)], args: &[&str]) -> Run {
    let upload = format!(
        "{}={}",
        pinterest_host_test::media_mock::UPLOAD_HOST,
        mock.upload_addr
    );
    let download = format!(
        "{}={}",
        pinterest_host_test::report_mock::REPORT_HOST,
        mock.download_addr
    );
    let mut all = vec!["--route", upload.as_str(), "--route", download.as_str()];
    all.extend_from_slice(args);
    cli(mock, env, &all).await
}

#[tokio::test]
async fn upload_media_prints_the_processed_media_id() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("clip.mp4");
    let mut bytes = b"\0\0\0\x18ftypmp42".to_vec();
    bytes.resize(10 << 20, 7);
    std::fs::write(&video, &bytes).unwrap();
    let run = cli_with_jobs(
        &mock,
        &[("PINTEREST_ACCESS_TOKEN", &token(&mock))],
        &[
            "upload-media",
            video.to_str().unwrap(),
            "--max-polls",
            "10",
            "--poll-interval",
            "0",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        out["media_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{out}"
    );
    assert_eq!(mock.uploads().len(), 1);
    // Progress as the file leaves: a line past 8 MB, one at the end.
    let sent: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.ends_with(" MB sent"))
        .collect();
    assert_eq!(sent.len(), 2, "{}", run.stderr);
    let (done, total) = sent[1]
        .trim_end_matches(" MB sent")
        .split_once(" of ")
        .unwrap();
    assert_eq!(done, total, "the last line says all was sent");

    let unknown = dir.path().join("clip.bin");
    std::fs::write(&unknown, b"x").unwrap();
    let run = cli_with_jobs(
        &mock,
        &[("PINTEREST_ACCESS_TOKEN", &token(&mock))],
        &["upload-media", unknown.to_str().unwrap()],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(error_line(&run).contains("--content-type"));
}

#[tokio::test]
async fn report_writes_the_whole_report_to_a_file() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.csv");
    let body = r#"{"start_date": "2024-01-01", "end_date": "2024-01-31", "granularity": "DAY", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"]}"#;
    let run = cli_with_jobs(
        &mock,
        &[("PINTEREST_ACCESS_TOKEN", &token(&mock))],
        &[
            "report",
            "--ad-account",
            "549755885175",
            "--body",
            body,
            "--out",
            out.to_str().unwrap(),
            "--max-polls",
            "10",
            "--poll-interval",
            "0",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read(&out).unwrap();
    assert!(
        written == pinterest_host_test::report_mock::report_csv(mock.config().reports.bytes),
        "the report file differs ({} bytes)",
        written.len()
    );
    assert!(run.stderr.contains("report done"), "{}", run.stderr);
    // Each ask of the wait is said as it happens.
    let asks: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("IN_PROGRESS (ask "))
        .collect();
    assert!(!asks.is_empty(), "{}", run.stderr);
    assert!(
        asks[0].ends_with("(ask 1 of 10; next in 0 s)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("ready after {} asks", asks.len() + 1)),
        "{}",
        run.stderr
    );
}

/// Runs `watch` in the background: new pins go on the mock while it runs,
/// and its JSON lines carry them, oldest first; the state file it keeps is
/// private and lets a later run go on where it stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_new_pins_while_it_runs_and_keeps_its_cursor() {
    use std::io::BufRead;
    use std::time::{Duration, Instant};

    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("watch-state.json");
    let state_arg = state.to_str().unwrap().to_owned();
    let board = MockPinterest::board_id(0);
    let added = tokio::task::block_in_place(|| {
        let token = token(&mock);
        let watch = ["watch", "new-pin", "--every", "1", "--page-size", "2"];
        let mut child = cli_command(&mock, &[("PINTEREST_ACCESS_TOKEN", &token)], &watch)
            .args(["--state", &state_arg])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the CLI starts");
        let deadline = Instant::now() + Duration::from_secs(120);
        while !state.exists() {
            assert!(Instant::now() < deadline, "the first poll never finished");
            std::thread::sleep(Duration::from_millis(50));
        }
        let started = std::fs::read_to_string(&state).unwrap();
        let added: Vec<String> = (0..3).map(|_| mock.add_pin(&board, None)).collect();
        let (lines, received) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                if lines.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        let mut printed = Vec::new();
        while printed.len() < added.len() {
            let line = received
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("watch prints the new pins");
            let pin: Value = serde_json::from_str(&line).expect("a JSON line");
            printed.push(pin["id"].as_str().unwrap().to_owned());
        }
        // The cursor is written once the lines are out: stopped before
        // that, a run prints them again (at least once, never lost).
        while std::fs::read_to_string(&state).unwrap() == started {
            assert!(Instant::now() < deadline, "the state file never moved on");
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_no_secrets(&stderr, &mock.secrets());
        // Said at once on stderr: that it runs, and what its first poll did.
        let said: Vec<&str> = stderr.lines().take(2).collect();
        assert_eq!(
            said[0],
            format!(
                "watching new-pin every 1 s, starting afresh; the cursor is kept in {state_arg}"
            ),
            "{stderr}"
        );
        assert!(
            said[1].starts_with("first poll: the starting point is recorded (0 items printed")
                && said[1].ends_with("next poll in 1 s"),
            "{stderr}"
        );
        assert_eq!(printed, added, "each new pin once, oldest first");
        added
    });

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the state file is private");
    }
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(
        kept["cursor"].as_str().unwrap().starts_with("v1."),
        "{kept}"
    );

    // A later run goes on from the state file: nothing new, then one pin.
    let env = [("PINTEREST_ACCESS_TOKEN", token(&mock))];
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let once = ["watch", "new-pin", "--once", "--state", &state_arg];
    let quiet = cli(&mock, &env, &once).await;
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(
        quiet.stdout, "",
        "the pins printed before are not printed again"
    );
    let fourth = mock.add_pin(&board, None);
    assert!(!added.contains(&fourth));
    let next = cli(&mock, &env, &once).await;
    assert_eq!(next.code, 0, "{}", next.stderr);
    let lines: Vec<Value> = next
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{}", next.stdout);
    assert_eq!(lines[0]["id"], fourth.as_str());

    // The state of one trigger is refused by another.
    let boards = cli(
        &mock,
        &env,
        &["watch", "new-board", "--once", "--state", &state_arg],
    )
    .await;
    assert_eq!(boards.code, 2, "{}", boards.stderr);
    let refused = boards.stderr.lines().last().unwrap_or_default();
    assert_eq!(
        refused,
        format!(
            "error: the state file {state_arg} holds the cursor of another trigger (or of the \
             other API: the sandbox and production keep cursors of their own): pass another \
             --state FILE for this one, or remove {state_arg} to start over"
        ),
        "{}",
        boards.stderr
    );
}

/// `mcp` on stdio, spoken to line by line: the handshake, the tools of
/// read-only mode, a search, a paginated read capped by items, a write
/// refused, and a typed error — with the token from the environment only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_serves_the_tools_on_stdio_in_read_only_mode() {
    use std::io::{BufRead, Write};

    let mock = mock().await;
    let secrets = mock.secrets();
    let transcript = tokio::task::block_in_place(|| {
        let token = token(&mock);
        let mcp = ["mcp", "--read-only"];
        let mut child = cli_command(&mock, &[("PINTEREST_ACCESS_TOKEN", &token)], &mcp)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the CLI starts");
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        // Lines that are no JSON-RPC message, and a request before
        // `initialize`, get their errors; the server goes on serving.
        let mut raw = |line: &str| -> Value {
            writeln!(stdin, "{line}").unwrap();
            stdin.flush().unwrap();
            let mut answer = String::new();
            stdout.read_line(&mut answer).unwrap();
            serde_json::from_str(&answer).unwrap_or_else(|_| panic!("a JSON-RPC line: {answer}"))
        };
        let early = [
            raw("this is not JSON"),
            raw(r#"{"jsonrpc":"2.0","id":90,"method":"tools/list"}"#),
        ];
        let mut ask = |message: Value| -> Value {
            writeln!(stdin, "{message}").unwrap();
            stdin.flush().unwrap();
            if message.get("id").is_none() {
                return Value::Null;
            }
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("a JSON-RPC line: {line}"))
        };
        let call = |id: u32, name: &str, arguments: Value| {
            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                               "params": {"name": name, "arguments": arguments}})
        };
        let mut transcript = vec![ask(serde_json::json!({"jsonrpc": "2.0", "id": 0,
            "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"}}}))];
        ask(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        transcript.push(ask(
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        ));
        transcript.push(ask(call(
            2,
            "search_endpoints",
            serde_json::json!({"query": "list pins on a board"}),
        )));
        transcript.push(ask(call(
            3,
            "read_endpoint",
            serde_json::json!({"endpoint": "GET /pins",
            "query_params": {"page_size": 4}, "paginate": {"max_items": 10}}),
        )));
        transcript.push(ask(call(
            4,
            "raw_request",
            serde_json::json!({"method": "DELETE", "url": "/pins/1"}),
        )));
        transcript.push(ask(call(
            5,
            "read_endpoint",
            serde_json::json!({"endpoint": "GET /pins/{pin_id}",
            "path_params": {"pin_id": "404404"}}),
        )));
        transcript.push(ask(call(
            6,
            "write_endpoint",
            serde_json::json!({"endpoint": "POST /pins"}),
        )));
        // The method a name stands for is read as the catalog reads it: a
        // lower-case POST is no way round read-only mode.
        transcript.push(ask(call(
            7,
            "read_endpoint",
            serde_json::json!({"endpoint": "post /pins (Create Pin)"}),
        )));
        transcript.extend(early);
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_no_secrets(&stderr, &secrets);
        transcript
    });
    assert_eq!(transcript[8]["error"]["code"], -32700, "{}", transcript[8]);
    assert_eq!(transcript[8]["id"], Value::Null);
    assert_eq!(
        (&transcript[9]["error"]["code"], &transcript[9]["id"]),
        (&serde_json::json!(-32002), &serde_json::json!(90)),
        "{}",
        transcript[9]
    );
    let lowered = &transcript[7]["result"];
    assert_eq!(lowered["isError"], true, "{lowered}");
    assert!(
        lowered["structuredContent"]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is a POST endpoint")),
        "{lowered}"
    );
    assert!(
        mock.requests().iter().all(|r| r.method != "POST"),
        "nothing was created"
    );
    assert_eq!(transcript[6]["error"]["code"], -32602, "{}", transcript[6]);
    assert_eq!(
        transcript[6]["error"]["message"],
        "the tool `write_endpoint` is not offered in read-only mode (this server was started \
         that way)"
    );
    for message in &transcript {
        assert_no_secrets(&message.to_string(), &secrets);
    }
    assert_eq!(
        transcript[0]["result"]["serverInfo"]["name"],
        "pinterest-connector"
    );
    let names: Vec<&str> = transcript[1]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"read_endpoint") && !names.contains(&"write_endpoint"),
        "{names:?}"
    );
    assert_eq!(
        transcript[2]["result"]["structuredContent"]["matches"][0]["id"], "boards/list_pins",
        "{}",
        transcript[2]
    );
    let walk = &transcript[3]["result"]["structuredContent"];
    assert_eq!(
        walk["items"].as_array().map(Vec::len),
        Some(10),
        "{}",
        transcript[3]
    );
    assert_eq!(
        (walk["pages"].as_u64(), walk["truncated"].as_bool()),
        (Some(3), Some(true))
    );
    assert_eq!(transcript[4]["result"]["isError"], true);
    assert_eq!(
        transcript[4]["result"]["structuredContent"]["error"]["kind"],
        "forbidden-by-mode"
    );
    assert_eq!(transcript[5]["result"]["isError"], true);
    assert_eq!(
        transcript[5]["result"]["structuredContent"]["error"]["kind"],
        "not-found"
    );
}

#[tokio::test]
async fn clis_on_one_machine_share_the_rate_budget_a_429_paused() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let budget = dir.path().join("budget.json");
    let token = token(&mock);
    let env = [
        ("PINTEREST_ACCESS_TOKEN", token.as_str()),
        ("PINTEREST_BUDGET_FILE", budget.to_str().unwrap()),
    ];
    a_429_one_cli_met_holds_the_next(&mock, &env).await;
}

#[tokio::test]
async fn clis_on_many_machines_share_the_rate_budget_in_redis() {
    let mock = mock().await;
    let server = pinterest_host_test::RedisServer::start().expect("redis-server runs");
    let (token, url) = (token(&mock), server.url());
    let env = [
        ("PINTEREST_ACCESS_TOKEN", token.as_str()),
        ("PINTEREST_REDIS_URL", url.as_str()),
        ("PINTEREST_ACCOUNT", "acme"),
    ];
    a_429_one_cli_met_holds_the_next(&mock, &env).await;
}

/// One CLI meets a 429 whose reset is two hours away; the next, on the same
/// budget (`env`), is told at once in that category and sends nothing.
async fn a_429_one_cli_met_holds_the_next(mock: &MockPinterest, env: &[(&str, &str)]) {
    // One CLI meets a spent limit two hours from its reset.
    mock.rate_limit_reset_in(7_200);
    mock.fail_next(1, 429);
    let first = cli(mock, env, &["raw", "GET", "/boards"]).await;
    assert_eq!(first.code, 5, "{}", first.stderr);
    assert_eq!(mock.request_count(), 1);
    // The next one, in the same category, is told at once and sends nothing.
    let next = cli(mock, env, &["verify"]).await;
    assert_eq!(next.code, 5, "{}", next.stderr);
    let line = error_line(&next);
    assert!(
        line.contains("the rate budget of `org_read` this account's callers share is spent for"),
        "{line}"
    );
    assert!(line.contains("not sent"), "{line}");
    assert_eq!(mock.request_count(), 1, "nothing was sent");
    // Another category is not paused, and a CLI without the budget sends.
    let write = cli(
        mock,
        env,
        &[
            "call",
            "POST /pins",
            "--body",
            r#"{"board_id": "2000000000000", "media_source": {"source_type": "image_url", "url": "https://example.com/a.jpg"}}"#,
        ],
    )
    .await;
    assert_eq!(write.code, 0, "{}", write.stderr);
    let unbudgeted = cli(mock, env, &["--rate-limits", "off", "verify"]).await;
    assert_eq!(unbudgeted.code, 0, "{}", unbudgeted.stderr);
    assert_eq!(mock.request_count(), 3);
}
