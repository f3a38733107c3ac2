//! The records tasks leave in a bench directory, each type written and read by the same code:
//! the run results ([`CellResult`], read from the trainer's `result.json`), a pair's domain gap
//! ([`PairGap`]), an adaptive search's decisions ([`Choice`]), how the plan was last launched
//! ([`Launch`]) and what `synmix advise` answered ([`AdviceRecord`]). The report, the search and
//! `synmix status` read the bench through these; where each lives is [`crate::layout`]'s.

mod advice;
mod decision;
mod gap;
mod launch;
mod results;

pub use advice::{AdviceRecord, Cost, Estimate, PilotRecord, Question};
pub use decision::{Basis, Choice, RStar, SearchKey, counted, decisions};
pub use gap::{Gaps, PairGap, read_gaps};
pub use launch::Launch;
pub use results::{CellResult, scan};
