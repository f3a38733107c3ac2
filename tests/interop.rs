//! Interoperability with real clients: pyarrow and Hugging Face `datasets` read what synmix
//! wrote, class names included. The test command (scripts/test.sh) provides the Python
//! environment in SYNMIX_PYTHON and sets SYNMIX_REQUIRE_INTEROP so that CI cannot skip it.

mod common;

use common::*;

#[test]
fn huggingface_datasets_reads_an_import() {
    let Some(python) = std::env::var_os("SYNMIX_PYTHON") else {
        assert!(
            std::env::var_os("SYNMIX_REQUIRE_INTEROP").is_none(),
            "SYNMIX_PYTHON must name a Python with pyarrow and datasets"
        );
        eprintln!(
            "skipped: set SYNMIX_PYTHON to a Python with pyarrow and datasets (scripts/test.sh does)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = import_tiny_fashion_mnist(tmp.path(), "fmnist", 40, 10);

    let classes = datasets::import::FASHION_MNIST_CLASSES;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(&out)
        .args(classes)
        .env("HF_DATASETS_OFFLINE", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", tmp.path().join("hf"))
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "interop check failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
