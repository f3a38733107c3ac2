//! Which input rows a subset holds and in what order: seeded permutations of the pools,
//! segments that take their quotas off the front of them, and the row order within each
//! segment.

use datasets::Source;
use datasets::rng::SplitMix64;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::inputs::{Inputs, RowRef, source_index};
use crate::quotas::{QuotaTable, deficit_order, largest_remainder};

/// How the subsets of a sweep share rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Draw {
    /// One permutation per (source, class) pool; every share takes a prefix of it, so the
    /// real rows of a larger share are a subset of those of a smaller one (and vice versa
    /// for synthetic rows). Differences between shares are then the share, not the draw.
    #[default]
    Nested,
    /// Every share draws afresh.
    Independent,
}

/// The row order within a segment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Order {
    /// A seeded shuffle.
    #[default]
    Shuffled,
    /// Every aligned block of `batch` rows holds the segment's synthetic share and class
    /// balance as exactly as integers allow (exactly, when `batch·share` per class is whole),
    /// shuffled within the block.
    Stratified { batch: u64 },
}

/// A stretch of a subset drawn and ordered together: a whole Simple Mixed subset, one phase
/// of a Fine-Tuned subset, one phase or ramp block of a curriculum. Becomes one manifest phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub name: String,
    pub quotas: QuotaTable,
}

/// A manifest phase before its shards are known.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseRange {
    pub name: String,
    pub source: Option<Source>,
    pub start: u64,
    pub end: u64,
    pub synthetic_share: f64,
}

/// The rows of one output dataset, in order, and its phases.
#[derive(Debug, Clone, PartialEq)]
pub struct SubsetRows {
    pub rows: Vec<RowRef>,
    pub synthetic_rows: u64,
    pub phases: Vec<PhaseRange>,
}

/// Stream keys after the seed, so that every random choice has its own reproducible stream.
pub(crate) mod tags {
    pub const POOL: u64 = 1;
    pub const ORDER: u64 = 2;
}

/// The pools of the inputs in one seeded order each.
pub struct Permutations {
    pools: [Vec<Vec<RowRef>>; 2],
}

impl Permutations {
    /// `draw_tag` tells draws apart: the same for all shares of a nested sweep, the share's
    /// own for an independent one.
    pub fn new(inputs: &Inputs, seed: u64, draw_tag: u64) -> Permutations {
        let pools = Source::ALL.map(|source| {
            (0..inputs.classes.len())
                .map(|class| {
                    let mut pool = inputs.pool(source, class).to_vec();
                    let keys = [
                        seed,
                        tags::POOL,
                        source_index(source) as u64,
                        class as u64,
                        draw_tag,
                    ];
                    SplitMix64::keyed(&keys).shuffle(&mut pool);
                    pool
                })
                .collect()
        });
        Permutations { pools }
    }

    fn pool(&self, source: Source, class: usize) -> &[RowRef] {
        &self.pools[source_index(source)][class]
    }
}

/// Lays out `segments` one after another, each taking its quotas from the front of what
/// earlier segments left of every pool (so no row appears twice), and orders each segment.
/// `order_tags` name the random stream of the ordering; the segment index is appended.
/// The caller has checked that the pools are deep enough.
pub fn lay_out(
    perms: &Permutations,
    segments: &[Segment],
    order: Order,
    seed: u64,
    order_tags: &[u64],
) -> SubsetRows {
    let classes = segments.first().map_or(0, |s| s.quotas.real.len());
    let mut taken = [vec![0usize; classes], vec![0usize; classes]];
    let mut rows = Vec::with_capacity(segments.iter().map(|s| s.quotas.rows() as usize).sum());
    let mut phases = Vec::with_capacity(segments.len());
    for (index, segment) in segments.iter().enumerate() {
        let mut keys = vec![seed];
        keys.extend(order_tags);
        keys.extend([tags::ORDER, index as u64]);
        let mut rng = SplitMix64::keyed(&keys);
        // Each (source, class) part of this segment: the next rows of its permuted pool.
        let parts: [Vec<&[RowRef]>; 2] = Source::ALL.map(|source| {
            let quotas = segment.quotas.of(source);
            (0..classes)
                .map(|class| {
                    let start = taken[source_index(source)][class];
                    let end = start + quotas[class] as usize;
                    taken[source_index(source)][class] = end;
                    &perms.pool(source, class)[start..end]
                })
                .collect()
        });
        let start = rows.len() as u64;
        match order {
            Order::Shuffled => {
                for part in parts.iter().flatten() {
                    rows.extend_from_slice(part);
                }
                rng.shuffle(&mut rows[start as usize..]);
            }
            Order::Stratified { batch } => {
                stratify(&parts, &segment.quotas, batch, &mut rng, &mut rows)
            }
        }
        let synthetic = segment.quotas.rows_of(Source::Synthetic);
        let total = segment.quotas.rows();
        phases.push(PhaseRange {
            name: segment.name.clone(),
            source: match synthetic {
                0 => Some(Source::Real),
                s if s == total => Some(Source::Synthetic),
                _ => None,
            },
            start,
            end: start + total,
            synthetic_share: if total == 0 {
                0.0
            } else {
                synthetic as f64 / total as f64
            },
        });
    }
    let synthetic_rows = segments
        .iter()
        .map(|s| s.quotas.rows_of(Source::Synthetic))
        .sum();
    SubsetRows {
        rows,
        synthetic_rows,
        phases,
    }
}

/// Fails unless `rows` rows give every class at least one row in the real train split's
/// class proportions: a subset missing a class would not be class-matched.
pub fn check_balance(inputs: &Inputs, rows: u64, what: &str) -> Result<()> {
    let per_class = largest_remainder(rows, &inputs.class_weights);
    if let Some(class) = per_class.iter().position(|&n| n == 0) {
        let name = &inputs.classes[class];
        return Err(Error::invalid(if inputs.class_weights[class] == 0 {
            format!(
                "the real train split of {} has no rows of class '{name}', so no subset can be class-matched",
                inputs.real_dir.display()
            )
        } else {
            format!(
                "{what} cannot hold all {} classes in the real train split's proportions (class '{name}' would get no rows); ask for more rows",
                inputs.classes.len()
            )
        }));
    }
    Ok(())
}

/// Fails, naming the class and both counts, if `tables` together need more rows of a
/// (source, class) than its pool holds.
pub fn check_pools(inputs: &Inputs, tables: &[&QuotaTable], what: &str) -> Result<()> {
    for source in [Source::Synthetic, Source::Real] {
        for (class, name) in inputs.classes.iter().enumerate() {
            let need: u64 = tables.iter().map(|t| t.of(source)[class]).sum();
            let have = inputs.pool(source, class).len() as u64;
            if need > have {
                let dir = match source {
                    Source::Synthetic => &inputs.synthetic_dir,
                    Source::Real => &inputs.real_dir,
                };
                return Err(Error::invalid(format!(
                    "class '{name}': {what} needs {need} {source} rows but the train split of {} has only {have}",
                    dir.display()
                )));
            }
        }
    }
    Ok(())
}

/// Interleaves the parts of a segment: first which source each row comes from, spread
/// evenly (error-bounded, like Megatron's blended datasets), then within each source which
/// class, spread evenly too; finally a shuffle within each block of `batch` rows, which
/// keeps every block's counts and removes the fixed class cycle.
fn stratify(
    parts: &[Vec<&[RowRef]>; 2],
    quotas: &QuotaTable,
    batch: u64,
    rng: &mut SplitMix64,
    rows: &mut Vec<RowRef>,
) {
    let start = rows.len();
    let sources = deficit_order(&[
        quotas.rows_of(Source::Real),
        quotas.rows_of(Source::Synthetic),
    ]);
    let class_orders = Source::ALL.map(|source| deficit_order(quotas.of(source)));
    let mut next_class = [0usize; 2];
    let mut next_row = [
        vec![0usize; quotas.real.len()],
        vec![0usize; quotas.real.len()],
    ];
    for source in sources {
        let source = source as usize;
        let class = class_orders[source][next_class[source]] as usize;
        next_class[source] += 1;
        rows.push(parts[source][class][next_row[source][class]]);
        next_row[source][class] += 1;
    }
    for block in rows[start..].chunks_mut(batch.max(1) as usize) {
        rng.shuffle(block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_blocks_hold_the_exact_share_per_source_and_class() {
        // 10 classes × 30 rows per source; 300 rows at share 0.3 in blocks of 100.
        let pool = |source: usize, class: usize| -> Vec<RowRef> {
            (0..100).map(|i| (source * 10 + class, i)).collect()
        };
        let pools: Vec<Vec<Vec<RowRef>>> = (0..2)
            .map(|s| (0..10).map(|c| pool(s, c)).collect())
            .collect();
        let parts: [Vec<&[RowRef]>; 2] =
            [0, 1].map(|s| pools[s].iter().map(|p| p.as_slice()).collect());
        let quotas = QuotaTable::new(1000, 300, &[1; 10]);
        let mut rows = Vec::new();
        stratify(
            &parts,
            &quotas,
            100,
            &mut SplitMix64::keyed(&[1]),
            &mut rows,
        );
        assert_eq!(rows.len(), 1000);
        for block in rows.chunks(100) {
            let mut counts = [[0; 10]; 2];
            for &(batch, _) in block {
                counts[batch / 10][batch % 10] += 1;
            }
            assert_eq!(
                counts,
                [[7; 10], [3; 10]],
                "source × class counts of a block"
            );
        }
        let mut unique = rows.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 1000);
    }

    #[test]
    fn stratified_blocks_are_within_one_row_when_not_whole() {
        let pools: Vec<Vec<Vec<RowRef>>> = (0..2)
            .map(|s| {
                (0..3)
                    .map(|c| (0..50).map(|i| (s * 3 + c, i)).collect())
                    .collect()
            })
            .collect();
        let parts: [Vec<&[RowRef]>; 2] =
            [0, 1].map(|s| pools[s].iter().map(|p| p.as_slice()).collect());
        let quotas = QuotaTable::new(97, 41, &[1; 3]);
        let mut rows = Vec::new();
        stratify(&parts, &quotas, 16, &mut SplitMix64::keyed(&[2]), &mut rows);
        for block in rows.chunks(16).filter(|b| b.len() == 16) {
            let synthetic = block.iter().filter(|(b, _)| *b >= 3).count() as f64;
            assert!((synthetic - 16.0 * 41.0 / 97.0).abs() < 2.0, "{synthetic}");
        }
    }
}
