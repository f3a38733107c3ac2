//! One holder at a time on an object store, where there is no `flock`: a lease, a small object
//! created only if absent (a conditional PUT) that names its holder and when it expires. The
//! holder renews it every [`RENEW_EVERY`] with a PUT conditional on the lease's ETag, and
//! deletes it when done; a holder that dies stops renewing, and once the lease has expired
//! another process takes it over, again by a PUT conditional on the ETag it read, so of two
//! processes taking over one expired lease exactly one gets it.
//!
//! What a lease does not give, which `flock` does: a holder stalled for longer than [`TTL`]
//! (a stopped container, a suspended machine) may lose the lease without noticing until its
//! next renewal fails (it then logs so and [`Lease::lost`] says so), and expiry is read from
//! the holder's clock, so clocks must agree to well within the TTL.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::ObjectPlace;
use crate::error::Result;

/// How long a lease lasts unless renewed.
pub const TTL: Duration = Duration::from_secs(60);

/// How often a holder renews its lease: a quarter of the TTL, so three renewals may fail.
pub const RENEW_EVERY: Duration = Duration::from_secs(15);

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    holder: String,
    /// Milliseconds since the Unix epoch, by the holder's clock.
    expires_ms: u64,
}

/// A held lease, renewed in the background until dropped.
pub struct Lease {
    place: ObjectPlace,
    tag: Arc<Mutex<Option<String>>>,
    lost: Arc<AtomicBool>,
    stop: Arc<(Mutex<bool>, Condvar)>,
    renewer: Option<std::thread::JoinHandle<()>>,
}

impl Lease {
    /// Takes the lease at `place` if it is free or expired; `None` while another process holds
    /// it.
    pub fn try_take(place: &ObjectPlace) -> Result<Option<Lease>> {
        // Who holds it, for a person reading the lease; holding is decided by ETags.
        let holder = format!("{}:{}", hostname(), std::process::id());
        let record = |holder: &str| {
            serde_json::to_vec(&Record {
                holder: holder.to_string(),
                expires_ms: now_ms() + TTL.as_millis() as u64,
            })
            .expect("a lease serialises")
        };
        // Twice: a lease deleted between our create and our read is simply free again.
        for _ in 0..2 {
            if let Some(tag) = place.create_tagged(&record(&holder))? {
                return Ok(Some(Lease::hold(place, holder, tag)));
            }
            let Some((bytes, tag)) = place.read_tagged()? else {
                continue;
            };
            // A lease that does not read is no one's.
            let expired = match serde_json::from_slice::<Record>(&bytes) {
                Ok(held) => held.expires_ms < now_ms(),
                Err(_) => true,
            };
            if !expired {
                return Ok(None);
            }
            return Ok(place
                .replace_tagged(&record(&holder), tag.as_deref())?
                .map(|tag| Lease::hold(place, holder.clone(), tag)));
        }
        Ok(None)
    }

    /// Waits for the lease at `place`, trying every second.
    pub fn wait(place: &ObjectPlace) -> Result<Lease> {
        loop {
            if let Some(lease) = Lease::try_take(place)? {
                return Ok(lease);
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    /// Whether a process holds the lease at `place` now: it is there and has not expired.
    pub fn is_held(place: &ObjectPlace) -> Result<bool> {
        Ok(match place.read_tagged()? {
            Some((bytes, _)) => serde_json::from_slice::<Record>(&bytes)
                .is_ok_and(|held| held.expires_ms >= now_ms()),
            None => false,
        })
    }

    /// Whether a renewal found the lease taken over by another process.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    fn hold(place: &ObjectPlace, holder: String, tag: Option<String>) -> Lease {
        let tag = Arc::new(Mutex::new(tag));
        let lost = Arc::new(AtomicBool::new(false));
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let renewer = {
            let (place, tag, lost, stop) = (place.clone(), tag.clone(), lost.clone(), stop.clone());
            std::thread::spawn(move || renew(&place, &holder, &tag, &lost, &stop))
        };
        Lease {
            place: place.clone(),
            tag,
            lost,
            stop,
            renewer: Some(renewer),
        }
    }
}

/// Renews the lease every [`RENEW_EVERY`] until told to stop or the lease is lost.
fn renew(
    place: &ObjectPlace,
    holder: &str,
    tag: &Mutex<Option<String>>,
    lost: &AtomicBool,
    stop: &(Mutex<bool>, Condvar),
) {
    let mut renewed = SystemTime::now();
    loop {
        let (stopped, signal) = stop;
        let guard = stopped.lock().expect("lease stop lock");
        let (guard, _) = signal
            .wait_timeout_while(guard, RENEW_EVERY, |stopped| !*stopped)
            .expect("lease stop lock");
        if *guard {
            return;
        }
        drop(guard);
        let record = serde_json::to_vec(&Record {
            holder: holder.to_string(),
            expires_ms: now_ms() + TTL.as_millis() as u64,
        })
        .expect("a lease serialises");
        let current = tag.lock().expect("lease tag lock").clone();
        match place.replace_tagged(&record, current.as_deref()) {
            Ok(Some(next)) => {
                *tag.lock().expect("lease tag lock") = next;
                renewed = SystemTime::now();
            }
            Ok(None) => {
                tracing::warn!("{place}: the lease was taken over by another process");
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(e) if renewed.elapsed().unwrap_or_default() >= TTL => {
                tracing::warn!("{place}: the lease expired unrenewed ({e})");
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(_) => {}
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let (stopped, signal) = &*self.stop;
        *stopped.lock().expect("lease stop lock") = true;
        signal.notify_all();
        if let Some(renewer) = self.renewer.take() {
            let _ = renewer.join();
        }
        // Only a lease still ours is deleted; one taken over belongs to its new holder.
        let ours = self.tag.lock().expect("lease tag lock").clone();
        if !self.lost()
            && let Ok(Some((_, tag))) = self.place.read_tagged()
            && tag == ours
        {
            let _ = self.place.remove();
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|| "host".to_string())
}
