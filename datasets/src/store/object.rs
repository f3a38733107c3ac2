//! Object stores through the `object_store` crate, configured the way DataFusion, Polars and
//! delta-rs configure it: from the standard environment variables (`AWS_ENDPOINT_URL`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, …; `GOOGLE_*`, `AZURE_*`).
//! One store per bucket, reached on first use and then shared; one small runtime drives their
//! requests, so the stages stay synchronous.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode,
    PutOptions, PutPayload, RetryConfig,
};

use crate::error::{Error, Result, StoreProblem};

/// The kinds of object store a URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Scheme {
    S3,
    Gcs,
    Azure,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::S3 => "s3",
            Scheme::Gcs => "gs",
            Scheme::Azure => "az",
        }
    }
}

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
        connect(self)
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

/// Runs `future` to completion on the stores' runtime, from synchronous code (never from a
/// task of the runtime itself).
pub(super) fn block_on<F: Future>(future: F) -> F::Output {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("synmix-store")
                .enable_all()
                .build()
                .expect("a tokio runtime starts")
        })
        .block_on(future)
}

/// The store of `place`'s bucket: made on first use from the environment, and checked then
/// with one listing, so wrong credentials, a missing bucket or an unreachable endpoint are
/// one clear line before any work starts.
fn connect(place: &ObjectPlace) -> Result<Arc<dyn ObjectStore>> {
    static STORES: OnceLock<Mutex<HashMap<String, Arc<dyn ObjectStore>>>> = OnceLock::new();
    let root = format!("{}://{}", place.scheme.as_str(), place.bucket);
    let stores = STORES.get_or_init(Default::default);
    if let Some(store) = stores.lock().expect("stores lock").get(&root) {
        return Ok(store.clone());
    }
    let at_root = |problem| Error::Store {
        url: root.clone(),
        problem,
    };
    let store = build(place.scheme, &root).map_err(|e| at_root(StoreProblem::Config(e)))?;
    let probe = block_on(async { store.list(None).next().await.transpose() });
    if let Err(e) = probe {
        return Err(at_root(match e {
            object_store::Error::NotFound { .. } => StoreProblem::NoBucket,
            other => classify(other),
        }));
    }
    stores
        .lock()
        .expect("stores lock")
        .insert(root, store.clone());
    Ok(store)
}

/// A store for `root` (`scheme://bucket`) configured from the environment. Retries are few
/// and short: a task that cannot reach its store should say so in seconds, not minutes.
fn build(scheme: Scheme, root: &str) -> Result<Arc<dyn ObjectStore>, String> {
    // reqwest's TLS is rustls with ring, the provider the rest of the build uses already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let retry = RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: Duration::from_secs(20),
    };
    let client = ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(5))
        .with_allow_http(endpoint().starts_with("http://"));
    let store: Arc<dyn ObjectStore> = match scheme {
        Scheme::S3 => Arc::new(
            object_store::aws::AmazonS3Builder::from_env()
                .with_url(root)
                .with_client_options(client)
                .with_retry(retry)
                .build()
                .map_err(|e| e.to_string())?,
        ),
        Scheme::Gcs => Arc::new(
            object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_url(root)
                .with_client_options(client)
                .with_retry(retry)
                .build()
                .map_err(|e| e.to_string())?,
        ),
        Scheme::Azure => Arc::new(
            object_store::azure::MicrosoftAzureBuilder::from_env()
                .with_url(root)
                .with_client_options(client)
                .with_retry(retry)
                .build()
                .map_err(|e| e.to_string())?,
        ),
    };
    Ok(store)
}

/// The endpoint the environment names (an S3-compatible server), for messages.
fn endpoint() -> String {
    ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .unwrap_or_else(|| "the provider's default endpoint".to_string())
}

/// One of the [`StoreProblem`]s, from what the client said: its kind of error, else the store's
/// error code in the answer (a listing's refusals come as generic errors), else its first line.
fn classify(error: object_store::Error) -> StoreProblem {
    use object_store::Error as E;
    const CREDENTIALS: [&str; 5] = [
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "ExpiredToken",
        "AuthenticationFailed",
    ];
    const NO_BUCKET: [&str; 2] = ["NoSuchBucket", "ContainerNotFound"];
    let text = error.to_string();
    let code = |codes: &[&'static str]| codes.iter().copied().find(|c| text.contains(c));
    if let Some(code) = code(&CREDENTIALS) {
        return StoreProblem::Credentials(code.to_string());
    }
    if code(&NO_BUCKET).is_some() {
        return StoreProblem::NoBucket;
    }
    match &error {
        E::Unauthenticated { .. } | E::PermissionDenied { .. } => {
            StoreProblem::Credentials(first_line(&text))
        }
        E::Precondition { .. } => StoreProblem::Changed,
        _ => match unreachable_cause(&error) {
            Some(cause) => StoreProblem::Unreachable {
                endpoint: endpoint(),
                cause,
            },
            None => StoreProblem::Other(first_line(&text)),
        },
    }
}

/// Why no answer came, where the client got none: refused, timed out, no such host.
fn unreachable_cause(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut link: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = link {
        if let Some(http) = current.downcast_ref::<reqwest::Error>()
            && (http.is_connect() || http.is_timeout())
        {
            let mut root: &dyn std::error::Error = http;
            while let Some(next) = root.source() {
                root = next;
            }
            return Some(root.to_string());
        }
        link = current.source();
    }
    None
}

/// The first line of a client's error (an answer's XML body follows it).
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_string()
}
