//! The measurements, each producing rows of the report.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use pinterest_connector_core::credentials::Credentials as CoreCredentials;
use pinterest_connector_core::options::CallOptions as CoreCallOptions;
use pinterest_connector_core::pagination::PaginationOptions as CorePagination;
use pinterest_connector_core::request::CallInput;
use pinterest_connector_core::retry::Retrying;
use pinterest_connector_core::spec::SpecSource as CoreSpec;
use pinterest_connector_core::{Connector, Session};
use pinterest_connector_host::types::{Credentials, SpecSource};
use pinterest_connector_host::wasmtime::Engine;
use pinterest_connector_host::wasmtime::component::Component;
use pinterest_connector_host::{
    ApiCallInput, CallLimits, CompileCache, Connections as HostConnections, ConnectorHost,
    HostConfig, HostWorkers, PaginationOptions,
};
use pinterest_connector_native::{Connections, NativeTransport};
use pinterest_host_test::{MockConfig, MockPinterest, component, load, mock_policy};

use crate::report::{Row, Verdict};
use crate::stats::{self, Samples};

/// The goals of the performance work.
pub(crate) const SIZE_GOAL_BYTES: u64 = 600 * 1000;
const CACHED_LOAD_GOAL: f64 = 10e-3;
const INSTANTIATE_GOAL: f64 = 20e-6;
const SMALL_CALL_RATIO_GOAL: f64 = 1.2;
const WALK_RATIO_GOAL: f64 = 1.3;
const WALK_MEMORY_GOAL_BYTES: u64 = 8 * 1024 * 1024;
const DESCRIBE_ALL_GOAL: f64 = 5e-3;
const THROUGHPUT_GOAL: f64 = 5000.0;
const WORKERS_RATIO_GOAL: f64 = 1.5;
const WORKERS_THROUGHPUT_GOAL: f64 = 10_000.0;

/// Concurrent actions per round of the throughput figure.
const CONCURRENT: usize = 500;

/// Runs every measurement; `scale` (0–1] shrinks the sample counts.
pub(crate) async fn run(scale: f64) -> anyhow::Result<(Vec<Row>, Vec<String>)> {
    let n = |full: usize| ((full as f64 * scale).ceil() as usize).max(3);
    let mut rows = Vec::new();
    let mut notes = Vec::new();

    let wasm_path = component::built_component()?;
    let wasm = std::fs::read(&wasm_path)?;
    let size = wasm.len() as u64;
    let unoptimized = std::fs::metadata(pinterest_connector_dist::connector_path(
        &component::workspace_root(),
    ))?
    .len();
    rows.push(Row::new(
        "component size (wasm-release: opt-level s, LTO, strip, panic=abort; then binaryen `-Oz` through `jco opt`), embedded 5.11.0 catalog",
        "≤ 600 KB",
        format!(
            "{} ({} before binaryen)",
            stats::bytes(size),
            stats::bytes(unoptimized)
        ),
        Verdict::of(size <= SIZE_GOAL_BYTES),
    ));
    println!(
        "size: {} (before binaryen {unoptimized} B)",
        stats::bytes(size)
    );

    rows.extend(first_load(&wasm, n(5), n(21))?);

    let fixture = Fixture::start(&wasm).await?;
    rows.extend(instantiate(&fixture.host, n(2000)).await?);
    let (latency_rows, latency_notes) = latencies(&fixture, scale, true).await?;
    rows.extend(latency_rows);
    notes.extend(latency_notes);
    rows.extend(describe_all(&fixture, n(31)).await?);
    rows.push(throughput(Via::Caller(&fixture.host), &fixture.mock, n(10)).await?);
    rows.extend(on_workers(&fixture, scale).await?);
    Ok((rows, notes))
}

/// The component-vs-native comparisons again, to be run on a
/// current-thread runtime: the host, the mock and the pool's connections
/// all on one thread, so that no request crosses threads.
pub(crate) async fn run_on_one_thread(scale: f64) -> anyhow::Result<Vec<Row>> {
    let wasm = std::fs::read(component::built_component()?)?;
    let fixture = Fixture::start(&wasm).await?;
    let (rows, _) = latencies(&fixture, scale, false).await?;
    Ok(rows
        .into_iter()
        .map(|row| Row {
            figure: format!("{} — on one thread (current-thread runtime)", row.figure),
            ..row
        })
        .collect())
}

/// What the measurements run against: mocks of 10 000 and 100 000 pins
/// and hosts routed to them, sharing one pooled engine.
struct Fixture {
    mock: MockPinterest,
    big: MockPinterest,
    host: ConnectorHost,
    unpooled_host: ConnectorHost,
    big_host: ConnectorHost,
    /// `host` on the thread-per-core workers, one per core.
    workers: HostWorkers,
    /// Workers like `workers`, each with an engine of its own.
    workers_own_engines: HostWorkers,
    engine: Engine,
    compiled: Component,
}

/// A host of `compiled` routed to `mock`, with the default limits and
/// `connections`.
fn host_of(
    engine: &Engine,
    compiled: &Component,
    mock: &MockPinterest,
    connections: HostConnections,
) -> anyhow::Result<ConnectorHost> {
    Ok(ConnectorHost::from_component(
        engine.clone(),
        compiled.clone(),
        HostConfig {
            network: mock_policy(mock)?,
            connections,
            ..HostConfig::default()
        },
    )?)
}

/// Room in the pool for every connection a round of the throughput figure
/// opens, as a server expecting that many calls at once would configure
/// it: the round measures calls, not connecting.
fn room_for_a_round() -> HostConnections {
    HostConnections::Pooled {
        idle_timeout: Duration::from_secs(30),
        max_idle_per_host: CONCURRENT,
    }
}

impl Fixture {
    /// A new host like `host`: nothing kept from earlier calls (the
    /// catalog memo starts empty).
    fn fresh_host(&self) -> anyhow::Result<ConnectorHost> {
        host_of(
            &self.engine,
            &self.compiled,
            &self.mock,
            HostConnections::default(),
        )
    }

    async fn start(wasm: &[u8]) -> anyhow::Result<Fixture> {
        let limits = CallLimits::default();
        let engine = ConnectorHost::pooled_engine(CONCURRENT as u32 + 64, limits.max_memory_bytes)?;
        let compiled = Component::new(&engine, wasm)?;
        let mock = MockPinterest::start(MockConfig {
            pins: 10_000,
            ..MockConfig::default()
        })
        .await?;
        let big = MockPinterest::start(MockConfig {
            pins: 100_000,
            ..MockConfig::default()
        })
        .await?;
        let host = host_of(&engine, &compiled, &mock, room_for_a_round())?;
        // The same workers, each with an engine (and so an instance pool)
        // of its own.
        let cores = HostWorkers::available_cores().get();
        let own_engines = (0..cores)
            .map(|_| -> anyhow::Result<ConnectorHost> {
                let engine = ConnectorHost::pooled_engine(
                    (CONCURRENT / cores) as u32 + 64,
                    limits.max_memory_bytes,
                )?;
                let compiled = Component::new(&engine, wasm)?;
                host_of(&engine, &compiled, &mock, room_for_a_round())
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Fixture {
            workers: HostWorkers::start(&host, HostWorkers::available_cores())?,
            workers_own_engines: HostWorkers::with_hosts(own_engines)?,
            host,
            unpooled_host: host_of(&engine, &compiled, &mock, HostConnections::PerRequest)?,
            big_host: host_of(&engine, &compiled, &big, HostConnections::default())?,
            engine,
            compiled,
            mock,
            big,
        })
    }
}

/// Small calls and the walk, component vs native; with `memory`, the
/// guest's memory over walks of 10 000 and 100 000 items too.
async fn latencies(
    fixture: &Fixture,
    scale: f64,
    memory: bool,
) -> anyhow::Result<(Vec<Row>, Vec<String>)> {
    let n = |full: usize| ((full as f64 * scale).ceil() as usize).max(3);
    let Fixture {
        mock,
        big,
        host,
        unpooled_host,
        big_host,
        ..
    } = fixture;
    let mut rows = vec![
        small_call(Via::Caller(host), mock, Connections::Pooled, n(2000)).await?,
        small_call(
            Via::Caller(unpooled_host),
            mock,
            Connections::PerRequest,
            n(2000),
        )
        .await?,
        small_api_call(Via::Caller(host), mock, n(2000)).await?,
    ];
    let big = memory.then_some((big_host, big));
    let (walk_rows, notes) = walks(host, mock, big, n(31)).await?;
    rows.extend(walk_rows);
    Ok((rows, notes))
}

/// The native connector: the core on `ureq`, routed to `mock`, keeping
/// connections open (as the host does by default) or not.
fn native(mock: &MockPinterest, connections: Connections) -> Retrying<NativeTransport> {
    let options = CoreCallOptions::default();
    let transport = NativeTransport::new(&options, connections)
        .route("api.pinterest.com", mock.production_addr)
        .route("api-sandbox.pinterest.com", mock.sandbox_addr);
    Retrying::new(transport, options.retry)
}

fn sandbox(mock: &MockPinterest) -> (Credentials, CoreCredentials) {
    let token = mock.config().sandbox_token.clone();
    (
        Credentials::Sandbox(token.clone()),
        CoreCredentials::Sandbox(token),
    )
}

/// Compiling the component vs loading it from the compile cache.
fn first_load(wasm: &[u8], compiles: usize, loads: usize) -> anyhow::Result<Vec<Row>> {
    let engine = ConnectorHost::default_engine()?;
    let mut compile = Samples::default();
    for _ in 0..compiles {
        let start = Instant::now();
        Component::new(&engine, wasm)?;
        compile.push(start.elapsed());
    }
    let dir = tempfile::tempdir()?;
    let cache = CompileCache::new(dir.path());
    cache.load(&engine, wasm)?;
    let mut cached = Samples::default();
    for _ in 0..loads {
        let start = Instant::now();
        let (_, outcome) = cache.load(&engine, wasm)?;
        cached.push(start.elapsed());
        if outcome != pinterest_connector_host::CacheOutcome::Hit {
            bail!("the compile cache missed an entry it had just written");
        }
    }
    println!(
        "compile {} / cached load {}",
        stats::timing(&compile),
        stats::timing(&cached)
    );
    Ok(vec![
        Row::new(
            "first load: compile the component (Cranelift, parallel)",
            "",
            stats::timing(&compile),
            Verdict::Reported,
        ),
        Row::new(
            "first load: from the compile cache (key hash, integrity check, deserialize)",
            "≤ 10 ms",
            stats::timing(&cached),
            Verdict::of(cached.median() <= CACHED_LOAD_GOAL),
        ),
    ])
}

/// Instantiating the component per call, and the fixed cost of a call.
async fn instantiate(host: &ConnectorHost, count: usize) -> anyhow::Result<Vec<Row>> {
    for _ in 0..count / 10 {
        host.instantiate_and_drop().await?;
    }
    let mut samples = Samples::default();
    for _ in 0..count {
        let start = Instant::now();
        host.instantiate_and_drop().await?;
        samples.push(start.elapsed());
    }
    println!("instantiate {}", stats::timing(&samples));
    let mut call = Samples::default();
    let scopes = ["pins:read".to_owned()];
    for _ in 0..count {
        let start = Instant::now();
        host.authorize_url("app", "http://127.0.0.1/cb", &scopes, "state", None)
            .await??;
        call.push(start.elapsed());
    }
    println!(
        "instantiate {} / authorize-url {}",
        stats::timing(&samples),
        stats::timing(&call)
    );
    Ok(vec![
        Row::new(
            "instantiate per call (`InstancePre`, pooling allocator, fresh store)",
            "≤ 20 µs median",
            stats::timing(&samples),
            Verdict::of(samples.median() <= INSTANTIATE_GOAL),
        ),
        Row::new(
            "a whole call that sends nothing (`authorize-url`): instantiate, call, lift the answer",
            "",
            stats::timing(&call),
            Verdict::Reported,
        ),
    ])
}

/// Alternates rounds of `wasm` and `native` timings so that both see the
/// same machine; `native` runs on a blocking thread.
async fn compare<W, WF, N>(
    rounds: usize,
    per_round: usize,
    mut wasm: W,
    mut native: N,
) -> anyhow::Result<(Samples, Samples)>
where
    W: FnMut() -> WF,
    WF: Future<Output = anyhow::Result<()>>,
    N: FnMut() -> anyhow::Result<()> + Send + 'static,
{
    let mut wasm_samples = Samples::default();
    let mut native_samples = Samples::default();
    for _ in 0..rounds {
        for _ in 0..per_round {
            let start = Instant::now();
            wasm().await?;
            wasm_samples.push(start.elapsed());
        }
        // The closure goes to a blocking thread and comes back with the
        // round's timings.
        let (returned, times) = tokio::task::spawn_blocking(move || {
            let times: anyhow::Result<Vec<Duration>> = (0..per_round)
                .map(|_| {
                    let start = Instant::now();
                    native()?;
                    Ok(start.elapsed())
                })
                .collect();
            (native, times)
        })
        .await?;
        native = returned;
        times?.into_iter().for_each(|t| native_samples.push(t));
    }
    Ok((wasm_samples, native_samples))
}

fn ratio_row(figure: &str, goal: f64, wasm: &Samples, native: &Samples) -> Row {
    let ratio = wasm.median() / native.median();
    println!(
        "{figure}: wasm {} / native {} = {ratio:.2}",
        stats::timing(wasm),
        stats::timing(native)
    );
    let (goal_text, verdict) = if goal > 0.0 {
        (format!("ratio ≤ {goal}"), Verdict::of(ratio <= goal))
    } else {
        (String::new(), Verdict::Reported)
    };
    Row::new(
        figure,
        goal_text,
        format!(
            "component {}; native {}; **ratio {ratio:.2}**",
            stats::timing(wasm),
            stats::timing(native)
        ),
        verdict,
    )
}

/// One small `GET /user_account` (verify-credentials), component vs native,
/// both keeping connections open or both connecting anew for each request.
async fn small_call(
    via: Via<'_>,
    mock: &MockPinterest,
    connections: Connections,
    count: usize,
) -> anyhow::Result<Row> {
    let (credentials, core_credentials) = sandbox(mock);
    let mut transport = native(mock, connections);
    let native_call = move || -> anyhow::Result<()> {
        let mut session = Session::new(core_credentials.clone());
        Connector::new(&mut transport).verify_credentials(&mut session)?;
        Ok(())
    };
    let (wasm, native) = compare(
        20,
        count.div_ceil(20),
        || via.verify(&credentials),
        native_call,
    )
    .await?;
    let (figure, goal) = match (connections, via) {
        (Connections::Pooled, Via::Caller(_)) => (
            "one small `GET /user_account` (verify-credentials), loopback, kept-alive connections",
            SMALL_CALL_RATIO_GOAL,
        ),
        (Connections::Pooled, Via::Workers(_)) => (
            "one small `GET /user_account` (verify-credentials), kept-alive connections, on the thread-per-core workers (`HostWorkers`, one current-thread runtime per core)",
            WORKERS_RATIO_GOAL,
        ),
        (Connections::PerRequest, _) => (
            "the same, a new connection for every request on both sides",
            0.0,
        ),
    };
    Ok(ratio_row(figure, goal, &wasm, &native))
}

/// One `api-call GET /pins/{pin_id}` through the catalog, component vs native.
async fn small_api_call(via: Via<'_>, mock: &MockPinterest, count: usize) -> anyhow::Result<Row> {
    let (credentials, core_credentials) = sandbox(mock);
    let pin = MockPinterest::pin_id(3);
    let input = ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins/{pin_id}".into(),
        path_params: vec![("pin_id".into(), pin.clone())],
        query_params: vec![],
        body: None,
    };
    let core_input = CallInput {
        spec: CoreSpec::Embedded,
        endpoint: input.endpoint.clone(),
        path_params: input.path_params.clone(),
        ..CallInput::default()
    };
    let mut transport = native(mock, Connections::Pooled);
    let native_call = move || -> anyhow::Result<()> {
        let mut session = Session::new(core_credentials.clone());
        Connector::new(&mut transport).api_call(&mut session, &core_input)?;
        Ok(())
    };
    let (wasm, native) = compare(
        20,
        count.div_ceil(20),
        || via.api_call(&credentials, &input),
        native_call,
    )
    .await?;
    let figure = match via {
        Via::Caller(_) => {
            "one `api-call GET /pins/{pin_id}` (catalog lookup, validation), loopback"
        }
        Via::Workers(_) => {
            "one `api-call GET /pins/{pin_id}` (catalog lookup, validation), on the thread-per-core workers"
        }
    };
    let goal = match via {
        Via::Caller(_) => 0.0,
        Via::Workers(_) => WORKERS_RATIO_GOAL,
    };
    Ok(ratio_row(figure, goal, &wasm, &native))
}

fn pins_input() -> (ApiCallInput, CallInput) {
    let query = vec![("page_size".to_owned(), "250".to_owned())];
    (
        ApiCallInput {
            spec: SpecSource::Embedded,
            endpoint: "GET /pins".into(),
            path_params: vec![],
            query_params: query.clone(),
            body: None,
        },
        CallInput {
            spec: CoreSpec::Embedded,
            endpoint: "GET /pins".into(),
            query_params: query,
            ..CallInput::default()
        },
    )
}

/// Walks every page through the component: items seen and the guest's
/// linear memory peak.
async fn wasm_walk(host: &ConnectorHost, credentials: &Credentials) -> anyhow::Result<(u64, u64)> {
    let (input, _) = pins_input();
    let mut pages = host
        .api_call_paginated(credentials, &input, PaginationOptions { max_pages: None })
        .await?
        .map_err(|f| anyhow::anyhow!("{f}"))?;
    let mut items = 0u64;
    while let Some(page) = pages.next().await?.map_err(|f| anyhow::anyhow!("{f}"))? {
        items += u64::from(page.item_count);
    }
    Ok((items, pages.memory_peak_bytes() as u64))
}

/// Walks every page natively: items seen.
fn native_walk(
    transport: &mut Retrying<NativeTransport>,
    credentials: &CoreCredentials,
) -> anyhow::Result<u64> {
    let (_, input) = pins_input();
    let mut session = Session::new(credentials.clone());
    let mut walker = Connector::new(&mut *transport).paginate(
        &session,
        &input,
        CorePagination { max_pages: None },
    )?;
    let mut items = 0u64;
    while let Some(page) = walker.next_page(transport, &mut session)? {
        items += u64::from(page.item_count);
    }
    Ok(items)
}

/// The paginated walk of 10 000 items against the native baseline; given
/// the host and mock of a larger set, the guest's memory over walks of
/// 10 000 and 100 000 items too.
async fn walks(
    host: &ConnectorHost,
    mock: &MockPinterest,
    big: Option<(&ConnectorHost, &MockPinterest)>,
    count: usize,
) -> anyhow::Result<(Vec<Row>, Vec<String>)> {
    let (credentials, core_credentials) = sandbox(mock);
    let expected = mock.config().pins as u64;
    let peak_10k = AtomicU64::new(0);
    let mut transport = native(mock, Connections::Pooled);
    let native_credentials = core_credentials.clone();
    let (wasm, native) = compare(
        count,
        1,
        || {
            let credentials = credentials.clone();
            let peak = &peak_10k;
            async move {
                let (items, memory) = wasm_walk(host, &credentials).await?;
                if items != expected {
                    bail!("the component walked {items} items, not {expected}");
                }
                peak.fetch_max(memory, Ordering::Relaxed);
                Ok(())
            }
        },
        move || {
            let items = native_walk(&mut transport, &native_credentials)?;
            if items != expected {
                bail!("the native walk saw {items} items, not {expected}");
            }
            Ok(())
        },
    )
    .await?;
    let mut rows = vec![ratio_row(
        "paginated walk of 10 000 pins (`GET /pins`, page size 250: 40 pages)",
        WALK_RATIO_GOAL,
        &wasm,
        &native,
    )];

    let Some((big_host, big)) = big else {
        return Ok((rows, Vec::new()));
    };
    let peak_10k = peak_10k.into_inner();
    let (big_credentials, _) = sandbox(big);
    let start = Instant::now();
    let (items, peak_100k) = wasm_walk(big_host, &big_credentials).await?;
    let big_time = start.elapsed();
    if items != big.config().pins as u64 {
        bail!(
            "the component walked {items} of {} items",
            big.config().pins
        );
    }
    println!(
        "memory peak: 10 000 items {}, 100 000 items {} ({} for 400 pages)",
        stats::mebibytes(peak_10k),
        stats::mebibytes(peak_100k),
        stats::time(big_time.as_secs_f64())
    );
    let bounded = peak_100k <= peak_10k;
    rows.push(Row::new(
        "guest linear memory peak during the walk: 10 000 items / 100 000 items",
        "≤ 8 MiB, the same for both",
        format!(
            "{} / {}{}",
            stats::mebibytes(peak_10k),
            stats::mebibytes(peak_100k),
            if bounded { " (the same)" } else { " (grew)" }
        ),
        Verdict::of(peak_10k.max(peak_100k) <= WALK_MEMORY_GOAL_BYTES && bounded),
    ));
    let notes = vec![format!(
        "The 100 000-item walk (400 pages) took {} through the component.",
        stats::time(big_time.as_secs_f64())
    )];
    Ok((rows, notes))
}

/// `describe` of every embedded endpoint, one fresh instance each, and
/// the same natively for reference.
async fn describe_all(fixture: &Fixture, count: usize) -> anyhow::Result<Vec<Row>> {
    let ids: Vec<String> = fixture
        .host
        .list_endpoints(&SpecSource::Embedded)
        .await??
        .into_iter()
        .map(|e| e.id)
        .collect();
    let mut wasm = Samples::default();
    let mut native = Samples::default();
    let catalog = pinterest_connector_core::catalog::embedded();
    for _ in 0..count {
        // A new host each time: every answer from the component.
        let host = fixture.fresh_host()?;
        let start = Instant::now();
        for id in &ids {
            let schema = host.describe_endpoint(&SpecSource::Embedded, id).await??;
            if schema.is_empty() {
                bail!("empty schema for {id}");
            }
        }
        wasm.push(start.elapsed());
        let start = Instant::now();
        for id in &ids {
            let op = catalog
                .get(id)
                .context("an endpoint the component listed")?;
            std::hint::black_box(catalog.input_schema_text(op));
        }
        native.push(start.elapsed());
    }
    println!(
        "describe all {}: wasm {} native {}",
        ids.len(),
        stats::timing(&wasm),
        stats::timing(&native)
    );
    let every = async |host: &ConnectorHost| -> anyhow::Result<Duration> {
        let start = Instant::now();
        let described = host
            .describe_endpoints(&SpecSource::Embedded, None)
            .await??;
        let elapsed = start.elapsed();
        if described.len() != ids.len() {
            bail!("{} schemas for {} endpoints", described.len(), ids.len());
        }
        Ok(elapsed)
    };
    let mut batch = Samples::default();
    let mut kept = Samples::default();
    let host = fixture.fresh_host()?;
    for _ in 0..count {
        batch.push(every(&fixture.fresh_host()?).await?);
        kept.push(every(&host).await?);
    }
    let instances = host.instances_started();
    if instances != 1 {
        bail!("the kept answer started {instances} instances, not 1");
    }
    println!(
        "describe all in one call: {}; kept by the host {}",
        stats::timing(&batch),
        stats::timing(&kept)
    );
    Ok(vec![
        Row::new(
            format!(
                "`describe` of every endpoint, all {} in one call (`describe-endpoints`), through the component (a new host each time)",
                ids.len()
            ),
            "≤ 5 ms in total",
            stats::timing(&batch),
            Verdict::of(batch.median() <= DESCRIBE_ALL_GOAL),
        ),
        Row::new(
            format!(
                "the same call again on one `ConnectorHost`: the embedded description's answer kept by the host after the first (a copy of {} schemas, no instance)",
                ids.len()
            ),
            "≤ 5 ms in total",
            stats::timing(&kept),
            Verdict::of(kept.median() <= DESCRIBE_ALL_GOAL),
        ),
        Row::new(
            format!(
                "`describe` of every endpoint, all {} one by one (a fresh instance each, a new host each time)",
                ids.len()
            ),
            "",
            stats::timing(&wasm),
            Verdict::Reported,
        ),
        Row::new(
            format!(
                "the same {} input schemas natively (catalog parsed once per process)",
                ids.len()
            ),
            "",
            stats::timing(&native),
            Verdict::Reported,
        ),
    ])
}

/// Small actions at once through one host: actions per second.
async fn throughput(via: Via<'_>, mock: &MockPinterest, rounds: usize) -> anyhow::Result<Row> {
    let round = async || match via {
        Via::Caller(host) => load::run(host, mock, CONCURRENT).await,
        Via::Workers(workers) => load::run_on_workers(workers, mock, CONCURRENT).await,
    };
    round().await;
    let mut rates = Samples::default();
    let mut failures = 0;
    for _ in 0..rounds {
        let report = round().await;
        failures += report.failures;
        rates.push_value(report.throughput());
        if let Some(first) = report.first_failure {
            println!("throughput round failure: {first}");
        }
    }
    let (low, high) = rates.spread();
    println!(
        "throughput {:.0} actions/s ({low:.0}–{high:.0})",
        rates.median()
    );
    let (figure, goal_text, goal) = match via {
        Via::Caller(_) => (
            format!(
                "throughput: {CONCURRENT} concurrent small actions (verify, raw GET, api-call in turn) through one host on a two-worker tokio runtime, mock in the same process"
            ),
            "≥ 5 000 actions/s on 2 cores",
            THROUGHPUT_GOAL,
        ),
        Via::Workers(workers) => (
            format!(
                "throughput: the same {CONCURRENT} at once handed to the thread-per-core workers ({} current-thread runtimes), mock in the same process",
                workers.threads()
            ),
            "≥ 10 000 actions/s on 2 cores",
            WORKERS_THROUGHPUT_GOAL,
        ),
    };
    Ok(Row::new(
        figure,
        goal_text,
        format!(
            "{:.0} actions/s ({low:.0}–{high:.0}, n={} rounds); {failures} failures",
            rates.median(),
            rates.len()
        ),
        Verdict::of(rates.median() >= goal && failures == 0),
    ))
}

/// A load round's failure, as an error.
fn failed(report: load::LoadReport) -> anyhow::Result<()> {
    match report.first_failure {
        None => Ok(()),
        Some(first) => bail!("{} actions failed, first: {first}", report.failures),
    }
}

/// Where a measured call runs: on the caller's runtime, or handed to the
/// thread-per-core workers.
#[derive(Clone, Copy)]
enum Via<'a> {
    Caller(&'a ConnectorHost),
    Workers(&'a HostWorkers),
}

impl Via<'_> {
    /// One `verify-credentials`, failing on any error.
    async fn verify(self, credentials: &Credentials) -> anyhow::Result<()> {
        let answer = match self {
            Via::Caller(host) => host.verify_credentials(credentials).await?,
            Via::Workers(workers) => {
                let credentials = credentials.clone();
                workers
                    .run(move |host| async move { host.verify_credentials(&credentials).await })
                    .await?
            }
        };
        answer.map_err(|f| anyhow::anyhow!("{f}"))?;
        Ok(())
    }

    /// One `api-call`, failing on any error.
    async fn api_call(self, credentials: &Credentials, input: &ApiCallInput) -> anyhow::Result<()> {
        let answer = match self {
            Via::Caller(host) => host.api_call(credentials, input).await?,
            Via::Workers(workers) => {
                let (credentials, input) = (credentials.clone(), input.clone());
                workers
                    .run(move |host| async move { host.api_call(&credentials, &input).await })
                    .await?
            }
        };
        answer.map_err(|f| anyhow::anyhow!("{f}"))?;
        Ok(())
    }
}

/// The small calls and the throughput again, handed to the thread-per-core
/// workers.
async fn on_workers(fixture: &Fixture, scale: f64) -> anyhow::Result<Vec<Row>> {
    let n = |full: usize| ((full as f64 * scale).ceil() as usize).max(3);
    let via = Via::Workers(&fixture.workers);
    Ok(vec![
        small_call(via, &fixture.mock, Connections::Pooled, n(2000)).await?,
        small_api_call(via, &fixture.mock, n(2000)).await?,
        throughput(via, &fixture.mock, n(10)).await?,
        Row {
            figure: "throughput: the same, each worker with an engine (and so an instance pool) of its own (`HostWorkers::with_hosts`)".into(),
            ..throughput(
                Via::Workers(&fixture.workers_own_engines),
                &fixture.mock,
                n(10),
            )
            .await?
        },
    ])
}

/// `calls` calls of one `kind` in a loop against the benchmark's fixture,
/// for a profiler; prints their median.
pub(crate) async fn profile_loop(kind: String, calls: usize) -> anyhow::Result<()> {
    let wasm = std::fs::read(component::built_component()?)?;
    let fixture = Fixture::start(&wasm).await?;
    let Fixture {
        mock,
        host,
        workers,
        workers_own_engines,
        ..
    } = &fixture;
    let (credentials, _) = sandbox(mock);
    let scopes = ["pins:read".to_owned()];
    let mut samples = Samples::default();
    for _ in 0..calls {
        // The catalog's answers from the component, not the host's memo.
        let fresh = kind
            .starts_with("describe")
            .then(|| fixture.fresh_host())
            .transpose()?;
        let start = Instant::now();
        match kind.as_str() {
            "instantiate" => host.instantiate_and_drop().await?,
            "authorize-url" => {
                host.authorize_url("app", "http://127.0.0.1/cb", &scopes, "state", None)
                    .await??;
            }
            "verify" => Via::Caller(host).verify(&credentials).await?,
            "verify-workers" => Via::Workers(workers).verify(&credentials).await?,
            // One "call" is a round of the throughput figure.
            "load" => failed(load::run(host, mock, CONCURRENT).await)?,
            "load-workers" => failed(load::run_on_workers(workers, mock, CONCURRENT).await)?,
            "load-workers-engines" => {
                failed(load::run_on_workers(workers_own_engines, mock, CONCURRENT).await)?
            }
            "describe-all" => {
                let host = fresh.as_ref().context("a fresh host")?;
                host.describe_endpoints(&SpecSource::Embedded, None)
                    .await??;
            }
            _ => {
                let host = fresh.as_ref().context("a fresh host")?;
                host.describe_endpoint(&SpecSource::Embedded, "POST /pins")
                    .await??;
            }
        }
        samples.push(start.elapsed());
    }
    println!("{kind}: {}", stats::timing(&samples));
    Ok(())
}
