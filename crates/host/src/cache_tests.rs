use super::*;

fn engine() -> Engine {
    crate::ConnectorHost::default_engine().unwrap()
}

/// `(component)` in the binary format (the host is built without WAT).
const EMPTY: &[u8] = b"\0asm\x0d\x00\x01\x00";
/// `(component (core module))`: a core module section (id 1, 8 bytes)
/// holding an empty module.
const OTHER: &[u8] = b"\0asm\x0d\x00\x01\x00\x01\x08\0asm\x01\x00\x00\x00";

#[test]
fn a_miss_compiles_and_stores_then_hits() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CompileCache::new(dir.path().join("cache"));
    let engine = engine();
    let (_, outcome) = cache.load(&engine, EMPTY).unwrap();
    assert_eq!(outcome, CacheOutcome::Compiled);
    assert!(cache.entry_path(&engine, EMPTY).exists());
    let (_, outcome) = cache.load(&engine, EMPTY).unwrap();
    assert_eq!(outcome, CacheOutcome::Hit);
    assert_ne!(
        cache.entry_path(&engine, EMPTY),
        cache.entry_path(&engine, OTHER),
        "keyed by the component's bytes"
    );
}

#[test]
fn a_corrupted_or_truncated_entry_is_recompiled_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CompileCache::new(dir.path());
    let engine = engine();
    cache.load(&engine, OTHER).unwrap();
    let path = cache.entry_path(&engine, OTHER);

    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        cache.load(&engine, OTHER).unwrap().1,
        CacheOutcome::Replaced
    );
    assert_eq!(cache.load(&engine, OTHER).unwrap().1, CacheOutcome::Hit);

    std::fs::write(&path, b"short").unwrap();
    assert_eq!(
        cache.load(&engine, OTHER).unwrap().1,
        CacheOutcome::Replaced
    );
    assert_eq!(cache.load(&engine, OTHER).unwrap().1, CacheOutcome::Hit);
}

#[test]
fn an_entry_for_another_engine_configuration_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CompileCache::new(dir.path());
    let plain = Engine::default();
    cache.load(&plain, EMPTY).unwrap();
    // Epoch interruption changes the machine code: another key.
    let epoch = engine();
    assert_ne!(
        cache.entry_path(&plain, EMPTY),
        cache.entry_path(&epoch, EMPTY)
    );
    // Even planted under the right name, a foreign entry is refused.
    std::fs::copy(
        cache.entry_path(&plain, EMPTY),
        cache.entry_path(&epoch, EMPTY),
    )
    .unwrap();
    assert_eq!(cache.load(&epoch, EMPTY).unwrap().1, CacheOutcome::Replaced);
}

#[test]
fn a_cache_that_cannot_be_written_still_compiles() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"").unwrap();
    let cache = CompileCache::new(&blocker);
    assert_eq!(
        cache.load(&engine(), EMPTY).unwrap().1,
        CacheOutcome::Compiled
    );
}

#[cfg(unix)]
#[test]
fn a_folder_others_may_write_to_is_refused_and_a_new_one_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();

    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    for mode in [0o777, 0o775, 0o757] {
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(mode)).unwrap();
        match CompileCache::new(&shared).load(&engine, EMPTY) {
            Err(HostError::UntrustedCache(why)) => {
                assert!(why.contains("written by its group or others"), "{why}")
            }
            other => panic!("mode {mode:o} was trusted: {:?}", other.map(|(_, o)| o)),
        }
    }
    assert_eq!(
        std::fs::read_dir(&shared).unwrap().count(),
        0,
        "nothing written"
    );

    let fresh = CompileCache::new(dir.path().join("new/cache"));
    let (_, outcome) = fresh.load(&engine, EMPTY).unwrap();
    assert_eq!(outcome, CacheOutcome::Compiled);
    let mode = std::fs::metadata(fresh.dir()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert_eq!(fresh.load(&engine, EMPTY).unwrap().1, CacheOutcome::Hit);
}
