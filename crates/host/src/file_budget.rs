//! A rate budget in a file shared by the processes of one machine (the
//! CLI's, beside its credentials file): [`FileBudget`].

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use pinterest_connector_core::budget::{Bucket, CategoryLimit, Permit, pause, reserve};

use crate::credential_store::{StoreError, StoreFuture};
use crate::rate_budget::BudgetStore;

/// An account's rate budget in one small JSON file: each category's two
/// instants (`{"org_read": [next_us, paused_until_us]}`), read, changed and
/// written back under the OS's advisory lock of the file itself (`flock`,
/// through `std::fs::File::lock`), so that the processes of a machine book
/// their permits one at a time. The state is soft: a file that cannot be
/// read as a budget (a write cut short) counts as empty, which at worst
/// lets one burst through, and is written afresh.
#[derive(Debug, Clone)]
pub struct FileBudget {
    path: PathBuf,
}

/// What the file holds.
type Buckets = BTreeMap<String, [u64; 2]>;

impl FileBudget {
    /// The budget in the file at `path` (made, 0600, when first booked).
    pub fn new(path: impl Into<PathBuf>) -> FileBudget {
        FileBudget { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `change` on `category`'s bucket under the file's lock, off the
    /// async threads (the lock may be waited for), writing it back.
    async fn with_bucket<T: Send + 'static>(
        &self,
        category: &str,
        change: impl FnOnce(&mut Bucket) -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        let (path, category) = (self.path.clone(), category.to_owned());
        let store = format!("file {}", self.path.display());
        let io = move |source: std::io::Error| StoreError::Io {
            store: store.clone(),
            source,
        };
        let io_join = io.clone();
        tokio::task::spawn_blocking(move || -> Result<T, StoreError> {
            let mut file = open(&path).map_err(io.clone())?;
            file.lock().map_err(io.clone())?;
            let mut text = String::new();
            file.read_to_string(&mut text).map_err(io.clone())?;
            let mut buckets: Buckets = serde_json::from_str(&text).unwrap_or_default();
            let [next_us, paused_until_us] = buckets.get(&category).copied().unwrap_or_default();
            let mut bucket = Bucket {
                next_us,
                paused_until_us,
            };
            let answer = change(&mut bucket);
            buckets.insert(category, [bucket.next_us, bucket.paused_until_us]);
            let json = serde_json::to_vec(&buckets).unwrap_or_default();
            file.set_len(0).map_err(io.clone())?;
            file.rewind().map_err(io.clone())?;
            file.write_all(&json).map_err(io)?;
            // The lock goes with the file.
            Ok(answer)
        })
        .await
        .map_err(|e| io_join(std::io::Error::other(e.to_string())))?
    }
}

/// The budget file, created 0600 when missing (its folder too).
fn open(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

impl BudgetStore for FileBudget {
    fn reserve<'a>(
        &'a self,
        category: &'a str,
        limit: CategoryLimit,
        now_us: u64,
        max_wait: Duration,
    ) -> StoreFuture<'a, Permit> {
        Box::pin(self.with_bucket(category, move |bucket| {
            reserve(bucket, limit, now_us, max_wait)
        }))
    }

    fn pause<'a>(&'a self, category: &'a str, until_us: u64) -> StoreFuture<'a, ()> {
        Box::pin(self.with_bucket(category, move |bucket| pause(bucket, until_us)))
    }
}
