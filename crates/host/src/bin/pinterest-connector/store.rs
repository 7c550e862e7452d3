//! Where the CLI's credentials come from, and where refreshed ones go.
//!
//! `login` writes a credentials file (mode 0600), or the account's entry in
//! Redis with `--redis-url`; every later command runs its actions through a
//! [`SharedAccount`](pinterest_connector_host::SharedAccount) on that store,
//! which refreshes once for every process sharing it and saves the rotated
//! tokens (the file rewritten atomically: a temporary file in the same
//! folder, renamed over the old one), so the rotated refresh token is
//! never lost.

use std::path::{Path, PathBuf};

use pinterest_connector_host::StoreError;
use pinterest_connector_host::types::CredentialsState;

use crate::output::Failure;

/// The default credentials file: `$XDG_CONFIG_HOME/pinterest-connector/
/// credentials.json`, or under `~/.config` when that is not set.
pub(crate) fn default_path() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(config.join("pinterest-connector").join("credentials.json"))
}

/// Writes `bytes` to `path` atomically, readable by the owner alone (see
/// [`pinterest_connector_host::write_private`]).
pub(crate) fn write_private(path: &Path, what: &str, bytes: &[u8]) -> Result<(), Failure> {
    pinterest_connector_host::write_private(path, bytes).map_err(|e| {
        Failure::Other(anyhow::anyhow!(
            "cannot write the {what} {}: {e}",
            path.display()
        ))
    })
}

/// The failure to report for a credential store's error: a credentials
/// file that cannot be read is a usage error (exit code 2), naming the
/// file; anything else (Redis down, a lease that stayed taken) is the
/// store's own failure.
pub(crate) fn store_failure(error: StoreError) -> Failure {
    match error {
        StoreError::Corrupt { store, reason } => Failure::Usage(format!(
            "the credential store {store} is not valid: {reason}"
        )),
        StoreError::Empty { store } => Failure::Usage(format!(
            "no credentials in {store}: run `pinterest-connector login` (with the same \
             --redis-url and --account) to store them there"
        )),
        other => Failure::Other(anyhow::Error::new(other)),
    }
}

/// Where the credentials of this run came from.
pub(crate) enum CredentialSource {
    /// Flags or environment variables: refreshed tokens live in this
    /// process's memory and are lost with it.
    Given,
    /// A credential store shared with other processes (the credentials
    /// file, or Redis): the account handle saves every refresh there.
    Shared,
}

impl CredentialSource {
    /// Says what a refresh means for credentials that cannot be kept: the
    /// refresh token passed is spent. A shared store was saved already.
    pub(crate) fn settle(&self, state: &CredentialsState) -> Result<(), Failure> {
        if !state.refreshed {
            return Ok(());
        }
        match self {
            CredentialSource::Shared => Ok(()),
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
