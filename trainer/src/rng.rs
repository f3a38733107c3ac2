//! A tiny seeded generator for shuffling: the epoch order must depend only on the run seed (not on
//! burn's global RNG, which other runs in the same process may be drawing from).

/// SplitMix64 (Steele et al.): small, fast, and good enough for Fisher–Yates.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream keyed by several values (seed, phase, epoch), so every epoch of every phase has its
    /// own reproducible order.
    pub(crate) fn keyed(keys: &[u64]) -> Self {
        let mut rng = SplitMix64(0x5EED_5EED_5EED_5EED);
        for &key in keys {
            rng.0 ^= key;
            rng.next_u64();
        }
        rng
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is negligible for dataset sizes).
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_is_a_keyed_permutation() {
        let order = |keys: &[u64]| {
            let mut v: Vec<usize> = (0..100).collect();
            SplitMix64::keyed(keys).shuffle(&mut v);
            v
        };
        let a = order(&[1, 0, 0]);
        assert_eq!(a, order(&[1, 0, 0]));
        assert_ne!(a, order(&[1, 0, 1]));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    }
}
