//! Sums and maxima in lanes: [`LANES`] partial results, one per position modulo [`LANES`],
//! combined in a fixed order at the end. A sum taken value after value waits on each addition
//! and the compiler may not reorder it; in lanes it becomes vector operations, and the result
//! still depends on the values alone, never on threads or on the CPU's vector width.

/// Partial results: one AVX register of `f32`.
pub(super) const LANES: usize = 8;

/// Runs `work` compiled for AVX2 where the CPU has it: an operation on a group of [`LANES`]
/// values is one AVX2 instruction where the x86-64 baseline (SSE2) needs two. Rust never fuses
/// `a·b + c` into one rounding, so both builds give the same bits.
#[inline(always)]
pub(super) fn with_avx2<R>(work: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn run<R>(work: impl FnOnce() -> R) -> R {
            work()
        }
        // SAFETY: the CPU was just found to have AVX2.
        return unsafe { run(work) };
    }
    work()
}

/// Calls `f` on every value of `row` with its lane (its index modulo [`LANES`]): whole groups of
/// [`LANES`] values first, in loops of a fixed length the compiler turns into vector operations.
#[inline(always)]
pub(super) fn for_each_lane(row: &mut [f32], mut f: impl FnMut(&mut f32, usize)) {
    let mut groups = row.chunks_exact_mut(LANES);
    for group in &mut groups {
        for (lane, x) in group.iter_mut().enumerate() {
            f(x, lane);
        }
    }
    for (lane, x) in groups.into_remainder().iter_mut().enumerate() {
        f(x, lane);
    }
}

/// `Σ a·b`, in lanes.
#[inline(always)]
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sum = [0f32; LANES];
    for (a, b) in a.chunks(LANES).zip(b.chunks(LANES)) {
        for ((s, a), b) in sum.iter_mut().zip(a).zip(b) {
            *s += a * b;
        }
    }
    sum.iter().sum()
}

/// `Σ values`, in lanes.
pub(super) fn sum(values: &[f32]) -> f32 {
    with_avx2(|| {
        let mut sum = [0f32; LANES];
        for chunk in values.chunks(LANES) {
            for (s, v) in sum.iter_mut().zip(chunk) {
                *s += v;
            }
        }
        sum.iter().sum()
    })
}
