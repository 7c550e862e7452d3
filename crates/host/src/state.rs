//! What each [`Store`](wasmtime::Store) holds: WASI and `wasi:http` state
//! and the network policy's hooks.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::credential_store::StoreError;
use crate::limits::MemoryLimiter;
use crate::policy::{NetworkPolicy, PolicyHooks, Reach, UploadProgress};
use crate::pool::ConnectionPool;
use crate::refresh::RefreshGate;

/// The per-call state of one component instance.
pub(crate) struct StoreState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: PolicyHooks,
    pub(crate) memory: MemoryLimiter,
}

impl StoreState {
    /// Fresh state: no environment, arguments, files or stdio for the guest,
    /// outgoing requests filtered by `policy` for an action of `reach` and
    /// sent through `pool` (a new connection each without one), linear
    /// memory capped at `max_memory_bytes`.
    pub(crate) fn new(
        policy: Arc<NetworkPolicy>,
        reach: Reach,
        pool: Option<Arc<ConnectionPool>>,
        max_memory_bytes: usize,
    ) -> Self {
        StoreState {
            table: ResourceTable::new(),
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            hooks: PolicyHooks::new(policy, reach, pool),
            memory: MemoryLimiter::new(max_memory_bytes),
        }
    }
}

impl StoreState {
    /// Hands the call's refresh requests to `gate`.
    pub(crate) fn share_refreshes(&mut self, gate: Arc<RefreshGate>) {
        self.hooks.share_refreshes(gate);
    }

    /// Books the call's API requests in `budget`.
    pub(crate) fn budget_requests(&mut self, budget: Arc<crate::rate_budget::RateBudget>) {
        self.hooks.budget_requests(budget);
    }

    /// The credential store's failure during the call, if any.
    pub(crate) fn take_store_failure(&self) -> Option<StoreError> {
        self.hooks.take_store_failure()
    }

    /// Tells `progress` how each upload to S3 goes.
    pub(crate) fn report_uploads(&mut self, progress: UploadProgress) {
        self.hooks.report_uploads(progress);
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
