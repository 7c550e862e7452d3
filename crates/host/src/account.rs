//! One Pinterest account shared by many callers: the actions of
//! [`ConnectorHost`] with the credentials taken from a
//! [`CredentialStore`] and every refresh made once for all of them.
//!
//! ```no_run
//! # async fn demo(host: pinterest_connector_host::ConnectorHost) -> anyhow::Result<()> {
//! use std::sync::Arc;
//! use pinterest_connector_host::{FileStore, SharedAccount};
//!
//! // Every process that opens this file shares one refresh.
//! let store = Arc::new(FileStore::new("/var/lib/flows/pinterest.json"));
//! let account = SharedAccount::new(&host, store);
//! let me = account.verify_credentials().await??;
//! println!("{}", me.username);
//! # Ok(()) }
//! ```

use std::sync::Arc;

use crate::bindings::exports::pinterest::connector::actions::{
    Account, ApiCallInput, ApiCallOutput, PaginationOptions, RawRequestInput, RawResponse,
};
use crate::bindings::exports::pinterest::connector::jobs::{
    JobWait, MediaFile, MediaUploaded, ReportStarted,
};
use crate::bindings::exports::pinterest::connector::triggers::{PollOptions, PollResult, Trigger};
use crate::bindings::pinterest::connector::types::ConnectorError;
use crate::credential_store::{CredentialStore, StoreError, StoredCredentials};
use crate::credentials::{Credentials, CredentialsState, Oauth2Credentials};
use crate::error::{ActionFailure, HostError};
use crate::host::{ConnectorHost, PageStream, ReportStream};
use crate::policy::UploadProgress;
use crate::refresh::{LeaseSettings, RefreshGate};

/// What an action of a [`SharedAccount`] answers: as [`ConnectorHost`]'s.
type Outcome<T> = Result<Result<T, ActionFailure>, HostError>;

/// An account that many callers use at once: threads and tasks of this
/// process through clones of the handle, other processes and machines
/// through handles on the same store.
///
/// Each action reads the credentials from the store (so a caller always
/// starts from the newest), and the component's refreshes go through the
/// account's refresh gate in the host's outgoing-request hook: when the
/// access token is due or refused mid-action, one caller across everything
/// that shares the store refreshes and saves, and the others get its
/// result without sending a refresh of their own.
///
/// How: the component refreshes on its own (before a request when the
/// token is due, after a 401). Its refresh request, seen by the hook, waits
/// for this process's other refreshes of the account, then reads the
/// store: if another caller already refreshed, the hook answers with the
/// stored tokens as the token endpoint would have, and nothing is sent.
/// Otherwise it takes the store's refresh lease (one caller across every
/// process and machine on the store, for at most
/// [`LeaseSettings::ttl`]), reads the store again, sends the refresh with
/// the stored refresh token, and saves the answer (compare-and-set) before
/// the component sees it. A refused refresh token is remembered in the
/// store, so every later caller gets the same `unauthorized` (re-authorise)
/// at once: no retry loop, no storm of refused refreshes. The component,
/// the WIT and hosts without a store (jco, wasmtime-py, the edge build)
/// are unchanged. After each action the credentials it
/// handed back are saved with compare-and-set, so an older state never
/// overwrites a newer one. Callers never store credentials themselves.
///
/// A failing store is [`HostError::CredentialStore`], never a silent
/// fall-back that would race.
#[derive(Clone)]
pub struct SharedAccount {
    host: ConnectorHost,
    gate: Arc<RefreshGate>,
}

impl SharedAccount {
    /// The account whose credentials `store` holds, run by `host`, with
    /// the default lease ([`LeaseSettings::default`]).
    pub fn new(host: &ConnectorHost, store: Arc<dyn CredentialStore>) -> SharedAccount {
        SharedAccount::with_lease(host, store, LeaseSettings::default())
    }

    /// [`SharedAccount::new`] with the lease's time to live and waits.
    pub fn with_lease(
        host: &ConnectorHost,
        store: Arc<dyn CredentialStore>,
        lease: LeaseSettings,
    ) -> SharedAccount {
        let gate = Arc::new(RefreshGate::new(store, lease));
        SharedAccount {
            host: host.sharing_refreshes(gate.clone()),
            gate,
        }
    }

    /// The same account run by `host`: for a [`HostWorkers`](crate::HostWorkers)
    /// worker's own host. It shares this handle's store and gate.
    pub fn on(&self, host: &ConnectorHost) -> SharedAccount {
        SharedAccount {
            host: host.sharing_refreshes(self.gate.clone()),
            gate: self.gate.clone(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn CredentialStore> {
        self.gate.store()
    }

    /// How many refresh requests this handle (and its clones) sent to the
    /// token endpoint: for metrics and tests.
    pub fn refreshes_sent(&self) -> u64 {
        self.gate.refreshes_sent()
    }

    /// The credentials as the store holds them now.
    pub async fn credentials(&self) -> Result<Credentials, HostError> {
        Ok(self.load().await?.credentials)
    }

    async fn load(&self) -> Result<StoredCredentials, HostError> {
        let store = self.gate.store();
        store.load().await?.ok_or_else(|| {
            HostError::CredentialStore(StoreError::Empty {
                store: store.describe(),
            })
        })
    }

    /// Saves what an action handed back, unless the store has moved on.
    async fn keep(
        &self,
        loaded: &StoredCredentials,
        state: &CredentialsState,
    ) -> Result<(), HostError> {
        if state.refreshed && state.credentials != loaded.credentials {
            // The gate saved the refresh already; this write lands only if
            // nothing did (a conflict is the usual, harmless answer).
            self.gate
                .store()
                .save(loaded.generation, &state.credentials, false)
                .await?;
        }
        Ok(())
    }

    /// Runs `call` with the stored credentials and keeps what it handed
    /// back (`state` finds it in an answer; an error carries its own).
    async fn act<T>(
        &self,
        state: fn(&T) -> &CredentialsState,
        call: impl AsyncFnOnce(&ConnectorHost, &Credentials) -> Outcome<T>,
    ) -> Outcome<T> {
        let loaded = self.load().await?;
        let outcome = call(&self.host, &loaded.credentials).await?;
        match &outcome {
            Ok(value) => self.keep(&loaded, state(value)).await?,
            Err(failure) => self.keep(&loaded, &failure.credentials).await?,
        }
        Ok(outcome)
    }

    /// Proves the credentials work ([`ConnectorHost::verify_credentials`]).
    pub async fn verify_credentials(&self) -> Outcome<Account> {
        self.act(
            |a: &Account| &a.credentials,
            async |host, c| host.verify_credentials(c).await,
        )
        .await
    }

    /// Calls one endpoint once ([`ConnectorHost::api_call`]).
    pub async fn api_call(&self, input: &ApiCallInput) -> Outcome<ApiCallOutput> {
        self.act(
            |o: &ApiCallOutput| &o.credentials,
            async |host, c| host.api_call(c, input).await,
        )
        .await
    }

    /// Starts a paginated call ([`ConnectorHost::api_call_paginated`]).
    /// A refresh during the walk goes through the gate as well, so its
    /// pages' credentials need not be stored.
    pub async fn api_call_paginated(
        &self,
        input: &ApiCallInput,
        options: PaginationOptions,
    ) -> Outcome<PageStream> {
        let loaded = self.load().await?;
        let started = self
            .host
            .api_call_paginated(&loaded.credentials, input, options)
            .await?;
        if let Err(failure) = &started {
            self.keep(&loaded, &failure.credentials).await?;
        }
        Ok(started)
    }

    /// Sends a raw request ([`ConnectorHost::raw_request`]).
    pub async fn raw_request(&self, input: &RawRequestInput) -> Outcome<RawResponse> {
        self.act(
            |o: &RawResponse| &o.credentials,
            async |host, c| host.raw_request(c, input).await,
        )
        .await
    }

    /// Uploads a video and waits for its processing
    /// ([`ConnectorHost::upload_media_reporting`]).
    pub async fn upload_media(
        &self,
        file: &MediaFile,
        wait: Option<JobWait>,
        progress: Option<UploadProgress>,
    ) -> Outcome<MediaUploaded> {
        self.act(
            |u: &MediaUploaded| &u.credentials,
            async |host, c| host.upload_media_reporting(c, file, wait, progress).await,
        )
        .await
    }

    /// Waits for an upload's processing ([`ConnectorHost::await_media`]).
    pub async fn await_media(
        &self,
        media_id: &str,
        wait: Option<JobWait>,
    ) -> Outcome<MediaUploaded> {
        self.act(
            |u: &MediaUploaded| &u.credentials,
            async |host, c| host.await_media(c, media_id, wait).await,
        )
        .await
    }

    /// Asks for an ads report ([`ConnectorHost::create_report`]).
    pub async fn create_report(&self, ad_account_id: &str, body: &str) -> Outcome<ReportStarted> {
        self.act(
            |r: &ReportStarted| &r.credentials,
            async |host, c| host.create_report(c, ad_account_id, body).await,
        )
        .await
    }

    /// Waits for a report and opens its download
    /// ([`ConnectorHost::download_report`]).
    pub async fn download_report(
        &self,
        ad_account_id: &str,
        token: &str,
        wait: Option<JobWait>,
    ) -> Outcome<ReportStream> {
        self.act(
            |s: &ReportStream| s.credentials(),
            async |host, c| host.download_report(c, ad_account_id, token, wait).await,
        )
        .await
    }

    /// Polls a trigger once ([`ConnectorHost::poll`]).
    pub async fn poll(
        &self,
        trigger: &Trigger,
        cursor: Option<&str>,
        options: Option<PollOptions>,
    ) -> Outcome<PollResult> {
        self.act(
            |p: &PollResult| &p.credentials,
            async |host, c| host.poll(c, trigger, cursor, options).await,
        )
        .await
    }

    /// Refreshes the stored OAuth2 credentials now, once for every caller
    /// that asks at the same time ([`ConnectorHost::refresh`] through the
    /// gate), and answers them as stored.
    pub async fn refresh(&self) -> Result<Result<Oauth2Credentials, ConnectorError>, HostError> {
        let loaded = self.load().await?;
        let Credentials::Oauth2(oauth) = &loaded.credentials else {
            return Ok(Err(ConnectorError::InvalidInput(
                crate::bindings::pinterest::connector::types::InvalidInput {
                    field: "credentials".into(),
                    reason: "sandbox credentials have nothing to refresh".into(),
                },
            )));
        };
        let refreshed = self.host.refresh(oauth).await?;
        if let Ok(fresh) = &refreshed {
            let state = CredentialsState {
                credentials: Credentials::Oauth2(fresh.clone()),
                refreshed: true,
            };
            self.keep(&loaded, &state).await?;
        }
        Ok(refreshed)
    }
}
