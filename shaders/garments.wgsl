// The ten garments of Fashion-MNIST as signed-distance shapes, drawn by the built-in presets
// `fashion` (filled, presets/fashion.wgsl) and `sketch` (outlined, presets/sketch.wgsl) and by
// any preset that wants them: synmix puts this file after shaders/prelude.wgsl. Mirrored line
// for line by the CPU reference renderer (generator/src/cpu/shapes.rs); change both together.

// A top with long sleeves hanging straight down beside the torso, as Fashion-MNIST shows
// pullovers, coats and shirts: the torso from `top` to `hem` (half-width `body`), each sleeve
// `sleeve` wide from a sloping shoulder down to `cuff`, its lower end `spread` further out.
// `m` is the point mirrored into the right half.
fn sd_top(m: vec2<f32>, top: f32, hem: f32, body: f32, sleeve: f32, spread: f32, cuff: f32) -> f32 {
    let torso = sd_box(m, vec2<f32>(0.0, (top + hem) * 0.5), vec2<f32>(body, (hem - top) * 0.5), 0.06);
    let x = body + sleeve * 0.5 - 0.02;
    let arm = sd_seg(m, vec2<f32>(x - 0.06, top + sleeve), vec2<f32>(x + spread, cuff)) - sleeve * 0.5;
    return min(torso, arm);
}

// Garment `class_id` (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
// 7 Sneaker, 8 Bag, 9 Ankle boot) at q, its proportions a, b, c, d in [0, 1) (sleeve length,
// hem width, heel height, ...): x the silhouette, y the seams and details (distance to a line).
fn garment(class_id: u32, q: vec2<f32>, a: f32, b: f32, c: f32, d: f32) -> vec2<f32> {
    let m = vec2<f32>(abs(q.x), q.y);
    var body = 0.0;
    var detail = 0.0;
    switch class_id {
        case 0u: { // T-shirt/top: tank tops (armholes) to short sleeves, round neck (a darker disc)
            let half = 0.36 + 0.10 * a;
            let torso = sd_box(m, vec2<f32>(0.0, 0.04), vec2<f32>(half, 0.90), 0.04);
            // Mostly short sleeves: a tenth are tank tops.
            let arms = clamp(2.0 * c - 0.2, 0.0, 1.0);
            let shoulder = vec2<f32>(half - 0.06, -0.74);
            let reach = vec2<f32>(0.20 + 0.10 * b, 0.30 + 0.16 * b) * arms;
            let sleeve = sd_seg(m, shoulder, shoulder + reach) - (0.05 + 0.11 * arms);
            let armhole = sd_circle(m, vec2<f32>(half + 0.02, -0.80), 0.24 * (1.0 - arms));
            let neck = sd_circle(q, vec2<f32>(0.0, -1.00), 0.16 + 0.08 * d);
            body = min(max(torso, -armhole), sleeve);
            detail = neck;
        }
        case 1u: { // Trouser: a waistband, hips, two legs parting below the crotch and narrowing to the hem
            let waist = sd_box(q, vec2<f32>(0.0, -0.84), vec2<f32>(0.34 + 0.06 * a, 0.10), 0.02);
            let hips = sd_box(q, vec2<f32>(0.0, -0.62), vec2<f32>(0.30 + 0.06 * a, 0.22 + 0.10 * c), 0.02);
            let leg = sd_taper(m, vec2<f32>(0.20 + 0.03 * b, 0.06), 0.16 + 0.04 * a, 0.10 + 0.04 * a, 0.82);
            body = min(min(waist, hips), leg);
            detail = sd_seg(q, vec2<f32>(-0.36, -0.76), vec2<f32>(0.36, -0.76));
        }
        case 2u: { // Pullover: straight long sleeves, round neck (a darker disc: the inside of the back), ribbed hem and cuffs, no opening
            let half = 0.36 + 0.08 * a;
            let sleeve = 0.20 + 0.08 * c;
            let top = sd_top(m, -0.90, 0.92, half, sleeve, 0.06 * b, 0.66);
            let neck = sd_circle(q, vec2<f32>(0.0, -1.02), 0.18 + 0.06 * d);
            let seam = sd_seg(m, vec2<f32>(half, -0.90 + sleeve), vec2<f32>(half, 0.66));
            let rib = sd_seg(m, vec2<f32>(0.0, 0.78), vec2<f32>(half, 0.78));
            body = top;
            detail = min(min(seam, rib), neck);
        }
        case 3u: { // Dress: narrow bodice, flared skirt, straps, sleeveless to long sleeves
            let bodice = sd_taper(q, vec2<f32>(0.0, -0.56), 0.26 + 0.06 * a, 0.25 + 0.06 * a, 0.36);
            let skirt = sd_taper(q, vec2<f32>(0.0, 0.38), 0.25 + 0.06 * a, 0.28 + 0.22 * b, 0.58);
            let strap = sd_seg(m, vec2<f32>(0.14, -0.86), vec2<f32>(0.15, -0.96)) - 0.035;
            let sleeve = sd_seg(m, vec2<f32>(0.24 + 0.04 * a, -0.80), vec2<f32>(0.30 + 0.10 * c + 0.04 * a, -0.70 + 0.9 * c * c)) - (0.02 + 0.08 * c);
            body = min(min(bodice, skirt), min(strap, sleeve));
            detail = sd_seg(q, vec2<f32>(-0.26, -0.20 + 0.12 * d), vec2<f32>(0.26, -0.20 + 0.12 * d));
        }
        case 4u: { // Coat: a stand-up collar or hood above sloping shoulders, front opening, pockets on two fifths
            let half = 0.34 + 0.08 * a;
            let sleeve = 0.20 + 0.06 * c;
            let top = sd_top(m, -0.80, 0.95, half, sleeve, 0.08 * b, 0.70);
            let collar = sd_box(q, vec2<f32>(0.0, -0.84), vec2<f32>(0.20 + 0.10 * d, 0.10 + 0.08 * d), 0.06);
            let opening = sd_seg(q, vec2<f32>(0.0, -0.80), vec2<f32>(0.0, 0.95));
            let pockets = sd_seg(m, vec2<f32>(0.14, 0.40), vec2<f32>(0.30, 0.40)) + 10.0 * max(b - 0.4, 0.0);
            let seam = sd_seg(m, vec2<f32>(half, -0.80 + sleeve), vec2<f32>(half, 0.70));
            body = min(top, collar);
            detail = min(min(opening, pockets), seam);
        }
        case 5u: { // Sandal: a sole from flat to high-heeled, some platforms, open straps; centred on its height
            let h = 0.75 * c;
            let top = 0.26 + 0.36 * b;
            let p = vec2<f32>(q.x, q.y + 0.24 - 0.35 * h - 0.18 * b);
            let toe = vec2<f32>(-0.90, 0.34);
            let ball = vec2<f32>(-0.30, 0.34);
            let heel_top = vec2<f32>(0.80, 0.34 - h);
            let sole = min(sd_seg(p, toe, ball), sd_seg(p, ball, heel_top)) - (0.04 + 0.10 * a * a);
            let heel = sd_seg(p, vec2<f32>(0.74, 0.34 - h), vec2<f32>(0.72, 0.40)) - 0.05;
            let arch = vec2<f32>(-0.50, 0.34 - 0.8 * top);
            let front = min(sd_seg(p, vec2<f32>(-0.78, 0.34), arch), sd_seg(p, arch, vec2<f32>(-0.20, 0.34)));
            let peak = vec2<f32>(0.45, 0.34 - 0.7 * h - top);
            let back = min(sd_seg(p, vec2<f32>(0.10, 0.34 - 0.3 * h), peak), sd_seg(p, peak, heel_top));
            let ankle = sd_seg(p, vec2<f32>(0.30, peak.y), vec2<f32>(0.85, peak.y));
            let instep = sd_seg(p, arch, peak);
            body = min(min(sole, heel), min(min(front, back), min(ankle, instep)) - (0.05 + 0.05 * d));
            detail = sd_seg(p, toe, ball);
        }
        case 6u: { // Shirt: long sleeves only, pointed collar open at the neck (a darker V), placket, a third with a pocket
            let half = 0.36 + 0.08 * a;
            let sleeve = 0.18 + 0.06 * c;
            let top = sd_top(m, -0.88, 0.90, half, sleeve, 0.02 + 0.06 * b, 0.74);
            body = top;
            let collar = max((m.x + (q.y + 0.60) * 0.714) * 0.81, q.y + 0.60);
            let placket = sd_seg(q, vec2<f32>(0.0, -0.60), vec2<f32>(0.0, 0.90));
            let pocket = abs(sd_box(q, vec2<f32>(-0.20, -0.36), vec2<f32>(0.09, 0.10 + 0.04 * d), 0.0)) + 10.0 * max(d - 0.35, 0.0);
            detail = min(min(collar, placket), pocket);
        }
        case 7u: { // Sneaker: thick sole, an upper rising from the toe to the heel collar, laces
            let sole = sd_box(q, vec2<f32>(0.0, 0.22), vec2<f32>(0.94, 0.07 + 0.03 * a), 0.05);
            let upper = sd_ellipse(q, vec2<f32>(0.26, -0.04), vec2<f32>(0.66, 0.28 + 0.08 * b));
            let toe = sd_ellipse(q, vec2<f32>(-0.52, 0.10), vec2<f32>(0.44, 0.14));
            let opening = sd_circle(q, vec2<f32>(0.40, -0.40), 0.10 + 0.05 * c);
            body = min(sole, max(min(upper, toe), -opening));
            let laces = min(sd_seg(q, vec2<f32>(-0.24, -0.10), vec2<f32>(0.0, -0.20)), sd_seg(q, vec2<f32>(-0.08, 0.0), vec2<f32>(0.16, -0.10)));
            detail = min(laces, sd_seg(q, vec2<f32>(-0.94, 0.14), vec2<f32>(0.94, 0.14)));
        }
        case 8u: { // Bag: a box to a trapezoid narrowing upwards, sharp to round corners, a small loop to a tall handle
            let round = 0.08 + 0.30 * b;
            let bag = sd_taper(q, vec2<f32>(0.0, 0.18), 0.58 + 0.26 * a - round, 0.76 + 0.12 * a - round, 0.46 + 0.14 * b - round) - round;
            let r = 0.18 + 0.40 * c;
            let ring_round = abs(sd_circle(q, vec2<f32>(0.0, -0.28), r));
            let ring_square = abs(sd_box(q, vec2<f32>(0.0, -0.28), vec2<f32>(r, r * 0.8), 0.08));
            let handle = max((ring_round * (1.0 - d) + ring_square * d) - 0.045, q.y + 0.28);
            body = min(bag, handle);
            detail = min(sd_seg(q, vec2<f32>(-0.60, 0.0), vec2<f32>(0.60, 0.0)), abs(sd_circle(q, vec2<f32>(0.0, 0.10), 0.06)));
        }
        default: { // Ankle boot: wider than tall, the shaft over the heel, the toe pointing left
            let shaft = sd_box(q, vec2<f32>(0.26, -0.16), vec2<f32>(0.34 + 0.06 * a, 0.50), 0.08);
            let foot = sd_box(q, vec2<f32>(-0.05, 0.42), vec2<f32>(0.84, 0.24), 0.14);
            let toe = sd_ellipse(q, vec2<f32>(-0.56, 0.42), vec2<f32>(0.40, 0.24 + 0.06 * b));
            let instep = sd_seg(q, vec2<f32>(-0.50, 0.34), vec2<f32>(0.05, -0.05)) - 0.22;
            let heel = sd_box(q, vec2<f32>(0.56, 0.66 + 0.06 * c), vec2<f32>(0.16, 0.04 + 0.06 * c), 0.02);
            body = min(min(min(shaft, foot), min(toe, heel)), instep);
            detail = min(sd_seg(q, vec2<f32>(-0.90, 0.56), vec2<f32>(0.70, 0.56)), sd_seg(q, vec2<f32>(0.18 + 0.2 * d, -0.62), vec2<f32>(0.18 + 0.2 * d, 0.20)));
        }
    }
    // Details only inside the silhouette (or on its outline).
    return vec2<f32>(body, max(detail, body));
}
