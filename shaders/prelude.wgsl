// The prelude synmix puts before every preset's shader: the frame and sample bindings, the
// compute entry point, and the drawing helpers a preset may call (with shaders/garments.wgsl,
// which follows it). synmix writes `struct Sample` and `fn render_pixel(s: Sample, x: u32, y: u32)
// -> vec3<f32>` from the preset's TOML, and render_pixel calls the preset file's `fn shade`
// (generator/src/file/shader.rs): the built-in presets (presets/fashion, sketch, digits) and a
// user's alike.
//
// One invocation writes one u32 of output: four consecutive bytes of an image in row-major,
// channel-interleaved (HWC) order, each image padded to whole words. Edges are smoothstep
// ramps, never hard thresholds, so the small float differences between devices move a pixel by
// a grey level at most. What the built-in presets call is mirrored line for line by the CPU
// reference renderer (generator/src/cpu/); change both together.

// The class this pipeline draws, where the preset has a pipeline per class (software adapters
// such as lavapipe run every arm of a switch on a per-lane value, so a specialised pipeline
// folds the class's switch away); ANY_CLASS where one pipeline draws every class.
const ANY_CLASS: u32 = 0xffffffffu;
override CLASS: u32 = 0xffffffffu;
// Which entry of `frames` this pipeline's dispatch reads.
override FRAME: u32 = 0u;

// One per dispatch: the dispatch renders samples[first .. first + count].
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

@group(0) @binding(0) var<storage, read> frames: array<Frame>;
@group(0) @binding(1) var<storage, read> samples: array<Sample>;
@group(0) @binding(2) var<storage, read_write> pixels: array<u32>;
// The lowest image of the dispatch whose colour was NaN or infinite (0xffffffff: none). Such a
// colour has no pixel value (clamping NaN is undefined), so the renderer refuses the batch.
@group(0) @binding(3) var<storage, read_write> not_finite: atomic<u32>;

fn frame() -> Frame {
    return frames[FRAME];
}

// The class of sample s: the pipeline's constant where it has one (so that a `switch` on it
// is folded away), else the sample's own.
fn class_of(s: Sample) -> u32 {
    if CLASS != ANY_CLASS {
        return CLASS;
    }
    return s.class_id;
}

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

// A capsule: the segment a-b thickened to radius r.
fn sd_capsule(p: vec2<f32>, a: vec2<f32>, b: vec2<f32>, r: f32) -> f32 {
    return sd_seg(p, a, b) - r;
}

// A regular polygon of n sides (3 to 64) around c, its corners at radius r, the first corner
// `angle` radians from straight up (a triangle on its base: 0; a square on its side: pi / 4).
// Exact outside and on the outline, approximate deep inside.
fn sd_polygon(p: vec2<f32>, c: vec2<f32>, r: f32, n: u32, angle: f32) -> f32 {
    let sector = 6.2831853 / f32(clamp(n, 3u, 64u));
    let q = rotate(p - c, -angle);
    let theta = (floor(atan2(q.x, -q.y) / sector) + 0.5) * sector;
    let normal = vec2<f32>(sin(theta), -cos(theta));
    let along = abs(dot(q, vec2<f32>(-normal.y, normal.x))) - r * sin(0.5 * sector);
    let across = dot(q, normal) - r * cos(0.5 * sector);
    if across > 0.0 && along > 0.0 {
        return length(vec2<f32>(along, across));
    }
    return across;
}

// Distance to a quadratic Bezier stroke from a through control b to c (16 segments).
fn sd_bezier(p: vec2<f32>, a: vec2<f32>, b: vec2<f32>, c: vec2<f32>) -> f32 {
    var best = 1e9;
    var last = a;
    for (var i = 1u; i <= 16u; i = i + 1u) {
        let t = f32(i) / 16.0;
        let next = mix(mix(a, b, t), mix(b, c, t), t);
        best = min(best, sd_seg(p, last, next));
        last = next;
    }
    return best;
}

// ---- transforms ----

// Turns p by `angle` radians (counter-clockwise on screen, where y grows downwards: clockwise).
fn rotate(p: vec2<f32>, angle: f32) -> vec2<f32> {
    let c = cos(angle);
    let s = sin(angle);
    return vec2<f32>(c * p.x - s * p.y, s * p.x + c * p.y);
}

fn shear(p: vec2<f32>, k: f32) -> vec2<f32> {
    return vec2<f32>(p.x + k * p.y, p.y);
}

// A perspective tilt: points further along `tilt` shrink towards the centre.
fn perspective(p: vec2<f32>, tilt: vec2<f32>) -> vec2<f32> {
    return p / max(1.0 + dot(tilt, p), 0.05);
}

// A smooth elastic warp of amplitude `amp` at `freq` waves per unit, phases `phase`.
fn elastic(p: vec2<f32>, amp: f32, freq: f32, phase: vec2<f32>) -> vec2<f32> {
    return p + amp * vec2<f32>(wave(p.y * freq + phase.x), wave(p.x * freq + phase.y));
}

// The pixel centre of (x, y) in shape space: [-1, 1] across the shorter side, y down.
fn uv(x: u32, y: u32) -> vec2<f32> {
    return to_shape(vec2<f32>(f32(x), f32(y)) + vec2<f32>(0.5, 0.5));
}

// A point in pixel units (x right, y down, the image's corner at 0) in shape space.
fn to_shape(px: vec2<f32>) -> vec2<f32> {
    let f = frame();
    let half = f32(min(f.width, f.height)) * 0.5;
    return (px - vec2<f32>(f32(f.width), f32(f.height)) * 0.5) * (1.0 / half);
}

// Offset k of an n x n supersampling grid inside a pixel, in pixel units around its centre:
// shade at to_shape(vec2(x, y) + vec2(0.5) + subpixel(k, n)) for k in 0..n*n and average.
fn subpixel(k: u32, n: u32) -> vec2<f32> {
    let m = max(n, 1u);
    return (vec2<f32>(f32(k % m), f32(k / m)) + vec2<f32>(0.5, 0.5)) / f32(m) - vec2<f32>(0.5, 0.5);
}

// ---- randomness, noise and patterns ----

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
// Uniform in [0, 1) from a seed and one or two counters (a pixel, an octave, a stroke): the
// same on every device, since integer maths is exact.
fn rand(seed: u32, a: u32) -> f32 {
    return f32(pcg(seed ^ pcg(a)) >> 8u) * (1.0 / 16777216.0);
}

fn rand2(seed: u32, a: u32, b: u32) -> f32 {
    return f32(pcg(seed ^ pcg(a ^ pcg(b))) >> 8u) * (1.0 / 16777216.0);
}

// Gradient (Perlin-style) noise in about [-1, 1], from hashed lattice directions.
fn gradient_noise(p0: vec2<f32>, seed: u32) -> f32 {
    let p = p0 + vec2<f32>(256.0, 256.0);
    let g = floor(p);
    let f = p - g;
    let w = f * f * (vec2<f32>(3.0, 3.0) - 2.0 * f);
    let ix = u32(g.x);
    let iy = u32(g.y);
    let a00 = 6.2831853 * rand2(seed, ix, iy);
    let a10 = 6.2831853 * rand2(seed, ix + 1u, iy);
    let a01 = 6.2831853 * rand2(seed, ix, iy + 1u);
    let a11 = 6.2831853 * rand2(seed, ix + 1u, iy + 1u);
    let d00 = dot(vec2<f32>(cos(a00), sin(a00)), f);
    let d10 = dot(vec2<f32>(cos(a10), sin(a10)), f - vec2<f32>(1.0, 0.0));
    let d01 = dot(vec2<f32>(cos(a01), sin(a01)), f - vec2<f32>(0.0, 1.0));
    let d11 = dot(vec2<f32>(cos(a11), sin(a11)), f - vec2<f32>(1.0, 1.0));
    return 1.4 * mix(mix(d00, d10, w.x), mix(d01, d11, w.x), w.y);
}

// Fractal value noise in [0, 1): `octaves` (at most 8) layers, each twice the frequency and
// half the weight of the last.
fn fbm(p: vec2<f32>, seed: u32, octaves: u32) -> f32 {
    var sum = 0.0;
    var weight = 0.5;
    var total = 0.0;
    var q = p;
    for (var i = 0u; i < min(octaves, 8u); i = i + 1u) {
        sum = sum + weight * value_noise(q, seed + i * 7919u);
        total = total + weight;
        weight = weight * 0.5;
        q = q * 2.0;
    }
    return sum / max(total, 1e-6);
}

// Stripes in [-1, 1] across `u` (period 2 pi); checks in [-1, 1] over a grid of cell `size`.
fn stripes(u: f32) -> f32 {
    return wave(u);
}

fn checks(p: vec2<f32>, size: f32) -> f32 {
    let c = floor(p / size);
    return select(-1.0, 1.0, (i32(c.x) + i32(c.y)) % 2 == 0);
}

// ---- colour ----

// HSV (each in [0, 1]) to RGB.
fn hsv(h: f32, s: f32, v: f32) -> vec3<f32> {
    let k = (vec3<f32>(5.0, 3.0, 1.0) + vec3<f32>(h * 6.0)) % vec3<f32>(6.0);
    return vec3<f32>(v) - v * s * clamp(min(k, vec3<f32>(4.0) - k), vec3<f32>(0.0), vec3<f32>(1.0));
}

// Luma of an RGB colour.
fn grey(c: vec3<f32>) -> f32 {
    return dot(c, vec3<f32>(0.299, 0.587, 0.114));
}

// A colour clamped to [0, 1], made grey for a one-channel image.
fn to_channels(c0: vec3<f32>) -> vec3<f32> {
    let c = clamp(c0, vec3<f32>(0.0), vec3<f32>(1.0));
    if frame().channels == 1u {
        return vec3<f32>(grey(c));
    }
    return c;
}

// ---- the entry point ----

// `c`, after noting `image` in `not_finite` where a component is NaN or infinite. Tested on the
// bits (all exponent bits set), which no compiler's float assumptions can fold away.
fn finite_or_noted(c: vec3<f32>, image: u32) -> vec3<f32> {
    let exponent = vec3<u32>(0x7f800000u);
    if any((bitcast<vec3<u32>>(c) & exponent) == exponent) {
        atomicMin(&not_finite, image);
    }
    return c;
}

fn to_byte(v: f32) -> u32 {
    return u32(clamp(v, 0.0, 1.0) * 255.0 + 0.5);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
    let frame = frames[FRAME];
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
            let shaded_color = render_pixel(s, pixel % frame.width, pixel / frame.width);
            color = to_channels(finite_or_noted(shaded_color, image));
            shaded = pixel;
        }
        packed = packed | (to_byte(color[byte % frame.channels]) << (8u * k));
    }
    pixels[word] = packed;
}
