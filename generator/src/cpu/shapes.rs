//! The shapes of the built-ins: the ten garments (`garment` in `shaders/garments.wgsl`, drawn
//! by `fashion` and `sketch`) and the ten digits (`digit` in `presets/digits.wgsl`), as signed
//! distances from the sample's proportions.

use super::sdf::{V2, sd_box, sd_circle, sd_ellipse, sd_seg, sd_stroke, sd_taper, v2};

/// A top with long sleeves hanging straight down beside the torso, as Fashion-MNIST shows
/// pullovers, coats and shirts: the torso from `top` to `hem` (half-width `body`), each
/// sleeve `sleeve` wide from a sloping shoulder down to `cuff`, its lower end `spread` further
/// out. `m` is the point mirrored into the right half.
fn sd_top(m: V2, top: f32, hem: f32, body: f32, sleeve: f32, spread: f32, cuff: f32) -> f32 {
    let torso = sd_box(
        m,
        v2(0.0, (top + hem) * 0.5),
        v2(body, (hem - top) * 0.5),
        0.06,
    );
    let x = body + sleeve * 0.5 - 0.02;
    let arm = sd_seg(m, v2(x - 0.06, top + sleeve), v2(x + spread, cuff)) - sleeve * 0.5;
    torso.min(arm)
}

/// The ten garments; .0: the silhouette, .1: seams and details.
#[inline]
pub(super) fn garment(class_id: u32, q: V2, a: f32, b: f32, c: f32, d: f32) -> (f32, f32) {
    let m = v2(q.x.abs(), q.y);
    let (body, detail) = match class_id {
        0 => {
            let half = 0.36 + 0.10 * a;
            let torso = sd_box(m, v2(0.0, 0.04), v2(half, 0.90), 0.04);
            // From tank tops (armholes, no sleeves) to short sleeves reaching out and down.
            // Mostly short sleeves: a tenth are tank tops.
            let arms = (2.0 * c - 0.2).clamp(0.0, 1.0);
            let shoulder = v2(half - 0.06, -0.74);
            let reach = v2(0.20 + 0.10 * b, 0.30 + 0.16 * b) * arms;
            let sleeve = sd_seg(m, shoulder, shoulder + reach) - (0.05 + 0.11 * arms);
            let armhole = sd_circle(m, v2(half + 0.02, -0.80), 0.24 * (1.0 - arms));
            // The neck as the pullover's: the darker inside of the back.
            let neck = sd_circle(q, v2(0.0, -1.00), 0.16 + 0.08 * d);
            (torso.max(-armhole).min(sleeve), neck)
        }
        1 => {
            let waist = sd_box(q, v2(0.0, -0.84), v2(0.34 + 0.06 * a, 0.10), 0.02);
            // Solid down to the crotch, as real trousers are; the legs part below it.
            let hips = sd_box(
                q,
                v2(0.0, -0.62),
                v2(0.30 + 0.06 * a, 0.22 + 0.10 * c),
                0.02,
            );
            // Legs narrowing to the hem, a gap between them.
            let leg = sd_taper(
                m,
                v2(0.20 + 0.03 * b, 0.06),
                0.16 + 0.04 * a,
                0.10 + 0.04 * a,
                0.82,
            );
            (
                waist.min(hips).min(leg),
                sd_seg(q, v2(-0.36, -0.76), v2(0.36, -0.76)),
            )
        }
        2 => {
            // Round neck, ribbed hem and cuffs, no opening. Product photos show the inside
            // of the back through the neck: a darker disc, not a notch in the outline.
            let half = 0.36 + 0.08 * a;
            let sleeve = 0.20 + 0.08 * c;
            let top = sd_top(m, -0.90, 0.92, half, sleeve, 0.06 * b, 0.66);
            let neck = sd_circle(q, v2(0.0, -1.02), 0.18 + 0.06 * d);
            let seam = sd_seg(m, v2(half, -0.90 + sleeve), v2(half, 0.66));
            let rib = sd_seg(m, v2(0.0, 0.78), v2(half, 0.78));
            (top, seam.min(rib).min(neck))
        }
        3 => {
            let bodice = sd_taper(q, v2(0.0, -0.56), 0.26 + 0.06 * a, 0.25 + 0.06 * a, 0.36);
            let skirt = sd_taper(q, v2(0.0, 0.38), 0.25 + 0.06 * a, 0.28 + 0.22 * b, 0.58);
            let strap = sd_seg(m, v2(0.14, -0.86), v2(0.15, -0.96)) - 0.035;
            // Sleeveless, short sleeves, or long ones hanging beside the bodice.
            let sleeve = sd_seg(
                m,
                v2(0.24 + 0.04 * a, -0.80),
                v2(0.30 + 0.10 * c + 0.04 * a, -0.70 + 0.9 * c * c),
            ) - (0.02 + 0.08 * c);
            (
                bodice.min(skirt).min(strap.min(sleeve)),
                sd_seg(q, v2(-0.26, -0.20 + 0.12 * d), v2(0.26, -0.20 + 0.12 * d)),
            )
        }
        4 => {
            // A stand-up collar or a hood above sloping shoulders, a front opening, pockets on
            // two fifths of them.
            let half = 0.34 + 0.08 * a;
            let sleeve = 0.20 + 0.06 * c;
            let top = sd_top(m, -0.80, 0.95, half, sleeve, 0.08 * b, 0.70);
            let collar = sd_box(
                q,
                v2(0.0, -0.84),
                v2(0.20 + 0.10 * d, 0.10 + 0.08 * d),
                0.06,
            );
            let opening = sd_seg(q, v2(0.0, -0.80), v2(0.0, 0.95));
            let pockets = sd_seg(m, v2(0.14, 0.40), v2(0.30, 0.40)) + 10.0 * (b - 0.4).max(0.0);
            let seam = sd_seg(m, v2(half, -0.80 + sleeve), v2(half, 0.70));
            (top.min(collar), opening.min(pockets).min(seam))
        }
        5 => {
            // From flat to high heels, some on platforms; centred on its height, as
            // Fashion-MNIST centres its products.
            let h = 0.75 * c;
            let top = 0.26 + 0.36 * b;
            let p = v2(q.x, q.y + 0.24 - 0.35 * h - 0.18 * b);
            let (toe, ball, heel_top) = (v2(-0.90, 0.34), v2(-0.30, 0.34), v2(0.80, 0.34 - h));
            let sole = sd_seg(p, toe, ball).min(sd_seg(p, ball, heel_top)) - (0.04 + 0.10 * a * a);
            let heel = sd_seg(p, v2(0.74, 0.34 - h), v2(0.72, 0.40)) - 0.05;
            let arch = v2(-0.50, 0.34 - 0.8 * top);
            let front = sd_seg(p, v2(-0.78, 0.34), arch).min(sd_seg(p, arch, v2(-0.20, 0.34)));
            let peak = v2(0.45, 0.34 - 0.7 * h - top);
            let back = sd_seg(p, v2(0.10, 0.34 - 0.3 * h), peak).min(sd_seg(p, peak, heel_top));
            let ankle = sd_seg(p, v2(0.30, peak.y), v2(0.85, peak.y));
            let instep = sd_seg(p, arch, peak);
            (
                sole.min(heel)
                    .min(front.min(back).min(ankle.min(instep)) - (0.05 + 0.05 * d)),
                sd_seg(p, toe, ball),
            )
        }
        6 => {
            // Long sleeves only: Fashion-MNIST's shirts are mostly long-sleeved, and short
            // sleeves made real T-shirts look like shirts (T-shirt accuracy fell from 0.75 to
            // 0.50 with an eighth of the shirts short-sleeved). A pointed collar open at the
            // neck, a buttoned placket, on a third of them a breast pocket.
            let half = 0.36 + 0.08 * a;
            let sleeve = 0.18 + 0.06 * c;
            let top = sd_top(m, -0.88, 0.90, half, sleeve, 0.02 + 0.06 * b, 0.74);
            // The open collar: the darker inside of the back in the V between its points,
            // from (0, -0.60) up to (+-0.20, -0.88); 0.81 scales the distance across the V's
            // sides to shape units.
            let collar = ((m.x + (q.y + 0.60) * 0.714) * 0.81).max(q.y + 0.60);
            let placket = sd_seg(q, v2(0.0, -0.60), v2(0.0, 0.90));
            let pocket = sd_box(q, v2(-0.20, -0.36), v2(0.09, 0.10 + 0.04 * d), 0.0).abs()
                + 10.0 * (d - 0.35).max(0.0);
            (top, collar.min(placket).min(pocket))
        }
        7 => {
            // The upper rises from the toe to the heel collar, as a sneaker seen from the side.
            let sole = sd_box(q, v2(0.0, 0.22), v2(0.94, 0.07 + 0.03 * a), 0.05);
            let upper = sd_ellipse(q, v2(0.26, -0.04), v2(0.66, 0.28 + 0.08 * b));
            let toe = sd_ellipse(q, v2(-0.52, 0.10), v2(0.44, 0.14));
            let opening = sd_circle(q, v2(0.40, -0.40), 0.10 + 0.05 * c);
            let laces = sd_seg(q, v2(-0.24, -0.10), v2(0.0, -0.20)).min(sd_seg(
                q,
                v2(-0.08, 0.0),
                v2(0.16, -0.10),
            ));
            (
                sole.min(upper.min(toe).max(-opening)),
                laces.min(sd_seg(q, v2(-0.94, 0.14), v2(0.94, 0.14))),
            )
        }
        8 => {
            // From a box to a trapezoid narrowing upwards, corners from sharp to round, and a
            // handle from a small loop to a tall ring, between round and square.
            let round = 0.08 + 0.30 * b;
            let bag = sd_taper(
                q,
                v2(0.0, 0.18),
                0.58 + 0.26 * a - round,
                0.76 + 0.12 * a - round,
                0.46 + 0.14 * b - round,
            ) - round;
            let r = 0.18 + 0.40 * c;
            let ring_round = sd_circle(q, v2(0.0, -0.28), r).abs();
            let ring_square = sd_box(q, v2(0.0, -0.28), v2(r, r * 0.8), 0.08).abs();
            let handle = ((ring_round * (1.0 - d) + ring_square * d) - 0.045).max(q.y + 0.28);
            let detail = sd_seg(q, v2(-0.60, 0.0), v2(0.60, 0.0))
                .min(sd_circle(q, v2(0.0, 0.10), 0.06).abs());
            (bag.min(handle), detail)
        }
        _ => {
            // Wider than tall, as Fashion-MNIST frames them: the shaft over the heel, the toe
            // pointing left, from flat heels to high ones.
            let shaft = sd_box(q, v2(0.26, -0.16), v2(0.34 + 0.06 * a, 0.50), 0.08);
            let foot = sd_box(q, v2(-0.05, 0.42), v2(0.84, 0.24), 0.14);
            let toe = sd_ellipse(q, v2(-0.56, 0.42), v2(0.40, 0.24 + 0.06 * b));
            let instep = sd_seg(q, v2(-0.50, 0.34), v2(0.05, -0.05)) - 0.22;
            let heel = sd_box(
                q,
                v2(0.56, 0.66 + 0.06 * c),
                v2(0.16, 0.04 + 0.06 * c),
                0.02,
            );
            let zip = v2(0.18 + 0.2 * d, -0.62);
            let detail =
                sd_seg(q, v2(-0.90, 0.56), v2(0.70, 0.56)).min(sd_seg(q, zip, v2(zip.x, 0.20)));
            (shaft.min(foot).min(toe.min(heel)).min(instep), detail)
        }
    };
    (body, detail.max(body))
}

/// The ten digits: the distance to the glyph's skeleton.
#[inline]
pub(super) fn digit(class_id: u32, q: V2, g: f32, a: f32, b: f32) -> f32 {
    let l = 0.32 + 0.12 * a;
    let t = 0.70;
    let y = -0.06 + 0.12 * b;
    let (tl, tr, ml, mr, bl, br) = (
        v2(-l, -t),
        v2(l, -t),
        v2(-l, y),
        v2(l, y),
        v2(-l, t),
        v2(l, t),
    );
    let s = |a: V2, b: V2| sd_stroke(q, a, b, g);
    match class_id {
        0 => sd_ellipse(q, v2(0.0, 0.0), v2(l, t)).abs(),
        1 => s(v2(0.06, -t), v2(0.06, t)).min(s(v2(0.06, -t), v2(-0.24, -t + 0.30))),
        2 => s(tl, tr).min(s(tr, mr)).min(s(mr, bl).min(s(bl, br))),
        3 => s(tl, tr)
            .min(s(tr, br))
            .min(s(br, bl).min(s(v2(-0.3 * l, y), mr))),
        4 => {
            let top = v2(0.4 * l, -t);
            let bar = 0.3 * t;
            s(top, v2(-l, bar))
                .min(s(v2(-l, bar), v2(l, bar)))
                .min(s(top, v2(0.4 * l, t)))
        }
        5 => s(tr, tl)
            .min(s(tl, ml))
            .min(s(ml, mr).min(s(mr, br)))
            .min(s(br, bl)),
        6 => s(tr, tl)
            .min(s(tl, bl))
            .min(s(bl, br).min(s(br, mr)))
            .min(s(mr, ml)),
        7 => s(tl, tr).min(s(tr, v2(-0.2 * l, t))),
        8 => s(tl, tr)
            .min(s(tr, br))
            .min(s(br, bl).min(s(bl, tl)))
            .min(s(ml, mr)),
        _ => s(mr, ml)
            .min(s(ml, tl))
            .min(s(tl, tr).min(s(tr, br)))
            .min(s(br, bl)),
    }
}
