//! Where the CLI's credentials come from, and where refreshed ones go.
//!
//! `login` writes a credentials file (mode 0600); every later command reads
//! it and, when an action refreshed the tokens, rewrites it atomically (a
//! temporary file in the same folder, renamed over the old one), so the
//! rotated refresh token is never lost.

use std::io::Write;
use std::path::{Path, PathBuf};

use pinterest_connector_host::types::{Credentials, CredentialsState, Oauth2Credentials};
use serde::{Deserialize, Serialize};

use crate::output::Failure;

/// The credentials file's contents. No `Debug`: it holds secrets.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum StoredCredentials {
    Oauth2 {
        client_id: String,
        client_secret: String,
        access_token: String,
        refresh_token: Option<String>,
        expires_at: Option<u64>,
        refresh_token_expires_at: Option<u64>,
        token_endpoint: Option<String>,
        #[serde(default)]
        continuous_refresh: bool,
        #[serde(default)]
        scopes: Vec<String>,
    },
    Sandbox {
        token: String,
    },
}

impl From<&Credentials> for StoredCredentials {
    fn from(credentials: &Credentials) -> StoredCredentials {
        match credentials.clone() {
            Credentials::Oauth2(c) => StoredCredentials::Oauth2 {
                client_id: c.client_id,
                client_secret: c.client_secret,
                access_token: c.access_token,
                refresh_token: c.refresh_token,
                expires_at: c.expires_at,
                refresh_token_expires_at: c.refresh_token_expires_at,
                token_endpoint: c.token_endpoint,
                continuous_refresh: c.continuous_refresh,
                scopes: c.scopes,
            },
            Credentials::Sandbox(token) => StoredCredentials::Sandbox { token },
        }
    }
}

impl From<StoredCredentials> for Credentials {
    fn from(stored: StoredCredentials) -> Credentials {
        match stored {
            StoredCredentials::Oauth2 {
                client_id,
                client_secret,
                access_token,
                refresh_token,
                expires_at,
                refresh_token_expires_at,
                token_endpoint,
                continuous_refresh,
                scopes,
            } => Credentials::Oauth2(Oauth2Credentials {
                client_id,
                client_secret,
                access_token,
                refresh_token,
                expires_at,
                refresh_token_expires_at,
                token_endpoint,
                continuous_refresh,
                scopes,
            }),
            StoredCredentials::Sandbox { token } => Credentials::Sandbox(token),
        }
    }
}

/// The default credentials file: `$XDG_CONFIG_HOME/pinterest-connector/
/// credentials.json`, or under `~/.config` when that is not set.
pub(crate) fn default_path() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(config.join("pinterest-connector").join("credentials.json"))
}

/// Reads the credentials file.
pub(crate) fn load(path: &Path) -> Result<Credentials, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::Usage(format!(
            "cannot read the credentials file {}: {e}",
            path.display()
        ))
    })?;
    // serde quotes the value it could not read, which may be a token put in
    // the wrong field: the message keeps the place and drops the value.
    let stored: StoredCredentials = serde_json::from_str(&text).map_err(|e| {
        Failure::Usage(format!(
            "the credentials file {} is not valid: {}",
            path.display(),
            without_values(&e.to_string())
        ))
    })?;
    Ok(stored.into())
}

/// The names the credentials file may hold: serde's message may quote them.
const FILE_NAMES: &[&str] = &[
    "kind",
    "oauth2",
    "sandbox",
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
    "expires_at",
    "refresh_token_expires_at",
    "token_endpoint",
    "continuous_refresh",
    "scopes",
    "token",
];

/// serde's message with every value it quotes replaced by `…`: a string in
/// double quotes, and a name in backticks unless it is one of the file's
/// own ([`FILE_NAMES`]). A token put in the wrong field (or as a `kind`)
/// would otherwise be printed on stderr. Line and column stay.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = &rest[open..open + 1];
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            out.push('…');
            return out;
        };
        let quoted = &after[..close];
        if quote == "`" && FILE_NAMES.contains(&quoted) {
            out.push_str(&rest[open..open + close + 2]);
        } else {
            out.push_str(quote);
            out.push('…');
            out.push_str(quote);
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Writes `credentials` to `path` atomically, readable by the owner alone.
pub(crate) fn save(path: &Path, credentials: &Credentials) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(&StoredCredentials::from(credentials))
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot encode the credentials: {e}")))?;
    write_private(path, "credentials file", json.as_bytes())
}

/// Writes `bytes` to `path` atomically, readable by the owner alone: a new
/// file in the same folder (created 0600) renamed over the old one, so a
/// reader sees the old file or the new one, never a part.
pub(crate) fn write_private(path: &Path, what: &str, bytes: &[u8]) -> Result<(), Failure> {
    let failed = |verb: &str, e: &dyn std::fmt::Display| {
        Failure::Other(anyhow::anyhow!(
            "cannot {verb} the {what} {}: {e}",
            path.display()
        ))
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| failed("create the folder of", &e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pinterest-connector-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut file = builder.tempfile_in(&dir).map_err(|e| failed("write", &e))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| failed("write", &e))?;
    file.persist(path)
        .map_err(|e| failed("replace", &e.error))?;
    Ok(())
}

/// Where the credentials of this run came from.
pub(crate) enum CredentialSource {
    /// Flags or environment variables: refreshed tokens cannot be kept.
    Given,
    /// A credentials file, rewritten when the tokens rotate.
    File(PathBuf),
}

impl CredentialSource {
    /// Keeps what an action handed back: rewrites the file when the tokens
    /// were refreshed, or warns that the refresh token passed is spent.
    pub(crate) fn settle(&self, state: &CredentialsState) -> Result<(), Failure> {
        if !state.refreshed {
            return Ok(());
        }
        match self {
            CredentialSource::File(path) => save(path, &state.credentials),
            CredentialSource::Given => {
                eprintln!(
                    "note: the access token was refreshed and the refresh token given is no \
                     longer valid; use `pinterest-connector login` to keep credentials that \
                     renew themselves"
                );
                Ok(())
            }
        }
    }
}
