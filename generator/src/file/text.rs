//! A preset's two files as text, bounded: read from disk no further than their limits, and the
//! same limits checked on text a manifest recorded. The shader check's time grows faster than
//! the text (a WGSL file of 10,000 statements took 12 s, of 8,000 half that), so an unbounded
//! file would be a hang rather than an error.

use std::io::Read;
use std::path::Path;

/// The largest preset TOML: 65,536 long class names fit many times over.
pub const MAX_TOML_BYTES: usize = 8 << 20;

/// The largest preset WGSL: many times any preset's (the built-ins' are a few KiB), and checked
/// in well under a second.
pub const MAX_WGSL_BYTES: usize = 256 << 10;

/// The text of the file at `path`, read no further than one byte past `limit`; the error says
/// why it cannot be used.
pub(super) fn read(path: &Path, limit: usize) -> Result<String, String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot be read ({e})"))?;
    within(bytes.len(), limit)?;
    String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_string())
}

/// Refuses `len` bytes of a file whose limit is `limit`.
pub(super) fn within(len: usize, limit: usize) -> Result<(), String> {
    if len > limit {
        return Err(format!(
            "is over {} KiB; a preset's file may hold at most {} KiB",
            limit >> 10,
            limit >> 10
        ));
    }
    Ok(())
}
