//! A thread-per-core host: calls run on worker threads of their own, each a
//! single-threaded tokio runtime with its own connection pool.
//!
//! On a multi-threaded runtime a call through wasmtime-wasi-http crosses
//! threads several times per request: the outgoing request is spawned on
//! a task of its own, the connection's task is the pool's, and every
//! wake-up may land on another worker (wasmtime measured the same on
//! `wasmtime serve`, PRs #7461 and #7475). [`HostWorkers`] keeps each call,
//! its requests and the connections they use on one thread: the only
//! crossings left are handing the call over and handing its answer back.
//!
//! The workers share the engine, the compiled component and its
//! `InstancePre` (read-only, and the pooling allocator hands out slots to
//! every thread); each has its own connection pool, since a connection's
//! task lives on the runtime that opened it. Calls are handed out in turn
//! (round-robin): small actions cost about the same, and a long one (a
//! walk, an upload) does not keep its worker from starting others, which
//! are tasks on the same thread.

use std::future::Future;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::error::HostError;
use crate::host::ConnectorHost;

/// A call handed to a worker: what it runs with the worker's host.
type Job = Box<dyn FnOnce(ConnectorHost) -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// Worker threads, each running calls on its own single-threaded runtime
/// with its own [`ConnectorHost`] (the same component, engine and
/// configuration; its own connections).
///
/// ```no_run
/// # async fn demo(host: pinterest_connector_host::ConnectorHost) -> anyhow::Result<()> {
/// use pinterest_connector_host::{HostWorkers, types::Credentials};
///
/// let workers = HostWorkers::start(&host, HostWorkers::available_cores())?;
/// let credentials = Credentials::Sandbox("<sandbox token>".into());
/// let account = workers
///     .run(move |host| async move { host.verify_credentials(&credentials).await })
///     .await??;
/// # Ok(()) }
/// ```
///
/// Clones share the workers. Dropping the last lets each worker finish
/// the calls it holds, then stop; it does not wait for them.
#[derive(Clone)]
pub struct HostWorkers {
    queues: Arc<[mpsc::UnboundedSender<Job>]>,
    next: Arc<AtomicUsize>,
}

impl HostWorkers {
    /// One worker for each core the process may use (1 when unknown).
    pub fn available_cores() -> NonZeroUsize {
        std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
    }

    /// Starts `threads` workers running `host`'s component with its
    /// configuration, each with connections of its own.
    pub fn start(host: &ConnectorHost, threads: NonZeroUsize) -> Result<Self, HostError> {
        let hosts = (0..threads.get())
            .map(|_| host.with_own_connections())
            .collect::<Result<Vec<_>, _>>()?;
        Self::with_hosts(hosts)
    }

    /// Starts one worker for each of `hosts`, which runs its calls: for
    /// workers that should share nothing, not even the engine (hosts made
    /// with [`ConnectorHost::from_component`] on engines of their own).
    /// Fails with [`HostError::Workers`] when `hosts` is empty.
    pub fn with_hosts(hosts: Vec<ConnectorHost>) -> Result<Self, HostError> {
        if hosts.is_empty() {
            return Err(HostError::Workers(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "no host to run",
            )));
        }
        let mut queues = Vec::with_capacity(hosts.len());
        for (index, own) in hosts.into_iter().enumerate() {
            let (queue, jobs) = mpsc::unbounded_channel();
            let (started, outcome) = std::sync::mpsc::sync_channel(1);
            std::thread::Builder::new()
                .name(format!("pinterest-host-{index}"))
                .spawn(move || work(own, jobs, started))
                .map_err(HostError::Workers)?;
            outcome
                .recv()
                .unwrap_or_else(|_| Err(std::io::Error::other("the worker thread ended")))
                .map_err(HostError::Workers)?;
            queues.push(queue);
        }
        Ok(HostWorkers {
            queues: queues.into(),
            next: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// How many workers there are.
    pub fn threads(&self) -> usize {
        self.queues.len()
    }

    /// Runs `call` on the next worker, in turn, with that worker's host, and
    /// hands its answer back. `call` itself crosses to the worker; the
    /// future it makes stays there (it need not be `Send`). Dropping the
    /// returned future cancels the call on its worker, as dropping a
    /// [`ConnectorHost`] call does.
    ///
    /// Fails with [`HostError::WorkerStopped`] only if `call` panicked (the
    /// worker goes on with its other calls) or the worker thread ended.
    pub async fn run<T, F, Fut>(&self, call: F) -> Result<T, HostError>
    where
        F: FnOnce(ConnectorHost) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, HostError>> + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |host| {
            Box::pin(async move {
                let mut answer = answer;
                let call = call(host);
                tokio::pin!(call);
                let outcome = tokio::select! {
                    outcome = &mut call => outcome,
                    // The caller went away: stop the call here too.
                    () = answer.closed() => return,
                };
                let _ = answer.send(outcome);
            })
        });
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.queues.len();
        self.queues[index]
            .send(job)
            .map_err(|_| HostError::WorkerStopped)?;
        answered.await.map_err(|_| HostError::WorkerStopped)?
    }
}

/// A worker's life: a single-threaded runtime running each job as a task
/// of its own until the queue closes, then the tasks still running.
fn work(
    host: ConnectorHost,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    started: std::sync::mpsc::SyncSender<std::io::Result<()>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = started.send(Err(e));
            return;
        }
    };
    let _ = started.send(Ok(()));
    let tasks = tokio::task::LocalSet::new();
    tasks.block_on(&runtime, async {
        while let Some(job) = jobs.recv().await {
            tokio::task::spawn_local(job(host.clone()));
        }
    });
    // The queue closed: finish what was handed over.
    runtime.block_on(tasks);
}

// Tested through the built component: `tests/all/workers.rs`.
