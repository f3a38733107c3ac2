// Shaded clothing silhouettes (presets/fashion.toml): a garment of shaders/garments.wgsl, placed,
// warped, filled with a fabric, softly lit, sometimes with a print on its chest. The CPU reference
// renderer (generator/src/cpu/shade.rs) mirrors this file line for line; change both together.

// A fabric pattern in [-1, 1], without branches: stripes (print 0, check 0), checks (check 1)
// or a blotchy print (print 1).
fn fabric(u: f32, v: f32, print: f32, check: f32, seed: u32) -> f32 {
    let stripes = wave(u) * (1.0 - check + check * wave(v));
    return mix(stripes, 2.0 * value_noise(vec2<f32>(u, v) * 0.35, seed) - 1.0, print);
}

fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {
    // The pixel in the garment's own frame: moved, turned, sheared, scaled, then warped.
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

    let g = garment(class_of(s), q, s.knobs.shape_a, s.knobs.shape_b, s.knobs.shape_c, s.knobs.shape_d);
    let inner = clamp(-g.x * 12.0, 0.0, 1.0);
    // A soft light: Fashion-MNIST's products are evenly lit.
    let light = 1.0 + 0.15 * (cos(s.knobs.light_angle) * q.x + sin(s.knobs.light_angle) * q.y);
    let seam = cover(g.y - stroke, edge);
    let kind = u32(s.knobs.fabric);
    let pattern = select(s.knobs.texture, 0.0, kind == 0u);
    let check = select(0.0, 1.0, kind == 2u);
    let print = select(0.0, 1.0, kind == 3u);
    let dx = cos(s.knobs.texture_angle);
    let dy = sin(s.knobs.texture_angle);
    let u = (q.x * dx + q.y * dy) * s.knobs.texture_freq;
    let v = (q.y * dx - q.x * dy) * s.knobs.texture_freq;
    // A print on the chest: a logo, a slogan, a picture.
    let t = s.knobs.logo_contrast;
    let bright = s.knobs.logo * sign(t) * (0.3 + 0.4 * abs(t));
    let logo = bright * cover(sd_box(q, vec2<f32>(0.0, s.knobs.logo_y), vec2<f32>(s.knobs.logo_width, s.knobs.logo_height), 0.02), edge);
    let value = (0.85 + 0.2 * inner) * light * (1.0 + pattern * fabric(u, v, print, check, s.seed)) * (1.0 - 0.55 * seam) * (1.0 + logo);
    let color = mix(bg, fg * value, cover(g.x, edge));

    let n = rand(s.seed, y * f.width + x);
    return color + vec3<f32>(s.knobs.noise * (2.0 * n - 1.0));
}
