//! End-to-end test of a bench whose cell cannot train: the sweep goes on past it, the report
//! lists it, the bench exits non-zero, and a rerun retries that cell alone.

mod common;

use std::path::Path;

use common::*;

fn result(cell: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(cell.join("result.json")).unwrap()).unwrap()
}

#[test]
fn a_cell_that_cannot_train_is_recorded_and_retried_by_a_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);
    let out = tmp.path().join("bench");
    let args = [
        "bench",
        "--config",
        path_str(&experiment),
        "--out",
        path_str(&out),
        "-q",
    ];
    let runs = out.join("runs/near/mlp");

    // The fault: a file where the second of the four cells keeps its checkpoint directory.
    // The trainer neither reads a checkpoint from it nor writes one there, and a file synmix
    // did not write is never deleted, so the cell cannot train until someone moves it.
    let broken = runs.join("sm-r050-s0");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("checkpoint"), "notes").unwrap();

    let err = fails(&args);
    assert!(
        err.contains("1 of 4 runs could not train") && err.contains("again to retry"),
        "{err}"
    );
    let healthy = ["sm-r000-s0", "ft-r050-s0", "sm-r100-s0"];
    for cell in healthy {
        assert_eq!(result(&runs.join(cell))["status"], "ok", "{cell}");
    }
    let failed = result(&broken);
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["retry"], true);
    assert!(
        failed["reason"].as_str().unwrap().contains("checkpoint"),
        "{failed}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("4 runs: 3 ok, 1 failed."), "{report}");
    assert!(
        report.contains("## Failed runs") && report.contains("| near | mlp | sm | 0.50 | 0 |"),
        "{report}"
    );

    // Repaired, a rerun trains the failed cell again and leaves the others as they were.
    std::fs::remove_file(broken.join("checkpoint")).unwrap();
    let stamp = |cell: &str| {
        std::fs::metadata(runs.join(cell).join("result.json"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before: Vec<_> = healthy.iter().map(|c| stamp(c)).collect();
    ok(&args);
    let after: Vec<_> = healthy.iter().map(|c| stamp(c)).collect();
    assert_eq!(before, after);
    let retried = result(&broken);
    assert_eq!(retried["status"], "ok", "{retried}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("4 runs: 4 ok, 0 failed.") && !report.contains("Failed runs"),
        "{report}"
    );
}
