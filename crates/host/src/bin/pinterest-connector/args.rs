//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pinterest_connector_core::budget::BudgetLimits;
use pinterest_connector_host::types::{Credentials, HttpMethod, Oauth2Credentials, SpecSource};
use pinterest_connector_host::{
    ConnectorHost, CredentialStore, FileBudget, FileStore, LeaseSettings, MemoryStore, RateBudget,
    RedisStore, SharedAccount,
};

use crate::output::Failure;
use crate::store::{self, CredentialSource};

/// Calls Pinterest's REST API v5 through the connector component.
///
/// Credentials come from the credentials file `login` writes, or from
/// Redis with --redis-url (shared by every process that uses the same
/// file or Redis account: one refresh for all of them, saved there as the
/// tokens rotate), or from flags or, better (flags show up in process
/// listings), the environment: PINTEREST_ACCESS_TOKEN (with
/// PINTEREST_CLIENT_ID, PINTEREST_CLIENT_SECRET, PINTEREST_REFRESH_TOKEN,
/// PINTEREST_SCOPES) for the production API, or PINTEREST_SANDBOX_TOKEN for
/// the sandbox. A token given in flags or the environment wins over the
/// stores.
#[derive(Debug, Parser)]
#[command(
    name = "pinterest-connector",
    version,
    next_help_heading = "Global options (for every command)"
)]
pub(crate) struct Cli {
    /// The connector component (.wasm). Defaults to the workspace's build.
    #[arg(
        long,
        env = "PINTEREST_CONNECTOR_WASM",
        global = true,
        value_name = "PATH"
    )]
    pub(crate) component: Option<PathBuf>,

    /// Where compiled components are kept between runs. Defaults to
    /// `$XDG_CACHE_HOME/pinterest-connector` (or `~/.cache/...`).
    #[arg(
        long,
        env = "PINTEREST_CONNECTOR_CACHE",
        global = true,
        value_name = "DIR"
    )]
    pub(crate) cache_dir: Option<PathBuf>,

    /// Compile the component at every run instead of caching it.
    #[arg(long, global = true)]
    pub(crate) no_cache: bool,

    /// Sends requests for HOST to the loopback address ADDR over plain HTTP
    /// instead, e.g. `api.pinterest.com=127.0.0.1:8080`: for testing against
    /// a mock. Only loopback addresses are accepted. Repeatable; the
    /// environment variable takes a comma-separated list (`mock-pinterest`
    /// prints both).
    #[arg(
        long,
        env = "PINTEREST_ROUTES",
        value_delimiter = ',',
        global = true,
        value_name = "HOST=ADDR"
    )]
    pub(crate) route: Vec<Route>,

    /// The OpenAPI description to use instead of the embedded 5.11.0: an
    /// `https://` URL (fetched by the component; its host must be routed or
    /// allowed) or the path of a JSON file.
    #[arg(
        long,
        env = "PINTEREST_OPENAPI",
        global = true,
        value_name = "URL|FILE"
    )]
    pub(crate) spec: Option<String>,

    /// The credentials file `login` writes and later commands read.
    /// Defaults to `$XDG_CONFIG_HOME/pinterest-connector/credentials.json`
    /// (or `~/.config/...`).
    #[arg(
        long,
        env = "PINTEREST_CREDENTIALS_FILE",
        global = true,
        value_name = "PATH"
    )]
    pub(crate) credentials_file: Option<PathBuf>,

    /// Keep the account's credentials in Redis instead of the credentials
    /// file, so that CLIs, watchers and MCP servers on several machines
    /// share one account and one refresh (`redis://[user:password@]host:port`,
    /// or `rediss://` for TLS). `login` stores them there.
    #[arg(
        long,
        env = "PINTEREST_REDIS_URL",
        hide_env_values = true,
        global = true,
        value_name = "URL"
    )]
    pub(crate) redis_url: Option<String>,

    /// The account's name in Redis: its keys are
    /// `pinterest-connector:<ACCOUNT>:*`.
    #[arg(
        long,
        env = "PINTEREST_ACCOUNT",
        global = true,
        default_value = "default",
        value_name = "ACCOUNT"
    )]
    pub(crate) account: String,

    /// How long a refresh may hold the account's refresh lease before
    /// another caller takes over, should the one refreshing stop (the
    /// credentials file's lock is released by the OS at once instead).
    #[arg(long, global = true, default_value_t = 20, value_name = "SECONDS")]
    pub(crate) lease_ttl: u64,

    /// The rate limits the account's calls keep to, in each of Pinterest's
    /// rate-limit categories, shared with every CLI on this machine through
    /// the budget file (or Redis, with --redis-url): `standard` (about 100 calls a second;
    /// `ads_analytics` 300 a minute), `trial` (1 000 a day) or `off`.
    #[arg(
        long,
        env = "PINTEREST_RATE_LIMITS",
        global = true,
        default_value = "standard",
        value_name = "LIMITS"
    )]
    pub(crate) rate_limits: RateLimitsArg,

    /// The file that keeps the rate budget. Defaults to the credentials
    /// file's path with `.budget` added.
    #[arg(
        long,
        env = "PINTEREST_BUDGET_FILE",
        global = true,
        value_name = "PATH"
    )]
    pub(crate) budget_file: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The rate limits to keep to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RateLimitsArg {
    /// A Standard app's.
    Standard,
    /// A Trial app's.
    Trial,
    /// None: every request goes at once.
    Off,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Lists the endpoints: operationId, label, and whether it paginates.
    Endpoints {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Prints an endpoint's inputs as a JSON Schema.
    Describe {
        /// `GET /pins` or an operationId such as `pins/list`.
        endpoint: String,
    },
    /// Calls an endpoint of the catalog.
    Call(CallArgs),
    /// Sends a request to a URL relative to the API base.
    Raw(RawArgs),
    /// Checks the credentials with `GET /user_account`.
    Verify,
    /// Uploads a video for a pin and waits until Pinterest has processed
    /// it; prints the media id to name in `POST /pins`
    /// (`media_source.source_type = video_id`).
    UploadMedia(UploadArgs),
    /// Asks for an asynchronous ads report, waits until it is ready and
    /// writes it to --out (or stdout) as it downloads, unpacked.
    Report(ReportArgs),
    /// Watches a trigger: polls every --every seconds and prints each new
    /// item once, as a JSON line, oldest first. With --state the cursor is
    /// kept in that file (rewritten atomically, readable by the owner
    /// alone), so a later run goes on where this one stopped.
    Watch(WatchArgs),
    /// Serves the connector to an AI agent as a Model Context Protocol
    /// server on stdin and stdout (for an agent host to start). The tools
    /// use this CLI's credentials (the credentials file, rewritten when
    /// tokens rotate, or the environment), never credentials a model passes.
    Mcp(McpArgs),
    /// Authorises the app for a Pinterest account (OAuth2 with a loopback
    /// redirect) and writes the credentials file. Needs the client id and
    /// secret (PINTEREST_CLIENT_ID, PINTEREST_CLIENT_SECRET) and the scopes.
    Login(LoginArgs),
    /// Deletes the credentials file.
    Logout,
}

/// How long a job may be waited for.
#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// Ask for the job's state at most this many times.
    #[arg(long, value_name = "N")]
    pub(crate) max_polls: Option<u32>,
    /// Seconds between two asks.
    #[arg(long, value_name = "SECONDS", requires = "max_polls")]
    pub(crate) poll_interval: Option<u32>,
}

/// `upload-media` arguments.
#[derive(Debug, Args)]
pub(crate) struct UploadArgs {
    /// The video file.
    pub(crate) file: PathBuf,
    /// The media type Pinterest registers (video only).
    #[arg(long = "type", default_value = "video", value_parser = ["video"])]
    pub(crate) media_type: String,
    /// The file's content type; by default from its extension (mp4, mov, m4v).
    #[arg(long, value_name = "TYPE")]
    pub(crate) content_type: Option<String>,
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// `report` arguments.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The ad account the report is about.
    #[arg(long, value_name = "ID")]
    pub(crate) ad_account: String,
    /// The report request as JSON (start_date, end_date, granularity,
    /// level, columns, …), checked against the description.
    #[arg(long, value_name = "JSON")]
    pub(crate) body: String,
    /// Write the report here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// What `watch` watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TriggerArg {
    /// A new pin of the user.
    NewPin,
    /// A new board of the user.
    NewBoard,
    /// A new pin on the board --board.
    NewPinOnBoard,
    /// A new pin in the section --section of the board --board.
    NewPinInSection,
    /// A new item of the list --endpoint (with --path, --query, --id-field,
    /// --time-field, --newest-first).
    List,
}

/// `watch` arguments.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// What to watch.
    #[arg(value_enum)]
    pub(crate) trigger: TriggerArg,
    /// Seconds between polls, at least 1 (a poll that says more follows
    /// at once).
    #[arg(long, default_value_t = 60, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) every: u64,
    /// Poll once (until nothing more is pending) and exit.
    #[arg(long)]
    pub(crate) once: bool,
    /// The file that keeps the cursor between runs.
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// On the first poll, also print up to N of the most recent items.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub(crate) backlog: u32,
    /// Pages one poll may read.
    #[arg(long, value_name = "N")]
    pub(crate) max_pages: Option<u32>,
    /// Items one poll may hand over.
    #[arg(long, value_name = "N")]
    pub(crate) max_items: Option<u32>,
    /// The page size to ask for.
    #[arg(long, value_name = "N")]
    pub(crate) page_size: Option<u32>,
    /// The board (new-pin-on-board, new-pin-in-section).
    #[arg(long, value_name = "ID")]
    pub(crate) board: Option<String>,
    /// The board section (new-pin-in-section).
    #[arg(long, value_name = "ID", requires = "board")]
    pub(crate) section: Option<String>,
    /// The list's endpoint (list): `GET /boards/{board_id}/sections` or an
    /// operationId.
    #[arg(long, value_name = "ENDPOINT")]
    pub(crate) endpoint: Option<String>,
    /// A path parameter of the list, `name=value`; repeatable.
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) path: Vec<KeyValue>,
    /// A query parameter of the list, `name=value`; repeatable.
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) query: Vec<KeyValue>,
    /// The item field that identifies an item (list).
    #[arg(long, default_value = "id", value_name = "FIELD")]
    pub(crate) id_field: String,
    /// The item field that dates an item, ISO 8601 or Unix seconds (list).
    #[arg(long, default_value = "created_at", value_name = "FIELD")]
    pub(crate) time_field: String,
    /// The list runs newest first (list).
    #[arg(long)]
    pub(crate) newest_first: bool,
}

/// `mcp` arguments.
#[derive(Debug, Args)]
pub(crate) struct McpArgs {
    /// Offer reads only: GET endpoints and raw GET requests.
    #[arg(long)]
    pub(crate) read_only: bool,
    /// Offer nothing that deletes: no DELETE endpoint or raw DELETE.
    #[arg(long)]
    pub(crate) no_destructive: bool,
}

/// `login` arguments.
#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// The loopback port of the redirect URI `http://127.0.0.1:PORT/callback`
    /// (register that URI with the app); 0 picks a free port.
    #[arg(long, default_value_t = 8085)]
    pub(crate) port: u16,
    /// Print the address to open instead of opening a browser.
    #[arg(long)]
    pub(crate) no_browser: bool,
    /// The authorization endpoint, if not Pinterest's (a mock's page, for
    /// instance: `mock-pinterest` prints it).
    #[arg(long, env = "PINTEREST_AUTHORIZATION_ENDPOINT", value_name = "URL")]
    pub(crate) authorization_endpoint: Option<String>,
    /// The token endpoint, if not Pinterest's.
    #[arg(long, env = "PINTEREST_TOKEN_ENDPOINT", value_name = "URL")]
    pub(crate) token_endpoint: Option<String>,
    /// Send `continuous_refresh=true` with every refresh (apps created
    /// before late 2025).
    #[arg(long)]
    pub(crate) continuous_refresh: bool,
    /// Give up when no redirect arrives within this many seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub(crate) timeout: u64,
}

/// `call` arguments.
#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// `GET /pins` or an operationId such as `pins/list`.
    pub(crate) endpoint: String,
    /// A path parameter, `name=value`; repeatable.
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) path: Vec<KeyValue>,
    /// A query parameter, `name=value`; repeat a name for an array.
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) query: Vec<KeyValue>,
    /// The JSON request body.
    #[arg(long, value_name = "JSON")]
    pub(crate) body: Option<String>,
    /// Follow the bookmark cursor and print every page as a JSON line.
    #[arg(long)]
    pub(crate) paginate: bool,
    /// With --paginate, stop after this many pages.
    #[arg(long, requires = "paginate", value_name = "N")]
    pub(crate) max_pages: Option<u32>,
}

/// `raw` arguments.
#[derive(Debug, Args)]
pub(crate) struct RawArgs {
    /// The HTTP method.
    #[arg(ignore_case = true)]
    pub(crate) method: MethodArg,
    /// A URL relative to the API base, such as `/pins?page_size=5`.
    pub(crate) url: String,
    /// An extra request header, `NAME:VALUE`; repeatable. Authorization,
    /// Host and the framing headers are refused.
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    pub(crate) headers: Vec<Header>,
    /// The JSON request body.
    #[arg(long, value_name = "JSON")]
    pub(crate) body: Option<String>,
    /// Print a 404 as a response instead of failing.
    #[arg(long = "no-throw-404")]
    pub(crate) no_throw_404: bool,
}

/// HTTP methods `raw` sends.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
pub(crate) enum MethodArg {
    // No doc comments on the cases: clap would list each as `GET: GET`.
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl From<MethodArg> for HttpMethod {
    fn from(method: MethodArg) -> HttpMethod {
        match method {
            MethodArg::Get => HttpMethod::Get,
            MethodArg::Post => HttpMethod::Post,
            MethodArg::Put => HttpMethod::Put,
            MethodArg::Patch => HttpMethod::Patch,
            MethodArg::Delete => HttpMethod::Delete,
        }
    }
}

/// Credentials, from flags or the environment. Values are never shown in
/// `--help`; an empty one is refused, from a flag or the environment, rather
/// than sent as a token.
#[derive(Debug, Args)]
#[command(next_help_heading = "Credentials (for every command; better in the environment)")]
pub(crate) struct CredentialArgs {
    /// OAuth2 access token for the production API.
    #[arg(
        long,
        env = "PINTEREST_ACCESS_TOKEN",
        hide_env_values = true,
        global = true,
        value_parser = non_empty
    )]
    pub(crate) access_token: Option<String>,
    /// Sandbox access token: every call goes to the sandbox API.
    #[arg(
        long,
        env = "PINTEREST_SANDBOX_TOKEN",
        hide_env_values = true,
        global = true,
        value_parser = non_empty
    )]
    pub(crate) sandbox_token: Option<String>,
    /// The app's client id.
    #[arg(
        long,
        env = "PINTEREST_CLIENT_ID",
        global = true,
        value_parser = non_empty
    )]
    pub(crate) client_id: Option<String>,
    /// The app's client secret.
    #[arg(
        long,
        env = "PINTEREST_CLIENT_SECRET",
        hide_env_values = true,
        global = true,
        value_parser = non_empty
    )]
    pub(crate) client_secret: Option<String>,
    /// OAuth2 refresh token.
    #[arg(
        long,
        env = "PINTEREST_REFRESH_TOKEN",
        hide_env_values = true,
        global = true,
        value_parser = non_empty
    )]
    pub(crate) refresh_token: Option<String>,
    /// Granted scopes, comma-separated.
    #[arg(long, env = "PINTEREST_SCOPES", value_delimiter = ',', global = true)]
    pub(crate) scopes: Vec<String>,
}

impl CredentialArgs {
    /// Whether an access or sandbox token was given in flags or the
    /// environment.
    pub(crate) fn given(&self) -> bool {
        self.access_token.is_some() || self.sandbox_token.is_some()
    }

    /// The credentials given in flags or the environment: OAuth2 or
    /// sandbox, never both.
    pub(crate) fn resolve(&self) -> Result<Credentials, Failure> {
        // The app's client id and secret may stay set for `login` beside a
        // sandbox token; a refresh token beside one is a mix-up.
        match (&self.access_token, &self.sandbox_token) {
            (Some(_), Some(_)) => Err(Failure::usage(
                "both an access token and a sandbox token were given: use one",
            )),
            (None, Some(_)) if self.refresh_token.is_some() => Err(Failure::usage(
                "a sandbox token is not refreshed: unset the refresh token, or give the \
                 production access token it belongs to",
            )),
            (None, Some(token)) => Ok(Credentials::Sandbox(token.clone())),
            (Some(token), None) => Ok(Credentials::Oauth2(Oauth2Credentials {
                client_id: self.client_id.clone().unwrap_or_default(),
                client_secret: self.client_secret.clone().unwrap_or_default(),
                access_token: token.clone(),
                refresh_token: self.refresh_token.clone(),
                expires_at: None,
                refresh_token_expires_at: None,
                token_endpoint: None,
                continuous_refresh: false,
                scopes: self.scopes.clone(),
            })),
            (None, None) => Err(Failure::usage(
                "no credentials: run `pinterest-connector login`, or set PINTEREST_ACCESS_TOKEN \
                 or PINTEREST_SANDBOX_TOKEN",
            )),
        }
    }
}

impl Cli {
    /// The credentials file to use.
    pub(crate) fn credentials_path(&self) -> Result<PathBuf, Failure> {
        self.credentials_file
            .clone()
            .or_else(store::default_path)
            .ok_or_else(|| {
                Failure::usage("no credentials file: pass --credentials-file (HOME is not set)")
            })
    }

    /// The store the account's credentials live in: a token from flags or
    /// the environment (kept in memory), else Redis with `--redis-url`,
    /// else the credentials file.
    pub(crate) async fn credential_store(
        &self,
    ) -> Result<(Arc<dyn CredentialStore>, CredentialSource), Failure> {
        if self.credentials.given() {
            let given = self.credentials.resolve()?;
            return Ok((
                Arc::new(MemoryStore::holding(given)),
                CredentialSource::Given,
            ));
        }
        if let Some(store) = self.redis_store().await? {
            return Ok((store, CredentialSource::Shared));
        }
        match self.credentials_file.clone().or_else(store::default_path) {
            Some(path) if path.exists() => {
                Ok((Arc::new(FileStore::new(path)), CredentialSource::Shared))
            }
            // Says what is missing.
            _ => Err(self
                .credentials
                .resolve()
                .err()
                .unwrap_or_else(|| Failure::usage("no credentials"))),
        }
    }

    /// The Redis store, with `--redis-url`.
    pub(crate) async fn redis_store(&self) -> Result<Option<Arc<dyn CredentialStore>>, Failure> {
        let Some(url) = &self.redis_url else {
            return Ok(None);
        };
        let prefix = format!("pinterest-connector:{}", self.account);
        let store = RedisStore::connect(url, &prefix, Duration::from_secs(5))
            .await
            .map_err(store::store_failure)?;
        Ok(Some(Arc::new(store)))
    }

    /// The account, run by `host`, on [`Cli::credential_store`].
    pub(crate) async fn account(
        &self,
        host: &ConnectorHost,
    ) -> Result<(SharedAccount, CredentialSource), Failure> {
        let (store, source) = self.credential_store().await?;
        let ttl = Duration::from_secs(self.lease_ttl.max(1));
        let lease = LeaseSettings {
            ttl,
            wait: ttl + Duration::from_secs(10),
            ..LeaseSettings::default()
        };
        Ok((SharedAccount::with_lease(host, store, lease), source))
    }

    /// The rate budget the CLI's requests book their permits in: the
    /// account's in Redis with `--redis-url` (shared by every CLI on it),
    /// else the budget file (shared by every CLI on the machine that uses
    /// it), or this process's memory when there is no file to use; none with
    /// `--rate-limits off`.
    pub(crate) async fn rate_budget(&self) -> Result<Option<RateBudget>, Failure> {
        let limits = match self.rate_limits {
            RateLimitsArg::Standard => BudgetLimits::standard(),
            RateLimitsArg::Trial => BudgetLimits::trial(),
            RateLimitsArg::Off => return Ok(None),
        };
        if let Some(url) = &self.redis_url {
            let prefix = format!("pinterest-connector:{}", self.account);
            let store = RedisStore::connect(url, &prefix, Duration::from_secs(5))
                .await
                .map_err(store::store_failure)?;
            return Ok(Some(RateBudget::new(Arc::new(store.budget()), limits)));
        }
        let file = self.budget_file.clone().or_else(|| {
            let mut path = self
                .credentials_file
                .clone()
                .or_else(store::default_path)?
                .into_os_string();
            path.push(".budget");
            Some(PathBuf::from(path))
        });
        Ok(Some(match file {
            Some(file) => RateBudget::new(Arc::new(FileBudget::new(file)), limits),
            None => RateBudget::in_memory(limits),
        }))
    }

    /// The description to use: embedded, a URL, or a file's JSON.
    pub(crate) fn spec_source(&self) -> Result<SpecSource, Failure> {
        match &self.spec {
            None => Ok(SpecSource::Embedded),
            Some(location)
                if location.starts_with("https://") || location.starts_with("http://") =>
            {
                Ok(SpecSource::Url(location.clone()))
            }
            Some(path) => std::fs::read_to_string(path)
                .map(SpecSource::Json)
                .map_err(|e| Failure::Usage(format!("cannot read the description {path}: {e}"))),
        }
    }

    /// The component to load: the flag, or the workspace's own build.
    pub(crate) fn component_path(&self) -> Result<PathBuf, Failure> {
        if let Some(path) = &self.component {
            return Ok(path.clone());
        }
        let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        [
            "target/guest/wasm32-wasip2/wasm-release/pinterest_connector_guest.wasm",
            "target/wasm32-wasip2/wasm-release/pinterest_connector_guest.wasm",
        ]
        .iter()
        .map(|p| workspace.join(p))
        .find(|p| p.exists())
        .ok_or_else(|| {
            Failure::usage(
                "no component: pass --component or set PINTEREST_CONNECTOR_WASM (build it with \
                 `cargo build -p pinterest-connector-guest --target wasm32-wasip2 --profile wasm-release`)",
            )
        })
    }
}

/// A credential's value, refused when empty: `--access-token ""` or an
/// empty `PINTEREST_ACCESS_TOKEN` is a mistake to say, not a token to send.
fn non_empty(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        Err("it is empty: give the value, or unset the environment variable".into())
    } else {
        Ok(value.to_owned())
    }
}

/// A `name=value` pair.
#[derive(Debug, Clone)]
pub(crate) struct KeyValue {
    /// The name.
    pub(crate) key: String,
    /// The value (may contain `=`).
    pub(crate) value: String,
}

impl FromStr for KeyValue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (key, value) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}` is not NAME=VALUE"))?;
        if key.is_empty() {
            return Err(format!("`{s}` has an empty name"));
        }
        Ok(KeyValue {
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// A `HOST=ADDR` route.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// The host the component asks for.
    pub(crate) host: String,
    /// The loopback address that answers instead.
    pub(crate) addr: SocketAddr,
}

impl FromStr for Route {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (host, addr) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}` is not HOST=ADDR"))?;
        let addr = addr
            .parse()
            .map_err(|e| format!("`{addr}` is not an address like 127.0.0.1:8080: {e}"))?;
        Ok(Route {
            host: host.to_owned(),
            addr,
        })
    }
}

/// A `NAME:VALUE` header.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// The name.
    pub(crate) name: String,
    /// The value, without surrounding spaces.
    pub(crate) value: String,
}

impl FromStr for Header {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, value) = s
            .split_once(':')
            .ok_or_else(|| format!("`{s}` is not NAME:VALUE"))?;
        Ok(Header {
            name: name.trim().to_owned(),
            value: value.trim().to_owned(),
        })
    }
}
