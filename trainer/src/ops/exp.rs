//! `exp` for `f32` in a form the compiler vectorises: the standard library's calls libm one
//! value at a time, and the softmax of the ViT's attention and GELU's gradient made `expf` a
//! twentieth of a ViT step.

use std::f32::consts::LOG2_E;

/// `1.5·2²³`: adding and subtracting it rounds an `f32` below `2²²` in magnitude to the nearest
/// integer with two additions (SSE2, the x86-64 baseline, has no rounding instruction).
const ROUND: f32 = 12_582_912.0;

/// `eˣ` with a relative error below 3·10⁻⁷ for `x` in `[-87.3, 88]` (Cephes' `expf`:
/// `2ⁿ·eʳ` with `n = round(x·log₂e)`, `r = x − n·ln 2` in two parts, `eʳ` by a polynomial).
/// Outside that range `x` is clamped (no infinities, no subnormals); NaN stays NaN.
#[inline(always)]
pub(super) fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.336_54, 88.0);
    let n = (x * LOG2_E + ROUND) - ROUND;
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 0.166_666_65)
        * r
        + 0.5;
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    (p * r * r + r + 1.0) * scale
}

#[cfg(test)]
mod tests {
    use super::exp;

    #[test]
    fn exp_agrees_with_the_standard_library() {
        let mut worst = 0f32;
        for i in -87_000..88_000 {
            let x = i as f32 / 1000.0 + 0.000_37;
            let want = x.exp();
            worst = worst.max(((exp(x) - want) / want).abs());
        }
        assert!(worst < 3e-7, "relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(f32::NAN).is_nan());
        assert!(exp(f32::NEG_INFINITY) < 1e-37);
    }
}
