//! An optional, bounded local cache of the byte ranges read from object stores: a reader that
//! visits a row group again (a training epoch streamed window by window, the next epoch) reads
//! it from the local disk instead of the network. Off unless `SYNMIX_CACHE_DIR` names a
//! directory; at most `SYNMIX_CACHE_MIB` MiB (default 1024), the least recently used ranges
//! removed first. A range is keyed by its object's URL, ETag and bytes, so a replaced object
//! is never served from the cache; entries are written whole (temporary, then rename), so
//! processes may share one directory.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

/// The cache's directory and bound, read once from the environment.
struct Cache {
    dir: PathBuf,
    bound: u64,
    /// Bytes added since the directory was last trimmed.
    added: AtomicU64,
}

fn cache() -> Option<&'static Cache> {
    static CACHE: OnceLock<Option<Cache>> = OnceLock::new();
    CACHE
        .get_or_init(|| {
            let dir = PathBuf::from(std::env::var_os("SYNMIX_CACHE_DIR")?);
            let mib = std::env::var("SYNMIX_CACHE_MIB")
                .ok()
                .and_then(|m| m.parse::<u64>().ok())
                .unwrap_or(1024);
            std::fs::create_dir_all(&dir).ok()?;
            Some(Cache {
                dir,
                bound: mib << 20,
                added: AtomicU64::new(0),
            })
        })
        .as_ref()
}

/// The cached bytes of `what` (an object's URL, ETag and range), or `fetch`'s, kept for the
/// next reader. Without a cache, or an ETag to key on, `fetch` alone.
pub(crate) fn get_or_fetch<E>(
    what: Option<String>,
    fetch: impl FnOnce() -> Result<Bytes, E>,
) -> Result<Bytes, E> {
    let (Some(cache), Some(what)) = (cache(), what) else {
        return fetch();
    };
    let path = cache
        .dir
        .join(blake3::hash(what.as_bytes()).to_hex().as_str());
    if let Ok(bytes) = std::fs::read(&path) {
        // Touched, so the least recently used ranges go first.
        let _ = std::fs::File::options()
            .append(true)
            .open(&path)
            .and_then(|f| f.set_modified(std::time::SystemTime::now()));
        return Ok(Bytes::from(bytes));
    }
    let bytes = fetch()?;
    // A cache that cannot be written is no cache: the bytes are read all the same.
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    if std::fs::write(&tmp, &bytes).is_ok() && std::fs::rename(&tmp, &path).is_ok() {
        let added = cache.added.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        if added + bytes.len() as u64 > cache.bound / 8 {
            cache.added.store(0, Ordering::SeqCst);
            trim(&cache.dir, cache.bound);
        }
    } else {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(bytes)
}

/// Removes the least recently used entries of `dir` until it holds at most `bound` bytes.
fn trim(dir: &Path, bound: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len(), e.path()))
        })
        .collect();
    let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= bound {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}
