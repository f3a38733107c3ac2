//! 2-D vectors and the signed distances (negative inside) the shapes are built from, with the
//! shader's `smoothstep` coverage and `mix`.

use std::ops::{Add, Div, Mul, Sub};

#[derive(Debug, Clone, Copy)]
pub(super) struct V2 {
    pub(super) x: f32,
    pub(super) y: f32,
}

#[inline]
pub(super) const fn v2(x: f32, y: f32) -> V2 {
    V2 { x, y }
}

impl Add for V2 {
    type Output = V2;
    #[inline]
    fn add(self, o: V2) -> V2 {
        v2(self.x + o.x, self.y + o.y)
    }
}

impl Sub for V2 {
    type Output = V2;
    #[inline]
    fn sub(self, o: V2) -> V2 {
        v2(self.x - o.x, self.y - o.y)
    }
}

impl Mul<f32> for V2 {
    type Output = V2;
    #[inline]
    fn mul(self, k: f32) -> V2 {
        v2(self.x * k, self.y * k)
    }
}

impl Div for V2 {
    type Output = V2;
    #[inline]
    fn div(self, o: V2) -> V2 {
        v2(self.x / o.x, self.y / o.y)
    }
}

impl V2 {
    #[inline]
    pub(super) fn length(self) -> f32 {
        (self.x * self.x + self.y * self.y).sqrt()
    }

    #[inline]
    pub(super) fn dot(self, o: V2) -> f32 {
        self.x * o.x + self.y * o.y
    }

    #[inline]
    pub(super) fn abs(self) -> V2 {
        v2(self.x.abs(), self.y.abs())
    }

    #[inline]
    pub(super) fn normalize(self) -> V2 {
        self * (1.0 / self.length())
    }
}

#[inline]
pub(super) fn sd_box(p: V2, c: V2, h: V2, r: f32) -> f32 {
    let d = (p - c).abs() - h + v2(r, r);
    v2(d.x.max(0.0), d.y.max(0.0)).length() + d.x.max(d.y).min(0.0) - r
}

#[inline]
pub(super) fn sd_seg(p: V2, a: V2, b: V2) -> f32 {
    let pa = p - a;
    let ba = b - a;
    // A segment of length zero (a sleeve drawn at length 0) is the point `a`, not NaN.
    let h = (pa.dot(ba) / ba.dot(ba).max(1e-8)).clamp(0.0, 1.0);
    (pa - ba * h).length()
}

#[inline]
pub(super) fn sd_circle(p: V2, c: V2, r: f32) -> f32 {
    (p - c).length() - r
}

#[inline]
pub(super) fn sd_ellipse(p: V2, c: V2, r: V2) -> f32 {
    (((p - c) / r).length() - 1.0) * r.x.min(r.y)
}

#[inline]
pub(super) fn sd_taper(p: V2, c: V2, top: f32, bottom: f32, h: f32) -> f32 {
    let t = ((p.y - c.y) / h * 0.5 + 0.5).clamp(0.0, 1.0);
    ((p.x - c.x).abs() - (top * (1.0 - t) + bottom * t)).max((p.y - c.y).abs() - h)
}

#[inline]
pub(super) fn sd_stroke(p: V2, a: V2, b: V2, gap: f32) -> f32 {
    let cut = (b - a).normalize() * gap;
    sd_seg(p, a + cut, b - cut)
}

#[inline]
pub(super) fn cover(d: f32, e: f32) -> f32 {
    let t = (0.5 - 0.5 * d / e).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[inline]
pub(super) fn mix(a: f32, b: f32, t: f32) -> f32 {
    a * (1.0 - t) + b * t
}
