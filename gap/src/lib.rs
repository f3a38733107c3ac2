//! The gap meter: how far a synthetic image dataset is from a real one, overall and per class,
//! in minutes and before any sweep (`synmix gap`).
//!
//! Both sets are embedded in one feature space — the penultimate layer of a small network
//! trained on the real data ([`features`], cached), or a pretrained ONNX encoder — where the
//! distribution measures compare them: the Fréchet distance ([`fd`]), KID ([`kid`]) and
//! precision, recall, density and coverage ([`prdc`]). On the images themselves, a classifier
//! two-sample test gives the proxy A-distance ([`two_sample`]), and models trained on one side
//! and scored on the other give TSTR and TRTS ([`tstr`]). Every classifier goes through the
//! trainer's loop with one seeded recipe ([`learner`]). [`run`] puts it together into a
//! [`GapReport`] ([`report`]); [`html`] draws its page.

pub mod data;
mod error;
pub mod fd;
pub mod features;
#[cfg(test)]
mod fixtures;
pub mod html;
pub mod kid;
pub mod learner;
pub mod measures;
pub mod prdc;
pub mod report;
pub mod run;
pub mod tstr;
pub mod two_sample;

pub use error::{Error, Result};
pub use measures::Measures;
pub use report::GapReport;
pub use run::{GapOptions, Measured, measure_gap};
