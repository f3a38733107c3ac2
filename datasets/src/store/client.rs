//! The object stores themselves, through the `object_store` crate, configured the way
//! DataFusion, Polars and delta-rs configure it: from the standard environment variables
//! (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, …;
//! `GOOGLE_*`, `AZURE_*`). One store per bucket, reached on first use and then shared; one small
//! runtime drives their requests, so the stages stay synchronous; what a store says when it
//! fails, in one line ([`StoreProblem`]).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};

use crate::error::{Error, Result, StoreProblem};

/// The kinds of object store a URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Scheme {
    S3,
    Gcs,
    Azure,
}

impl Scheme {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Scheme::S3 => "s3",
            Scheme::Gcs => "gs",
            Scheme::Azure => "az",
        }
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

/// The store of the bucket `bucket`: made on first use from the environment, and checked then
/// with one listing, so wrong credentials, a missing bucket or an unreachable endpoint are
/// one clear line before any work starts.
pub(super) fn connect(scheme: Scheme, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
    static STORES: OnceLock<Mutex<HashMap<String, Arc<dyn ObjectStore>>>> = OnceLock::new();
    let root = format!("{}://{bucket}", scheme.as_str());
    let stores = STORES.get_or_init(Default::default);
    if let Some(store) = stores.lock().expect("stores lock").get(&root) {
        return Ok(store.clone());
    }
    let at_root = |problem| Error::Store {
        url: root.clone(),
        problem,
    };
    let store = build(scheme, &root).map_err(|e| at_root(StoreProblem::Config(e)))?;
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
pub(super) fn classify(error: object_store::Error) -> StoreProblem {
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
