//! The mixer end to end on small datasets: quotas, nesting, FT = SM, phases, determinism,
//! the held-out guard, resume, curricula and every kind of bad input.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use common::*;
use datasets::point::Point;
use datasets::{Dataset, Progress, Source};
use mixer::{CurriculumPlan, CurriculumSpec, Draw, Order, curriculum, sweep};

const SHARES: [f64; 11] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

fn uids_of(rows: &[(String, i64, String)], source: &str) -> BTreeSet<String> {
    rows.iter()
        .filter(|r| r.2 == source)
        .map(|r| r.0.clone())
        .collect()
}

/// counts[source][class]
fn counts(rows: &[(String, i64, String)]) -> BTreeMap<String, Vec<u64>> {
    let mut counts = BTreeMap::new();
    for (_, label, source) in rows {
        counts
            .entry(source.clone())
            .or_insert_with(|| vec![0u64; 3])[*label as usize] += 1;
    }
    counts
}

#[test]
fn sweep_has_exact_quotas_nesting_and_ft_equal_to_sm() {
    let fx = fixture();
    let spec = fx.spec("mix", 61, &SHARES);
    let summary = sweep(&spec, &no_progress).unwrap();
    assert_eq!(summary.subsets.len(), 22);
    let mix: serde_json::Value =
        serde_json::from_slice(&std::fs::read(summary.mix_file.path()).unwrap()).unwrap();
    assert_eq!(mix["draw"], "nested");
    assert_eq!(mix["subsets"].as_array().unwrap().len(), 11);

    let mut previous: Option<Vec<(String, i64, String)>> = None;
    for share in SHARES {
        let name = Point::Share(hundredths(share));
        let sm_dir = spec.out.path().join(format!("sm-{name}"));
        let ft_dir = spec.out.path().join(format!("ft-{name}"));
        for dir in [&sm_dir, &ft_dir] {
            assert_eq!(
                datasets::verify::verify(dir).unwrap(),
                Vec::<String>::new(),
                "{}",
                dir.display()
            );
        }
        let sm = rows(&sm_dir);
        let ft = rows(&ft_dir);
        let n_syn = (share * 61.0_f64).round() as u64;
        assert_eq!(sm.len(), 61);
        let by_source = counts(&sm);
        let syn = by_source.get("synthetic").cloned().unwrap_or(vec![0; 3]);
        let real = by_source.get("real").cloned().unwrap_or(vec![0; 3]);
        assert_eq!(syn.iter().sum::<u64>(), n_syn, "share {share}");
        // 61 rows over 3 classes: 21, 20, 20 in all, each source within one row per class.
        let totals: Vec<u64> = syn.iter().zip(&real).map(|(s, r)| s + r).collect();
        assert_eq!(totals, vec![21, 20, 20]);
        for part in [&syn, &real] {
            assert!(
                part.iter().max().unwrap() - part.iter().min().unwrap() <= 1,
                "{part:?}"
            );
        }
        // The manifest records the quota table and the phase plan.
        let manifest = Dataset::open(&sm_dir).unwrap().manifest;
        let quotas = &manifest.mix.as_ref().unwrap()["record"]["quotas"];
        assert_eq!(quotas["synthetic"], serde_json::json!(syn));
        assert_eq!(quotas["real"], serde_json::json!(real));
        assert_eq!(manifest.phases.len(), 1);
        assert_eq!(
            (
                manifest.phases[0].name.as_str(),
                manifest.phases[0].start,
                manifest.phases[0].end
            ),
            ("mixed", 0, 61)
        );

        // FT: the same rows as a multiset, synthetic first, phases on the boundary.
        let mut sorted_sm = sm.clone();
        let mut sorted_ft = ft.clone();
        sorted_sm.sort();
        sorted_ft.sort();
        assert_eq!(sorted_sm, sorted_ft);
        assert!(ft[..n_syn as usize].iter().all(|r| r.2 == "synthetic"));
        assert!(ft[n_syn as usize..].iter().all(|r| r.2 == "real"));
        let phases = Dataset::open(&ft_dir).unwrap().manifest.phases;
        let expected: Vec<(&str, u64, u64, Option<Source>, f64)> = match n_syn {
            0 => vec![("real", 0, 61, Some(Source::Real), 0.0)],
            61 => vec![("synthetic", 0, 61, Some(Source::Synthetic), 1.0)],
            n => vec![
                ("synthetic", 0, n, Some(Source::Synthetic), 1.0),
                ("real", n, 61, Some(Source::Real), 0.0),
            ],
        };
        let found: Vec<_> = phases
            .iter()
            .map(|p| (p.name.as_str(), p.start, p.end, p.source, p.synthetic_share))
            .collect();
        assert_eq!(found, expected);
        assert!(
            phases
                .iter()
                .all(|p| p.shards == ["data/train-00000-of-00001.parquet"])
        );

        // Nesting: real rows shrink, synthetic rows grow, as subsets.
        if let Some(before) = &previous {
            assert!(
                uids_of(&sm, "real").is_subset(&uids_of(before, "real")),
                "share {share}"
            );
            assert!(
                uids_of(before, "synthetic").is_subset(&uids_of(&sm, "synthetic")),
                "share {share}"
            );
        }
        previous = Some(sm);
    }
    // Nothing from the real test split entered.
    let all: BTreeSet<String> = SHARES
        .iter()
        .flat_map(|&s| {
            uids_of(
                &rows(
                    spec.out
                        .path()
                        .join(format!("sm-{}", Point::Share(hundredths(s)))),
                ),
                "real",
            )
        })
        .collect();
    assert!(all.iter().all(|uid| uid.starts_with("r-train-")));
}

#[test]
fn independent_draws_are_recorded_and_differ() {
    let fx = fixture();
    let mut spec = fx.spec("mix", 30, &[0.3, 0.6]);
    spec.draw = Draw::Independent;
    sweep(&spec, &no_progress).unwrap();
    let a = rows(spec.out.path().join("sm-r030"));
    let b = rows(spec.out.path().join("sm-r060"));
    assert_eq!(counts(&a)["synthetic"].iter().sum::<u64>(), 9);
    assert!(
        !uids_of(&b, "real").is_subset(&uids_of(&a, "real")),
        "fresh draws should not nest (seed 7)"
    );
    let manifest = Dataset::open(spec.out.path().join("sm-r030"))
        .unwrap()
        .manifest;
    assert_eq!(manifest.mix.unwrap()["request"]["draw"], "independent");
}

#[test]
fn same_arguments_give_byte_identical_shards_on_any_thread_count() {
    let fx = fixture();
    let run = |threads: usize, out: &str| {
        let spec = fx.spec(out, 45, &[0.0, 0.25, 0.5, 1.0]);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| sweep(&spec, &no_progress)).unwrap();
        spec.out
    };
    let one = run(1, "one");
    let two = run(2, "two");
    for name in [
        "sm-r000", "sm-r025", "sm-r050", "sm-r100", "ft-r025", "ft-r050",
    ] {
        assert_eq!(
            shard_bytes(one.join(name)),
            shard_bytes(two.join(name)),
            "{name}"
        );
    }
    let mut other = fx.spec("other-seed", 45, &[0.5]);
    other.options.seed = 8;
    sweep(&other, &no_progress).unwrap();
    assert_ne!(
        shard_bytes(one.join("sm-r050")),
        shard_bytes(other.out.path().join("sm-r050"))
    );
}

#[test]
fn stratified_order_puts_the_exact_share_in_every_block() {
    let fx = fixture();
    let mut spec = fx.spec("mix", 60, &[0.5]);
    spec.options.order = Order::Stratified { batch: 12 };
    sweep(&spec, &no_progress).unwrap();
    let sm = rows(spec.out.path().join("sm-r050"));
    for block in sm.chunks(12) {
        assert_eq!(
            counts(block),
            BTreeMap::from([
                ("real".to_string(), vec![2, 2, 2]),
                ("synthetic".to_string(), vec![2, 2, 2])
            ])
        );
    }
    // The FT phases (30 rows each) are stratified by class within each whole block of a phase.
    let ft = rows(spec.out.path().join("ft-r050"));
    for phase in ft.chunks(30) {
        for block in phase.chunks(12).filter(|b| b.len() == 12) {
            assert_eq!(
                counts(block).into_values().collect::<Vec<_>>(),
                vec![vec![4, 4, 4]]
            );
        }
    }
}

#[test]
fn a_held_out_uid_in_train_stops_the_mix() {
    let root = tempfile::tempdir().unwrap();
    let (synthetic, real) = (root.path().join("syn"), root.path().join("real"));
    write_dataset(
        &synthetic,
        Source::Synthetic,
        &CLASSES,
        GREY4,
        &[("train", samples("s", "train", 3, 10))],
    );
    let mut test = samples("r", "test", 3, 2);
    test[0].uid = "r-train-1-4".into();
    write_dataset(
        &real,
        Source::Real,
        &CLASSES,
        GREY4,
        &[("train", samples("r", "train", 3, 10)), ("test", test)],
    );
    let fx = Fixture {
        root,
        synthetic,
        real,
    };
    let err = sweep(&fx.spec("mix", 30, &[0.0]), &no_progress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("'r-train-1-4'") && err.contains("held-out"),
        "{err}"
    );
    assert!(!fx.out("mix").exists());
}

#[test]
fn rerun_keeps_finished_subsets_and_redoes_the_rest() {
    let fx = fixture();
    let spec = fx.spec("mix", 30, &[0.0, 0.5, 1.0]);
    sweep(&spec, &no_progress).unwrap();
    let kept_shard = spec
        .out
        .path()
        .join("sm-r000/data/train-00000-of-00001.parquet");
    let mtime = std::fs::metadata(&kept_shard).unwrap().modified().unwrap();
    let before = shard_bytes(spec.out.path().join("ft-r050"));
    std::fs::remove_dir_all(spec.out.path().join("ft-r050")).unwrap();
    std::fs::remove_file(spec.out.path().join("sm-r100/manifest.json")).unwrap(); // as if interrupted

    let finished = Mutex::new(Vec::new());
    let summary = sweep(&spec, &|p| {
        if let Progress::Finished { name, kept } = p {
            finished.lock().unwrap().push((name.to_string(), kept));
        }
    })
    .unwrap();
    let kept: BTreeSet<&str> = summary
        .subsets
        .iter()
        .filter(|s| s.kept)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        kept,
        BTreeSet::from(["sm-r000", "sm-r050", "ft-r000", "ft-r100"])
    );
    assert_eq!(finished.lock().unwrap().len(), 6);
    assert_eq!(
        std::fs::metadata(&kept_shard).unwrap().modified().unwrap(),
        mtime
    );
    assert_eq!(shard_bytes(spec.out.path().join("ft-r050")), before);
    assert!(
        datasets::verify::verify(spec.out.path().join("sm-r100"))
            .unwrap()
            .is_empty()
    );

    // Other arguments never replace finished subsets silently; `force` does.
    let mut other = spec.clone();
    other.options.seed = 99;
    let err = sweep(&other, &no_progress).unwrap_err().to_string();
    assert!(
        err.contains("other arguments") && err.starts_with("force: "),
        "{err}"
    );
    other.options.force = true;
    let summary = sweep(&other, &no_progress).unwrap();
    assert!(summary.subsets.iter().all(|s| !s.kept));
}

#[test]
fn curriculum_phases_have_exact_quotas_and_no_repeats() {
    let fx = fixture();
    let plan = CurriculumPlan::parse(
        r#"
size = 90
[[phase]]
name = "warmup"
size = 30
synthetic_share = 1.0
[[phase]]
name = "ramp"
size = 60
ramp = { from = 0.5, to = 0.0, blocks = 2 }
"#,
    )
    .unwrap();
    let spec = CurriculumSpec {
        options: fx.options(),
        out: fx.out("curriculum").into(),
        plan,
    };
    let summary = curriculum(&spec, &no_progress).unwrap();
    assert_eq!((summary.rows, summary.synthetic_rows), (90, 45));
    assert!(
        datasets::verify::verify(spec.out.path())
            .unwrap()
            .is_empty()
    );
    let all = rows(spec.out.path());
    let unique: BTreeSet<&String> = all.iter().map(|r| &r.0).collect();
    assert_eq!(unique.len(), 90);
    let phases = Dataset::open(spec.out.path()).unwrap().manifest.phases;
    let found: Vec<_> = phases
        .iter()
        .map(|p| (p.name.as_str(), p.start, p.end, p.synthetic_share))
        .collect();
    assert_eq!(
        found,
        [
            ("warmup", 0, 30, 1.0),
            ("ramp-1", 30, 60, 0.5),
            ("ramp-2", 60, 90, 0.0)
        ]
    );
    for phase in &phases {
        let part = &all[phase.start as usize..phase.end as usize];
        let c = counts(part);
        let syn = c.get("synthetic").cloned().unwrap_or(vec![0; 3]);
        assert_eq!(
            syn.iter().sum::<u64>() as f64,
            phase.synthetic_share * 30.0,
            "{}",
            phase.name
        );
        let totals: Vec<u64> = (0..3).map(|k| c.values().map(|v| v[k]).sum()).collect();
        assert_eq!(totals, vec![10, 10, 10], "{}", phase.name);
    }
}

/// Runs a sweep expected to fail before writing; returns its message.
fn fails(spec: &mixer::SweepSpec) -> String {
    let err = sweep(spec, &no_progress).unwrap_err().to_string();
    assert!(
        !spec.out.path().exists(),
        "{} written despite: {err}",
        spec.out.display()
    );
    assert!(!err.contains('\n'), "one line: {err}");
    err
}

#[test]
fn bad_inputs_fail_with_one_clear_line_and_write_nothing() {
    let fx = fixture();
    // Shares outside [0, 1], N larger than a pool, N too small for the class balance.
    assert!(fails(&fx.spec("a", 30, &[0.5, 1.5])).contains("1.5 is outside [0, 1]"));
    let err = fails(&fx.spec("b", 130, &[1.0]));
    assert!(
        err.contains("class 'ant'")
            && err.contains("needs 44 synthetic rows")
            && err.contains("only 40"),
        "{err}"
    );
    assert!(fails(&fx.spec("c", 2, &[0.5])).contains("cannot hold all 3 classes"));
    assert!(fails(&fx.spec("c", 0, &[0.5])).contains("at least 1"));

    // Class names that differ, and renames fixing them.
    let renamed = fx.out("renamed");
    write_dataset(
        &renamed,
        Source::Synthetic,
        &["ant", "bee", "kitten"],
        GREY4,
        &[("train", samples("k", "train", 3, 40))],
    );
    let mut spec = fx.spec("d", 30, &[0.5]);
    spec.options.synthetic = renamed.clone().into();
    assert!(fails(&spec).contains("synthetic class 'kitten' is not a real class"));
    spec.options.class_renames = [("kitten".to_string(), "cat".to_string())].into();
    sweep(&spec, &no_progress).unwrap();
    assert_eq!(
        counts(&rows(spec.out.path().join("sm-r050")))["synthetic"],
        vec![5, 5, 5]
    );

    // Image sizes that differ.
    let big = fx.out("big");
    let grey8 = datasets::ImageSpec {
        width: 8,
        height: 8,
        channels: 1,
    };
    write_dataset(
        &big,
        Source::Synthetic,
        &CLASSES,
        grey8,
        &[("train", samples("b", "train", 3, 40))],
    );
    let mut spec = fx.spec("e", 30, &[0.5]);
    spec.options.synthetic = big.into();
    assert!(fails(&spec).contains("image sizes differ"));

    // Inputs swapped: rows that say they are real given as synthetic.
    let mut spec = fx.spec("f", 30, &[0.5]);
    spec.options.synthetic = fx.real.clone().into();
    assert!(fails(&spec).contains("says its source is 'real'"));

    // A damaged input shard.
    let shard = fx.synthetic.join("data/train-00000-of-00001.parquet");
    let mut bytes = std::fs::read(&shard).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&shard, bytes).unwrap();
    let err = fails(&fx.spec("g", 30, &[0.5]));
    assert!(
        err.contains("is damaged") && err.contains("synmix verify"),
        "{err}"
    );

    // A curriculum plan whose phases do not add up.
    let plan = fx.out("plan.toml");
    std::fs::write(
        &plan,
        "size = 50\n[[phase]]\nname = \"a\"\nsize = 40\nsynthetic_share = 0.5\n",
    )
    .unwrap();
    let err = CurriculumPlan::read(&plan).unwrap_err().to_string();
    assert!(
        err.contains("plan.toml") && err.contains("add up to 40 rows but size = 50"),
        "{err}"
    );
}

#[test]
fn phases_name_the_shards_they_lie_in() {
    // Over 20,000 rows a subset spans two shards; the FT boundary falls inside the first.
    let root = tempfile::tempdir().unwrap();
    let (synthetic, real) = (root.path().join("syn"), root.path().join("real"));
    write_dataset(
        &synthetic,
        Source::Synthetic,
        &["only"],
        GREY4,
        &[("train", samples("s", "train", 1, 6001))],
    );
    write_dataset(
        &real,
        Source::Real,
        &["only"],
        GREY4,
        &[("train", samples("r", "train", 1, 14001))],
    );
    let fx = Fixture {
        root,
        synthetic,
        real,
    };
    let spec = fx.spec("mix", 20_002, &[0.3]);
    sweep(&spec, &no_progress).unwrap();
    let (first, second) = (
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
    );
    let phases = Dataset::open(spec.out.path().join("ft-r030"))
        .unwrap()
        .manifest
        .phases;
    let found: Vec<_> = phases
        .iter()
        .map(|p| (p.name.as_str(), p.start, p.end, p.shards.clone()))
        .collect();
    assert_eq!(
        found,
        [
            ("synthetic", 0, 6001, vec![first.to_string()]),
            (
                "real",
                6001,
                20_002,
                vec![first.to_string(), second.to_string()]
            )
        ]
    );
    assert!(
        datasets::verify::verify(spec.out.path().join("ft-r030"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_memory_budget_smaller_than_the_inputs_gives_the_same_shards() {
    let fx = fixture();
    let shares = [0.0, 0.5, 1.0];
    let whole = fx.spec("whole", 45, &shares);
    sweep(&whole, &no_progress).unwrap();
    // One byte: every group holds just one output shard, so the inputs are read per subset.
    let mut small = fx.spec("small", 45, &shares);
    small.options.memory_budget = Some(1);
    sweep(&small, &no_progress).unwrap();
    for name in ["sm-r000", "sm-r050", "sm-r100", "ft-r050"] {
        assert_eq!(
            shard_bytes(whole.out.join(name)),
            shard_bytes(small.out.join(name)),
            "{name}"
        );
    }
}

#[test]
fn added_synthetic_keeps_the_real_rows_and_adds_exact_nested_synthetic_quotas() {
    let fx = fixture();
    let spec = mixer::AddedSpec {
        options: fx.options(),
        out: fx.out("added").into(),
        real_rows: 30,
        // 4 × 30 = 120 synthetic rows: the whole synthetic pool (3 classes × 40).
        multiples: [0.0, 0.5, 1.0, 2.0, 4.0].map(hundredths).to_vec(),
        ramp: Vec::new(),
    };
    let summary = mixer::added_synthetic(&spec, &no_progress).unwrap();
    assert_eq!(summary.subsets.len(), 10);
    let mix: serde_json::Value =
        serde_json::from_slice(&std::fs::read(summary.mix_file.path()).unwrap()).unwrap();
    assert_eq!(mix["regime"], "added-synthetic");

    let mut real_uids: Option<BTreeSet<String>> = None;
    let mut previous_synthetic = BTreeSet::new();
    for k in [0.0, 0.5, 1.0, 2.0, 4.0] {
        let name = Point::Added(hundredths(k));
        let sm_dir = spec.out.path().join(format!("sm-{name}"));
        let ft_dir = spec.out.path().join(format!("ft-{name}"));
        for dir in [&sm_dir, &ft_dir] {
            assert_eq!(datasets::verify::verify(dir).unwrap(), Vec::<String>::new());
        }
        let sm = rows(&sm_dir);
        let added = (30.0 * k) as u64;
        assert_eq!(sm.len() as u64, 30 + added, "k {k}");
        let by_source = counts(&sm);
        assert_eq!(by_source["real"], vec![10, 10, 10], "k {k}");
        let third = added / 3;
        let syn = by_source.get("synthetic").cloned().unwrap_or(vec![0; 3]);
        assert_eq!(syn, vec![third; 3], "k {k}: exact class quotas");
        // The same real rows at every k; the synthetic rows of a smaller k kept at a larger.
        let real = uids_of(&sm, "real");
        assert_eq!(
            real_uids.get_or_insert_with(|| real.clone()),
            &real,
            "k {k}"
        );
        let synthetic = uids_of(&sm, "synthetic");
        assert!(previous_synthetic.is_subset(&synthetic), "k {k}");
        previous_synthetic = synthetic;
        // FT: the same rows, synthetic phase then real phase.
        let ft = rows(&ft_dir);
        let as_set = |rows: &[(String, i64, String)]| rows.iter().cloned().collect::<BTreeSet<_>>();
        assert_eq!(as_set(&ft), as_set(&sm));
        let manifest = Dataset::open(&ft_dir).unwrap().manifest;
        let phases: Vec<&str> = manifest.phases.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            phases,
            if k == 0.0 {
                vec!["real"]
            } else {
                vec!["synthetic", "real"]
            }
        );
        let record = &manifest.mix.as_ref().unwrap()["record"];
        assert_eq!(record["regime"], "added-synthetic");
        assert_eq!(record["multiple"], k);
    }

    // More synthetic rows than the pool holds: one clear error, nothing written.
    let too_many = mixer::AddedSpec {
        out: fx.out("too-many").into(),
        multiples: [1.0, 5.0].map(hundredths).to_vec(),
        ramp: Vec::new(),
        ..spec.clone()
    };
    let err = mixer::added_synthetic(&too_many, &no_progress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("multiple 5 of 30 real rows needs 50 synthetic rows")
            && err.contains("has only 40"),
        "{err}"
    );
    assert!(!fx.out("too-many").exists());
    let err = mixer::added_synthetic(
        &mixer::AddedSpec {
            multiples: [1.0, 1.0].map(hundredths).to_vec(),
            ramp: Vec::new(),
            ..spec
        },
        &no_progress,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("multiples: has multiple k100 twice"), "{err}");
}

#[test]
fn class_wise_subsets_follow_the_transfer_keep_the_share_and_are_listed() {
    let fx = fixture();
    let mut spec = fx.spec("mix", 60, &[0.0, 0.5, 1.0]);
    // Class 'bee' transfers half as well as the others.
    spec.class_transfer = Some(vec![1.0, 0.5, 1.0]);
    let summary = sweep(&spec, &no_progress).unwrap();
    let classwise = spec.out.join("sm-classwise-r050");
    assert_eq!(
        datasets::verify::verify(&classwise).unwrap(),
        Vec::<String>::new()
    );
    let counts = counts(&rows(&classwise));
    // 30 synthetic rows of 60: 12, 6 and 12 (20 rows per class, shares 0.6, 0.3, 0.6).
    assert_eq!(counts["synthetic"], vec![12, 6, 12]);
    assert_eq!(counts["real"], vec![8, 14, 8]);
    // Only between the endpoints, where every strategy is the SM run.
    assert!(!spec.out.path().join("sm-classwise-r000").exists());
    assert!(!spec.out.path().join("sm-classwise-r100").exists());
    let mix = mixer::MixRecord::read(&spec.out).unwrap();
    assert_eq!(mix.class_transfer, Some(vec![1.0, 0.5, 1.0]));
    assert!(mix.subset_names().contains(&"sm-classwise-r050"));
    assert_eq!(mix.subset_names().len(), 7, "{:?}", mix.subset_names());
    assert_eq!(summary.subsets.len(), 7);
    // A transfer of the wrong length is refused before anything is written.
    let mut wrong = fx.spec("wrong", 60, &[0.5]);
    wrong.class_transfer = Some(vec![1.0]);
    assert!(fails(&wrong).contains("3 classes"));
    assert!(!wrong.out.path().exists());
}

#[test]
fn class_shares_given_per_class_mix_one_subset_exactly() {
    let fx = fixture();
    let spec = mixer::ClasswiseSpec {
        options: fx.options(),
        out: fx.out("classwise").into(),
        size: 60,
        class_shares: [("ant", 0.5), ("bee", 0.0), ("cat", 1.0)]
            .map(|(c, s)| (c.to_string(), s))
            .into(),
    };
    mixer::classwise(&spec, &no_progress).unwrap();
    let subset = spec.out.path().join("sm-classwise-r050");
    let counts = counts(&rows(&subset));
    assert_eq!(
        (counts["synthetic"].clone(), counts["real"].clone()),
        (vec![10, 0, 20], vec![10, 20, 0])
    );
    let mut unknown = spec.clone();
    unknown.out = fx.out("unknown").into();
    unknown.class_shares.insert("dog".into(), 0.1);
    let err = mixer::classwise(&unknown, &no_progress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("class 'dog'") && err.contains("ant, bee, cat"),
        "{err}"
    );
    let mut missing = spec.clone();
    missing.out = fx.out("missing").into();
    missing.class_shares.remove("bee");
    let err = mixer::classwise(&missing, &no_progress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no share for class 'bee'"), "{err}");
    let mut over = spec.clone();
    over.out = fx.out("over").into();
    over.class_shares.insert("bee".into(), 1.5);
    let err = mixer::classwise(&over, &no_progress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("1.5 is not a share"), "{err}");
    assert!(!fx.out("unknown").exists() && !fx.out("missing").exists() && !fx.out("over").exists());
}
