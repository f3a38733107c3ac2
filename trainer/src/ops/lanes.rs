//! The vector instructions the kernels' loops are compiled for, chosen at run time ([`Simd`],
//! [`vectorised`]), and sums and maxima in lanes: [`LANES`] partial results, one per position
//! modulo [`LANES`], combined in a fixed order at the end. A sum taken value after value waits
//! on each addition and the compiler may not reorder it; in lanes it becomes vector operations,
//! and the result still depends on the values alone, never on threads or on the CPU's vector
//! width.
//!
//! One binary runs on every x86-64 CPU: a loop written for lanes is compiled three times (the
//! x86-64 baseline, AVX2 and AVX-512) and the widest the CPU has runs. Rust never fuses `a·b + c`
//! into one rounding, nor reorders a floating-point operation, and every operation these loops
//! use (`+ − × ÷ √`, comparisons, conversions) is exactly rounded in each instruction set, so the
//! three builds give the same bits (tested below and by each kernel's own test).

/// Partial results: one AVX-512 register of `f32`, two AVX2 ones, four SSE2 ones.
pub(super) const LANES: usize = 16;

/// An instruction set the loops are compiled for, narrowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Simd {
    /// The x86-64 baseline (SSE2), or whatever another architecture's build targets.
    Baseline,
    Avx2,
    /// AVX-512 F, BW, DQ and VL (x86-64-v4): 16 `f32` to an instruction.
    Avx512,
}

impl Simd {
    /// The widest set this CPU has (std caches the CPU's answer, so this is a few loads).
    pub(super) fn detected() -> Simd {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl") {
                return Simd::Avx512;
            }
            if has!("avx2") {
                return Simd::Avx2;
            }
        }
        Simd::Baseline
    }

    /// Every set this CPU can run, narrowest first.
    #[cfg(test)]
    pub(super) fn available() -> Vec<Simd> {
        let widest = Simd::detected();
        [Simd::Baseline, Simd::Avx2, Simd::Avx512]
            .into_iter()
            .filter(|simd| *simd <= widest)
            .collect()
    }
}

/// A loop to compile for each instruction set: a kernel's arguments, and its body as an
/// `#[inline(always)]` [`Lanes::run`], which is then compiled inside each of [`compiled_for`]'s
/// per-set functions. (A closure is not reliably inlined there: the softmax's closures, passed
/// to one function per set, were compiled once for the baseline and called from each.)
pub(super) trait Lanes {
    type Output;

    fn run(self) -> Self::Output;
}

/// Runs `work` compiled for the widest set the CPU has.
#[inline(always)]
pub(super) fn vectorised<W: Lanes>(work: W) -> W::Output {
    compiled_for(Simd::detected(), work)
}

/// Runs `work` compiled for `simd`; panics if the CPU lacks it. Tests call it to run each set.
#[inline(always)]
pub(super) fn compiled_for<W: Lanes>(simd: Simd, work: W) -> W::Output {
    assert!(simd <= Simd::detected(), "this CPU has no {simd:?}");
    match simd {
        #[cfg(target_arch = "x86_64")]
        Simd::Avx512 => {
            #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
            fn run<W: Lanes>(work: W) -> W::Output {
                work.run()
            }
            // SAFETY: the CPU was just found to have these features.
            unsafe { run(work) }
        }
        #[cfg(target_arch = "x86_64")]
        Simd::Avx2 => {
            #[target_feature(enable = "avx2")]
            fn run<W: Lanes>(work: W) -> W::Output {
                work.run()
            }
            // SAFETY: the CPU was just found to have AVX2.
            unsafe { run(work) }
        }
        _ => work.run(),
    }
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

/// The sum of the lanes' partial sums, in lane order.
#[inline(always)]
fn total(partial: [f32; LANES]) -> f32 {
    partial.iter().sum()
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
    total(sum)
}

/// `Σ values`, in lanes.
pub(super) fn sum(values: &[f32]) -> f32 {
    vectorised(Sum(values))
}

struct Sum<'a>(&'a [f32]);

impl Lanes for Sum<'_> {
    type Output = f32;

    #[inline(always)]
    fn run(self) -> f32 {
        let mut sum = [0f32; LANES];
        for chunk in self.0.chunks(LANES) {
            for (s, v) in sum.iter_mut().zip(chunk) {
                *s += v;
            }
        }
        total(sum)
    }
}

/// Runs `work` compiled for every set this CPU has and checks that each gives the bits the
/// baseline build gives: what the kernels' tests call on their lane loops. On a CPU with
/// AVX-512 (the CI machines have it) all three sets run.
#[cfg(test)]
pub(super) fn assert_same_bits_on_every_simd(what: &str, work: impl Fn(Simd) -> Vec<f32>) {
    let baseline: Vec<u32> = work(Simd::Baseline).iter().map(|v| v.to_bits()).collect();
    for simd in Simd::available() {
        let bits: Vec<u32> = work(simd).iter().map(|v| v.to_bits()).collect();
        assert_eq!(
            bits, baseline,
            "{what}: {simd:?} differs from the baseline build"
        );
    }
}

/// Values spread over a few orders of magnitude, from a fixed formula (for the tests).
#[cfg(test)]
pub(super) fn test_values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i + seed) * 37 % 101) as f32 - 50.0) / 7.0 * (1.0 + (i % 5) as f32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dot<'a>(&'a [f32], &'a [f32]);

    impl Lanes for Dot<'_> {
        type Output = f32;

        #[inline(always)]
        fn run(self) -> f32 {
            dot(self.0, self.1)
        }
    }

    #[test]
    fn sums_and_dots_give_the_same_bits_on_every_instruction_set() {
        for len in [0, 1, 15, 16, 17, 100, 1000] {
            let (a, b) = (test_values(len, 1), test_values(len, 2));
            assert_same_bits_on_every_simd(&format!("sum of {len}"), |simd| {
                vec![compiled_for(simd, Sum(&a))]
            });
            assert_same_bits_on_every_simd(&format!("dot of {len}"), |simd| {
                vec![compiled_for(simd, Dot(&a, &b))]
            });
        }
    }

    #[test]
    fn the_detected_set_is_the_widest_the_cpu_has() {
        let detected = Simd::detected();
        assert_eq!(Simd::available().last(), Some(&detected));
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            assert_eq!(detected, Simd::Avx512);
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn a_set_the_cpu_lacks_is_refused() {
        if Simd::detected() < Simd::Avx512 {
            let refused = std::panic::catch_unwind(|| compiled_for(Simd::Avx512, Sum(&[1.0])));
            assert!(refused.is_err());
        }
    }
}
