//! Runs the Pinterest connector component in wasmtime.
//!
//! [`ConnectorHost`] compiles the component once, links WASI and
//! `wasi:http` into an [`InstancePre`](wasmtime::component::InstancePre)
//! once, and gives every call a fresh [`Store`](wasmtime::Store): calls share
//! nothing. Outgoing requests pass through a [`NetworkPolicy`] that lets
//! only the Pinterest API hosts out unless the embedder adds a test host.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use pinterest_connector_host::{ConnectorHost, HostConfig, types::Credentials};
//!
//! let wasm = std::fs::read("pinterest_connector.wasm")?;
//! let host = ConnectorHost::new(&wasm, HostConfig::default())?;
//! let account = host
//!     .verify_credentials(&Credentials::Sandbox("<sandbox token>".into()))
//!     .await??;
//! println!("{} ({})", account.username, account.account_type);
//! # Ok(()) }
//! ```

mod account;
pub mod bindings;
mod cache;
pub mod credential_store;
pub mod credentials;
mod error;
mod exports;
mod file_budget;
mod file_store;
mod host;
mod limits;
mod memo;
mod policy;
mod pool;
pub mod rate_budget;
#[cfg(feature = "redis")]
mod redis_store;
mod refresh;
mod state;
mod workers;

pub use bindings::exports::pinterest::connector::actions::{
    Account, ApiCallInput, ApiCallOutput, Page, PaginationOptions, RawRequestInput, RawResponse,
};
pub use bindings::exports::pinterest::connector::catalog::{DescribedEndpoint, Endpoint};
pub use bindings::exports::pinterest::connector::jobs::{
    JobWait, MediaFile, MediaUploaded, ReportStarted,
};
pub use bindings::exports::pinterest::connector::oauth::OauthApp;
pub use bindings::exports::pinterest::connector::triggers::{
    BoardSection, ListTrigger, NewItem, PollOptions, PollResult, Trigger,
};
/// The WIT types: `pinterest:connector/types` and the credentials.
pub mod types {
    pub use crate::bindings::pinterest::connector::types::*;
    pub use crate::credentials::{Credentials, CredentialsState, Oauth2Credentials};
}
pub use account::SharedAccount;
pub use cache::{CacheOutcome, CompileCache};
pub use credential_store::{CredentialStore, MemoryStore, StoreError};
pub use error::{ActionFailure, HostError, describe};
pub use file_budget::FileBudget;
pub use file_store::{FileStore, write_private};
pub use host::{ConnectorHost, HostConfig, PageStream, ReportStream};
pub use limits::{CallLimits, EPOCH_TICK};
pub use policy::{NetworkPolicy, PINTEREST_HOSTS, PolicyError, Reach, UploadProgress, is_s3_host};
pub use pool::Connections;
pub use rate_budget::{BudgetStore, MemoryBudget, RateBudget};
#[cfg(feature = "redis")]
pub use redis_store::{RedisBudget, RedisStore};
pub use refresh::LeaseSettings;
pub use wasmtime;
pub use workers::HostWorkers;
