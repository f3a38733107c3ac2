//! A place in an object store (`s3://bucket/key`, `gs://…`, `az://…`) and the operations the
//! format needs there — reads by range, lists, puts (conditional too), deletes, moves — each one
//! request or a few, through the bucket's store ([`super::client`]).

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};

use super::client::{Scheme, block_on, classify, connect};
use crate::error::{Error, Result};

/// A key or prefix in a bucket: `s3://bucket/key`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectPlace {
    scheme: Scheme,
    bucket: String,
    /// `/`-separated, no empty part, no leading or trailing `/`; empty for the bucket itself.
    key: String,
}

/// Parts of an upload: S3's smallest part but the last. One part is buffered while the one
/// before it is sent, so an upload holds at most two.
pub(super) const PART_BYTES: usize = 5 << 20;

impl ObjectPlace {
    /// `text` is `scheme://rest`, already split.
    pub(super) fn parse(text: &str, scheme: &str, rest: &str) -> Result<ObjectPlace> {
        let scheme = match scheme {
            "s3" | "s3a" => Scheme::S3,
            "gs" => Scheme::Gcs,
            "az" => Scheme::Azure,
            other => {
                return Err(Error::usage(format!(
                    "{text}: unknown scheme '{other}'; use s3://, gs://, az://, file:// or a local path"
                )));
            }
        };
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::usage(format!(
                "{text}: names no bucket (write {}://BUCKET/PREFIX)",
                scheme.as_str()
            )));
        }
        let key = key.trim_end_matches('/');
        for part in key.split('/').filter(|_| !key.is_empty()) {
            let why = match part {
                "" => "has an empty part ('//')",
                "." | ".." => "has '.' or '..' as a part",
                _ => continue,
            };
            return Err(Error::usage(format!("{text}: {why}")));
        }
        Ok(ObjectPlace {
            scheme,
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }

    pub fn join(&self, relative: &str) -> ObjectPlace {
        let relative = relative.trim_matches('/');
        let key = match (self.key.is_empty(), relative.is_empty()) {
            (_, true) => self.key.clone(),
            (true, false) => relative.to_string(),
            (false, false) => format!("{}/{relative}", self.key),
        };
        ObjectPlace {
            key,
            ..self.clone()
        }
    }

    pub(super) fn name(&self) -> &str {
        match self.key.rsplit_once('/') {
            Some((_, name)) => name,
            None if self.key.is_empty() => &self.bucket,
            None => &self.key,
        }
    }

    pub(super) fn sibling(&self, name: &str) -> ObjectPlace {
        let parent = self.key.rsplit_once('/').map_or("", |(parent, _)| parent);
        ObjectPlace {
            key: parent.to_string(),
            ..self.clone()
        }
        .join(name)
    }

    fn object_key(&self) -> Key {
        Key::from_iter(self.key.split('/').filter(|p| !p.is_empty()))
    }

    /// The key as a prefix of listings: `None` for the whole bucket.
    fn prefix(&self) -> Option<Key> {
        (!self.key.is_empty()).then(|| self.object_key())
    }

    /// An error at this place, in one line.
    pub(super) fn error(&self, error: object_store::Error) -> Error {
        Error::Store {
            url: self.to_string(),
            problem: classify(error),
        }
    }

    pub(super) fn store(&self) -> Result<Arc<dyn ObjectStore>> {
        connect(self.scheme, &self.bucket)
    }

    pub(super) fn read(&self) -> Result<Option<Vec<u8>>> {
        let store = self.store()?;
        let key = self.object_key();
        block_on(async {
            match store.get(&key).await {
                Ok(got) => got.bytes().await.map(|b| Some(b.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .map_err(|e| self.error(e))
    }

    pub(super) fn exists(&self) -> Result<bool> {
        let store = self.store()?;
        match block_on(store.head(&self.object_key())) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.error(e)),
        }
    }

    pub(super) fn entries(&self) -> Result<Vec<String>> {
        let store = self.store()?;
        let listed = block_on(store.list_with_delimiter(self.prefix().as_ref()))
            .map_err(|e| self.error(e))?;
        let mut names: Vec<String> = listed
            .common_prefixes
            .iter()
            .chain(listed.objects.iter().map(|o| &o.location))
            .filter_map(|key| key.filename().map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    pub(super) fn put(&self, bytes: &[u8]) -> Result<()> {
        let store = self.store()?;
        let payload = PutPayload::from(bytes.to_vec());
        block_on(store.put(&self.object_key(), payload))
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    pub(super) fn put_if_absent(&self, bytes: &[u8]) -> Result<bool> {
        Ok(self.create_tagged(bytes)?.is_some())
    }

    /// Creates the object with `bytes` if absent; its ETag, or `None` where it exists.
    pub(super) fn create_tagged(&self, bytes: &[u8]) -> Result<Option<Option<String>>> {
        self.put_conditional(bytes, PutMode::Create)
    }

    /// Replaces the object with `bytes` if it still has the ETag `tag`; the new ETag, or
    /// `None` where another writer changed it first.
    pub(super) fn replace_tagged(
        &self,
        bytes: &[u8],
        tag: Option<&str>,
    ) -> Result<Option<Option<String>>> {
        let version = object_store::UpdateVersion {
            e_tag: tag.map(str::to_string),
            version: None,
        };
        self.put_conditional(bytes, PutMode::Update(version))
    }

    fn put_conditional(&self, bytes: &[u8], mode: PutMode) -> Result<Option<Option<String>>> {
        let store = self.store()?;
        let options = PutOptions {
            mode,
            ..Default::default()
        };
        let payload = PutPayload::from(bytes.to_vec());
        match block_on(store.put_opts(&self.object_key(), payload, options)) {
            Ok(put) => Ok(Some(put.e_tag)),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// The object's bytes and ETag, or `None` where there is none.
    pub(super) fn read_tagged(&self) -> Result<Option<(Vec<u8>, Option<String>)>> {
        let store = self.store()?;
        let key = self.object_key();
        block_on(async {
            match store.get(&key).await {
                Ok(got) => {
                    let tag = got.meta.e_tag.clone();
                    got.bytes().await.map(|b| Some((b.to_vec(), tag)))
                }
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .map_err(|e| self.error(e))
    }

    pub(super) fn remove(&self) -> Result<()> {
        let store = self.store()?;
        match block_on(store.delete(&self.object_key())) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Every object under the prefix, and one at the key itself.
    fn keys_under(&self, store: &Arc<dyn ObjectStore>) -> Result<Vec<Key>> {
        let mut keys: Vec<Key> = block_on(
            store
                .list(self.prefix().as_ref())
                .map_ok(|meta| meta.location)
                .try_collect(),
        )
        .map_err(|e| self.error(e))?;
        keys.sort();
        Ok(keys)
    }

    /// Every object under this prefix: its path below the prefix (`/`-separated) and its size.
    pub(super) fn files(&self) -> Result<Vec<(String, u64)>> {
        let store = self.store()?;
        let prefix = self.object_key();
        let mut files: Vec<(String, u64)> = block_on(
            store
                .list(self.prefix().as_ref())
                .map_ok(|meta| {
                    let relative: Vec<String> = meta
                        .location
                        .prefix_match(&prefix)
                        .map(|parts| parts.map(|p| p.as_ref().to_string()).collect())
                        .unwrap_or_default();
                    (relative.join("/"), meta.size)
                })
                .try_collect(),
        )
        .map_err(|e| self.error(e))?;
        files.retain(|(relative, _)| !relative.is_empty());
        files.sort();
        Ok(files)
    }

    /// Whether `other` is this place or lies under it.
    pub(super) fn contains(&self, other: &ObjectPlace) -> bool {
        self.scheme == other.scheme
            && self.bucket == other.bucket
            && (self.key.is_empty()
                || other.key == self.key
                || other.key.starts_with(&format!("{}/", self.key)))
    }

    pub(super) fn remove_all(&self) -> Result<()> {
        let store = self.store()?;
        for key in self.keys_under(&store)? {
            match block_on(store.delete(&key)) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.error(e)),
            }
        }
        self.remove()
    }

    pub(super) fn move_to(&self, to: &ObjectPlace) -> Result<()> {
        let store = self.store()?;
        let from_key = self.object_key();
        let mut moves: Vec<(Key, Key)> = Vec::new();
        if self.exists()? {
            moves.push((from_key.clone(), to.object_key()));
        }
        for key in self.keys_under(&store)? {
            let relative: Vec<String> = key
                .prefix_match(&from_key)
                .map(|parts| parts.map(|p| p.as_ref().to_string()).collect())
                .unwrap_or_default();
            moves.push((key, to.join(&relative.join("/")).object_key()));
        }
        for (from, into) in moves {
            block_on(store.copy(&from, &into)).map_err(|e| self.error(e))?;
            block_on(store.delete(&from)).map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    pub(super) fn hash(&self) -> Result<(String, u64)> {
        let store = self.store()?;
        let key = self.object_key();
        block_on(async {
            let mut stream = store.get(&key).await?.into_stream();
            let mut hasher = blake3::Hasher::new();
            let mut bytes = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                hasher.update(&chunk);
                bytes += chunk.len() as u64;
            }
            Ok((hasher.finalize().to_hex().to_string(), bytes))
        })
        .map_err(|e| self.error(e))
    }

    /// The last `bytes` bytes of the object, the object's size and its ETag.
    pub(crate) fn tail(&self, bytes: u64) -> Result<(Bytes, u64, Option<String>)> {
        let store = self.store()?;
        let options = GetOptions {
            range: Some(GetRange::Suffix(bytes)),
            ..Default::default()
        };
        block_on(async {
            let got = store.get_opts(&self.object_key(), options).await?;
            let (size, tag) = (got.meta.size, got.meta.e_tag.clone());
            Ok((got.bytes().await?, size, tag))
        })
        .map_err(|e| self.error(e))
    }

    /// Bytes `range` of the object, refused unless it still has the ETag `tag` (when known).
    pub(crate) fn range(&self, range: Range<u64>, tag: Option<&str>) -> Result<Bytes> {
        let store = self.store()?;
        let options = GetOptions {
            range: Some(GetRange::Bounded(range)),
            if_match: tag.map(str::to_string),
            ..Default::default()
        };
        block_on(async {
            store
                .get_opts(&self.object_key(), options)
                .await?
                .bytes()
                .await
        })
        .map_err(|e| self.error(e))
    }

    pub(super) fn key_path(&self) -> Key {
        self.object_key()
    }
}

impl fmt::Display for ObjectPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.bucket)?;
        if !self.key.is_empty() {
            write!(f, "/{}", self.key)?;
        }
        Ok(())
    }
}
