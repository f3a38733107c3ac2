// Renders labelled synthetic images from per-sample parameters drawn on the CPU.
//
// One invocation writes one u32 of output: four consecutive bytes of an image in row-major,
// channel-interleaved (HWC) order, each image padded to whole words. The per-pixel math is
// mirrored line for line by generator/src/cpu.rs, the reference renderer; change both
// together. Edges are smoothstep ramps, never hard thresholds, so the small float
// differences between a GPU and the CPU move a pixel by a grey level at most.

// 0 fashion, 1 sketch, 2 digits (generator::Preset).
override PRESET: u32 = 0u;
// The class this pipeline draws. Software adapters such as lavapipe run every arm of a
// switch on a per-lane value, so each class gets its own specialised pipeline instead.
override CLASS: u32 = 0u;

// One per class: the dispatch of class c renders samples[first .. first + count].
struct Frame {
    width: u32,
    height: u32,
    channels: u32,
    words_per_image: u32,
    first: u32,
    count: u32,
    groups_x: u32,
    pad: u32,
}

// Field for field the layout of generator::params::SampleParams.
struct Sample {
    class_id: u32,
    style: u32,
    noise_seed: u32,
    m00: f32,
    m01: f32,
    m10: f32,
    m11: f32,
    tx: f32,
    ty: f32,
    stroke: f32,
    edge: f32,
    warp_amp: f32,
    warp_freq: f32,
    warp_px: f32,
    warp_py: f32,
    texture: f32,
    tex_freq: f32,
    tex_dx: f32,
    tex_dy: f32,
    light_x: f32,
    light_y: f32,
    fg_r: f32,
    fg_g: f32,
    fg_b: f32,
    bg_r: f32,
    bg_g: f32,
    bg_b: f32,
    noise: f32,
    shape0: f32,
    shape1: f32,
    shape2: f32,
    shape3: f32,
    print: f32,
    check: f32,
    logo: f32,
    logo_w: f32,
    logo_h: f32,
    logo_y: f32,
}

@group(0) @binding(0) var<uniform> frames: array<Frame, 10>;
@group(0) @binding(1) var<storage, read> samples: array<Sample>;
@group(0) @binding(2) var<storage, read_write> pixels: array<u32>;

// ---- signed distances (negative inside) ----

fn sd_box(p: vec2<f32>, c: vec2<f32>, h: vec2<f32>, r: f32) -> f32 {
    let d = abs(p - c) - h + vec2<f32>(r, r);
    return length(max(d, vec2<f32>(0.0, 0.0))) + min(max(d.x, d.y), 0.0) - r;
}

fn sd_seg(p: vec2<f32>, a: vec2<f32>, b: vec2<f32>) -> f32 {
    let pa = p - a;
    let ba = b - a;
    // A segment of length zero (a sleeve drawn at length 0) is the point `a`, not NaN.
    let h = clamp(dot(pa, ba) / max(dot(ba, ba), 1e-8), 0.0, 1.0);
    return length(pa - ba * h);
}

fn sd_circle(p: vec2<f32>, c: vec2<f32>, r: f32) -> f32 {
    return length(p - c) - r;
}

// Approximate: exact on the outline, which is all antialiasing needs.
fn sd_ellipse(p: vec2<f32>, c: vec2<f32>, r: vec2<f32>) -> f32 {
    return (length((p - c) / r) - 1.0) * min(r.x, r.y);
}

// A vertical trapezoid: half-widths `top` and `bottom`, half-height `h`.
fn sd_taper(p: vec2<f32>, c: vec2<f32>, top: f32, bottom: f32, h: f32) -> f32 {
    let t = clamp((p.y - c.y) / h * 0.5 + 0.5, 0.0, 1.0);
    return max(abs(p.x - c.x) - (top * (1.0 - t) + bottom * t), abs(p.y - c.y) - h);
}

// A stroke from a to b shortened by `gap` at both ends (segmented digits).
fn sd_stroke(p: vec2<f32>, a: vec2<f32>, b: vec2<f32>, gap: f32) -> f32 {
    let cut = normalize(b - a) * gap;
    return sd_seg(p, a + cut, b - cut);
}

// Coverage of a shape at signed distance d with a ramp of half-width e: 1 inside, 0 outside.
fn cover(d: f32, e: f32) -> f32 {
    let t = clamp(0.5 - 0.5 * d / e, 0.0, 1.0);
    return t * t * (3.0 - 2.0 * t);
}

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

// ---- the ten garments; x: the silhouette, y: seams and details (distance to a line) ----

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

// ---- digits: distance to the glyph's skeleton ----

fn digit(class_id: u32, q: vec2<f32>, g: f32, a: f32, b: f32) -> f32 {
    let l = 0.32 + 0.12 * a;
    let t = 0.70;
    let y = -0.06 + 0.12 * b;
    let tl = vec2<f32>(-l, -t);
    let tr = vec2<f32>(l, -t);
    let ml = vec2<f32>(-l, y);
    let mr = vec2<f32>(l, y);
    let bl = vec2<f32>(-l, t);
    let br = vec2<f32>(l, t);
    switch class_id {
        case 0u: {
            return abs(sd_ellipse(q, vec2<f32>(0.0, 0.0), vec2<f32>(l, t)));
        }
        case 1u: {
            return min(sd_stroke(q, vec2<f32>(0.06, -t), vec2<f32>(0.06, t), g), sd_stroke(q, vec2<f32>(0.06, -t), vec2<f32>(-0.24, -t + 0.30), g));
        }
        case 2u: {
            return min(min(sd_stroke(q, tl, tr, g), sd_stroke(q, tr, mr, g)), min(sd_stroke(q, mr, bl, g), sd_stroke(q, bl, br, g)));
        }
        case 3u: {
            return min(min(sd_stroke(q, tl, tr, g), sd_stroke(q, tr, br, g)), min(sd_stroke(q, br, bl, g), sd_stroke(q, vec2<f32>(-0.3 * l, y), mr, g)));
        }
        case 4u: {
            let top = vec2<f32>(0.4 * l, -t);
            let bar = 0.3 * t;
            return min(min(sd_stroke(q, top, vec2<f32>(-l, bar), g), sd_stroke(q, vec2<f32>(-l, bar), vec2<f32>(l, bar), g)), sd_stroke(q, top, vec2<f32>(0.4 * l, t), g));
        }
        case 5u: {
            return min(min(min(sd_stroke(q, tr, tl, g), sd_stroke(q, tl, ml, g)), min(sd_stroke(q, ml, mr, g), sd_stroke(q, mr, br, g))), sd_stroke(q, br, bl, g));
        }
        case 6u: {
            return min(min(min(sd_stroke(q, tr, tl, g), sd_stroke(q, tl, bl, g)), min(sd_stroke(q, bl, br, g), sd_stroke(q, br, mr, g))), sd_stroke(q, mr, ml, g));
        }
        case 7u: {
            return min(sd_stroke(q, tl, tr, g), sd_stroke(q, tr, vec2<f32>(-0.2 * l, t), g));
        }
        case 8u: {
            return min(min(min(sd_stroke(q, tl, tr, g), sd_stroke(q, tr, br, g)), min(sd_stroke(q, br, bl, g), sd_stroke(q, bl, tl, g))), sd_stroke(q, ml, mr, g));
        }
        default: {
            return min(min(min(sd_stroke(q, mr, ml, g), sd_stroke(q, ml, tl, g)), min(sd_stroke(q, tl, tr, g), sd_stroke(q, tr, br, g))), sd_stroke(q, br, bl, g));
        }
    }
}

// ---- shading ----

// A fabric pattern in [-1, 1], without branches: stripes (print 0, check 0), checks
// (check 1) or a blotchy print (print 1: flowers, camouflage, a picture).
fn fabric(u: f32, v: f32, print: f32, check: f32, seed: u32) -> f32 {
    let stripes = wave(u) * (1.0 - check + check * wave(v));
    return mix(stripes, 2.0 * value_noise(vec2<f32>(u, v) * 0.35, seed) - 1.0, print);
}

// Smooth value noise in [0, 1): hashed lattice values (exact integer maths on every device)
// blended by smoothstep weights, so it is continuous and a tiny difference in `p` between
// devices moves it a tiny amount. The offset keeps the lattice indices positive.
fn value_noise(p0: vec2<f32>, seed: u32) -> f32 {
    let p = p0 + vec2<f32>(256.0, 256.0);
    let g = floor(p);
    let f = p - g;
    let w = f * f * (vec2<f32>(3.0, 3.0) - 2.0 * f);
    let ix = u32(g.x);
    let iy = u32(g.y);
    let c00 = f32(pcg(seed ^ pcg(ix ^ pcg(iy))) >> 8u) * (1.0 / 16777216.0);
    let c10 = f32(pcg(seed ^ pcg((ix + 1u) ^ pcg(iy))) >> 8u) * (1.0 / 16777216.0);
    let c01 = f32(pcg(seed ^ pcg(ix ^ pcg(iy + 1u))) >> 8u) * (1.0 / 16777216.0);
    let c11 = f32(pcg(seed ^ pcg((ix + 1u) ^ pcg(iy + 1u))) >> 8u) * (1.0 / 16777216.0);
    return mix(mix(c00, c10, w.x), mix(c01, c11, w.x), w.y);
}

// sin(x) to within 0.001 from a parabola: a fraction of the built-in's cost on software
// adapters, and continuous where the period wraps, so it never jumps between devices.
fn wave(x: f32) -> f32 {
    let turns = x * 0.15915494;
    let t = turns - floor(turns + 0.5);
    let y = 8.0 * t - 16.0 * t * abs(t);
    return y * (0.775 + 0.225 * abs(y));
}

// Uniform in [0, 1) from an integer: PCG's output permutation. Integer maths is exact on
// every device, so the noise is the same bit for bit.
fn pcg(v: u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {
    let frame = frames[CLASS];
    let half = f32(min(frame.width, frame.height)) * 0.5;
    let p = (vec2<f32>(f32(x), f32(y)) + vec2<f32>(0.5, 0.5) - vec2<f32>(f32(frame.width), f32(frame.height)) * 0.5) * (1.0 / half);
    let o = p - vec2<f32>(s.tx, s.ty);
    var q = vec2<f32>(s.m00 * o.x + s.m01 * o.y, s.m10 * o.x + s.m11 * o.y);
    q = q + s.warp_amp * vec2<f32>(wave(q.y * s.warp_freq + s.warp_px), wave(q.x * s.warp_freq + s.warp_py));

    let fg = vec3<f32>(s.fg_r, s.fg_g, s.fg_b);
    let bg = vec3<f32>(s.bg_r, s.bg_g, s.bg_b);
    let u = (q.x * s.tex_dx + q.y * s.tex_dy) * s.tex_freq;
    let v = (q.y * s.tex_dx - q.x * s.tex_dy) * s.tex_freq;
    var color = bg;
    if PRESET == 0u {
        let g = garment(CLASS, q, s.shape0, s.shape1, s.shape2, s.shape3);
        let inner = clamp(-g.x * 12.0, 0.0, 1.0);
        let light = 1.0 + s.light_x * q.x + s.light_y * q.y;
        let seam = cover(g.y - s.stroke, s.edge);
        // A print on the chest: a logo, a slogan, a picture.
        let logo = s.logo * cover(sd_box(q, vec2<f32>(0.0, s.logo_y), vec2<f32>(s.logo_w, s.logo_h), 0.02), s.edge);
        let value = (0.85 + 0.2 * inner) * light * (1.0 + s.texture * fabric(u, v, s.print, s.check, s.noise_seed)) * (1.0 - 0.55 * seam) * (1.0 + logo);
        color = mix(bg, fg * value, cover(g.x, s.edge));
    } else if PRESET == 1u {
        let g = garment(CLASS, q, s.shape0, s.shape1, s.shape2, s.shape3);
        // A pen that presses harder in places.
        let pen = s.stroke * (1.0 + 0.35 * wave(q.x * 9.0 + q.y * 7.0 + s.warp_px));
        var ink = cover(abs(g.x) - pen, s.edge);
        if s.style == 1u {
            ink = max(ink, cover(g.y - pen * 0.8, s.edge));
        }
        color = mix(bg, fg, ink);
    } else {
        let gap = select(0.0, 0.1, s.style == 2u);
        let d = digit(CLASS, q, gap, s.shape0, s.shape1) - s.stroke;
        var ink = cover(d, s.edge);
        if s.style == 1u {
            ink = cover(abs(d) - s.stroke * 0.45, s.edge);
        }
        color = mix(bg, fg * (1.0 + s.texture * wave(u)), ink);
    }
    let pixel = y * frame.width + x;
    let n = f32(pcg(s.noise_seed ^ pcg(pixel)) >> 8u) * (1.0 / 16777216.0);
    color = clamp(color + vec3<f32>(s.noise * (2.0 * n - 1.0)), vec3<f32>(0.0), vec3<f32>(1.0));
    if frame.channels == 1u {
        let grey = dot(color, vec3<f32>(0.299, 0.587, 0.114));
        return vec3<f32>(grey, grey, grey);
    }
    return color;
}

fn to_byte(v: f32) -> u32 {
    return u32(clamp(v, 0.0, 1.0) * 255.0 + 0.5);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
    let frame = frames[CLASS];
    let local = (group.y * frame.groups_x + group.x) * 64u + lane;
    if local >= frame.count * frame.words_per_image {
        return;
    }
    let word = frame.first * frame.words_per_image + local;
    let image = word / frame.words_per_image;
    let s = samples[image];
    let image_bytes = frame.width * frame.height * frame.channels;
    let first = (word % frame.words_per_image) * 4u;
    var packed = 0u;
    var shaded = 0xffffffffu;
    var color = vec3<f32>(0.0);
    for (var k = 0u; k < 4u; k = k + 1u) {
        let byte = first + k;
        if byte >= image_bytes {
            break;
        }
        let pixel = byte / frame.channels;
        if pixel != shaded {
            color = shade(s, pixel % frame.width, pixel / frame.width);
            shaded = pixel;
        }
        packed = packed | (to_byte(color[byte % frame.channels]) << (8u * k));
    }
    pixels[word] = packed;
}
