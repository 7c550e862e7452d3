//! The README's walkthrough, run as it is written: every shell block of its
//! section after the build, in one `bash` with `set -euo pipefail`, against
//! the CLI and the mock this test run built (on free ports in place of the
//! README's); and the mock's printout, parsed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pinterest_host_test::component::{built_component, built_edge_component, workspace_root};
use pinterest_host_test::mock_setup::{mock_routes, shell_setup};
use pinterest_host_test::{MockConfig, MockPinterest};

/// The section's title in the README.
const SECTION: &str = "## Walkthrough: every command against the mock";

/// The sentence after which every block is run.
const RUN_FROM: &str = "Every block from here to the end of this section is run";

/// The README's fixed ports, each replaced with a free one.
const PORTS: [&str; 3] = ["8700", "8085", "8790"];

/// The shell blocks of the walkthrough that the test runs, in order.
fn walkthrough_blocks(readme: &str) -> Vec<String> {
    let start = readme
        .find(SECTION)
        .expect("the README has the walkthrough");
    let section = &readme[start + SECTION.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let from = section
        .find(RUN_FROM)
        .expect("the walkthrough says what runs");
    let mut blocks = Vec::new();
    let mut rest = &section[from..];
    while let Some(open) = rest.find("```sh\n") {
        let body = &rest[open + 6..];
        let close = body.find("\n```").expect("a closed block");
        blocks.push(body[..close].to_owned());
        rest = &body[close + 4..];
    }
    blocks
}

/// `mock-pinterest`, built beside the CLI by `cargo xtask test` (a test
/// cannot build it: the cargo that runs the tests holds the target folder).
fn mock_binary() -> PathBuf {
    let cli = PathBuf::from(env!("CARGO_BIN_EXE_pinterest-connector"));
    let mock = cli.with_file_name(format!("mock-pinterest{}", std::env::consts::EXE_SUFFIX));
    assert!(
        mock.exists(),
        "{} is missing: build it with `cargo build -p pinterest-host-test --bin mock-pinterest` \
         (`cargo xtask test` does)",
        mock.display()
    );
    mock
}

/// A loopback port where nothing listens, with `count - 1` free ones after
/// it (the mock takes four in a row).
fn free_ports(count: u16) -> u16 {
    for _ in 0..50 {
        let first = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = first.local_addr().unwrap().port();
        let taken: Vec<_> = (1..count)
            .map_while(|i| port.checked_add(i))
            .map(|p| std::net::TcpListener::bind(("127.0.0.1", p)))
            .collect();
        if taken.len() == usize::from(count - 1) && taken.iter().all(Result::is_ok) {
            return port;
        }
    }
    panic!("no {count} free ports in a row")
}

/// A folder on the walkthrough's `PATH` with the two programs it runs.
fn bin_folder(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for program in [
        PathBuf::from(env!("CARGO_BIN_EXE_pinterest-connector")),
        mock_binary(),
    ] {
        std::os::unix::fs::symlink(&program, bin.join(program.file_name().unwrap())).unwrap();
    }
    bin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_walkthrough_runs_as_written() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let blocks = walkthrough_blocks(&readme);
    assert_eq!(blocks.len(), 7, "the walkthrough's blocks");
    let mut script = blocks.join("\n");
    for port in PORTS {
        assert!(script.contains(port), "the walkthrough uses port {port}");
        let count = if port == "8700" { 4 } else { 1 };
        script = script.replace(port, &free_ports(count).to_string());
    }
    let component = built_component().expect("the component builds");
    let edge = built_edge_component().expect("the edge build builds");
    pinterest_host_test::node::npm_packages().expect("the npm packages install");
    let dir = tempfile::tempdir().unwrap();
    let bin = bin_folder(dir.path());
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = tokio::process::Command::new("bash");
    command
        .arg("-c")
        .arg(format!("set -euo pipefail\n{script}"))
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir.path())
        .env("TMPDIR", dir.path())
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("REPO", workspace_root())
        .env("PINTEREST_CONNECTOR_WASM", &component)
        .env("EDGE_WASM", &edge)
        .current_dir(workspace_root())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let child = command.spawn().expect("bash starts");
    let group = child.id().expect("a running shell");
    let output = tokio::time::timeout(Duration::from_secs(600), child.wait_with_output()).await;
    // Whatever the walkthrough left running (jco serve's server process).
    pinterest_host_test::node::kill_process_group(group);
    let output = output
        .expect("the walkthrough ends within 10 minutes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the walkthrough failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    // What each part printed, in order.
    let expected = [
        "export PINTEREST_ROUTES=api.pinterest.com=127.0.0.1:",
        "\"username\": \"mock_user\"",
        "\"id\": \"1000000000000\"",
        "{\"body\":{\"bookmark\":",
        "\"status\": 404",
        "\"media_id\":",
        "DATE,CAMPAIGN_ID,SPEND_IN_DOLLAR",
        "\"board_id\":\"2000000000000\"",
        "Authorised.",
        "\"credentials_file\":",
        "\"serverInfo\":{\"name\":\"pinterest-connector\"",
        "\"username\":\"mock_sandbox_user\"",
        "\\\"username\\\":\\\"mock_user\\\"",
    ];
    let mut at = 0;
    for text in expected {
        let found = stdout[at..]
            .find(text)
            .unwrap_or_else(|| panic!("`{text}` after byte {at} of stdout:\n{stdout}\n{stderr}"));
        at += found + text.len();
    }
    for said in [
        "3.0 of 3.0 MB sent",
        "IN_PROGRESS (ask 1 of 10; next in 1 s)",
        "report done",
        "first poll: the starting point is recorded",
        "first poll: 1 item printed (new since the saved cursor)",
        "removed ",
    ] {
        assert!(stderr.contains(said), "`{said}` on stderr:\n{stderr}");
    }
}

#[tokio::test]
async fn the_mocks_printout_routes_every_host_it_plays_and_names_what_each_command_needs() {
    let mock = MockPinterest::start(MockConfig::default()).await.unwrap();
    let printout = shell_setup(&mock);
    let mut exported = BTreeMap::new();
    for line in printout.lines().filter(|l| !l.starts_with('#')) {
        let assignments = line
            .strip_prefix("export ")
            .expect("only exports and comments");
        for assignment in assignments.split(' ') {
            let (name, value) = assignment.split_once('=').unwrap();
            exported.insert(name.to_owned(), value.to_owned());
        }
    }
    let routes: BTreeMap<&str, &str> = exported["PINTEREST_ROUTES"]
        .split(',')
        .map(|route| route.split_once('=').unwrap())
        .collect();
    let played = mock_routes(&mock);
    assert_eq!(routes.len(), 4);
    for (host, addr) in &played {
        assert_eq!(routes[host], addr.to_string(), "{host}");
        assert!(
            printout.contains(&format!("--route {host}={addr}")),
            "the flag for {host}"
        );
    }
    let config = mock.config();
    assert_eq!(exported["PINTEREST_ACCESS_TOKEN"], config.access_token);
    assert_eq!(exported["PINTEREST_CLIENT_ID"], config.client_id);
    assert_eq!(exported["PINTEREST_CLIENT_SECRET"], config.client_secret);
    assert_eq!(
        exported["PINTEREST_AUTHORIZATION_ENDPOINT"],
        format!("http://{}/oauth/", mock.production_addr)
    );
    assert!(printout.contains(&format!("PINTEREST_SANDBOX_TOKEN={}", config.sandbox_token)));

    // The binary listens on the four fixed ports it is given and says so.
    let first = free_ports(4);
    let mut child = tokio::process::Command::new(mock_binary())
        .args(["--port", &first.to_string()])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let routes_line = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the mock prints within 30 s")
            .unwrap()
            .expect("the mock prints its routes");
        if line.starts_with("export PINTEREST_ROUTES=") {
            break line;
        }
    };
    for (offset, (host, _)) in played.iter().enumerate() {
        let port = first + offset as u16;
        assert!(
            routes_line.contains(&format!("{host}=127.0.0.1:{port}")),
            "{routes_line}"
        );
        std::net::TcpStream::connect(("127.0.0.1", port)).expect("the mock listens there");
    }
    child.kill().await.unwrap();
}
