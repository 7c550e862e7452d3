//! Credentials in a file shared by the processes of one machine (the CLI's
//! credentials file): [`FileStore`].

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::credential_store::{
    CredentialStore, LeaseOwner, SaveOutcome, StoreError, StoreFuture, StoredCredentials,
    StoredRecord,
};
use crate::credentials::Credentials;

/// One account's credentials in a file shared by the processes of one
/// machine (the CLI's credentials file).
///
/// The file holds one account's credentials as JSON (the CLI's credentials
/// file format, with the store's `generation` and `refresh_refused`), readable by its owner alone, and is only ever
/// replaced whole: a new file in the same folder, created 0600, synced,
/// then renamed over the old one, so a reader sees the old file or the new
/// one, never a part. Two lock files beside it, taken with the OS's
/// advisory file lock (`flock` on Unix, `LockFileEx` on Windows, through
/// `std::fs::File::lock`):
///
/// - `<file>.lock`, held for a save's read-compare-write, a few
///   milliseconds: the compare-and-set;
/// - `<file>.lease`, the refresh lease, held while a caller refreshes.
///
/// The OS releases a lock when its holder exits, however it exits, so a
/// process killed mid-refresh frees the lease at once: the time to live of
/// [`CredentialStore::try_lease`] is not needed here and is not used.
/// Python's `fcntl.flock` takes the same locks, so the Python package's
/// file store and the CLI share a file safely.
pub struct FileStore {
    path: PathBuf,
    /// The lease file this store holds open (and locked) while it holds
    /// the lease, with the owner it was taken for.
    lease: Mutex<Option<(LeaseOwner, File)>>,
}

impl FileStore {
    /// The store of the credentials file at `path` (it need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore {
            path: path.into(),
            lease: Mutex::new(None),
        }
    }

    /// The credentials file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `<file><suffix>`, beside the file.
    fn beside(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    }

    fn io(&self, source: std::io::Error) -> StoreError {
        io_error(&self.path, source)
    }
}

fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        store: describe(path),
        source,
    }
}

fn describe(path: &Path) -> String {
    format!("file {}", path.display())
}

/// Reads the credentials file: `None` when there is none.
fn read(path: &Path) -> Result<Option<StoredCredentials>, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, e)),
    };
    StoredRecord::parse(&bytes)
        .map(|record| Some(record.into_stored()))
        .map_err(|reason| StoreError::Corrupt {
            store: describe(path),
            reason,
        })
}

/// The compare-and-set, under `lock_path`: blocking (it waits for the
/// lock), so run off the async threads.
fn save_blocking(
    path: &Path,
    lock_path: &Path,
    expected: u64,
    credentials: &Credentials,
    refresh_refused: bool,
) -> Result<SaveOutcome, StoreError> {
    let lock = open_lock_file(lock_path).map_err(|e| io_error(path, e))?;
    lock.lock().map_err(|e| io_error(path, e))?;
    let current = read(path)?.map_or(0, |s| s.generation);
    if current != expected {
        return Ok(SaveOutcome::Conflict(current));
    }
    let record = StoredRecord::new(credentials, current + 1, refresh_refused);
    write_private(path, &record.to_json()).map_err(|e| io_error(path, e))?;
    // The lock goes with `lock`, after the rename.
    Ok(SaveOutcome::Saved(current + 1))
}

impl CredentialStore for FileStore {
    fn load(&self) -> StoreFuture<'_, Option<StoredCredentials>> {
        // A whole small file read: renames make it atomic, no lock needed.
        Box::pin(async move { read(&self.path) })
    }

    fn save<'a>(
        &'a self,
        expected: u64,
        credentials: &'a Credentials,
        refresh_refused: bool,
    ) -> StoreFuture<'a, SaveOutcome> {
        Box::pin(async move {
            let (path, lock_path) = (self.path.clone(), self.beside(".lock"));
            let credentials = credentials.clone();
            tokio::task::spawn_blocking(move || {
                save_blocking(&path, &lock_path, expected, &credentials, refresh_refused)
            })
            .await
            .map_err(|e| self.io(std::io::Error::other(e.to_string())))?
        })
    }

    fn try_lease<'a>(&'a self, owner: &'a LeaseOwner, _ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut held = self.lease.lock().unwrap_or_else(|e| e.into_inner());
            if held.is_some() {
                return Ok(false);
            }
            let file = open_lock_file(&self.beside(".lease")).map_err(|e| self.io(e))?;
            match file.try_lock() {
                Ok(()) => {
                    *held = Some((owner.clone(), file));
                    Ok(true)
                }
                Err(std::fs::TryLockError::WouldBlock) => Ok(false),
                Err(std::fs::TryLockError::Error(e)) => Err(self.io(e)),
            }
        })
    }

    fn release<'a>(&'a self, owner: &'a LeaseOwner) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut held = self.lease.lock().unwrap_or_else(|e| e.into_inner());
            if held.as_ref().is_some_and(|(o, _)| o == owner) {
                // Closing the file releases the lock.
                *held = None;
            }
            Ok(())
        })
    }

    fn describe(&self) -> String {
        describe(&self.path)
    }
}

/// A lock file beside the credentials, created 0600 when missing (its
/// folder too). Its contents are never read.
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes `bytes` to `path` atomically, readable by the owner alone: a new
/// file in the same folder (created 0600) renamed over the old one, so a
/// reader sees the old file or the new one, never a part.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pinterest-connector-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut file = builder.tempfile_in(&dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
