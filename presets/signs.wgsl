// Traffic-sign-like pictograms (presets/signs.toml). synmix's prelude supplies Sample (with
// s.class_id, s.seed and s.knobs), the shapes (sd_*), transforms, noise and colour helpers.

const RED = vec3<f32>(0.80, 0.08, 0.08);
const BLUE = vec3<f32>(0.08, 0.28, 0.72);
const WHITE = vec3<f32>(0.95, 0.95, 0.95);
const BLACK = vec3<f32>(0.05, 0.05, 0.05);
const YELLOW = vec3<f32>(0.95, 0.78, 0.08);

// Paints `rgb` over `c` where the shape at distance d lies (alpha: how much is sign).
fn paint(c: vec4<f32>, d: f32, e: f32, rgb: vec3<f32>) -> vec4<f32> {
    let a = cover(d, e);
    return vec4<f32>(mix(c.rgb, rgb, a), max(c.a, a));
}

// An arrow pointing up, turned by `angle` radians.
fn arrow(p: vec2<f32>, angle: f32) -> f32 {
    let q = rotate(p, -angle);
    let shaft = sd_capsule(q, vec2<f32>(0.0, 0.45), vec2<f32>(0.0, -0.05), 0.09);
    let head = sd_polygon(q, vec2<f32>(0.0, -0.22), 0.30, 3u, 0.0);
    return min(shaft, head);
}

// The sign of class c in sign space (radius 1), as colour and coverage.
fn sign(c: u32, q: vec2<f32>, e: f32) -> vec4<f32> {
    let o = vec2<f32>(0.0, 0.0);
    var out = vec4<f32>(0.0);
    switch c {
        case 0u: { // stop: a red octagon with a white band of letters
            out = paint(out, sd_polygon(q, o, 1.0, 8u, 0.3927), e, WHITE);
            out = paint(out, sd_polygon(q, o, 0.9, 8u, 0.3927), e, RED);
            for (var i = 0u; i < 4u; i = i + 1u) {
                let x = -0.48 + 0.32 * f32(i);
                out = paint(out, sd_box(q, vec2<f32>(x, 0.0), vec2<f32>(0.1, 0.18), 0.03), e, WHITE);
            }
        }
        case 1u: { // yield: a white triangle, point down, red border
            out = paint(out, sd_polygon(q, o, 1.0, 3u, 3.14159), e, RED);
            out = paint(out, sd_polygon(q, o, 0.62, 3u, 3.14159), e, WHITE);
        }
        case 2u: { // no entry: a red disc with a white bar
            out = paint(out, sd_circle(q, o, 1.0), e, RED);
            out = paint(out, sd_box(q, o, vec2<f32>(0.7, 0.17), 0.02), e, WHITE);
        }
        case 3u: { // speed limit: a red ring around white, a black "30"
            out = paint(out, sd_circle(q, o, 1.0), e, RED);
            out = paint(out, sd_circle(q, o, 0.76), e, WHITE);
            let three = min(sd_bezier(q, vec2<f32>(-0.5, -0.3), vec2<f32>(-0.05, -0.45), vec2<f32>(-0.25, 0.0)),
                            sd_bezier(q, vec2<f32>(-0.25, 0.0), vec2<f32>(-0.02, 0.45), vec2<f32>(-0.5, 0.3)));
            let zero = abs(sd_ellipse(q, vec2<f32>(0.25, 0.0), vec2<f32>(0.18, 0.32)));
            out = paint(out, min(three, zero) - 0.06, e, BLACK);
        }
        case 4u: { // no parking: a blue disc in a red ring, a red slash
            out = paint(out, sd_circle(q, o, 1.0), e, RED);
            out = paint(out, sd_circle(q, o, 0.78), e, BLUE);
            out = paint(out, sd_capsule(q, vec2<f32>(-0.55, -0.55), vec2<f32>(0.55, 0.55), 0.1), e, RED);
        }
        case 5u: { // ahead only
            out = paint(out, sd_circle(q, o, 1.0), e, BLUE);
            out = paint(out, arrow(q, 0.0), e, WHITE);
        }
        case 6u: { // turn left
            out = paint(out, sd_circle(q, o, 1.0), e, BLUE);
            out = paint(out, arrow(q, -1.5708), e, WHITE);
        }
        case 7u: { // turn right
            out = paint(out, sd_circle(q, o, 1.0), e, BLUE);
            out = paint(out, arrow(q, 1.5708), e, WHITE);
        }
        case 8u: { // roundabout: a white ring with three arrow heads
            out = paint(out, sd_circle(q, o, 1.0), e, BLUE);
            var glyph = abs(sd_circle(q, o, 0.5)) - 0.08;
            for (var i = 0u; i < 3u; i = i + 1u) {
                let a = 2.0944 * f32(i);
                let at = vec2<f32>(sin(a), -cos(a)) * 0.5;
                glyph = min(glyph, sd_polygon(q, at, 0.2, 3u, a + 1.5708));
            }
            out = paint(out, glyph, e, WHITE);
        }
        case 9u: { // warning: a red triangle, white inside, a black "!"
            out = paint(out, sd_polygon(q, o, 1.0, 3u, 0.0), e, RED);
            out = paint(out, sd_polygon(q, o, 0.66, 3u, 0.0), e, WHITE);
            let bang = min(sd_capsule(q, vec2<f32>(0.0, -0.22), vec2<f32>(0.0, 0.08), 0.07), sd_circle(q, vec2<f32>(0.0, 0.24), 0.07));
            out = paint(out, bang, e, BLACK);
        }
        case 10u: { // pedestrian crossing: a blue square, a white triangle, a walking figure
            out = paint(out, sd_polygon(q, o, 1.05, 4u, 0.7854), e, BLUE);
            out = paint(out, sd_polygon(q, vec2<f32>(0.0, 0.05), 0.7, 3u, 0.0), e, WHITE);
            let body = sd_capsule(q, vec2<f32>(0.0, -0.12), vec2<f32>(0.0, 0.15), 0.05);
            let legs = min(sd_capsule(q, vec2<f32>(0.0, 0.15), vec2<f32>(-0.15, 0.35), 0.045),
                           sd_capsule(q, vec2<f32>(0.0, 0.15), vec2<f32>(0.15, 0.35), 0.045));
            let head = sd_circle(q, vec2<f32>(0.0, -0.25), 0.07);
            out = paint(out, min(min(body, legs), head), e, BLACK);
        }
        default: { // priority road: a yellow diamond with a white border
            out = paint(out, sd_polygon(q, o, 1.0, 4u, 0.0), e, WHITE);
            out = paint(out, sd_polygon(q, o, 0.72, 4u, 0.0), e, YELLOW);
        }
    }
    return out;
}

// Busy backgrounds: fractal noise in one hue, crossed by stripes and blotches of another.
fn background(s: Sample, p: vec2<f32>) -> vec3<f32> {
    let n = fbm(p * 2.5, s.seed, u32(s.knobs.octaves));
    let base = hsv(s.knobs.bg_hue, 0.4, 0.2 + 0.6 * n);
    let lines = 0.5 + 0.5 * stripes((p.x * 0.8 + p.y * 0.6) * 9.0 + 10.0 * s.knobs.bg_hue);
    let blotch = smoothstep(0.55, 0.7, value_noise(p * 1.7 + vec2<f32>(7.0, 3.0), s.seed ^ 0x9e37u));
    let other = hsv(fract(s.knobs.bg_hue + 0.4), 0.5, 0.35 + 0.4 * lines);
    return mix(base, other, s.knobs.clutter * max(blotch, 0.6 * lines * n));
}

fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {
    let c = class_of(s);
    let e = 0.02 + s.knobs.blur;
    let behind = background(s, uv(x, y));
    var color = vec3<f32>(0.0);
    // 2 x 2 supersampling: crisp but not jagged edges at 64 x 64.
    for (var k = 0u; k < 4u; k = k + 1u) {
        let p = to_shape(vec2<f32>(f32(x), f32(y)) + vec2<f32>(0.5, 0.5) + subpixel(k, 2u));
        let moved = rotate(p - vec2<f32>(s.knobs.shift_x, s.knobs.shift_y), -s.knobs.angle) / s.knobs.scale;
        let q = perspective(moved, vec2<f32>(s.knobs.tilt_x, s.knobs.tilt_y));
        let painted = sign(c, q, e / s.knobs.scale);
        let paint = mix(painted.rgb, vec3<f32>(grey(painted.rgb)), s.knobs.fade) * s.knobs.light;
        color = color + mix(behind, paint, painted.a);
    }
    let n = rand(s.seed, y * frame().width + x) - 0.5;
    return color * 0.25 + vec3<f32>(s.knobs.noise * n);
}
