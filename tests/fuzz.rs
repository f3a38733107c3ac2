//! The text formats users write by hand, fuzzed (`fuzzing/`): preset files (TOML, its WGSL and
//! `--knob` overrides) and experiment files. Every mutated input is parsed and checked as the
//! command line does — no panic, no hang, a refusal in one line naming the file — and a sample
//! goes through the binary itself, which must leave nothing behind where it refuses.
//!
//! CI runs a few thousand inputs; the long run (10^5 each) is
//! `SYNMIX_FUZZ_INPUTS=100000 cargo test --release --test fuzz -- --nocapture`, with
//! `SYNMIX_FUZZ_SEED` to draw other inputs.

mod common;
mod fuzzing;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fuzzing::{Campaign, Input, Outcome};
use generator::PresetFile;

/// Inputs of a run in CI, per format.
const CI_INPUTS: usize = 2000;

/// Keys and keywords of preset files and their WGSL, and what the prelude offers.
const PRESET_WORDS: &[&str] = &[
    "classes",
    "size",
    "channels",
    "knobs",
    "class",
    "shader",
    "name",
    "uniform",
    "int",
    "choice",
    "weights",
    "normal",
    "clip",
    "true",
    "false",
    "inf",
    "nan",
    "[knobs]",
    "[class.x]",
    "= [0, 1]",
    "= { int = [1, 3] }",
    "= { normal = [0.5, 0.1], clip = [5, 6] }",
    "= 1e400",
    "\"a\"",
    "[\"a\", \"a\"]",
    "fn",
    "let",
    "var",
    "loop",
    "for",
    "while",
    "if",
    "else",
    "return",
    "break",
    "continue",
    "struct",
    "Sample",
    "shade",
    "s.knobs.",
    "s.seed",
    "s.class_id",
    "class_of(s)",
    "vec3<f32>",
    "f32",
    "u32",
    "i32",
    "bool",
    "0.0 / 0.0",
    "sqrt(-1.0)",
    "log(0.0)",
    "1e39",
    "uv(x, y)",
    "rotate",
    "sd_polygon",
    "cover",
    "fbm",
    "hsv",
    "@compute",
    "override",
    "const",
    "atomic",
    "pixels",
    "not_finite",
    "frames",
    "samples",
    "arrayLength(&pixels)",
    "workgroupBarrier()",
    "loop { }",
    "x",
    "y",
];

/// Keys and values of experiment files.
const EXPERIMENT_WORDS: &[&str] = &[
    "name",
    "shares",
    "seeds",
    "architectures",
    "strategies",
    "data",
    "train",
    "added",
    "search",
    "pairs",
    "[[pairs]]",
    "[data]",
    "[train]",
    "[added]",
    "real",
    "synthetic",
    "dataset",
    "preset",
    "size",
    "synthetic_test_per_class",
    "real_test_limit",
    "epochs",
    "batch_size",
    "learning_rate",
    "optimizer",
    "schedule",
    "warmup",
    "multiples",
    "tolerance",
    "budget",
    "\"mlp\"",
    "\"cnn\"",
    "\"vit\"",
    "\"sm\"",
    "\"ft\"",
    "\"ramp\"",
    "\"adam\"",
    "\"sgd\"",
    "\"cosine\"",
    "\"constant\"",
    "\"fashion\"",
    "\"fashion-mnist\"",
    "\"0:1:0.1\"",
    "\"0,0.5,1\"",
    "\"../x\"",
    "\"/abs\"",
    "\"\"",
    "[]",
    "{}",
];

#[test]
fn preset_files_never_panic_hang_or_write_on_refusal() {
    let tmp = tempfile::tempdir().unwrap();
    let sampled = std::cell::Cell::new(0);
    let through_the_binary = |input: &Input, outcome: &Outcome| {
        render_through_the_binary(tmp.path(), sampled.get(), input, outcome);
        sampled.set(sampled.get() + 1);
    };
    let (inputs, seed) = fuzzing::budget(CI_INPUTS);
    let campaign = Campaign {
        name: "preset files",
        corpus: preset_corpus(),
        dictionary: PRESET_WORDS,
        target: preset,
        time_bound: Duration::from_secs(30),
        sample: &through_the_binary,
        sample_every: (inputs / 10).max(1),
    };
    report(&campaign, inputs, seed);
    assert!(
        sampled.get() >= 2,
        "the binary saw {} inputs",
        sampled.get()
    );
}

#[test]
fn experiment_files_never_panic_hang_or_write_on_refusal() {
    let tmp = tempfile::tempdir().unwrap();
    let sampled = std::cell::Cell::new(0);
    let through_the_binary = |input: &Input, outcome: &Outcome| {
        if outcome.is_err() {
            plan_through_the_binary(tmp.path(), sampled.get(), input);
            sampled.set(sampled.get() + 1);
        }
    };
    let (inputs, seed) = fuzzing::budget(CI_INPUTS);
    let campaign = Campaign {
        name: "experiment files",
        corpus: experiment_corpus(),
        dictionary: EXPERIMENT_WORDS,
        target: experiment,
        time_bound: Duration::from_secs(30),
        sample: &through_the_binary,
        sample_every: (inputs / 20).max(1),
    };
    report(&campaign, inputs, seed);
    assert!(sampled.get() >= 1);
}

/// Runs `campaign` and prints its figures (seen with `--nocapture`).
fn report(campaign: &Campaign<'_>, inputs: usize, seed: u64) {
    let started = Instant::now();
    let figures = campaign.run(inputs, seed);
    println!(
        "{}: {} inputs from seed {seed} in {:.1} s ({} accepted, {} refused in one line; slowest {:.2} s, input {}); no panic, no hang",
        campaign.name,
        figures.inputs,
        started.elapsed().as_secs_f64(),
        figures.accepted,
        figures.refused,
        figures.slowest.0.as_secs_f64(),
        figures.slowest.1
    );
}

/// A preset as `generate --preset` reads it: its TOML and WGSL (the files `p.toml` and
/// `p.wgsl`), then each line of `knobs` as a `--knob` override; a preset it accepts has its
/// knobs drawn for a few samples of every class, as a render does.
fn preset(input: &Input) -> Outcome {
    let [(toml_name, toml), (wgsl_name, wgsl), (_, knobs)] = &input.files[..] else {
        panic!("a preset input is three files");
    };
    let named = |message: String, names: &[&str]| {
        assert!(
            names.iter().any(|n| message.contains(n)),
            "the refusal names none of {names:?}: {message}"
        );
        assert!(!message.contains(char::is_control), "{message:?}");
        message
    };
    let mut file = PresetFile::from_text("p", toml_name, toml, wgsl_name, wgsl)
        .map_err(|e| named(e.to_string(), &[toml_name, wgsl_name]))?;
    for knob in knobs.lines() {
        file.apply_override(knob)
            .map_err(|e| named(e.to_string(), &["knob"]))?;
    }
    for knob in &file.knobs {
        for (class, distribution) in knob.per_class.iter().enumerate().take(8) {
            for index in 0..4 {
                let value = distribution.draw([1, 0, index * 8 + class as u64, knob.key]);
                assert!(value.is_finite(), "knob {} drew {value}", knob.name);
            }
        }
    }
    Ok(())
}

/// An experiment as `bench --config` reads it (written to a file, as it is only read from one).
fn experiment(input: &Input) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(&input.files[0].0);
    std::fs::write(&path, &input.files[0].1).unwrap();
    match bench::experiment::Experiment::file(&path) {
        Ok(_) => Ok(()),
        Err(e) => {
            let message = format!("{e:#}");
            assert!(message.contains("exp.toml"), "names no file: {message}");
            Err(message)
        }
    }
}

/// Every preset file in `presets/` (the built-ins' among them), and the README's example, each
/// with a `--knob` override of its first knob.
fn preset_corpus() -> Vec<Input> {
    let mut corpus = Vec::new();
    let mut add = |toml: String, wgsl: String| {
        let table: toml::Table = toml::from_str(&toml).unwrap();
        let first = table["knobs"].as_table().unwrap().keys().next().unwrap();
        corpus.push(Input {
            files: vec![
                ("p.toml".into(), toml.clone()),
                ("p.wgsl".into(), wgsl),
                ("knobs".into(), format!("{first}=0..1")),
            ],
        });
    };
    let mut tomls: Vec<_> = std::fs::read_dir("presets")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    tomls.sort();
    for toml in tomls {
        let text = std::fs::read_to_string(&toml).unwrap();
        let wgsl = std::fs::read_to_string(toml.with_extension("wgsl")).unwrap();
        add(text, wgsl);
    }
    let readme = std::fs::read_to_string("README.md").unwrap();
    let block = |fence: &str, holding: &str| -> String {
        readme
            .split(fence)
            .skip(1)
            .map(|rest| rest.split("```").next().unwrap())
            .find(|body| body.contains(holding))
            .unwrap_or_else(|| panic!("README has a {fence} block with {holding}"))
            .trim_start()
            .to_string()
    };
    add(
        block("```toml", "[class.triangle]"),
        block("```wgsl", "fn shade"),
    );
    corpus
}

/// The experiment files of `experiments/` and the bench's two profiles.
fn experiment_corpus() -> Vec<Input> {
    let mut paths: Vec<_> = std::fs::read_dir("experiments")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths.extend(["bench/src/default.toml", "bench/src/full.toml"].map(Into::into));
    paths
        .iter()
        .map(|path| Input {
            files: vec![("exp.toml".into(), std::fs::read_to_string(path).unwrap())],
        })
        .collect()
}

/// `synmix generate` on the preset `input`, in its own directory under `dir`: it must not
/// panic; where it refuses (as it must where the check did), in one line, leaving no dataset;
/// where it renders, a dataset that verifies.
fn render_through_the_binary(dir: &Path, n: usize, input: &Input, outcome: &Outcome) {
    let own = dir.join(format!("preset-{n}"));
    std::fs::create_dir_all(&own).unwrap();
    for (name, text) in &input.files[..2] {
        std::fs::write(own.join(name), text).unwrap();
    }
    let out = own.join("out");
    let mut args: Vec<String> = [
        "generate",
        "--preset",
        common::path_str(&own.join("p.toml")),
        "--per-class",
        "1",
        "--size",
        "4x4",
        "--batch-time-limit",
        "10",
        "-q",
        "--out",
        common::path_str(&out),
    ]
    .map(String::from)
    .to_vec();
    for knob in input.files[2].1.lines() {
        args.extend(["--knob".to_string(), knob.to_string()]);
    }
    let (success, stderr) = run_binary(&args);
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    assert!(!stderr.trim_end().contains(char::is_control), "{stderr:?}");
    if success {
        assert!(
            outcome.is_ok(),
            "the binary rendered a preset the check refused ({outcome:?})"
        );
        common::ok(&["verify", common::path_str(&out), "-q"]);
    } else {
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            !out.exists(),
            "{args:?} refused ({stderr}) but left {out:?}"
        );
    }
}

/// `synmix bench --plan-only` on the experiment `input`, which the check refused: refused in one
/// line, with nothing written.
fn plan_through_the_binary(dir: &Path, n: usize, input: &Input) {
    let own = dir.join(format!("experiment-{n}"));
    std::fs::create_dir_all(&own).unwrap();
    let file = own.join(&input.files[0].0);
    std::fs::write(&file, &input.files[0].1).unwrap();
    let out = own.join("bench");
    let args = [
        "bench",
        "--config",
        common::path_str(&file),
        "--out",
        common::path_str(&out),
        "--plan-only",
        "-q",
    ]
    .map(String::from);
    let (success, stderr) = run_binary(&args);
    assert!(!success, "the binary took an experiment the check refused");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.trim_end().contains(char::is_control), "{stderr:?}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!out.exists(), "refused ({stderr}) but left {out:?}");
}

/// Runs the binary with `args`, killing it after a minute: whether it succeeded, and its stderr.
fn run_binary(args: &[String]) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("synmix {args:?} ran for over a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
