//! The component in Node.js through jco: the npm packages of `tests/node`
//! (installed by `npm ci` from its lock file), `jco transpile` of a built
//! component, `node --test`, and `jco serve` for the edge build.
//!
//! The transpiled output goes under `tests/node/build/` so that its imports
//! of `@bytecodealliance/preview2-shim` resolve to `tests/node/node_modules`.
//! The component's `wasi:http/outgoing-handler` import is mapped to
//! `tests/node/route.mjs`, which sends the Pinterest hosts named in
//! `PINTEREST_ROUTES` to the mock, as the Rust host's network policy does.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::mock::MockPinterest;
use crate::npm::jco;
pub use crate::npm::{npm_packages, project_dir};
use crate::workspace_root;

/// The mapping of the component's outgoing-handler import to the routing
/// module, relative to a transpiled component's folder.
const ROUTE_MAP: &str = "wasi:http/outgoing-handler=../../route.mjs";

/// Transpiles `component` with jco into `tests/node/build/NAME/NAME.js`
/// (with its core Wasm beside it), its outgoing HTTP mapped to the routing
/// module. Returns the folder.
pub fn transpile(component: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let out = project_dir().join("build").join(name);
    let output = Command::new("node")
        .arg(jco()?)
        .arg("transpile")
        .arg(component)
        .arg("--out-dir")
        .arg(&out)
        .args(["--name", name, "--quiet", "--map", ROUTE_MAP])
        .output()
        .context("starting node")?;
    succeeded(
        &output,
        &format!("jco transpile of {}", component.display()),
    )?;
    Ok(out)
}

/// Fails, with what the command printed on stderr, unless it exited 0.
fn succeeded(output: &Output, what: &str) -> anyhow::Result<()> {
    if !output.status.success() {
        bail!(
            "{what} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// The environment the Node tests and the routing module read: where the
/// Pinterest hosts (the API's and the S3-like upload and report hosts) are
/// routed and the mock's tokens and OAuth app.
pub fn mock_environment(mock: &MockPinterest) -> Vec<(&'static str, String)> {
    let config = mock.config();
    vec![
        ("PINTEREST_ROUTES", crate::mock_setup::routes_variable(mock)),
        ("MOCK_ACCESS_TOKEN", config.access_token.clone()),
        ("MOCK_SANDBOX_TOKEN", config.sandbox_token.clone()),
        ("MOCK_CLIENT_ID", config.client_id.clone()),
        ("MOCK_CLIENT_SECRET", config.client_secret.clone()),
        ("MOCK_REFRESH_TOKEN", config.refresh_token.clone()),
    ]
}

/// Runs `node --test FILE` in the project with `env`, returning its output
/// whether it passed or not.
pub async fn node_test(file: &str, env: &[(&str, String)]) -> anyhow::Result<Output> {
    let mut command = tokio::process::Command::new("node");
    command
        .args(["--test", "--test-reporter=spec", file])
        .current_dir(project_dir())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .kill_on_drop(true);
    command.output().await.context("starting node")
}

/// The npm package (`cargo xtask npm`'s tarball) built around `component`
/// into `out_dir`: its path.
pub fn npm_package(component: &Path, out_dir: &Path) -> anyhow::Result<PathBuf> {
    let project = npm_packages()?;
    Ok(pinterest_connector_dist::npm::build_npm_package(
        &workspace_root(),
        &project,
        component,
        out_dir,
    )?)
}

/// Installs `tarball` into a fresh npm project at `dir` (`npm install` of
/// the file, its dependency from the registry or npm's cache) and runs
/// `node --test FILE` there (`file` copied from `tests/node`) with `env`:
/// its output, whether it passed or not.
pub async fn installed_package_test(
    tarball: &Path,
    dir: &Path,
    file: &str,
    env: &[(&str, String)],
) -> anyhow::Result<Output> {
    std::fs::write(
        dir.join("package.json"),
        r#"{"name": "a-node-host", "private": true, "type": "module"}"#,
    )?;
    let install = tokio::process::Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--loglevel=error",
        ])
        .arg(tarball)
        .current_dir(dir)
        .output()
        .await
        .context("starting npm")?;
    if !install.status.success() {
        bail!(
            "npm install of {} failed: {}",
            tarball.display(),
            String::from_utf8_lossy(&install.stderr)
        );
    }
    std::fs::copy(project_dir().join(file), dir.join(file))?;
    let mut command = tokio::process::Command::new("node");
    command
        .args(["--test", "--test-reporter=spec", file])
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .kill_on_drop(true);
    command.output().await.context("starting node")
}

/// A component served by `jco serve` on loopback; stopped when dropped.
pub struct JcoServe {
    child: tokio::process::Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl JcoServe {
    /// Serves `component` (a `wasi:http/proxy` component) with `jco serve`,
    /// transpiled into `tests/node/build/NAME` with its outgoing HTTP mapped
    /// to the routing module, with `env`; waits until it listens. Its stdout
    /// and stderr go to `log`.
    ///
    /// jco serve takes a port number and does not say which port it got for
    /// 0, so a free port is picked first; another process may take it in
    /// between. jco then exits with `EADDRINUSE` and another port is tried;
    /// it is taken as listening only once it says so for that port, never
    /// because something answers there.
    pub async fn start(
        component: &Path,
        name: &str,
        env: &[(&str, String)],
        log: &Path,
    ) -> anyhow::Result<JcoServe> {
        if let Some(folder) = log.parent() {
            std::fs::create_dir_all(folder).context("creating the server log's folder")?;
        }
        let mut last_error = None;
        for _ in 0..5 {
            let port = free_port()?;
            let log_file = std::fs::File::create(log).context("creating the server log")?;
            let child = tokio::process::Command::new("node")
                .arg(jco()?)
                .arg("serve")
                .arg(component)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .arg("--jco-dir")
                .arg(project_dir().join("build").join(name))
                .args(["--jco-map", ROUTE_MAP])
                .current_dir(project_dir())
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(log_file.try_clone()?)
                .stderr(log_file)
                // jco serve runs the server in a child process of its own:
                // the group is stopped as a whole.
                .process_group(0)
                .kill_on_drop(true)
                .spawn()
                .context("starting jco serve")?;
            let mut served = JcoServe {
                child,
                addr: SocketAddr::from(([127, 0, 0, 1], port)),
            };
            match served
                .wait_until_listening(log, Duration::from_secs(60))
                .await
            {
                Ok(()) => return Ok(served),
                Err(Listening::PortTaken) => {
                    last_error = Some(anyhow::anyhow!("port {port} was taken"));
                }
                Err(Listening::Failed(e)) => return Err(e),
            }
        }
        Err(last_error
            .unwrap_or_else(|| anyhow::anyhow!("no port"))
            .context("jco serve found no free port in 5 tries"))
    }

    /// Waits until jco serve's output says it listens on this port.
    async fn wait_until_listening(&mut self, log: &Path, limit: Duration) -> Result<(), Listening> {
        let start = Instant::now();
        let listening = format!("Server listening @ 127.0.0.1:{}", self.addr.port());
        loop {
            let output = std::fs::read_to_string(log).unwrap_or_default();
            if output.contains(&listening) {
                return Ok(());
            }
            let exited = self
                .child
                .try_wait()
                .map_err(|e| Listening::Failed(e.into()))?;
            if let Some(status) = exited {
                if output.contains("EADDRINUSE") {
                    return Err(Listening::PortTaken);
                }
                return Err(Listening::Failed(anyhow::anyhow!(
                    "jco serve exited before listening ({status}):\n{output}"
                )));
            }
            if start.elapsed() > limit {
                return Err(Listening::Failed(anyhow::anyhow!(
                    "jco serve did not listen on {} within {limit:?}:\n{output}",
                    self.addr
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Why jco serve is not listening.
enum Listening {
    /// Another process took the port first.
    PortTaken,
    /// Anything else.
    Failed(anyhow::Error),
}

impl Drop for JcoServe {
    /// Stops jco serve and the server process it started.
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            kill_process_group(pid);
        }
    }
}

/// Stops with `SIGKILL` every process of the group `leader` leads (a child
/// started with `process_group(0)`, and whatever it started in turn).
/// Through kill(2) itself: procps' `kill -KILL -PGID` reads `-12345` as
/// signal options and may signal group 1, every process there is.
#[expect(unsafe_code, reason = "kill(2) of a process group the caller started")]
pub fn kill_process_group(leader: u32) {
    // A pid that does not fit (or 0 or 1, which would mean this group or
    // every process) is never sent to.
    if let Ok(pid) = i32::try_from(leader)
        && pid > 1
    {
        // SAFETY: kill(2) has no memory effects; the group is the caller's.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// A loopback port nothing listens on right now (which may change: see
/// [`JcoServe::start`]).
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// One HTTP exchange with a served component.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The status.
    pub status: u16,
    /// The `content-type` header, if any.
    pub content_type: Option<String>,
    /// Every header, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Exchange {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The body's lines, each as JSON (NDJSON).
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.body
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| serde_json::from_slice(line).unwrap_or(serde_json::Value::Null))
            .collect()
    }
}

/// Sends `method path` with `body` (JSON) to `addr` on a new connection.
pub async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> anyhow::Result<Exchange> {
    let bytes = body.map(|b| b.to_string()).unwrap_or_default();
    let json = [("content-type", "application/json")];
    exchange_bytes(addr, method, path, &json, bytes.into_bytes()).await
}

/// Sends `method path` with `headers` and `body` to `addr` on a new
/// connection.
pub async fn exchange_bytes(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> anyhow::Result<Exchange> {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;

    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // Ends with the connection.
        let _ = connection.await;
    });
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::from(body)))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.clone());
    let body = response.into_body().collect().await?.to_bytes().to_vec();
    Ok(Exchange {
        status,
        content_type,
        headers,
        body,
    })
}
