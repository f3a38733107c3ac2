//! How a stage that writes datasets (the generator, the mixer) reports its progress: one
//! shape for both, so the binary follows either with the same progress bar ([`bars`]).

pub mod bars;

/// A progress report, possibly from several threads at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// Everything is checked; this many rows will be written now (rows kept from an earlier
    /// run not counted). A run that measures several passes reports each pass anew.
    Planned { rows: u64 },
    /// This many more rows were written.
    Rows(u64),
    /// An output dataset is complete: written now, or kept from an earlier run.
    Finished { name: &'a str, kept: bool },
}
