//! The object-storage seam itself (`datasets::store`), against the real S3-compatible server
//! the test starts: a conditional create writes once, a lease admits one holder and is taken
//! over once expired, a large file uploads in parts and appears whole or not at all. One test,
//! as it points this process's environment at its server.

mod common;

use std::io::Write;

use common::s3::S3Server;
use datasets::lock::{DirLock, LEASE_NAME};
use datasets::{Error, Location, OutputConflict};

#[test]
fn conditional_creates_leases_and_uploads_hold_on_a_real_server() {
    let Some(server) = S3Server::start() else {
        return;
    };
    server.create_bucket("seam");
    for (key, value) in server.env() {
        // SAFETY: the only test of this binary sets the variables before the store (or any
        // thread of this test) reads them.
        unsafe { std::env::set_var(key, value) };
    }
    let root = Location::parse("s3://seam/prefix").unwrap();

    // Put-if-absent: of two writers of one record, exactly one writes.
    let record = root.join("tasks/00001.done");
    assert!(record.put_if_absent(b"first").unwrap());
    assert!(!record.put_if_absent(b"second").unwrap());
    assert_eq!(record.read().unwrap().unwrap(), b"first");
    assert_eq!(root.entries().unwrap(), ["tasks"]);
    assert_eq!(root.join("tasks").entries().unwrap(), ["00001.done"]);

    // A lease: one holder; free again when dropped; taken over once expired.
    let dir = root.join("dataset");
    let first = DirLock::take(&dir).unwrap();
    let busy = DirLock::take(&dir).err().unwrap();
    assert!(
        matches!(
            busy,
            Error::OutputInUse {
                conflict: OutputConflict::Busy,
                ..
            }
        ),
        "{busy}"
    );
    drop(first);
    assert!(!dir.join(LEASE_NAME).is_file().unwrap());
    let expired = br#"{"holder":"a dead process","expires_ms":1}"#;
    dir.join(LEASE_NAME).put(expired).unwrap();
    let taken = DirLock::take(&dir).unwrap();
    assert!(DirLock::take(&dir).is_err());
    drop(taken);

    // An upload of three parts appears whole at finish, not before; one dropped unfinished
    // leaves nothing.
    let bytes: Vec<u8> = (0..12u32 << 20)
        .map(|i| (i * 2_654_435_761) as u8)
        .collect();
    let shard = root.join("data/train-00000-of-00001.parquet");
    let mut upload = shard.create().unwrap();
    upload.write_all(&bytes).unwrap();
    assert!(server.uploads_in_progress("seam", "prefix/"));
    assert!(!shard.is_file().unwrap());
    upload.finish().unwrap();
    let (hash, len) = shard.hash().unwrap();
    assert_eq!(
        (hash, len),
        (
            blake3::hash(&bytes).to_hex().to_string(),
            bytes.len() as u64
        )
    );
    let unfinished = root.join("data/unfinished.parquet");
    let mut upload = unfinished.create().unwrap();
    upload.write_all(&bytes).unwrap();
    drop(upload);
    assert!(!unfinished.is_file().unwrap());
    assert!(!server.uploads_in_progress("seam", "prefix/"));

    // Moving a prefix and removing it.
    root.join("data").move_to(&root.join("moved")).unwrap();
    assert!(!shard.is_file().unwrap());
    assert_eq!(
        root.join("moved").entries().unwrap(),
        ["train-00000-of-00001.parquet"]
    );
    root.remove_all().unwrap();
    assert!(root.entries().unwrap().is_empty());
}
