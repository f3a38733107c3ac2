//! Preset files under the fault classes of README's Guarantees: a shader that never ends
//! (stopped at `--batch-time-limit`), one that returns NaN or infinite colours, a preset
//! edited after its render (then resumed, or rendered again with `--like`: the recorded
//! text's BLAKE3 decides), 65,536 classes, and knobs at their count and name limits. Preset
//! files render through wgpu (lavapipe in the test command); the edit cases use the built-in
//! `fashion` shader under a TOML of one's own, which the CPU reference renderer draws too.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use common::{adapter_found, fails, files_under, manifest, ok, path_str, shards, synmix};

/// Writes `p.toml` and `p.wgsl` into `dir`; the TOML's path.
fn preset(dir: &Path, toml: &str, wgsl: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("p.toml"), toml).unwrap();
    std::fs::write(dir.join("p.wgsl"), wgsl).unwrap();
    path_str(&dir.join("p.toml")).to_string()
}

/// `synmix generate --preset TOML --per-class N --out OUT -q` and `extra`.
fn generate(toml: &str, per_class: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "generate",
        "--preset",
        toml,
        "--per-class",
        per_class,
        "--out",
        path_str(out),
        "-q",
    ];
    args.extend(extra);
    synmix(&args)
}

fn stderr(run: &Output) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

/// Whether `err` is one line holding every one of `words`: how a refusal reads.
fn one_line_saying(err: &str, words: &[&str]) -> bool {
    err.trim().lines().count() == 1 && words.iter().all(|word| err.contains(word))
}

const ONE_KNOB: &str = "classes = [\"a\", \"b\"]\nsize = [8, 8]\n[knobs]\nv = [0.1, 0.9]\n";

/// A loop that never ends (v stays below 1), each turn heavy: lavapipe stops any invocation's
/// loops after 65,535 turns in all, so there it ends, after about a minute for 64×64 images
/// (far past the limit the test sets); on a GPU it would not end at all.
fn endless() -> String {
    let turn = "        v = sin(v * 1.3 + 0.1);\n".repeat(64);
    format!(
        "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {{
    var v = s.knobs.v + f32(x + y);
    loop {{
{turn}        if v > 2.0 {{ break; }}
    }}
    return vec3<f32>(v);
}}
"
    )
}

#[test]
fn a_shader_that_never_ends_stops_at_the_batch_time_limit_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let toml = preset(
        tmp.path(),
        &ONE_KNOB.replace("[8, 8]", "[64, 64]"),
        &endless(),
    );
    let out = tmp.path().join("out");
    let started = Instant::now();
    let run = generate(&toml, "2", &out, &["--batch-time-limit", "2"]);
    if !adapter_found(&run) {
        return;
    }
    let err = stderr(&run);
    assert!(!run.status.success(), "an endless shader rendered");
    assert!(
        one_line_saying(
            &err,
            &["--batch-time-limit: is 2 s", "preset p", "never ends"]
        ),
        "{err}"
    );
    // Not waiting for the batch on the way out either (it would take about a minute here).
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    assert!(!out.exists(), "left {:?}", files_under(&out));
}

#[test]
fn nan_or_infinite_colours_are_refused_naming_the_row_and_its_values() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, colour) in [
        // NaN for the samples whose v is below 0.5 (sqrt of a negative).
        ("nan", "vec3<f32>(sqrt(s.knobs.v - 0.5))"),
        // An infinity (a division by zero) at one pixel of every image.
        ("inf", "vec3<f32>(s.knobs.v / f32(x + y))"),
    ] {
        let wgsl = format!(
            "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {{\n    return {colour};\n}}\n"
        );
        let toml = preset(&tmp.path().join(name), ONE_KNOB, &wgsl);
        let out = tmp.path().join(format!("{name}-out"));
        let run = generate(&toml, "20", &out, &[]);
        if !adapter_found(&run) {
            return;
        }
        let err = stderr(&run);
        assert!(!run.status.success(), "{name}: rendered");
        assert!(
            one_line_saying(
                &err,
                &[
                    "p.wgsl",
                    "not a finite number",
                    "train row ",
                    "\"knobs\":{\"v\":"
                ]
            ),
            "{name}: {err}"
        );
        assert!(!out.exists(), "{name}: left {:?}", files_under(&out));
    }
}

/// The built-in `fashion` preset under a TOML of one's own (its `contrast` knob set to
/// `contrast`), which the CPU reference renderer draws, written into `dir`: the TOML's path.
fn own_fashion(dir: &Path, contrast: &str) -> String {
    let toml = std::fs::read_to_string("presets/fashion.toml")
        .unwrap()
        .replace(
            "\ncontrast = [0.4, 1.0]",
            &format!("\ncontrast = {contrast}"),
        );
    let wgsl = std::fs::read_to_string("presets/fashion.wgsl").unwrap();
    preset(dir, &toml, &wgsl)
}

#[test]
fn a_preset_edited_after_its_render_is_known_by_its_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("preset");
    let toml = own_fashion(&source, "[0.4, 1.0]");
    assert!(
        std::fs::read_to_string(&toml)
            .unwrap()
            .contains("\ncontrast = [0.4, 1.0]")
    );
    let cpu = ["--device", "cpu", "--resume"];
    let done = tmp.path().join("done");
    assert!(generate(&toml, "3", &done, &cpu).status.success());
    let unfinished = tmp.path().join("unfinished");
    // With a test split, two shards: the first alone leaves the render unfinished.
    let first_of_two = [
        "--device",
        "cpu",
        "--test-per-class",
        "1",
        "--shard-index",
        "0",
        "--num-shards",
        "2",
    ];
    let run = generate(&toml, "3", &unfinished, &first_of_two);
    assert!(run.status.success(), "{}", stderr(&run));
    let before = (files_under(&done), manifest(&done), shards(&done));
    let unfinished_before = files_under(&unfinished);

    // Edited: the recorded TOML's BLAKE3 no longer matches the file's.
    own_fashion(&source, "[0.9, 1.0]");
    let err = fails(&[
        "generate",
        "--preset",
        &toml,
        "--per-class",
        "3",
        "--device",
        "cpu",
        "--resume",
        "--out",
        path_str(&done),
        "-q",
    ]);
    assert!(
        one_line_saying(
            &err,
            &[
                "holds a finished dataset made with other arguments",
                "the preset's TOML: BLAKE3 ",
                "--force"
            ]
        ),
        "{err}"
    );
    assert_eq!((files_under(&done), manifest(&done), shards(&done)), before);
    let err = fails(&[
        "generate",
        "--preset",
        &toml,
        "--per-class",
        "3",
        "--test-per-class",
        "1",
        "--device",
        "cpu",
        "--resume",
        "--out",
        path_str(&unfinished),
        "-q",
    ]);
    assert!(
        err.contains("unfinished run made with other arguments"),
        "{err}"
    );
    assert_eq!(files_under(&unfinished), unfinished_before);

    // --like renders what the manifest records, whatever the file says now.
    let again = tmp.path().join("again");
    ok(&[
        "generate",
        "--like",
        path_str(&done),
        "--out",
        path_str(&again),
        "--device",
        "cpu",
        "-q",
    ]);
    assert_eq!(shards(&again), before.2);
    // A manifest whose recorded text was edited by hand is refused: its hash decides.
    let edited = tmp.path().join("edited");
    std::fs::create_dir_all(&edited).unwrap();
    for file in files_under(&done) {
        let target = edited.join(&file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(done.join(&file), target).unwrap();
    }
    let text = std::fs::read_to_string(edited.join("manifest.json")).unwrap();
    let tampered = text.replace("\\ncontrast = [0.4, 1.0]", "\\ncontrast = [0.1, 1.0]");
    assert_ne!(text, tampered);
    std::fs::write(edited.join("manifest.json"), tampered).unwrap();
    let never = tmp.path().join("never");
    let err = fails(&[
        "generate",
        "--like",
        path_str(&edited),
        "--out",
        path_str(&never),
        "-q",
    ]);
    assert!(
        one_line_saying(&err, &["manifest.json", "does not match its toml_blake3"]),
        "{err}"
    );
    assert!(!never.exists());
}

/// `classes` names `count` classes `c0`, `c1`, ...
fn classes(count: usize) -> String {
    let names: Vec<String> = (0..count).map(|c| format!("\"c{c}\"")).collect();
    format!("classes = [{}]\nsize = [2, 2]\n", names.join(", "))
}

#[test]
fn sixty_five_thousand_five_hundred_thirty_six_classes_render_and_one_more_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let wgsl = "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {\n    return vec3<f32>(f32(class_of(s) % 256u) / 255.0);\n}\n";
    let most = generator::MAX_CLASSES;
    let toml = preset(&tmp.path().join("most"), &classes(most), wgsl);
    let out = tmp.path().join("most-out");
    let run = generate(&toml, "1", &out, &[]);
    if !adapter_found(&run) {
        return;
    }
    assert!(run.status.success(), "{}", stderr(&run));
    ok(&["verify", path_str(&out), "-q"]);
    let recorded = manifest(&out);
    assert_eq!(recorded["classes"].as_array().unwrap().len(), most);
    assert_eq!(recorded["classes"][most - 1], format!("c{}", most - 1));
    assert_eq!(recorded["splits"]["train"]["rows"], most);

    let toml = preset(&tmp.path().join("more"), &classes(most + 1), wgsl);
    let never = tmp.path().join("never");
    let err = fails(&[
        "generate",
        "--preset",
        &toml,
        "--out",
        path_str(&never),
        "-q",
    ]);
    let says = format!("has {} class(es); a preset needs 2 to {most}", most + 1);
    assert!(one_line_saying(&err, &["p.toml", &says]), "{err}");
    assert!(!never.exists());
}

/// A preset of `count` knobs, the first named `first`, and a shader reading every one.
fn knobs(dir: &Path, count: usize, first: &str) -> String {
    let names: Vec<String> = (0..count)
        .map(|k| {
            if k == 0 {
                first.to_string()
            } else {
                format!("k{k}")
            }
        })
        .collect();
    let mut toml = String::from("classes = [\"a\", \"b\"]\nsize = [1, 1]\n[knobs]\n");
    let mut sum = String::from("0.0");
    for (k, name) in names.iter().enumerate() {
        toml += &format!(
            "{name} = {}\n",
            if k % 2 == 0 {
                "[0, 1]"
            } else {
                "{ int = [0, 3] }"
            }
        );
        sum += &format!(" + f32(s.knobs.{name})");
    }
    let wgsl = format!(
        "fn shade(s: Sample, x: u32, y: u32) -> vec3<f32> {{\n    return vec3<f32>(fract({sum}));\n}}\n"
    );
    preset(dir, &toml, &wgsl)
}

#[test]
fn knobs_at_their_count_and_name_limits_render_and_beyond_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let longest = "n".repeat(generator::MAX_KNOB_NAME);
    let toml = knobs(&tmp.path().join("most"), generator::MAX_KNOBS, &longest);
    let out = tmp.path().join("most-out");
    // 1×1 images: the most images per batch, so the samples' buffer is at its largest.
    let run = generate(&toml, "100", &out, &[]);
    if adapter_found(&run) {
        assert!(run.status.success(), "{}", stderr(&run));
        ok(&["verify", path_str(&out), "-q"]);
        let meta = std::fs::read_to_string(out.join("manifest.json")).unwrap();
        assert!(meta.contains(&longest));
    }
    let refused: [(PathBuf, String, &str); 3] = [
        (
            tmp.path().join("many"),
            knobs(&tmp.path().join("many"), generator::MAX_KNOBS + 1, "k0"),
            "declares 257 knobs; a preset may have at most 256",
        ),
        (
            tmp.path().join("long"),
            knobs(&tmp.path().join("long"), 2, &format!("{longest}n")),
            "has a name of 65 characters; at most 64",
        ),
        (
            tmp.path().join("reserved"),
            knobs(&tmp.path().join("reserved"), 2, "loop"),
            "knob `loop` is a word WGSL reserves",
        ),
    ];
    for (dir, toml, words) in refused {
        let never = dir.join("never");
        let err = fails(&[
            "generate",
            "--preset",
            &toml,
            "--out",
            path_str(&never),
            "-q",
        ]);
        assert!(one_line_saying(&err, &["p.toml", words]), "{err}");
        assert!(!never.exists());
    }
}
