//! Seeded model initialisation.

use std::sync::Mutex;

use burn::prelude::*;

use crate::models::Architecture;

/// burn seeds one process-wide generator, and parameters are initialised lazily on first use:
/// two runs initialising at once in one process (tests, parallel sweep cells) would interleave
/// their draws. Seeding and materialising every parameter under this lock keeps each model a
/// function of its seed alone.
static INIT: Mutex<()> = Mutex::new(());

/// The model of `architecture`, initialised from `seed` alone.
pub fn init_model<A: Architecture>(architecture: &A, device: &Device, seed: u64) -> A::Model {
    let _guard = INIT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    device.seed(seed);
    let model = architecture.init(device);
    let record = model.clone().into_record();
    model.load_record(record)
}
