//! Splitting a whole number of rows over classes in proportion to their weights, exactly
//! and without float rounding: the quotas of the mixer's subsets and the proportional real
//! test subset of the bench.

/// Splits `total` over `weights` by largest remainder: everyone gets the floor of their
/// exact share, and the rows left over go to the largest fractional parts, ties to the
/// lower index. Exact integer arithmetic, so the result never depends on float rounding.
/// All-zero weights give all-zero quotas.
pub fn largest_remainder(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let exact = |w: u64| u128::from(total) * u128::from(w);
    let mut quotas: Vec<u64> = weights.iter().map(|&w| (exact(w) / sum) as u64).collect();
    let left = total - quotas.iter().sum::<u64>();
    let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
    // Stable sort: equal remainders keep index order.
    by_remainder.sort_by_key(|&c| std::cmp::Reverse(exact(weights[c]) % sum));
    for &c in by_remainder.iter().take(left as usize) {
        quotas[c] += 1;
    }
    quotas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_examples() {
        assert_eq!(largest_remainder(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(largest_remainder(7, &[1, 2]), vec![2, 5]);
        // 5·(1,1,2)/4 = 1.25, 1.25, 2.5: the .5 wins the one row left.
        assert_eq!(largest_remainder(5, &[1, 1, 2]), vec![1, 1, 3]);
        assert_eq!(largest_remainder(0, &[3, 4]), vec![0, 0]);
        assert_eq!(largest_remainder(3, &[0, 0]), vec![0, 0]);
        assert_eq!(largest_remainder(3, &[0, 5]), vec![0, 3]);
    }

    #[test]
    fn largest_remainder_sums_and_stays_within_one_of_exact() {
        for classes in 1..12u64 {
            let weights: Vec<u64> = (0..classes).map(|c| 1 + (c * 7919) % 13).collect();
            let sum: u64 = weights.iter().sum();
            for total in 0..500u64 {
                let quotas = largest_remainder(total, &weights);
                assert_eq!(quotas.iter().sum::<u64>(), total);
                for (q, w) in quotas.iter().zip(&weights) {
                    // |q − total·w/sum| < 1, in integers.
                    assert!(
                        (i128::from(*q) * i128::from(sum) - i128::from(total * w)).abs()
                            < i128::from(sum)
                    );
                }
            }
        }
    }
}
