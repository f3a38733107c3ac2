// Hand-drawn outlines (presets/sketch.toml): the outline of a garment of shaders/garments.wgsl,
// placed and warped as `fashion` places its silhouettes, drawn with a pen that presses harder in
// places, with or without the seams. The CPU reference renderer (generator/src/cpu/shade.rs)
// mirrors this file line for line; change both together.

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
    // A pen that presses harder in places.
    let pen = stroke * (1.0 + 0.35 * wave(q.x * 9.0 + q.y * 7.0 + s.knobs.warp_phase_x));
    var ink = cover(abs(g.x) - pen, edge);
    if s.knobs.seams == 1 {
        ink = max(ink, cover(g.y - pen * 0.8, edge));
    }
    let color = mix(bg, fg, ink);

    let n = rand(s.seed, y * f.width + x);
    return color + vec3<f32>(s.knobs.noise * (2.0 * n - 1.0));
}
