//! The batches of one epoch: gathered from memory, or, for a streamed split, taken from the
//! windows of the epoch's order that a thread decodes one window ahead of the steps — the same
//! row order either way, so the results are the same.

use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use burn::prelude::*;
use rayon::Yield;

use super::store::{ImageStore, Pixels, extend_scaled};
use crate::{Error, Result};

impl ImageStore {
    /// The batches of one epoch, `order` in chunks of `batch_size`.
    pub fn loader(&self, order: &[usize], batch_size: usize) -> Loader<'_> {
        let ahead = match &self.pixels {
            Pixels::Decoded(_) => None,
            Pixels::Streamed(shards) => {
                let (send, receive) = sync_channel(1);
                let shards = shards.clone();
                let order = order.to_vec();
                std::thread::spawn(move || {
                    for window in order.chunks(shards.window_rows(batch_size)) {
                        // A closed channel: the epoch ended early (an interrupt or an error).
                        if send.send(shards.decode(window)).is_err() {
                            return;
                        }
                    }
                });
                Some(receive)
            }
        };
        Loader {
            store: self,
            ahead,
            window: Vec::new(),
            next: 0,
            waited: Duration::ZERO,
        }
    }
}

/// The decoder's next window. The training loop runs on one of rayon's threads
/// ([`on_pool_thread`](crate::train::on_pool_thread)) and the decoder hands its row groups to the
/// same pool, so a loop that blocked here could hold the very thread the decoder waits for (with
/// a pool of one thread, forever): while it waits, the loop's thread runs the pool's pending work.
fn next_window(ahead: &Receiver<Result<Vec<u8>>>) -> Result<Vec<u8>> {
    let stopped = || Error::invalid("the image decoder stopped");
    loop {
        match ahead.try_recv() {
            Ok(window) => return window,
            Err(TryRecvError::Disconnected) => return Err(stopped()),
            Err(TryRecvError::Empty) => {}
        }
        if rayon::yield_now() != Some(Yield::Executed) {
            // No work to help with: the decoder is reading or decoding on other threads.
            match ahead.recv_timeout(Duration::from_micros(200)) {
                Ok(window) => return window,
                Err(RecvTimeoutError::Disconnected) => return Err(stopped()),
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }
}

/// The batches of one epoch ([`ImageStore::loader`]): gathered from memory, or taken from the
/// windows a thread decodes one ahead.
pub struct Loader<'a> {
    store: &'a ImageStore,
    ahead: Option<Receiver<Result<Vec<u8>>>>,
    /// The current window's images, and the next image in it.
    window: Vec<u8>,
    next: usize,
    /// How long the steps waited for the decoder.
    pub waited: Duration,
}

impl Loader<'_> {
    /// The images of `rows`, the next batch of the order the loader was made with.
    pub fn images(&mut self, rows: &[usize], device: &Device) -> Result<Tensor<4>> {
        let Some(ahead) = &self.ahead else {
            return self.store.images(rows, device);
        };
        let per_image = self.store.shape.pixels();
        if self.next * per_image >= self.window.len() {
            let began = Instant::now();
            self.window = next_window(ahead)?;
            self.waited += began.elapsed();
            self.next = 0;
        }
        let images = &self.window[self.next * per_image..(self.next + rows.len()) * per_image];
        self.next += rows.len();
        let mut buffer = Vec::with_capacity(images.len());
        extend_scaled(&mut buffer, images);
        Ok(self.store.tensor(buffer, rows.len(), device))
    }
}
