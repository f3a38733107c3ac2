use super::*;
use datasets::point::{Regime, Strategy};

use crate::experiment::Experiment;
use crate::records::SearchKey;
use crate::work::{Cell, Choose, Probe, Train};
use trainer::ModelKind;

/// The default experiment with `edit` applied to its text.
fn edited(edit: impl Fn(String) -> String) -> Experiment {
    let text = Experiment::profile("default").unwrap().pin_text();
    Experiment::parse(&edit(text), "test", None).unwrap()
}

fn default_plan() -> Plan {
    Plan::build(&Experiment::profile("default").unwrap())
}

#[test]
fn a_search_trains_its_starting_shares_then_probes_that_wait_for_their_decisions() {
    let experiment = edited(|text| {
        text.replace(
            "shares = \"0:1:0.2\"",
            "shares = \"0:1:0.1\"\nsearch = { tolerance = 0.1, budget = 0.5 }",
        )
    });
    let plan = Plan::build(&experiment);
    plan.check_shape().unwrap();
    // 0.5 of 11 shares: 5, the 3 starting ones and 2 probes.
    let train = plan.stage(Stage::Train);
    let (pairs, models, seeds) = (2, 3, 3);
    let starting = pairs * models * seeds * (3 + 1); // SM at 0, 0.5, 1 and FT at 0.5
    let searches = pairs * models * 2;
    assert_eq!(train.len(), starting + searches * 2 * (1 + seeds));
    assert!(plan.waits_within(Stage::Train));
    assert!(!default_plan().waits_within(Stage::Train));
    let find = |work: Work| train.iter().find(|t| t.work == work).unwrap();
    let key = SearchKey {
        pair: "near".into(),
        model: ModelKind::Cnn,
        strategy: Strategy::Ft,
    };
    let first = find(Work::Choose(Choose {
        search: key.clone(),
        probe: 1,
    }));
    // FT's first decision reads its own runs at 0.5 and SM's at the endpoints.
    let read: Vec<String> = first
        .needs
        .iter()
        .map(|&n| plan.tasks[n].work.to_string())
        .collect();
    assert_eq!(read.len(), 9, "{read:?}");
    assert!(
        read.iter().all(|w| w.starts_with("train near cnn")),
        "{read:?}"
    );
    assert_eq!(read.iter().filter(|w| w.contains(" ft r050")).count(), 3);
    let second = find(Work::Choose(Choose {
        search: key.clone(),
        probe: 2,
    }));
    let probe = find(Work::Probe(Probe {
        search: key,
        probe: 1,
        seed: 2,
    }));
    assert!(probe.needs.contains(&first.id));
    assert!(second.needs.contains(&first.id) && second.needs.contains(&probe.id));
    assert_eq!(plan.tasks[probe.needs[0]].work.stage(), Stage::Mix);
}

#[test]
fn stages_are_consecutive_and_shared_data_is_one_task() {
    let plan = default_plan();
    let counts: Vec<usize> = Stage::ALL.iter().map(|&s| plan.stage(s).len()).collect();
    // Both pairs read Fashion-MNIST; two presets; 2 pairs × 3 seeds mixed and 2 gaps
    // measured; 2 × 3 models × 10 cells (SM at 6 shares, FT at the 4 inside) × 3 seeds.
    assert_eq!(counts, [1, 2, 6 + 2, 180, 1]);
    for (i, task) in plan.tasks.iter().enumerate() {
        assert_eq!(task.id, i);
        assert!(task.needs.iter().all(|&n| n < i), "needs come first");
    }
    let stages: Vec<Stage> = plan.tasks.iter().map(|t| t.work.stage()).collect();
    assert!(stages.is_sorted());
    // The report reads the runs and the gaps.
    assert_eq!(plan.stage(Stage::Report)[0].needs.len(), 180 + 2);
}

#[test]
fn the_added_regime_adds_a_mix_per_pair_and_seed_and_its_cells() {
    let experiment =
        edited(|text| format!("{text}\n[added]\nreal = 200\nmultiples = [0, 0.5, 1, 2, 4]\n"));
    let plan = Plan::build(&experiment);
    let counts: Vec<usize> = Stage::ALL.iter().map(|&s| plan.stage(s).len()).collect();
    // 2 pairs × 3 seeds mix each regime; per pair, seed and model the regime trains
    // SM at 5 multiples and FT at the 4 above 0 (at k = 0 FT is the SM run).
    assert_eq!(counts, [1, 2, 12 + 2, 180 + 2 * 3 * 3 * 9, 1]);
    let added: Vec<&Cell> = plan
        .stage(Stage::Train)
        .iter()
        .filter_map(|t| match &t.work {
            Work::Train(Train { cell }) if cell.point.regime() == Regime::AddedSynthetic => {
                Some(cell)
            }
            _ => None,
        })
        .collect();
    assert_eq!(added.len(), 162);
    assert!(
        !added
            .iter()
            .any(|c| c.strategy == Strategy::Ft && c.point.to_string() == "k000")
    );
    assert!(added.iter().any(|c| c.point.to_string() == "k200"));
    // Each regime's cells need their own mix task.
    for task in plan.stage(Stage::Train) {
        let Work::Train(Train { cell }) = &task.work else {
            unreachable!()
        };
        let need = &plan.tasks[task.needs[0]].work;
        assert!(
            matches!(need, Work::Mix(mix) if mix.regime == cell.point.regime()),
            "{}",
            task.work
        );
    }
    assert_eq!(plan.stage(Stage::Report)[0].needs.len(), 2 + 180 + 162);
}

#[test]
fn tasks_are_found_globally_and_within_a_stage() {
    let plan = default_plan();
    let first_train = plan.stage(Stage::Train)[0].id;
    assert_eq!(plan.task_in_stage(Stage::Train, 0).unwrap().id, first_train);
    let err = plan.task(999).unwrap_err().to_string();
    assert!(err.contains("0 to 191"), "{err}");
    let err = plan.task_in_stage(Stage::Mix, 8).unwrap_err().to_string();
    assert!(err.contains("stage mix has 8 task(s)"), "{err}");
    assert!(!err.contains("--"), "the library names no flags: {err}");
}

#[test]
fn a_stored_plan_must_match() {
    let tmp = tempfile::tempdir().unwrap();
    let out = BenchDir::local(tmp.path());
    let plan = default_plan();
    plan.store(&out).unwrap();
    plan.store(&out).unwrap();
    let other = Plan::build(&Experiment::profile("full").unwrap());
    let err = other.store(&out).unwrap_err().to_string();
    assert!(err.contains("another experiment"), "{err}");
    assert_eq!(Plan::load(&out).unwrap(), plan);
}

#[test]
fn the_plan_json_keeps_its_form() {
    // Bench directories planned by earlier versions must read back as the same plan.
    let plan = default_plan();
    let json = serde_json::to_value(&plan).unwrap();
    let tasks = json["tasks"].as_array().unwrap();
    assert_eq!(
        tasks[0]["work"],
        serde_json::json!({"kind": "import", "source": {"builtin": "fashion-mnist"}})
    );
    assert_eq!(
        tasks[1]["work"],
        serde_json::json!({"kind": "render", "preset": "fashion"})
    );
    assert_eq!(
        tasks[3]["work"],
        serde_json::json!({"kind": "mix", "pair": "near", "seed": 0, "regime": "fixed-size"})
    );
    let train = &plan.stage(Stage::Train)[0];
    assert_eq!(
        serde_json::to_value(&train.work).unwrap(),
        serde_json::json!({"kind": "train", "pair": "near", "model": "mlp", "strategy": "sm", "point": "r000", "seed": 0})
    );
    let report = plan.stage(Stage::Report)[0].clone();
    assert_eq!(
        serde_json::to_value(&report.work).unwrap(),
        serde_json::json!({"kind": "report"})
    );
    let back: Plan = serde_json::from_value(json).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn ids_print_as_ranges() {
    assert_eq!(ranges(&[0, 1, 2, 3, 7, 9, 10]), "0-3,7,9-10");
    assert_eq!(ranges(&[5]), "5");
    assert_eq!(ranges(&[]), "");
}
