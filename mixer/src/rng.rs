//! The seeded randomness of a mix. A small generator of our own rather than `rand`, because
//! the permutations are part of the output: they must stay the same across releases and
//! platforms, which `rand` does not promise for its shuffles.

/// SplitMix64: tiny, fast, and statistically fine for shuffling.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for one purpose: `tags` name the stream (pool, share, phase...), so
    /// every stream is fixed by the seed alone and independent of the order of the work.
    pub fn stream(seed: u64, tags: &[u64]) -> Rng {
        let state = tags
            .iter()
            .fold(mix(seed.wrapping_add(GOLDEN)), |state, &tag| {
                mix(state ^ mix(tag.wrapping_add(GOLDEN)))
            });
        Rng { state }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// Uniform in `0..n` (n > 0), without modulo bias (Lemire's method).
    pub fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(n);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let draw = |tags: &[u64]| {
            let mut rng = Rng::stream(7, tags);
            (0..4).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(&[1, 2]), draw(&[1, 2]));
        assert_ne!(draw(&[1, 2]), draw(&[2, 1]));
        assert_ne!(draw(&[1]), draw(&[1, 0]));
    }

    #[test]
    fn shuffle_is_a_permutation_and_below_stays_in_range() {
        let mut rng = Rng::stream(1, &[]);
        let mut items: Vec<u32> = (0..1000).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (0..1000).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..1000).collect::<Vec<_>>());
        for n in [1, 2, 3, 10, 1 << 40] {
            assert!((0..100).all(|_| rng.below(n) < n));
        }
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = Rng::stream(3, &[9]);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_000..11_000).contains(&c)),
            "{counts:?}"
        );
    }
}
