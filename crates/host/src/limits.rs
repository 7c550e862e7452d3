//! What one call may consume: wall-clock time and linear memory.
//!
//! Time is bounded twice: an epoch deadline traps a guest that keeps the CPU
//! (the engine's epoch advances every [`EPOCH_TICK`] on a background
//! thread), and a timer drops a call that waits on I/O for too long. Memory
//! is bounded by a [`wasmtime::ResourceLimiter`] that refuses to grow a
//! linear memory past the limit and remembers that it did, so that the trap
//! that follows is reported as what it is.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use wasmtime::{Engine, EngineWeak, ResourceLimiter};

/// How often the engine's epoch advances.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Limits applied to every call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// The longest one call (or one page of a walk) may take.
    pub deadline: Duration,
    /// The most linear memory one instance may have, in bytes.
    pub max_memory_bytes: usize,
}

impl Default for CallLimits {
    /// Five minutes (room for the retries and timeouts of a struggling
    /// call), 128 MiB of memory.
    fn default() -> Self {
        CallLimits {
            deadline: Duration::from_secs(300),
            max_memory_bytes: 128 * 1024 * 1024,
        }
    }
}

impl CallLimits {
    /// The deadline in epoch ticks, at least one.
    pub(crate) fn deadline_ticks(&self) -> u64 {
        let ticks = self.deadline.as_nanos() / EPOCH_TICK.as_nanos();
        u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
    }
}

/// Refuses memory growth past a limit and remembers having done so, and
/// the largest size it allowed.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    max_bytes: usize,
    refused: bool,
    peak_bytes: usize,
}

impl MemoryLimiter {
    pub(crate) fn new(max_bytes: usize) -> Self {
        MemoryLimiter {
            max_bytes,
            refused: false,
            peak_bytes: 0,
        }
    }

    /// Whether a growth was refused.
    pub(crate) fn refused(&self) -> bool {
        self.refused
    }

    /// The largest linear memory allowed so far, in bytes (memories start
    /// at their initial size through the same check).
    pub(crate) fn peak_bytes(&self) -> usize {
        self.peak_bytes
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.refused = true;
            return Ok(false);
        }
        self.peak_bytes = self.peak_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Advances the epoch of every registered engine every [`EPOCH_TICK`], on
/// one background thread for the whole process; an engine leaves the list
/// when it is dropped.
pub(crate) fn tick_epochs_of(engine: &Engine) -> std::io::Result<()> {
    static ENGINES: Mutex<Vec<EngineWeak>> = Mutex::new(Vec::new());
    static TICKER: OnceLock<std::io::Result<()>> = OnceLock::new();
    {
        let mut engines = ENGINES.lock().unwrap_or_else(|e| e.into_inner());
        engines.retain(|weak| weak.upgrade().is_some());
        let known = engines
            .iter()
            .filter_map(EngineWeak::upgrade)
            .any(|e| Engine::same(&e, engine));
        if !known {
            engines.push(engine.weak());
        }
    }
    let started = TICKER.get_or_init(|| {
        std::thread::Builder::new()
            .name("wasm-epoch".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(EPOCH_TICK);
                    let engines = ENGINES.lock().unwrap_or_else(|e| e.into_inner());
                    for engine in engines.iter().filter_map(EngineWeak::upgrade) {
                        engine.increment_epoch();
                    }
                }
            })
            .map(|_| ())
    });
    match started {
        Ok(()) => Ok(()),
        Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
    }
}
