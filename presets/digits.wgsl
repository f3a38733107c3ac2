// Stroke-font digits (presets/digits.toml): the skeleton of a glyph, placed and warped, stroked
// solid, hollow or in segments, with stripes in the ink. The CPU reference renderer
// (generator/src/cpu/shade.rs and shapes.rs) mirrors this file line for line; change both
// together.

// The distance to the skeleton of digit `class_id` at q: width a and middle-bar height b in
// [0, 1), strokes shortened by `g` at both ends (segmented digits).
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

fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {
    // The pixel in the glyph's own frame: moved, turned, sheared, scaled, then warped.
    let f = frame();
    let half = f32(min(f.width, f.height)) * 0.5;
    let inv = 1.0 / s.knobs.scale;
    let o = uv(x, y) - 2.0 * vec2<f32>(s.knobs.translate_x, s.knobs.translate_y);
    let p = shear(rotate(o, -radians(s.knobs.rotation)), -s.knobs.shear) * vec2<f32>(inv / s.knobs.aspect, inv);
    let q = elastic(p, s.knobs.elastic, s.knobs.warp_freq, vec2<f32>(s.knobs.warp_phase_x, s.knobs.warp_phase_y));
    let stroke = s.knobs.stroke_width * inv;
    let edge = (0.5 + s.knobs.blur) / half * inv;

    // Colours only in RGB: a grey image takes the brightness alone.
    let saturation = select(s.knobs.saturation, 0.0, f.channels == 1u);
    let fg = hsv(s.knobs.hue, saturation, s.knobs.contrast);
    let bg = hsv(s.knobs.background_hue, saturation * 0.5, s.knobs.background);

    let gap = select(0.0, 0.1, s.knobs.style == 2);
    let d = digit(class_of(s), q, gap, s.knobs.shape_a, s.knobs.shape_b) - stroke;
    var ink = cover(d, edge);
    if s.knobs.style == 1 {
        ink = cover(abs(d) - stroke * 0.45, edge);
    }
    let u = (q.x * cos(s.knobs.texture_angle) + q.y * sin(s.knobs.texture_angle)) * s.knobs.texture_freq;
    let color = mix(bg, fg * (1.0 + s.knobs.texture * wave(u)), ink);

    let n = rand(s.seed, y * f.width + x);
    return color + vec3<f32>(s.knobs.noise * (2.0 * n - 1.0));
}
