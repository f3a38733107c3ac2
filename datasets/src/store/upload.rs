//! A file written whole or not at all ([`Upload`]): on a local disk under a temporary sibling
//! name, renamed when finished; on an object store as a single PUT when small, else as a
//! multipart upload sent a part at a time while the writer goes on, which publishes the object
//! only when completed. Either way nothing is visible under the file's name until
//! [`Upload::finish`], and an upload dropped unfinished (an error, a panic) removes its
//! temporary or aborts its parts. A killed process leaves a hidden temporary file (removed by
//! the next writer of the dataset) or an incomplete multipart upload, which is never an object
//! and which a bucket's lifecycle rule for incomplete uploads clears.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt, PutPayload};
use tokio::task::JoinHandle;

use super::Location;
use super::client::block_on;
use super::object::{ObjectPlace, PART_BYTES};
use crate::atomic;
use crate::error::{IoContext, Result};

/// The write buffer of a local file.
pub(super) const LOCAL_BUFFER_BYTES: usize = 1 << 20;

/// A file being written; see the module's documentation.
pub struct Upload {
    target: Location,
    sink: Option<Sink>,
}

enum Sink {
    Local {
        tmp: PathBuf,
        file: BufWriter<File>,
    },
    Object {
        place: ObjectPlace,
        store: Arc<dyn ObjectStore>,
        buffer: Vec<u8>,
        multipart: Option<Box<dyn MultipartUpload>>,
        /// The part being sent while the next one fills.
        sending: Option<JoinHandle<object_store::Result<()>>>,
    },
}

impl Upload {
    pub(super) fn start(target: &Location) -> Result<Upload> {
        let sink = match target {
            Location::Local(path) => {
                let tmp = atomic::tmp_sibling(path);
                let file = File::create(&tmp).at(&tmp)?;
                Sink::Local {
                    tmp,
                    file: BufWriter::with_capacity(LOCAL_BUFFER_BYTES, file),
                }
            }
            Location::Object(place) => Sink::Object {
                place: place.clone(),
                store: place.store()?,
                buffer: Vec::new(),
                multipart: None,
                sending: None,
            },
        };
        Ok(Upload {
            target: target.clone(),
            sink: Some(sink),
        })
    }

    pub fn target(&self) -> &Location {
        &self.target
    }

    /// Publishes the file under its name, whole.
    pub fn finish(mut self) -> Result<()> {
        let sink = self.sink.take().expect("an upload is finished once");
        match sink {
            Sink::Local { tmp, mut file } => {
                file.flush().at(&tmp)?;
                drop(file);
                let path = self
                    .target
                    .as_local()
                    .expect("a local sink writes a local file");
                atomic::publish(&tmp, path)
            }
            Sink::Object {
                place,
                store,
                buffer,
                multipart: None,
                ..
            } => block_on(store.put(&place.key_path(), PutPayload::from(buffer)))
                .map(|_| ())
                .map_err(|e| place.error(e)),
            Sink::Object {
                place,
                buffer,
                multipart: Some(mut multipart),
                sending,
                ..
            } => {
                let completed = block_on(async {
                    if let Some(part) = sending {
                        part.await??;
                    }
                    if !buffer.is_empty() {
                        multipart.put_part(PutPayload::from(buffer)).await?;
                    }
                    multipart.complete().await.map(|_| ())
                });
                if completed.is_err() {
                    let _ = block_on(multipart.abort());
                }
                completed.map_err(|e| place.error(e))
            }
        }
    }
}

impl Write for Upload {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self.sink.as_mut().expect("writes before finish") {
            Sink::Local { file, .. } => file.write(bytes),
            Sink::Object {
                place,
                store,
                buffer,
                multipart,
                sending,
            } => {
                let take = bytes.len().min(PART_BYTES - buffer.len());
                buffer.extend_from_slice(&bytes[..take]);
                if buffer.len() == PART_BYTES {
                    let part = PutPayload::from(std::mem::take(buffer));
                    block_on(async {
                        if multipart.is_none() {
                            *multipart = Some(store.put_multipart(&place.key_path()).await?);
                        }
                        // One part in flight: wait for the one before, then send this one.
                        if let Some(previous) = sending.take() {
                            previous.await??;
                        }
                        let upload = multipart.as_mut().expect("started above");
                        *sending = Some(tokio::spawn(upload.put_part(part)));
                        Ok::<_, object_store::Error>(())
                    })
                    .map_err(|e| std::io::Error::other(place.error(e)))?;
                }
                Ok(take)
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.sink.as_mut() {
            Some(Sink::Local { file, .. }) => file.flush(),
            _ => Ok(()),
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        match self.sink.take() {
            Some(Sink::Local { tmp, file }) => {
                drop(file);
                let _ = std::fs::remove_file(tmp);
            }
            Some(Sink::Object {
                multipart: Some(mut multipart),
                sending,
                ..
            }) => {
                let _ = block_on(async {
                    if let Some(part) = sending {
                        let _ = part.await;
                    }
                    multipart.abort().await
                });
            }
            _ => {}
        }
    }
}
