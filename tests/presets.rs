//! Preset files end to end: a user's three-class preset rendered through the CLI (on
//! lavapipe in the test command), rendered again from its manifest alone byte for byte, every
//! preset in `presets/` (the built-ins' files among them) the same bytes however it is run, and
//! a bad preset refused in one line with nothing written.

mod common;

use std::path::Path;
use std::process::Output;

use common::{fails, manifest, ok, path_str, shards, synmix};

const TOML: &str = r#"classes = ["triangle", "square", "hexagon"]
size = [24, 20]
channels = 3
[knobs]
angle = [-0.3, 0.3]
size = { normal = [0.6, 0.1], clip = [0.3, 0.9] }
sides = { int = [5, 7] }
hue = { choice = [0.0, 0.6], weights = [3, 1] }
[class.triangle]
sides = 3
[class.square]
sides = 4
"#;

const WGSL: &str = "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {
    let p = rotate(uv(x, y), s.knobs.angle);
    let d = sd_polygon(p, vec2<f32>(0.0), s.knobs.size, u32(s.knobs.sides), 0.0);
    return mix(vec3<f32>(fbm(p * 3.0, s.seed, 3u) * 0.3), hsv(s.knobs.hue, 0.8, 0.9), cover(d, 0.05));
}
";

fn write_preset(dir: &Path, wgsl: &str) -> String {
    std::fs::write(dir.join("shapes.toml"), TOML).unwrap();
    std::fs::write(dir.join("shapes.wgsl"), wgsl).unwrap();
    path_str(&dir.join("shapes.toml")).to_string()
}

/// Whether `run` rendered: false where no wgpu adapter is found (see `common::adapter_found`);
/// where one is, the run must have succeeded (`what` names it in the failure).
fn rendered(run: &Output, what: &str) -> bool {
    if !common::adapter_found(run) {
        return false;
    }
    assert!(
        run.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    true
}

#[test]
fn a_user_preset_renders_and_renders_again_from_its_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let preset = write_preset(tmp.path(), WGSL);
    let first = tmp.path().join("first");
    let args = [
        "generate",
        "--preset",
        &preset,
        "--per-class",
        "40",
        "--test-per-class",
        "5",
        "--knob",
        "angle=0..0.2",
        "--seed",
        "3",
        "--out",
        path_str(&first),
        "-q",
    ];
    if !rendered(&synmix(&args), "generate --preset shapes.toml") {
        return;
    }
    ok(&["verify", path_str(&first)]);
    let recorded = manifest(&first);
    assert_eq!(
        recorded["classes"],
        serde_json::json!(["triangle", "square", "hexagon"])
    );
    assert_eq!(recorded["image"]["width"], 24);
    assert_eq!(recorded["splits"]["train"]["rows"], 120);
    let config = &recorded["recipe"]["config"];
    assert_eq!(config["preset"]["toml"], TOML);
    assert_eq!(config["preset"]["wgsl"], WGSL);
    assert_eq!(
        config["preset"]["knob_overrides"],
        serde_json::json!(["angle=0..0.2"])
    );
    assert!(
        config["renderer"].as_str().unwrap().starts_with("wgpu on "),
        "{config}"
    );

    // The same dataset from the manifest alone, with the preset's files gone.
    std::fs::remove_file(tmp.path().join("shapes.wgsl")).unwrap();
    let again = tmp.path().join("again");
    ok(&[
        "generate",
        "--like",
        path_str(&first),
        "--out",
        path_str(&again),
        "-q",
    ]);
    assert_eq!(shards(&first), shards(&again));
    // One shard of it alone (the test split's).
    let one = tmp.path().join("one");
    ok(&[
        "generate",
        "--like",
        path_str(&first),
        "--out",
        path_str(&one),
        "--shard-index",
        "1",
        "--num-shards",
        "2",
        "-q",
    ]);
    let test_shard = "test-00000-of-00001.parquet";
    let original = shards(&first)
        .into_iter()
        .find(|(n, _)| n == test_shard)
        .unwrap();
    let alone = std::fs::read(one.join("data").join(test_shard)).unwrap();
    assert_eq!(original.1, alone);
}

#[test]
fn the_example_presets_render_and_preview() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("signs");
    let run = synmix(&[
        "generate",
        "--preset",
        "presets/signs.toml",
        "--per-class",
        "4",
        "--out",
        path_str(&out),
        "-q",
    ]);
    if !rendered(&run, "generate --preset presets/signs.toml") {
        return;
    }
    ok(&["verify", path_str(&out)]);
    let recorded = manifest(&out);
    assert_eq!(recorded["classes"].as_array().unwrap().len(), 12);
    assert_eq!(recorded["image"]["channels"], 3);
    assert_eq!(recorded["image"]["height"], 64);
    let grid = tmp.path().join("signs.png");
    ok(&[
        "generate",
        "--preset",
        "presets/signs.toml",
        "--grid",
        path_str(&grid),
        "--grid-per-class",
        "3",
    ]);
    let sheet = image::open(&grid).unwrap();
    assert!(
        sheet.height() > 12 * 64,
        "one row per class: {}",
        sheet.height()
    );
    let table = ok(&[
        "speed",
        "generate",
        "--preset",
        "presets/signs.toml",
        "--per-class",
        "5",
    ]);
    assert!(table.contains("encode-only ceiling"), "{table}");
}

/// Renders `preset` (3 train and 1 test image per class: two shards) into `out`, on
/// `threads` rayon threads where given; the output of the run.
fn render(preset: &str, out: &Path, threads: Option<&str>, extra: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_synmix"));
    command
        .args(["generate", "--preset", preset, "--per-class", "3"])
        .args(["--test-per-class", "1", "--seed", "4", "-q", "--out"])
        .arg(out)
        .args(extra)
        .env("RUST_LOG", "warn");
    if let Some(threads) = threads {
        command.env("RAYON_NUM_THREADS", threads);
    }
    command.output().expect("synmix runs")
}

#[test]
fn every_preset_in_the_repository_renders_the_same_bytes_however_it_is_run() {
    let tmp = tempfile::tempdir().unwrap();
    let mut presets: Vec<String> = std::fs::read_dir("presets")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| path_str(&p).to_string())
        .collect();
    presets.sort();
    for builtin in [
        "presets/digits.toml",
        "presets/fashion.toml",
        "presets/sketch.toml",
    ] {
        assert!(presets.iter().any(|p| p == builtin), "{presets:?}");
    }
    for preset in &presets {
        let name = Path::new(preset).file_stem().unwrap().to_str().unwrap();
        let dir = tmp.path().join(name);
        let first = dir.join("first");
        if !rendered(&render(preset, &first, None, &[]), preset) {
            continue;
        }
        ok(&["verify", path_str(&first)]);
        let bytes = shards(&first);
        assert_eq!(bytes.len(), 2, "{preset}: a train and a test shard");

        // Again, on one thread.
        let again = dir.join("again");
        assert!(render(preset, &again, Some("1"), &[]).status.success());
        assert_eq!(shards(&again), bytes, "{preset}: on one thread");
        // Shard by shard: the test shard alone, then the rest by resuming.
        let split = dir.join("split");
        let shard = ["--shard-index", "1", "--num-shards", "2"];
        assert!(render(preset, &split, None, &shard).status.success());
        assert!(render(preset, &split, None, &["--resume"]).status.success());
        assert_eq!(shards(&split), bytes, "{preset}: shard by shard");
        // From the manifest alone.
        let like = dir.join("like");
        ok(&[
            "generate",
            "--like",
            path_str(&first),
            "--out",
            path_str(&like),
            "-q",
        ]);
        assert_eq!(shards(&like), bytes, "{preset}: again from its manifest");
    }
}

#[test]
fn a_built_in_is_its_file_on_the_gpu_and_on_the_cpu() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["fashion", "sketch", "digits"] {
        let file = format!("presets/{name}.toml");
        let (by_name, by_file) = (
            tmp.path().join(name),
            tmp.path().join(format!("{name}-file")),
        );
        assert!(render(name, &by_name, None, &[]).status.success());
        assert!(render(&file, &by_file, None, &[]).status.success());
        assert_eq!(shards(&by_name), shards(&by_file), "{name}");
        let recorded = manifest(&by_name);
        assert_eq!(recorded["recipe"]["config"]["preset"]["name"], name);
        assert_eq!(
            recorded["recipe"]["config"]["preset"]["toml"],
            std::fs::read_to_string(&file).unwrap()
        );
        // The CPU reference renderer draws the file read from disk too (its shader is the
        // built-in's), and so does a render again from the manifest.
        let cpu = tmp.path().join(format!("{name}-cpu"));
        assert!(
            render(&file, &cpu, None, &["--device", "cpu"])
                .status
                .success()
        );
        ok(&["verify", path_str(&cpu)]);
        let like = tmp.path().join(format!("{name}-like"));
        ok(&[
            "generate",
            "--like",
            path_str(&by_name),
            "--device",
            "cpu",
            "--out",
            path_str(&like),
            "-q",
        ]);
        assert_eq!(manifest(&like)["splits"]["train"]["rows"], 30);
    }
}

#[test]
fn a_config_file_sets_a_built_in_presets_knobs() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("my-digits.toml");
    std::fs::write(
        &config,
        "rotation = 0\nstyle = [1, 1]\nnoise = [0.0, 0.02]\n",
    )
    .unwrap();
    let out = tmp.path().join("digits");
    let run = render(
        "digits",
        &out,
        None,
        &["--config", path_str(&config), "--device", "cpu"],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let recorded = manifest(&out);
    assert_eq!(
        recorded["recipe"]["config"]["preset"]["knob_overrides"],
        serde_json::json!(["noise=0..0.02", "rotation=0", "style=1..1"])
    );
    // A knob the preset does not have is named, with the file.
    std::fs::write(&config, "translate = [-0.1, 0.1]\n").unwrap();
    let stderr = fails(&[
        "generate",
        "--preset",
        "digits",
        "--config",
        path_str(&config),
        "--out",
        path_str(&tmp.path().join("never")),
    ]);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("my-digits.toml")
            && stderr.contains("no knob `translate`")
            && stderr.contains("translate_x"),
        "{stderr}"
    );
    assert!(!tmp.path().join("never").exists());
}

#[test]
fn a_bad_preset_is_refused_in_one_line_with_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("never");
    let broken = WGSL.replace("let d = sd_polygon", "let d = sd_polygon(");
    let preset = write_preset(tmp.path(), &broken);
    let stderr = fails(&[
        "generate",
        "--preset",
        &preset,
        "--out",
        path_str(&out),
        "-q",
    ]);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("shapes.wgsl:3:"), "{stderr}");
    assert!(!out.exists());

    let preset = write_preset(tmp.path(), WGSL);
    let stderr = fails(&[
        "generate",
        "--preset",
        &preset,
        "--knob",
        "colour=1",
        "--out",
        path_str(&out),
        "-q",
    ]);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--knob") && stderr.contains("no knob `colour`"),
        "{stderr}"
    );
    std::fs::write(
        tmp.path().join("shapes.toml"),
        TOML.replace("[-0.3, 0.3]", "[0.3, -0.3]"),
    )
    .unwrap();
    let stderr = fails(&[
        "generate",
        "--preset",
        &preset,
        "--out",
        path_str(&out),
        "-q",
    ]);
    assert!(
        stderr.contains("shapes.toml")
            && stderr.contains("knob `angle` has min 0.3 greater than max -0.3"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// A preset file drawing Fashion-MNIST's ten classes (as shapes of 3 to 12 sides), 28×28 grey.
const FASHION_TOML: &str = r#"name = "polygons"
classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
size = [28, 28]
channels = 1
[knobs]
angle = [-0.3, 0.3]
"#;

const FASHION_WGSL: &str = "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {
    let p = rotate(uv(x, y), s.knobs.angle);
    let d = sd_polygon(p, vec2<f32>(0.0), 0.6, class_of(s) + 3u, 0.0);
    return vec3<f32>(cover(d, 0.05));
}
";

#[test]
fn a_bench_renders_a_preset_file_named_relative_to_its_experiment_and_checks_its_classes() {
    let tmp = tempfile::tempdir().unwrap();
    let real = common::import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let presets = tmp.path().join("presets");
    std::fs::create_dir(&presets).unwrap();
    std::fs::write(presets.join("polygons.toml"), FASHION_TOML).unwrap();
    std::fs::write(presets.join("polygons.wgsl"), FASHION_WGSL).unwrap();
    write_preset(&presets, WGSL);
    let experiments = tmp.path().join("experiments");
    std::fs::create_dir(&experiments).unwrap();
    let experiment = experiments.join("exp.toml");
    let with_preset = |preset: &str| {
        common::write_tiny_experiment(&experiment, &real, &["mlp"]);
        let text = std::fs::read_to_string(&experiment)
            .unwrap()
            .replace(r#"preset = "fashion""#, &format!(r#"preset = "{preset}""#));
        std::fs::write(&experiment, text).unwrap();
    };
    let out = tmp.path().join("bench");
    let bench = common::bench_args(&experiment, &out);

    // Classes the real data does not have: refused before any work, naming both lists.
    with_preset("../presets/shapes.toml");
    let err = fails(&bench);
    assert!(
        err.contains("is not a class of preset shapes")
            && err.contains("triangle, square, hexagon"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!out.exists(), "nothing is written before the check");

    with_preset("../presets/polygons.toml");
    if !rendered(&synmix(&bench), "bench with a preset file") {
        return;
    }
    let rendered = manifest(&out.join("data/synthetic-polygons"));
    assert_eq!(rendered["classes"][9], "Ankle boot");
    // The pin names the file wherever the bench is rerun from.
    let pinned = std::fs::read_to_string(out.join("experiment.toml")).unwrap();
    let absolute = presets.join("polygons.toml").canonicalize().unwrap();
    assert!(pinned.contains(path_str(&absolute)), "{pinned}");
    let runs = std::fs::read_dir(out.join("runs/near/mlp"))
        .unwrap()
        .count();
    assert_eq!(runs, 4);
}
