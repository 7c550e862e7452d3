//! The embedding: one engine and one pre-linked component, a fresh store
//! per call.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wasmtime::component::{Component, Instance, InstancePre, Linker, ResourceAny};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap,
};

use crate::bindings::exports::pinterest::connector::actions::{
    self, Account, ApiCallInput, ApiCallOutput, Page, PaginationOptions, RawRequestInput,
    RawResponse,
};
use crate::bindings::exports::pinterest::connector::catalog::{DescribedEndpoint, Endpoint};
use crate::bindings::exports::pinterest::connector::jobs::{
    self, JobWait, MediaFile, MediaUploaded, ReportStarted,
};
use crate::bindings::exports::pinterest::connector::oauth::OauthApp;
use crate::bindings::exports::pinterest::connector::triggers::{PollOptions, PollResult, Trigger};
use crate::bindings::pinterest::connector::types::{
    ActionError, CallOptions, ConnectorError, SpecSource,
};
use crate::cache::{CacheOutcome, CompileCache};
use crate::credentials::CredentialsState;
use crate::credentials::{Credentials, Oauth2Credentials};
use crate::error::{ActionFailure, HostError};
use crate::exports::{Exports, Load};
use crate::limits::{CallLimits, tick_epochs_of};
use crate::memo::CatalogMemo;
use crate::policy::{NetworkPolicy, Reach, UploadProgress};
use crate::pool::{ConnectionPool, Connections};
use crate::rate_budget::RateBudget;
use crate::refresh::RefreshGate;
use crate::state::StoreState;

/// Linear memory a pooled slot keeps between calls: what a call typically
/// touches (a walk of 250-item pages peaks under 2 MiB).
const KEEP_RESIDENT_BYTES: usize = 2 * 1024 * 1024;

/// How a [`ConnectorHost`] runs the component.
#[derive(Debug, Clone, Default)]
pub struct HostConfig {
    /// Where outgoing requests may go.
    pub network: NetworkPolicy,
    /// Retries, timeouts, the response cap and the API base passed to every
    /// action; none for the component's defaults. To change one, start from
    /// [`CallOptions::default`]: `CallOptions { api_base: Some(…),
    /// ..CallOptions::default() }`.
    pub call_options: Option<CallOptions>,
    /// The time and memory each call may use.
    pub limits: CallLimits,
    /// Whether connections are kept open between requests and calls.
    pub connections: Connections,
}

impl Default for CallOptions {
    /// The component's defaults (what passing none means), and Pinterest's
    /// API base.
    fn default() -> Self {
        let defaults = pinterest_connector_core::options::CallOptions::default();
        let ms = |duration: Duration| u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
        CallOptions {
            max_attempts: defaults.retry.max_attempts,
            initial_backoff_ms: ms(defaults.retry.initial_backoff),
            max_backoff_ms: ms(defaults.retry.max_backoff),
            max_total_wait_ms: ms(defaults.retry.max_total_wait),
            connect_timeout_ms: ms(defaults.connect_timeout),
            first_byte_timeout_ms: ms(defaults.first_byte_timeout),
            between_bytes_timeout_ms: ms(defaults.between_bytes_timeout),
            max_response_bytes: defaults.max_response_bytes,
            api_base: None,
        }
    }
}

/// An action's WIT result with its error as an [`ActionFailure`]. The error
/// is as large as the credentials it carries: that is the point of it.
#[allow(
    clippy::result_large_err,
    reason = "the WIT shape: the error carries the credentials"
)]
fn with_failure<T>(result: Result<T, ActionError>) -> Result<T, ActionFailure> {
    result.map_err(ActionFailure::from)
}

/// A compiled connector component, ready to run calls.
#[derive(Clone)]
pub struct ConnectorHost {
    engine: Engine,
    pre: InstancePre<StoreState>,
    exports: Arc<Exports>,
    network: Arc<NetworkPolicy>,
    connections: Connections,
    pool: Option<Arc<ConnectionPool>>,
    call_options: Option<CallOptions>,
    limits: CallLimits,
    memo: Arc<CatalogMemo>,
    instances: Arc<AtomicU64>,
    /// The account whose refreshes this host's calls share (see
    /// [`SharedAccount`](crate::SharedAccount)); none for a plain host.
    gate: Option<Arc<RefreshGate>>,
    /// The rate budget every API request of this host's calls books a
    /// permit in; none for no budget.
    budget: Option<Arc<RateBudget>>,
}

impl ConnectorHost {
    /// Compiles `wasm` (a component) and links WASI and `wasi:http` into it.
    pub fn new(wasm: &[u8], config: HostConfig) -> Result<Self, HostError> {
        let engine = Self::default_engine()?;
        let component = Component::new(&engine, wasm).map_err(HostError::Load)?;
        Self::from_component(engine, component, config)
    }

    /// Like [`ConnectorHost::new`], but through `cache`: the component is
    /// compiled only when the cache holds no valid entry for it.
    pub fn cached(
        wasm: &[u8],
        config: HostConfig,
        cache: &CompileCache,
    ) -> Result<(Self, CacheOutcome), HostError> {
        let engine = Self::default_engine()?;
        let (component, outcome) = cache.load(&engine, wasm)?;
        Ok((Self::from_component(engine, component, config)?, outcome))
    }

    /// The engine configuration the host uses: epoch interruption on, for
    /// the per-call deadline, and each instance's memory mapped
    /// copy-on-write from the compiled image (the embedded catalog is part
    /// of it), not copied.
    pub fn default_engine() -> Result<Engine, HostError> {
        Engine::new(&Self::config()).map_err(HostError::Load)
    }

    fn config() -> Config {
        let mut config = Config::new();
        config.epoch_interruption(true).memory_init_cow(true);
        config
    }

    /// An engine like [`ConnectorHost::default_engine`]'s whose instances
    /// come from a pre-allocated pool: for hosts running many calls at
    /// once. Up to `instances` calls run concurrently (a call beyond that
    /// fails to instantiate rather than wait), each with at most
    /// `max_memory_bytes` of linear memory.
    pub fn pooled_engine(instances: u32, max_memory_bytes: usize) -> Result<Engine, HostError> {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(instances)
            .total_core_instances(instances.saturating_mul(4))
            .total_memories(instances.saturating_mul(2))
            .total_tables(instances.saturating_mul(4))
            .total_stacks(instances)
            .max_core_instances_per_component(8)
            .max_memories_per_component(2)
            .max_tables_per_component(8)
            .max_memory_size(max_memory_bytes)
            // Reset a slot's memory with memset rather than madvise: no
            // page faults on reuse and no TLB shootdowns across cores.
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            .table_keep_resident(64 * 1024)
            .pagemap_scan(Enabled::Auto)
            .decommit_batch_size(16);
        let mut config = Self::config();
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        Engine::new(&config).map_err(HostError::Load)
    }

    /// Links an already compiled component (see [`HostError::EdgeBuild`]
    /// for the edge build).
    pub fn from_component(
        engine: Engine,
        component: Component,
        config: HostConfig,
    ) -> Result<Self, HostError> {
        let mut linker = Linker::<StoreState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(HostError::Load)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(HostError::Load)?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(HostError::Load)?;
        let exports = match Exports::new(&pre) {
            Ok(exports) => Arc::new(exports),
            Err(e) => {
                return Err(not_the_connector(&engine, &component).unwrap_or(HostError::Load(e)));
            }
        };
        tick_epochs_of(&engine).map_err(|e| HostError::Load(e.into()))?;
        let pool =
            ConnectionPool::new(config.connections).map_err(|e| HostError::Load(e.into()))?;
        Ok(ConnectorHost {
            engine,
            pre,
            exports,
            network: Arc::new(config.network),
            connections: config.connections,
            pool,
            call_options: config.call_options,
            limits: config.limits,
            memo: Arc::default(),
            instances: Arc::default(),
            gate: None,
            budget: None,
        })
    }

    /// The same host (component, engine, configuration) with connections
    /// of its own rather than this host's: for another thread's runtime,
    /// since a pooled connection's task lives on the runtime that opened
    /// it.
    pub fn with_own_connections(&self) -> Result<Self, HostError> {
        let pool = ConnectionPool::new(self.connections).map_err(|e| HostError::Load(e.into()))?;
        Ok(ConnectorHost {
            pool,
            ..self.clone()
        })
    }

    /// The same host with every call's refresh requests handed to `gate`.
    pub(crate) fn sharing_refreshes(&self, gate: Arc<RefreshGate>) -> Self {
        ConnectorHost {
            gate: Some(gate),
            ..self.clone()
        }
    }

    /// The same host with every API request of its calls (pages, retries
    /// and refreshes included) booking a permit in `budget` first, and a
    /// `429` pausing its category for every host on the same budget (see
    /// [`RateBudget`]).
    pub fn with_budget(&self, budget: RateBudget) -> Self {
        // The action's wait bound: what its retries may wait in all.
        let allowed = self
            .call_options
            .as_ref()
            .map_or(Duration::from_secs(30), |options| {
                Duration::from_millis(u64::from(options.max_total_wait_ms))
            });
        ConnectorHost {
            budget: Some(Arc::new(budget.waiting_at_most(allowed))),
            ..self.clone()
        }
    }

    /// The engine the component was compiled with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// How many component instances this host and its clones have started
    /// (one per call, one per page or report stream): for metrics, and to
    /// tell a call the catalog memo answered from one the component did.
    pub fn instances_started(&self) -> u64 {
        self.instances.load(Ordering::Relaxed)
    }

    /// A fresh instance in a fresh store, with the one exported interface
    /// `load` picks loaded (see [`Exports`]).
    async fn instantiate<G>(
        &self,
        reach: Reach,
        load: Load<G>,
    ) -> Result<(Store<StoreState>, G), HostError> {
        self.instantiate_reporting(reach, None, load).await
    }

    /// [`ConnectorHost::instantiate`], telling `progress` how uploads go.
    async fn instantiate_reporting<G>(
        &self,
        reach: Reach,
        progress: Option<UploadProgress>,
        load: Load<G>,
    ) -> Result<(Store<StoreState>, G), HostError> {
        let mut state = StoreState::new(
            self.network.clone(),
            reach,
            self.pool.clone(),
            self.limits.max_memory_bytes,
        );
        if let Some(progress) = progress {
            state.report_uploads(progress);
        }
        if let Some(gate) = &self.gate {
            state.share_refreshes(gate.clone());
        }
        if let Some(budget) = &self.budget {
            state.budget_requests(budget.clone());
        }
        self.instances.fetch_add(1, Ordering::Relaxed);
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.memory);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(self.limits.deadline_ticks());
        let instantiated = bounded(self.limits, self.pre.instantiate_async(&mut store)).await;
        let instance: Instance = settle(self.limits, &store, instantiated)?;
        let loaded = load(&self.exports, &mut store, &instance);
        let guest = settle(self.limits, &store, Some(loaded))?;
        Ok((store, guest))
    }

    /// Runs `call` on a fresh instance, with the interface `load` picks,
    /// within the call's limits.
    async fn run<G, T>(
        &self,
        load: Load<G>,
        call: impl AsyncFnOnce(&mut Store<StoreState>, &G) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        let (mut store, guest) = self.instantiate(Reach::Api, load).await?;
        let called = bounded(self.limits, call(&mut store, &guest)).await;
        settle(self.limits, &store, called)
    }

    /// Instantiates the component in a fresh store with its `actions`
    /// interface loaded, and drops it, running nothing: the fixed cost a
    /// call pays before it starts. For benchmarks and health checks.
    pub async fn instantiate_and_drop(&self) -> Result<(), HostError> {
        self.instantiate(Reach::Api, Exports::actions)
            .await
            .map(drop)
    }

    /// Every endpoint of the description `spec` points at. The embedded
    /// description's answer is kept by the host after the first (see
    /// [`ConnectorHost::describe_endpoints`]).
    pub async fn list_endpoints(
        &self,
        spec: &SpecSource,
    ) -> Result<Result<Vec<Endpoint>, ConnectorError>, HostError> {
        let embedded = matches!(spec, SpecSource::Embedded);
        if let Some(kept) = self.memo.endpoints().filter(|_| embedded) {
            return Ok(Ok(kept));
        }
        let answer = self
            .run(Exports::catalog, async |store, catalog| {
                catalog.call_list_endpoints(store, spec).await
            })
            .await?;
        if let (true, Ok(endpoints)) = (embedded, &answer) {
            self.memo.keep_endpoints(endpoints);
        }
        Ok(answer)
    }

    /// The input schema of one endpoint, as JSON text. The embedded
    /// description's answers are kept by the host after the first (see
    /// [`ConnectorHost::describe_endpoints`]).
    pub async fn describe_endpoint(
        &self,
        spec: &SpecSource,
        endpoint: &str,
    ) -> Result<Result<String, ConnectorError>, HostError> {
        let embedded = matches!(spec, SpecSource::Embedded);
        if let Some(kept) = embedded.then(|| self.memo.schema(endpoint)).flatten() {
            return Ok(Ok(kept));
        }
        let answer = self
            .run(Exports::catalog, async |store, catalog| {
                catalog.call_describe_endpoint(store, spec, endpoint).await
            })
            .await?;
        if let (true, Ok(schema)) = (embedded, &answer) {
            self.memo.keep_schema(endpoint, schema);
        }
        Ok(answer)
    }

    /// The input schemas of `endpoints` (every endpoint for none) in one
    /// call: what a host rendering every form asks for once.
    ///
    /// The embedded description's answers depend on nothing but the
    /// component, so the host keeps each successful one the first time it
    /// is asked for (every endpoint's, each single endpoint's, the list)
    /// and answers from it afterwards without starting an instance: a copy
    /// of the kept answer, in microseconds rather than the ~8 ms the
    /// component takes to inflate and splice every schema. Errors, answers
    /// for a named subset and descriptions passed by URL or inline are
    /// never kept.
    pub async fn describe_endpoints(
        &self,
        spec: &SpecSource,
        endpoints: Option<&[String]>,
    ) -> Result<Result<Vec<DescribedEndpoint>, ConnectorError>, HostError> {
        let every_embedded = matches!(spec, SpecSource::Embedded) && endpoints.is_none();
        if let Some(kept) = self.memo.every_schema().filter(|_| every_embedded) {
            return Ok(Ok(kept));
        }
        let answer = self
            .run(Exports::catalog, async |store, catalog| {
                catalog
                    .call_describe_endpoints(store, spec, endpoints)
                    .await
            })
            .await?;
        if let (true, Ok(described)) = (every_embedded, &answer) {
            self.memo.keep_every_schema(described);
        }
        Ok(answer)
    }

    /// The URL that asks a user to authorise the app.
    pub async fn authorize_url(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[String],
        state: &str,
        authorization_endpoint: Option<&str>,
    ) -> Result<Result<String, ConnectorError>, HostError> {
        self.run(Exports::oauth, async |store, oauth| {
            oauth
                .call_authorize_url(
                    store,
                    client_id,
                    redirect_uri,
                    scopes,
                    state,
                    authorization_endpoint,
                )
                .await
        })
        .await
    }

    /// Exchanges an authorization code for credentials.
    pub async fn exchange_code(
        &self,
        app: &OauthApp,
        code: &str,
        redirect_uri: &str,
    ) -> Result<Result<Oauth2Credentials, ConnectorError>, HostError> {
        self.run(Exports::oauth, async |store, oauth| {
            oauth
                .call_exchange_code(store, app, code, redirect_uri)
                .await
        })
        .await
    }

    /// Refreshes OAuth2 credentials; store what it returns (the refresh
    /// token rotates).
    pub async fn refresh(
        &self,
        credentials: &Oauth2Credentials,
    ) -> Result<Result<Oauth2Credentials, ConnectorError>, HostError> {
        self.run(Exports::oauth, async |store, oauth| {
            oauth.call_refresh(store, credentials).await
        })
        .await
    }

    /// Uploads a video for a pin and waits for Pinterest to process it
    /// (`jobs.upload-media`): its media id.
    pub async fn upload_media(
        &self,
        credentials: &Credentials,
        file: &MediaFile,
        wait: Option<JobWait>,
    ) -> Result<Result<MediaUploaded, ActionFailure>, HostError> {
        self.upload_media_reporting(credentials, file, wait, None)
            .await
    }

    /// [`ConnectorHost::upload_media`], telling `progress` how the upload
    /// goes as the file leaves (bytes sent, of the request's length).
    pub async fn upload_media_reporting(
        &self,
        credentials: &Credentials,
        file: &MediaFile,
        wait: Option<JobWait>,
        progress: Option<UploadProgress>,
    ) -> Result<Result<MediaUploaded, ActionFailure>, HostError> {
        let (mut store, jobs) = self
            .instantiate_reporting(Reach::ApiAndS3, progress, Exports::jobs)
            .await?;
        let called = bounded(
            self.limits,
            jobs.call_upload_media(
                &mut store,
                credentials,
                file,
                wait,
                self.call_options.as_ref(),
            ),
        )
        .await;
        settle(self.limits, &store, called).map(with_failure)
    }

    /// Waits for an upload's processing by its media id
    /// (`jobs.await-media`), after a `job-pending`.
    pub async fn await_media(
        &self,
        credentials: &Credentials,
        media_id: &str,
        wait: Option<JobWait>,
    ) -> Result<Result<MediaUploaded, ActionFailure>, HostError> {
        self.run(Exports::jobs, async |store, jobs| {
            jobs.call_await_media(
                store,
                credentials,
                media_id,
                wait,
                self.call_options.as_ref(),
            )
            .await
        })
        .await
        .map(with_failure)
    }

    /// Asks for an asynchronous ads report (`jobs.create-report`): its
    /// token.
    pub async fn create_report(
        &self,
        credentials: &Credentials,
        ad_account_id: &str,
        body: &str,
    ) -> Result<Result<ReportStarted, ActionFailure>, HostError> {
        self.run(Exports::jobs, async |store, jobs| {
            jobs.call_create_report(
                store,
                credentials,
                ad_account_id,
                body,
                self.call_options.as_ref(),
            )
            .await
        })
        .await
        .map(with_failure)
    }

    /// Waits for a report to finish and opens its download
    /// (`jobs.download-report`); its bytes come from [`ReportStream::next`].
    pub async fn download_report(
        &self,
        credentials: &Credentials,
        ad_account_id: &str,
        token: &str,
        wait: Option<JobWait>,
    ) -> Result<Result<ReportStream, ActionFailure>, HostError> {
        let (mut store, jobs) = self.instantiate(Reach::ApiAndS3, Exports::jobs).await?;
        let started = bounded(
            self.limits,
            jobs.call_download_report(
                &mut store,
                credentials,
                ad_account_id,
                token,
                wait,
                self.call_options.as_ref(),
            ),
        )
        .await;
        let started = settle(self.limits, &store, started)?;
        Ok(started
            .map(|ready| ReportStream {
                store,
                jobs,
                resource: Some(ready.download),
                limits: self.limits,
                size: ready.size,
                credentials: ready.credentials,
            })
            .map_err(ActionFailure::from))
    }

    /// Polls a trigger once (`triggers.poll`): the items new since the poll
    /// that returned `cursor` (none: the first poll), and the cursor to
    /// store for the next one.
    pub async fn poll(
        &self,
        credentials: &Credentials,
        trigger: &Trigger,
        cursor: Option<&str>,
        options: Option<PollOptions>,
    ) -> Result<Result<PollResult, ActionFailure>, HostError> {
        self.run(Exports::triggers, async |store, triggers| {
            triggers
                .call_poll(
                    store,
                    credentials,
                    trigger,
                    cursor,
                    options,
                    self.call_options.as_ref(),
                )
                .await
        })
        .await
        .map(with_failure)
    }

    /// Calls one endpoint once.
    pub async fn api_call(
        &self,
        credentials: &Credentials,
        input: &ApiCallInput,
    ) -> Result<Result<ApiCallOutput, ActionFailure>, HostError> {
        self.run(Exports::actions, async |store, actions| {
            actions
                .call_api_call(store, credentials, input, self.call_options.as_ref())
                .await
        })
        .await
        .map(with_failure)
    }

    /// Starts a paginated call; pages come from [`PageStream::next`].
    pub async fn api_call_paginated(
        &self,
        credentials: &Credentials,
        input: &ApiCallInput,
        options: PaginationOptions,
    ) -> Result<Result<PageStream, ActionFailure>, HostError> {
        let (mut store, actions) = self.instantiate(Reach::Api, Exports::actions).await?;
        let started = bounded(
            self.limits,
            actions.call_api_call_paginated(
                &mut store,
                credentials,
                input,
                options,
                self.call_options.as_ref(),
            ),
        )
        .await;
        let started = settle(self.limits, &store, started)?;
        Ok(started
            .map(|resource| PageStream {
                store,
                actions,
                resource: Some(resource),
                limits: self.limits,
            })
            .map_err(ActionFailure::from))
    }

    /// Sends a raw request relative to the API base.
    pub async fn raw_request(
        &self,
        credentials: &Credentials,
        input: &RawRequestInput,
    ) -> Result<Result<RawResponse, ActionFailure>, HostError> {
        self.run(Exports::actions, async |store, actions| {
            actions
                .call_raw_request(store, credentials, input, self.call_options.as_ref())
                .await
        })
        .await
        .map(with_failure)
    }

    /// Proves the credentials work.
    pub async fn verify_credentials(
        &self,
        credentials: &Credentials,
    ) -> Result<Result<Account, ActionFailure>, HostError> {
        self.run(Exports::actions, async |store, actions| {
            actions
                .call_verify_credentials(store, credentials, self.call_options.as_ref())
                .await
        })
        .await
        .map(with_failure)
    }
}

/// The pages of a paginated call, one request per [`PageStream::next`].
/// It owns its component instance; dropping it ends the walk.
pub struct PageStream {
    store: Store<StoreState>,
    actions: actions::Guest,
    resource: Option<ResourceAny>,
    limits: CallLimits,
}

impl PageStream {
    /// The next page, or `None` once the walk is over. After a transient
    /// error (rate limited, a 5xx, a transport failure: retries exhausted)
    /// calling `next` again asks for the same page; after any other error it
    /// answers `None`.
    pub async fn next(&mut self) -> Result<Result<Option<Page>, ActionFailure>, HostError> {
        let Some(resource) = self.resource else {
            return Ok(Ok(None));
        };
        // Each page has the whole deadline to itself.
        self.store.set_epoch_deadline(self.limits.deadline_ticks());
        let called = bounded(
            self.limits,
            self.actions
                .page_stream()
                .call_next(&mut self.store, resource),
        )
        .await;
        let result = settle(self.limits, &self.store, called);
        match result {
            // The walk is over, or the instance failed: let it go.
            Ok(Ok(None)) | Err(_) => {
                if result.is_err() {
                    // A store that trapped cannot run the destructor.
                    self.resource = None;
                }
                self.finish().await;
                result.map(with_failure)
            }
            // A page, or an error after which the component may resume the
            // walk (it answers none on the next call when it cannot).
            Ok(other) => Ok(with_failure(other)),
        }
    }

    /// The largest the instance's linear memory has been so far, in bytes:
    /// what the walk has needed, pages included.
    pub fn memory_peak_bytes(&self) -> usize {
        self.store.data().memory.peak_bytes()
    }

    async fn finish(&mut self) {
        if let Some(resource) = self.resource.take() {
            // The instance goes away with the store; dropping the resource
            // first only lets the guest release it in order.
            let _ = resource.resource_drop_async(&mut self.store).await;
        }
    }
}

/// A finished report's bytes, one chunk per [`ReportStream::next`]. It owns
/// its component instance; dropping it stops the download.
pub struct ReportStream {
    store: Store<StoreState>,
    jobs: jobs::Guest,
    resource: Option<ResourceAny>,
    limits: CallLimits,
    size: Option<u64>,
    credentials: CredentialsState,
}

impl ReportStream {
    /// The next chunk of the report, unpacked when it came
    /// gzip-compressed; `None` after the last. Each chunk has the whole
    /// deadline to itself.
    pub async fn next(&mut self) -> Result<Result<Option<Vec<u8>>, ConnectorError>, HostError> {
        let Some(resource) = self.resource else {
            return Ok(Ok(None));
        };
        self.store.set_epoch_deadline(self.limits.deadline_ticks());
        let called = bounded(
            self.limits,
            self.jobs
                .report_download()
                .call_next(&mut self.store, resource),
        )
        .await;
        let result = settle(self.limits, &self.store, called);
        if !matches!(result, Ok(Ok(Some(_)))) {
            if result.is_err() {
                // A store that trapped cannot run the destructor.
                self.resource = None;
            }
            if let Some(resource) = self.resource.take() {
                let _ = resource.resource_drop_async(&mut self.store).await;
            }
        }
        result
    }

    /// The report's size in bytes as Pinterest announced it, when it did.
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    /// The credentials as they stood when the download opened: store them
    /// when refreshed.
    pub fn credentials(&self) -> &CredentialsState {
        &self.credentials
    }

    /// The largest the instance's linear memory has been so far, in bytes.
    pub fn memory_peak_bytes(&self) -> usize {
        self.store.data().memory.peak_bytes()
    }
}

/// A call bounded by the deadline: `None` when it ran past it (the call is
/// dropped, and the store with it).
async fn bounded<T>(
    limits: CallLimits,
    call: impl Future<Output = wasmtime::Result<T>>,
) -> Option<wasmtime::Result<T>> {
    tokio::time::timeout(limits.deadline, call).await.ok()
}

/// A bounded call's result, its failures typed: the deadline (the timer,
/// or the epoch interrupting a guest that kept the CPU), the memory limit,
/// or another trap.
fn settle<T>(
    limits: CallLimits,
    store: &Store<StoreState>,
    called: Option<wasmtime::Result<T>>,
) -> Result<T, HostError> {
    // The component saw the store's failure as a failed request; the
    // host says what it was.
    if let Some(failure) = store.data().take_store_failure() {
        return Err(HostError::CredentialStore(failure));
    }
    match called {
        None => Err(HostError::Deadline(limits.deadline)),
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) => {
            Err(HostError::Deadline(limits.deadline))
        }
        Some(Err(_)) if store.data().memory.refused() => {
            Err(HostError::MemoryLimit(limits.max_memory_bytes))
        }
        Some(Err(e)) => Err(HostError::Runtime(e)),
    }
}

/// The edge build's error, when `component` is the edge build (it exports
/// `wasi:http/incoming-handler` and none of the connector's interfaces):
/// said plainly rather than as the first missing export.
fn not_the_connector(engine: &Engine, component: &Component) -> Option<HostError> {
    let serves_http = component
        .component_type()
        .exports(engine)
        .any(|(name, _)| name.starts_with("wasi:http/incoming-handler"));
    serves_http.then_some(HostError::EdgeBuild)
}
