//! The colour of one pixel: the sample's transform and warp, its shape, fabric and print, light,
//! noise and the background.

use datasets::ImageSpec;

use super::sdf::{V2, cover, mix, sd_box, v2};
use super::shapes::{digit, garment};
use crate::params::SampleParams;
use crate::presets::Preset;

// A fabric pattern in [-1, 1]: stripes, checks (`check` 1) or a blotchy print (`print` 1).
fn fabric(u: f32, v: f32, print: f32, check: f32, seed: u32) -> f32 {
    let stripes = wave(u) * (1.0 - check + check * wave(v));
    mix(
        stripes,
        2.0 * value_noise(v2(u, v) * 0.35, seed) - 1.0,
        print,
    )
}

// Smooth value noise in [0, 1): hashed lattice values blended by smoothstep weights.
fn value_noise(p: V2, seed: u32) -> f32 {
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

fn wave(x: f32) -> f32 {
    let turns = x * 0.15915494;
    let t = turns - (turns + 0.5).floor();
    let y = 8.0 * t - 16.0 * t * t.abs();
    y * (0.775 + 0.225 * y.abs())
}

fn pcg(v: u32) -> u32 {
    let state = v.wrapping_mul(747796405).wrapping_add(2891336453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277803737);
    (word >> 22) ^ word
}

#[inline]
pub(super) fn shade(
    preset: Preset,
    image: ImageSpec,
    s: &SampleParams,
    x: u32,
    y: u32,
) -> [f32; 3] {
    let half = image.width.min(image.height) as f32 * 0.5;
    let p = (v2(x as f32, y as f32) + v2(0.5, 0.5)
        - v2(image.width as f32, image.height as f32) * 0.5)
        * (1.0 / half);
    let o = p - v2(s.tx, s.ty);
    let mut q = v2(s.m00 * o.x + s.m01 * o.y, s.m10 * o.x + s.m11 * o.y);
    q = q + v2(
        wave(q.y * s.warp_freq + s.warp_px),
        wave(q.x * s.warp_freq + s.warp_py),
    ) * s.warp_amp;

    let fg = [s.fg_r, s.fg_g, s.fg_b];
    let bg = [s.bg_r, s.bg_g, s.bg_b];
    let u = (q.x * s.tex_dx + q.y * s.tex_dy) * s.tex_freq;
    let v = (q.y * s.tex_dx - q.x * s.tex_dy) * s.tex_freq;
    let blend = |value: f32, coverage: f32| -> [f32; 3] {
        std::array::from_fn(|c| mix(bg[c], fg[c] * value, coverage))
    };
    let mut color = match preset {
        Preset::Fashion => {
            let (body, detail) = garment(s.class_id, q, s.shape0, s.shape1, s.shape2, s.shape3);
            let inner = (-body * 12.0).clamp(0.0, 1.0);
            let light = 1.0 + s.light_x * q.x + s.light_y * q.y;
            let seam = cover(detail - s.stroke, s.edge);
            let logo = s.logo
                * cover(
                    sd_box(q, v2(0.0, s.logo_y), v2(s.logo_w, s.logo_h), 0.02),
                    s.edge,
                );
            let value = (0.85 + 0.2 * inner)
                * light
                * (1.0 + s.texture * fabric(u, v, s.print, s.check, s.noise_seed))
                * (1.0 - 0.55 * seam)
                * (1.0 + logo);
            blend(value, cover(body, s.edge))
        }
        Preset::Sketch => {
            let (body, detail) = garment(s.class_id, q, s.shape0, s.shape1, s.shape2, s.shape3);
            let pen = s.stroke * (1.0 + 0.35 * wave(q.x * 9.0 + q.y * 7.0 + s.warp_px));
            let mut ink = cover(body.abs() - pen, s.edge);
            if s.style == 1 {
                ink = ink.max(cover(detail - pen * 0.8, s.edge));
            }
            blend(1.0, ink)
        }
        Preset::Digits => {
            let gap = if s.style == 2 { 0.1 } else { 0.0 };
            let d = digit(s.class_id, q, gap, s.shape0, s.shape1) - s.stroke;
            let mut ink = cover(d, s.edge);
            if s.style == 1 {
                ink = cover(d.abs() - s.stroke * 0.45, s.edge);
            }
            blend(1.0 + s.texture * wave(u), ink)
        }
    };
    let pixel = y * image.width + x;
    let n = (pcg(s.noise_seed ^ pcg(pixel)) >> 8) as f32 * (1.0 / 16777216.0);
    for c in &mut color {
        *c = (*c + s.noise * (2.0 * n - 1.0)).clamp(0.0, 1.0);
    }
    if image.channels == 1 {
        let grey = color[0] * 0.299 + color[1] * 0.587 + color[2] * 0.114;
        return [grey; 3];
    }
    color
}
