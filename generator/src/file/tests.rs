//! Preset files: loading, per-class knobs, overrides, the drawn samples, and every error a
//! user can make, each named in one line.

use super::*;
use crate::file::Stream;

const TOML: &str = r#"
classes = ["triangle", "square", "hexagon"]
size = [32, 24]
channels = 3
[knobs]
angle = [-0.3, 0.3]
size = { normal = [0.6, 0.1], clip = [0.3, 0.9] }
sides = { int = [3, 6] }
hue = { choice = [0.0, 0.6], weights = [3, 1] }
[class.triangle]
sides = 3
[class.square]
sides = 4
"#;

const WGSL: &str = "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {
    let p = rotate(uv(x, y), s.knobs.angle);
    let d = sd_polygon(p, vec2<f32>(0.0), s.knobs.size, u32(s.knobs.sides), 0.0);
    return mix(vec3<f32>(0.1), hsv(s.knobs.hue, 0.8, 0.9), cover(d, 0.05));
}
";

fn load(toml: &str, wgsl: &str) -> Result<PresetFile> {
    PresetFile::from_text("shapes", "shapes.toml", toml, "shapes.wgsl", wgsl)
}

fn error(toml: &str, wgsl: &str) -> String {
    let message = load(toml, wgsl).unwrap_err().to_string();
    assert!(!message.contains('\n'), "not one line: {message}");
    message
}

#[test]
fn a_preset_file_loads_with_its_classes_image_and_knobs() {
    let file = load(TOML, WGSL).unwrap();
    assert_eq!(file.name, "shapes");
    assert_eq!(file.classes, ["triangle", "square", "hexagon"]);
    assert_eq!(
        (file.image.width, file.image.height, file.image.channels),
        (32, 24, 3)
    );
    let sides = file.knobs.iter().find(|k| k.name == "sides").unwrap();
    assert_eq!(sides.kind, KnobType::I32);
    assert_eq!(sides.per_class[0], Distribution::Fixed(3.0));
    assert_eq!(sides.per_class[2], Distribution::Int { min: 3, max: 6 });
}

#[test]
fn samples_take_their_class_from_the_index_and_their_class_knobs() {
    let file = load(TOML, WGSL).unwrap();
    let sides = file.knobs.iter().position(|k| k.name == "sides").unwrap();
    for i in 0..300 {
        let sample = FileSample::draw(&file, 5, Stream::Train, i);
        assert_eq!(sample.class as u64, i % 3);
        let n = sample.values[sides];
        match sample.class {
            0 => assert_eq!(n, 3.0),
            1 => assert_eq!(n, 4.0),
            _ => assert!((3.0..=6.0).contains(&n) && n.fract() == 0.0),
        }
        assert_eq!(sample, FileSample::draw(&file, 5, Stream::Train, i));
        let mut words = Vec::new();
        sample.push_words(&file, &mut words);
        assert_eq!(words.len(), 2 + file.knobs.len());
        assert_eq!(words[0], sample.class);
        assert_eq!(words[2 + sides] as i32, n as i32);
    }
    let mut meta = String::new();
    FileSample::draw(&file, 5, Stream::Train, 1).write_meta(&file, &mut meta);
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["class"], "square");
    assert_eq!(meta["knobs"]["sides"], 4);
}

#[test]
fn overrides_replace_a_knob_for_every_class() {
    let mut file = load(TOML, WGSL).unwrap();
    file.apply_override("sides=5").unwrap();
    file.apply_override("angle=0.1..0.2").unwrap();
    let sides = file.knobs.iter().position(|k| k.name == "sides").unwrap();
    for i in 0..30 {
        assert_eq!(
            FileSample::draw(&file, 0, Stream::Test, i).values[sides],
            5.0
        );
    }
    assert_eq!(file.overrides, ["sides=5", "angle=0.1..0.2"]);
    for (arg, words) in [
        (
            "colour=1",
            "no knob `colour`; its knobs are angle, hue, sides, size",
        ),
        ("angle=0.3..0.1", "min 0.3 greater than max 0.1"),
        ("sides=3.5", "whole numbers"),
        ("angle", "name=value"),
    ] {
        let message = file.apply_override(arg).unwrap_err().to_string();
        assert!(message.contains(words), "{arg}: {message}");
    }
}

#[test]
fn bad_toml_is_refused_naming_the_file_and_the_problem() {
    let knobs = "[knobs]\nangle = 0.0\nsize = 0.5\nsides = 4\nhue = 0.1\n";
    for (toml, words) in [
        (
            "classes = [\"one\"]",
            "has 1 class(es); a preset needs 2 to 65536",
        ),
        ("size = [1, 2]", "needs `classes`"),
        ("classes = [\"a\", \"a\"]", "class 'a' is named twice"),
        (
            "classes = [\"a\", \"b\"]\nchannels = 2",
            "`channels` must be 1 (grey) or 3",
        ),
        (
            "classes = [\"a\", \"b\"]\ncolours = 3",
            "unknown entry `colours`",
        ),
        (
            &format!("classes = [\"a\", \"b\"]\n{knobs}[class.c]\nangle = 1.0"),
            "'c' is not one of the preset's classes",
        ),
        (
            &format!("classes = [\"a\", \"b\"]\n{knobs}[class.a]\ntilt = 1.0"),
            "sets knob `tilt`, which [knobs] does not declare",
        ),
        (
            "classes = [\"a\", \"b\"]\n[knobs]\nangle = [1.0, 0.0]",
            "knob `angle` has min 1 greater than max 0",
        ),
        (
            "classes = [\"a\", \"b\"]\n[knobs]\nangle = { choice = [1, 2], weights = [0, 0] }",
            "positive weight",
        ),
        (
            "classes = [\"a\", \"b\"]\n[knobs]\nAngle = 1.0",
            "lower-case name",
        ),
        ("classes = [\"a\", \"b\"", "shapes.toml"),
        (
            "classes = [\"a\", \"b\"]\n[knobs]\nloop = 1.0",
            "knob `loop` is a word WGSL reserves",
        ),
        (
            &format!(
                "classes = [\"a\", \"b\"]\n[knobs]\n{} = 1.0",
                "k".repeat(65)
            ),
            "has a name of 65 characters; at most 64",
        ),
        (
            &format!(
                "classes = [\"a\", \"b\"]\n[knobs]\n{}",
                (0..=MAX_KNOBS)
                    .map(|k| format!("k{k} = 1\n"))
                    .collect::<String>()
            ),
            "declares 257 knobs; a preset may have at most 256",
        ),
        (
            "classes = [\"a\", \"b\"]\n[knobs]\nangle = { normal = [0.5, 0.1], clip = [5.0, 6.0] }",
            "knob `angle` normal [0.5, 0.1] puts 0.000 % of its draws inside its clip [5, 6]",
        ),
        (
            &format!(
                "classes = [\"a\", \"b\"]\n{knobs}[class.b]\nsize = {{ normal = [0, 1], clip = [3, 4] }}"
            ),
            "[class.b] knob `size` normal [0, 1] puts 0.132 %",
        ),
    ] {
        let message = error(toml, WGSL);
        assert!(
            message.contains("preset shapes.toml") && message.contains(words),
            "{toml}: {message}"
        );
    }
}

#[test]
fn bad_wgsl_is_refused_with_its_file_line_and_column() {
    let head = "classes = [\"a\", \"b\"]\n[knobs]\nangle = 0.0\n";
    let message = error(
        head,
        "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {\n    let a = s.knobs.angle\n    return vec3<f32>(a);\n}\n",
    );
    assert!(message.contains("shapes.wgsl:3:"), "{message}");
    // A knob the shader reads but the TOML does not declare.
    let message = error(
        head,
        "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {\n    return vec3<f32>(s.knobs.angle + s.knobs.tilt);\n}\n",
    );
    assert!(
        message.contains("shapes.wgsl:2:") && message.contains("tilt"),
        "{message}"
    );
    // A knob the TOML declares but the shader never reads.
    let message = error(
        &format!("{head}tilt = 1.0\n"),
        "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {\n    return vec3<f32>(s.knobs.angle);\n}\n",
    );
    assert!(message.contains("never reads knob `tilt`"), "{message}");
    // No entry function, or one of another shape.
    for wgsl in [
        "fn shader(s: Sample, x: u32, y: u32) -> vec3<f32> {\n    return vec3<f32>(s.knobs.angle);\n}\n",
        "fn shade(s: Sample, x: u32, y: u32) -> f32 {\n    return s.knobs.angle;\n}\n",
    ] {
        let message = error(head, wgsl);
        assert!(
            message.contains("shapes.wgsl")
                && message
                    .contains("must define `fn shade(s: Sample, x: u32, y: u32) -> vec3<f32>`"),
            "{message}"
        );
    }
}

#[test]
fn files_over_their_size_limits_are_refused_before_any_check() {
    // A comment fills a file to its limit.
    let padded = |text: &str, comment: &str, limit: usize| {
        let mut text = format!("{text}{comment}");
        text.push_str(&"x".repeat(limit - text.len()));
        text
    };
    let refusal = |toml: &str, wgsl: &str| load(toml, wgsl).err().map(|e| e.to_string());
    let wgsl = padded(WGSL, "//", MAX_WGSL_BYTES);
    let started = std::time::Instant::now();
    assert_eq!(refusal(TOML, &wgsl), None);
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    let message = refusal(TOML, &format!("{wgsl}x")).unwrap();
    assert!(
        message.contains("preset shapes.wgsl: is over 256 KiB"),
        "{message}"
    );
    let toml = padded(TOML, "#", MAX_TOML_BYTES);
    assert_eq!(refusal(&toml, WGSL), None);
    let message = refusal(&format!("{toml}x"), WGSL).unwrap();
    assert!(
        message.contains("preset shapes.toml: is over 8192 KiB"),
        "{message}"
    );
}

#[test]
fn many_classes_load_and_draw() {
    let names: Vec<String> = (0..1000).map(|i| format!("\"c{i}\"")).collect();
    let toml = format!(
        "classes = [{}]\n[knobs]\nangle = [0.0, 1.0]\n",
        names.join(", ")
    );
    let wgsl = "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {\n    return vec3<f32>(s.knobs.angle * f32(s.class_id % 7u) / 7.0);\n}\n";
    let file = load(&toml, wgsl).unwrap();
    assert_eq!(file.classes.len(), 1000);
    assert_eq!(FileSample::draw(&file, 0, Stream::Train, 1999).class, 999);
    // Beyond the specialising bound, one pipeline draws every class.
    assert!(program(&file).per_class.is_empty());
}

#[test]
fn a_config_file_sets_knobs_as_overrides_do() {
    let mut file = load(TOML, WGSL).unwrap();
    file.apply_config("my.toml", "angle = [0.1, 0.2]\nsides = 5\nhue = 0.5\n")
        .unwrap();
    let sides = file.knobs.iter().position(|k| k.name == "sides").unwrap();
    assert_eq!(
        FileSample::draw(&file, 0, Stream::Train, 0).values[sides],
        5.0
    );
    // Recorded as --knob overrides, so that a manifest renders it again.
    assert_eq!(file.overrides, ["angle=0.1..0.2", "hue=0.5", "sides=5"]);
    for (text, words) in [
        (
            "rotaton = 5",
            "my.toml: `rotaton`: preset shapes has no knob",
        ),
        ("angle = [0.2, 0.1]", "min 0.2 greater than max 0.1"),
        ("sides = 3.5", "whole numbers"),
        (
            "angle = [1, 2, 3]",
            "`angle` must be a number or [min, max]",
        ),
        ("angle = \"lots\"", "`angle` must be a number or [min, max]"),
        ("angle = [", "my.toml"),
    ] {
        let message = load(TOML, WGSL)
            .unwrap()
            .apply_config("my.toml", text)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains(words) && !message.contains('\n'),
            "{text}: {message}"
        );
    }
}
