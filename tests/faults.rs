//! Faults in the middle of a streamed stage: a disk that fills up during a mix. (A corrupt
//! image in the middle of an import and kill -9 during one are in `import.rs`.)

mod common;

use common::*;

/// The file size limit (`ulimit -f`, with SIGXFSZ ignored so that the write fails with EFBIG
/// instead of killing the process) stands in for a full disk: the mix fails naming the file,
/// leaves no unfinished output behind, and a rerun completes to the same shards as a mix that
/// never failed.
#[test]
fn a_disk_that_fills_up_mid_mix_leaves_no_half_written_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (real, synthetic) = mix_inputs(tmp.path());
    let mix = |out: &std::path::Path| {
        format!(
            "{} -q mix --synthetic {} --real {} --size 1000 --shares 0,0.5,1 --out {}",
            env!("CARGO_BIN_EXE_synmix"),
            path_str(&synthetic),
            path_str(&real),
            path_str(out)
        )
    };
    let whole = tmp.path().join("whole");
    let full = tmp.path().join("full");
    let status = |script: String| {
        std::process::Command::new("bash")
            .args(["-c", &script])
            .output()
            .unwrap()
    };
    assert!(status(mix(&whole)).status.success());

    // 64 KiB: less than one subset's shard.
    let out = status(format!("trap '' XFSZ; ulimit -f 64; exec {}", mix(&full)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.lines().count() == 1 && stderr.contains(".parquet") && stderr.contains("large"),
        "{stderr}"
    );
    for entry in std::fs::read_dir(&full).unwrap() {
        let dir = entry.unwrap().path();
        assert!(
            dir.join("manifest.json").is_file(),
            "{} is left half-written",
            dir.display()
        );
    }

    assert!(status(mix(&full)).status.success());
    for name in [
        "sm-r000", "sm-r050", "sm-r100", "ft-r000", "ft-r050", "ft-r100",
    ] {
        assert_eq!(
            manifest(&full.join(name))["splits"],
            manifest(&whole.join(name))["splits"],
            "{name}"
        );
    }
}

/// kill -9 in the middle of a mix: every subset on disk is finished (it has its manifest) or
/// is redone by the rerun, which ends with the same shards as a mix that was never killed.
#[test]
fn a_killed_mix_reruns_to_the_same_subsets() {
    let tmp = tempfile::tempdir().unwrap();
    let (real, synthetic) = mix_inputs(tmp.path());
    // --memory 0: one subset's shard at a time, so the subsets finish one after another.
    let mix = |out: &std::path::Path| -> Vec<String> {
        [
            "mix",
            "--synthetic",
            path_str(&synthetic),
            "--real",
            path_str(&real),
            "--size",
            "1000",
            "--shares",
            "0:1:0.1",
            "--memory",
            "0",
            "-q",
            "--out",
            path_str(out),
        ]
        .map(String::from)
        .to_vec()
    };
    let whole = tmp.path().join("whole");
    ok(&mix(&whole).iter().map(String::as_str).collect::<Vec<_>>());

    let killed = tmp.path().join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_synmix"))
        .args(mix(&killed))
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !killed.join("sm-r000/manifest.json").exists() {
        assert!(
            child.try_wait().unwrap().is_none() && started.elapsed().as_secs() < 120,
            "the mix ended before its first subset was finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    ok(&mix(&killed).iter().map(String::as_str).collect::<Vec<_>>());
    for entry in std::fs::read_dir(&whole).unwrap() {
        let name = entry.unwrap().file_name();
        let (a, b) = (whole.join(&name), killed.join(&name));
        if a.is_dir() {
            assert_eq!(manifest(&a)["splits"], manifest(&b)["splits"], "{name:?}");
        }
    }
}

/// A real dataset of 2,000 rows and a synthetic one of 200 per class, to mix.
fn mix_inputs(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let real = import_tiny_fashion_mnist(dir, "real", 2000, 100);
    let synthetic = dir.join("synthetic");
    ok(&[
        "generate",
        "--per-class",
        "200",
        "--device",
        "cpu",
        "--out",
        path_str(&synthetic),
        "-q",
    ]);
    (real, synthetic)
}

/// A damaged checkpoint (its state cut to `{`, as a power loss after an unsynced rename leaves
/// it) is set aside with one warning, and the run trains from the start to the result of a run
/// that never had the fault.
#[test]
fn a_damaged_checkpoint_is_set_aside_and_the_run_ends_as_if_it_never_was() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 200, 50);
    let train = |run: &std::path::Path| {
        let args = [
            "train",
            "--data",
            path_str(&real),
            "--test",
            path_str(&real),
            "--model",
            "mlp",
            "--epochs",
            "2",
            "--out",
            path_str(run),
            "-q",
        ];
        let out = synmix(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        let result: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("result.json")).unwrap())
                .unwrap();
        (result["metrics"].clone(), result["epochs"].clone(), stderr)
    };
    let (metrics, epochs, _) = train(&tmp.path().join("clean"));

    let run = tmp.path().join("faulty");
    std::fs::create_dir_all(run.join("checkpoint")).unwrap();
    std::fs::write(run.join("checkpoint/state.json"), "{").unwrap();
    let (faulty_metrics, faulty_epochs, stderr) = train(&run);
    assert_eq!(faulty_metrics, metrics);
    assert_eq!(
        faulty_epochs
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["loss"])
            .collect::<Vec<_>>(),
        epochs
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["loss"])
            .collect::<Vec<_>>()
    );
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("WARN")).collect();
    assert!(
        warnings.len() == 1
            && warnings[0].contains("checkpoint/state.json")
            && warnings[0].contains("checkpoint.damaged-1"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(run.join("checkpoint.damaged-1/state.json")).unwrap(),
        b"{"
    );
}
