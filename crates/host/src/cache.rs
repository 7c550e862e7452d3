//! Compiled components on disk, so that a process that starts often (the
//! CLI) compiles the component once rather than at every start.
//!
//! An entry is keyed by the SHA-256 of the component's bytes and by the
//! engine's compatibility hash (the wasmtime version and every setting that
//! changes the machine code), and stored with the SHA-256 of the compiled
//! bytes. Loading checks that digest before handing the bytes to wasmtime,
//! which checks its own header again: a truncated, corrupted or foreign
//! entry is recompiled and replaced, never run.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::error::HostError;

/// Where a component came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from a valid cache entry.
    Hit,
    /// Compiled, and stored for next time.
    Compiled,
    /// Compiled; the cache entry was invalid and has been replaced.
    Replaced,
}

/// A folder of compiled components.
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: PathBuf,
}

impl CompileCache {
    /// A cache in `dir` (created when first written).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        CompileCache { dir: dir.into() }
    }

    /// `$XDG_CACHE_HOME/pinterest-connector`, or `~/.cache/pinterest-connector`.
    pub fn default_dir() -> Option<PathBuf> {
        std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .map(|dir| dir.join("pinterest-connector"))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The compiled form of `wasm` for `engine`: from the cache when a valid
    /// entry is there, else compiled and stored (a failure to store is not
    /// an error: the component still runs). A folder someone else could
    /// write to is refused ([`HostError::UntrustedCache`]): its entries are
    /// native code this process would run.
    pub fn load(
        &self,
        engine: &Engine,
        wasm: &[u8],
    ) -> Result<(Component, CacheOutcome), HostError> {
        self.check_trusted()?;
        let path = self.entry_path(engine, wasm);
        let existed = path.exists();
        if let Some(component) = self.read(engine, &path) {
            return Ok((component, CacheOutcome::Hit));
        }
        let component = Component::new(engine, wasm).map_err(HostError::Load)?;
        if let Ok(compiled) = component.serialize() {
            // Best effort: a read-only or full disk only costs speed.
            let _ = self.write(&path, &compiled);
        }
        let outcome = if existed {
            CacheOutcome::Replaced
        } else {
            CacheOutcome::Compiled
        };
        Ok((component, outcome))
    }

    /// Refuses a folder (if it exists) that this user does not own or that
    /// its group or others may write to: anyone who can write there can
    /// plant machine code the next run executes. The digest beside each
    /// entry guards against corruption, not against a writer who recomputes
    /// it.
    #[cfg(unix)]
    pub fn check_trusted(&self) -> Result<(), HostError> {
        use std::os::unix::fs::MetadataExt;
        let metadata = match std::fs::metadata(&self.dir) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(self.untrusted(&format!("cannot be inspected ({e})")));
            }
        };
        if !metadata.is_dir() {
            // Nothing can be read from it, and writing fails: compiled
            // every time, as with a read-only disk.
            return Ok(());
        }
        if metadata.uid() != rustix::process::geteuid().as_raw() {
            return Err(self.untrusted("belongs to another user"));
        }
        if metadata.mode() & 0o022 != 0 {
            return Err(self.untrusted(&format!(
                "may be written by its group or others (mode {:o}); `chmod go-w` it",
                metadata.mode() & 0o777
            )));
        }
        Ok(())
    }

    /// Without Unix ownership and modes there is nothing to check here.
    #[cfg(not(unix))]
    pub fn check_trusted(&self) -> Result<(), HostError> {
        Ok(())
    }

    #[cfg(unix)]
    fn untrusted(&self, why: &str) -> HostError {
        HostError::UntrustedCache(format!(
            "the compile cache {} {why}: it holds native code that would be run",
            self.dir.display()
        ))
    }

    /// The entry for `wasm` compiled by `engine`.
    pub fn entry_path(&self, engine: &Engine, wasm: &[u8]) -> PathBuf {
        let mut compat = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut compat);
        let name = format!(
            "{}-{:016x}.cwasm",
            hex(&Sha256::digest(wasm)),
            compat.finish()
        );
        self.dir.join(name)
    }

    /// A valid entry's component, or `None`.
    #[expect(
        unsafe_code,
        reason = "wasmtime's deserialize trusts its bytes: only this cache's own, digest-checked"
    )]
    fn read(&self, engine: &Engine, path: &Path) -> Option<Component> {
        let bytes = std::fs::read(path).ok()?;
        let (digest, compiled) = split_entry(&bytes)?;
        if digest != Sha256::digest(compiled).as_slice() {
            return None;
        }
        // SAFETY: `deserialize` requires bytes produced by
        // `Component::serialize` for a compatible engine. These are exactly
        // the bytes this cache wrote (their SHA-256, written beside them,
        // matches), and wasmtime itself rejects those of another version or
        // configuration.
        unsafe { Component::deserialize(engine, compiled) }.ok()
    }

    /// Writes an entry atomically: digest, then compiled bytes, in a
    /// temporary file renamed into place.
    fn write(&self, path: &Path, compiled: &[u8]) -> std::io::Result<()> {
        let mut folder = std::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        {
            // Made private: only this user may plant code here.
            use std::os::unix::fs::DirBuilderExt;
            folder.mode(0o700);
        }
        folder.create(&self.dir)?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        file.write_all(Sha256::digest(compiled).as_slice())?;
        file.write_all(compiled)?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// An entry's SHA-256 and compiled bytes.
fn split_entry(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    (bytes.len() > 32).then(|| bytes.split_at(32))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
