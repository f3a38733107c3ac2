//! The records tasks leave in a bench directory, each type written and read by the same code:
//! the run results ([`CellResult`], read from the trainer's `result.json`), a pair's domain gap
//! ([`PairGap`]) and an adaptive search's decisions ([`Choice`]). The report, the search and
//! `synmix status` read the bench through these; where each lives is [`crate::layout`]'s.

mod decision;
mod gap;
mod results;

pub use decision::{Choice, SearchKey};
pub use gap::{Gaps, PairGap, read_gaps};
pub use results::{CellResult, scan};
