//! End-to-end tests of the importers for the seed paper's layouts — classes in file names
//! (CiFake), split list files (DomainNet), class folders of mixed sizes and modes (LEGO) —
//! and of their bad input, on tiny look-alikes made here.

mod common;

use common::layouts::*;
use common::*;

#[test]
fn cifake_classes_come_from_the_file_names() {
    let tmp = tempfile::tempdir().unwrap();
    let root = cifake(tmp.path(), 3, 1);
    let out = tmp.path().join("synthetic");
    ok_owned(&cifake_import(&root, &out));
    let m = manifest(&out);
    assert_eq!(m["classes"], serde_json::json!(CIFAR10_CLASSES));
    assert_eq!(m["source"], "synthetic");
    assert_eq!(
        m["splits"]["train"]["class_counts"],
        serde_json::json!(vec![3; 10])
    );
    assert_eq!(m["splits"]["test"]["source_counts"]["synthetic"], 10);
    assert_eq!(
        m["image"],
        serde_json::json!({"width": 32, "height": 32, "channels": 3})
    );

    // A file the rule does not match, then a class outside the list: named, nothing written.
    let fake = root.join("train/FAKE");
    std::fs::copy(fake.join("0000.jpg"), fake.join("notes.jpg")).unwrap();
    let bad = tmp.path().join("bad");
    let err = fails(&args(&cifake_import(&root, &bad)));
    assert!(
        err.contains("--skip-bad:")
            && err.contains("notes.jpg (the name does not match the rule")
            && err.lines().count() == 1,
        "{err}"
    );
    assert!(!bad.exists());
    std::fs::rename(fake.join("notes.jpg"), fake.join("0009 (11).jpg")).unwrap();
    let err = fails(&args(&cifake_import(&root, &bad)));
    assert!(
        err.contains("0009 (11).jpg (the rule gives class '11', which is not in the class list"),
        "{err}"
    );
    assert!(!bad.exists());

    // Asked to, the import goes on without it, and says so.
    let mut skipping = cifake_import(&root, &bad);
    skipping.push("--skip-bad".into());
    let out = synmix(&args(&skipping));
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("skipped 1 input file(s)") && stderr.contains("0009 (11).jpg"),
        "{stderr}"
    );
    let m = manifest(&bad);
    assert_eq!(m["splits"]["train"]["rows"], 30);
    assert!(
        m["recipe"]["config"]["skipped"][0]
            .as_str()
            .unwrap()
            .contains("0009 (11).jpg")
    );

    let err = fails(&[
        "import",
        "file-names",
        "--from",
        path_str(&fake),
        "--name-rule",
        r"\d+",
        "--name-classes",
        "a,b",
        "--out",
        path_str(&tmp.path().join("x")),
    ]);
    assert!(
        err.contains("--name-rule:") && err.contains("no capture group"),
        "{err}"
    );
}

#[test]
fn domainnet_lists_pick_classes_and_make_sketches_rgb() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("domainnet");
    let classes = ["apple", "bicycle", "cat", "dog"];
    domainnet(&root, "quickdraw", &classes, 3, 2, 20, true);
    let out = tmp.path().join("quickdraw");
    let mut import = domainnet_import(&root, "quickdraw", 24, &out);
    import.extend(["--classes".to_string(), "dog,apple".to_string()]);
    ok_owned(&import);
    let m = manifest(&out);
    assert_eq!(m["classes"], serde_json::json!(["dog", "apple"]));
    assert_eq!(
        m["splits"]["train"]["class_counts"],
        serde_json::json!([3, 3])
    );
    assert_eq!(m["splits"]["test"]["rows"], 4);
    assert_eq!(m["image"]["channels"], 3);
    assert_grey(&out, "train", true);

    // A class not in the lists is named.
    let bad = tmp.path().join("bad");
    let mut unknown = domainnet_import(&root, "quickdraw", 24, &bad);
    unknown.extend(["--classes".to_string(), "dog,zebra".to_string()]);
    let err = fails(&args(&unknown));
    assert!(
        err.contains("--classes: 'zebra' is not a class of the input"),
        "{err}"
    );

    // A listed image that is missing, and a label whose folder disagrees: named, nothing written.
    std::fs::remove_file(root.join("quickdraw/cat/quickdraw_001.png")).unwrap();
    let err = fails(&args(&domainnet_import(&root, "quickdraw", 24, &bad)));
    assert!(
        err.contains("quickdraw/cat/quickdraw_001.png (listed in quickdraw_train.txt but missing)"),
        "{err}"
    );
    assert!(!bad.exists());
    let mut skipping = domainnet_import(&root, "quickdraw", 24, &bad);
    skipping.push("--skip-bad".into());
    ok_owned(&skipping);
    assert_eq!(
        manifest(&bad)["splits"]["train"]["class_counts"],
        serde_json::json!([3, 3, 2, 3])
    );

    let list = root.join("quickdraw_test.txt");
    let text = std::fs::read_to_string(&list).unwrap();
    std::fs::write(
        &list,
        text.replace(
            "quickdraw/dog/quickdraw_004.png 3",
            "quickdraw/dog/quickdraw_004.png 1",
        ),
    )
    .unwrap();
    let err = fails(&args(&domainnet_import(
        &root,
        "quickdraw",
        24,
        &tmp.path().join("b2"),
    )));
    assert!(
        err.contains("quickdraw_test.txt: line") && err.contains("label 1 is class 'bicycle'"),
        "{err}"
    );
}

#[test]
fn lego_folders_of_mixed_sizes_and_modes_fit_one_square() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("lego");
    lego(&root, &["brick", "plate"], 8, 4);
    for fit in ["pad", "crop"] {
        let out = tmp.path().join(fit);
        ok_owned(&lego_import(&root, 24, fit, "real", &out));
        let m = manifest(&out);
        assert_eq!(
            m["image"],
            serde_json::json!({"width": 24, "height": 24, "channels": 3})
        );
        assert_eq!(m["splits"]["train"]["rows"], 16);
        assert_eq!(m["recipe"]["config"]["fit"], fit);
        assert!(ok(&["verify", path_str(&out)]).contains("ok"));
    }

    // One corrupt image among the others: named, nothing written; skipped when asked.
    std::fs::write(root.join("train/plate/005.png"), b"\x89PNG broken").unwrap();
    let bad = tmp.path().join("bad");
    let err = fails(&args(&lego_import(&root, 24, "pad", "real", &bad)));
    assert!(
        err.contains("005.png") && err.contains("unreadable image"),
        "{err}"
    );
    assert!(!bad.exists());
    let mut skipping = lego_import(&root, 24, "pad", "real", &bad);
    skipping.push("--skip-bad".into());
    ok_owned(&skipping);
    let m = manifest(&bad);
    assert_eq!(
        m["splits"]["train"]["class_counts"],
        serde_json::json!([8, 7])
    );
    assert!(
        m["recipe"]["config"]["skipped"][0]
            .as_str()
            .unwrap()
            .contains("005.png")
    );
}

fn args(owned: &[String]) -> Vec<&str> {
    owned.iter().map(String::as_str).collect()
}
