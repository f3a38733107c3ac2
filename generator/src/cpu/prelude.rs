//! What the built-ins call of `shaders/prelude.wgsl`: the pixel's place in shape space, the
//! transforms, hashing and noise, and colour, with WGSL's semantics where Rust's differ
//! (`sign`, the floating-point `%`).

use datasets::ImageSpec;

use super::sdf::{V2, mix, v2};

/// Half the shorter image side, in pixels: shape space spans [-1, 1] over it.
#[inline]
pub(super) fn half(image: ImageSpec) -> f32 {
    image.width.min(image.height) as f32 * 0.5
}

/// `uv`: the pixel centre of (x, y) in shape space.
#[inline]
pub(super) fn uv(image: ImageSpec, x: u32, y: u32) -> V2 {
    let px = v2(x as f32, y as f32) + v2(0.5, 0.5);
    (px - v2(image.width as f32, image.height as f32) * 0.5) * (1.0 / half(image))
}

/// `rotate` by an angle whose cosine and sine are `(c, s)`.
#[inline]
pub(super) fn rotate(p: V2, (c, s): (f32, f32)) -> V2 {
    v2(c * p.x - s * p.y, s * p.x + c * p.y)
}

#[inline]
pub(super) fn shear(p: V2, k: f32) -> V2 {
    v2(p.x + k * p.y, p.y)
}

#[inline]
pub(super) fn elastic(p: V2, amp: f32, freq: f32, phase: V2) -> V2 {
    p + v2(wave(p.y * freq + phase.x), wave(p.x * freq + phase.y)) * amp
}

#[inline]
pub(super) fn wave(x: f32) -> f32 {
    let turns = x * 0.15915494;
    let t = turns - (turns + 0.5).floor();
    let y = 8.0 * t - 16.0 * t * t.abs();
    y * (0.775 + 0.225 * y.abs())
}

#[inline]
pub(super) fn pcg(v: u32) -> u32 {
    let state = v.wrapping_mul(747796405).wrapping_add(2891336453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277803737);
    (word >> 22) ^ word
}

#[inline]
pub(super) fn rand(seed: u32, a: u32) -> f32 {
    (pcg(seed ^ pcg(a)) >> 8) as f32 * (1.0 / 16777216.0)
}

/// Smooth value noise in [0, 1): hashed lattice values blended by smoothstep weights.
#[inline]
pub(super) fn value_noise(p: V2, seed: u32) -> f32 {
    let p = p + v2(256.0, 256.0);
    let (gx, gy) = (p.x.floor(), p.y.floor());
    let (fx, fy) = (p.x - gx, p.y - gy);
    let (wx, wy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let (ix, iy) = (gx as u32, gy as u32);
    let corner = |x: u32, y: u32| (pcg(seed ^ pcg(x ^ pcg(y))) >> 8) as f32 * (1.0 / 16777216.0);
    mix(
        mix(corner(ix, iy), corner(ix + 1, iy), wx),
        mix(corner(ix, iy + 1), corner(ix + 1, iy + 1), wx),
        wy,
    )
}

/// HSV (each in [0, 1]) to RGB.
#[inline]
pub(super) fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    [5.0f32, 3.0, 1.0].map(|n| {
        let k = wgsl_rem(n + h * 6.0, 6.0);
        v - v * s * k.min(4.0 - k).clamp(0.0, 1.0)
    })
}

/// WGSL's `%` on floats: `x - y * trunc(x / y)`.
#[inline]
fn wgsl_rem(x: f32, y: f32) -> f32 {
    x - y * (x / y).trunc()
}

/// WGSL's `sign`: 0 at 0.
#[inline]
pub(super) fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// `to_channels`: clamped to [0, 1], made grey for a one-channel image (what the prelude's
/// `main` does with `shade`'s colour).
#[inline]
pub(super) fn to_channels(image: ImageSpec, c: [f32; 3]) -> [f32; 3] {
    let c = c.map(|v| v.clamp(0.0, 1.0));
    if image.channels == 1 {
        return [c[0] * 0.299 + c[1] * 0.587 + c[2] * 0.114; 3];
    }
    c
}
