use datasets::point::Hundredths;

use super::*;

fn points(list: &[f64]) -> Vec<Point> {
    list.iter()
        .map(|&s| Point::Share(Hundredths::exact(s).unwrap()))
        .collect()
}

fn basis(grid: &[f64]) -> Basis {
    Basis {
        grid: points(grid),
        tolerance: 0.1,
    }
}

const ELEVEN: [f64; 11] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

#[test]
fn the_next_share_is_the_unmeasured_one_nearest_r_star() {
    let measured = points(&[0.0, 0.5, 1.0]);
    let decide = |r: f64, interval| {
        Choice::decide(
            1,
            basis(&ELEVEN),
            measured.clone(),
            Some((r, Some(interval))),
        )
    };
    assert_eq!(decide(0.27, (0.1, 0.45)).share, Some(points(&[0.3])[0]));
    // A tie goes to the lower share.
    assert_eq!(decide(0.25, (0.1, 0.45)).share, Some(points(&[0.2])[0]));
    // r* at a measured share: the nearest unmeasured one.
    assert_eq!(decide(0.5, (0.3, 0.7)).share, Some(points(&[0.4])[0]));
}

#[test]
fn the_search_stops_on_a_narrow_interval_no_curve_or_a_full_grid() {
    let four = basis(&[0.0, 0.1, 0.5, 1.0]);
    let estimate = Some((0.2, Some((0.15, 0.24))));
    // Narrow, but around a share never trained: that share first.
    let unseen = Choice::decide(1, four.clone(), points(&[0.0, 0.5, 1.0]), estimate);
    assert_eq!(unseen.share, Some(points(&[0.1])[0]));
    let narrow = Choice::decide(1, four, points(&[0.0, 0.1, 0.5, 1.0]), estimate);
    assert_eq!(narrow.share, None);
    assert!(
        narrow.reason.contains("within the tolerance"),
        "{}",
        narrow.reason
    );
    let three = basis(&[0.0, 0.5, 1.0]);
    assert_eq!(
        Choice::decide(1, three.clone(), points(&[0.0]), None).share,
        None
    );
    let full = Choice::decide(1, three, points(&[0.0, 0.5, 1.0]), Some((0.2, None)));
    assert!(full.reason.contains("every share"), "{}", full.reason);
}

/// A decision edited by hand — another share, a stop, another probe's — is refused by its
/// reader; one written before decisions recorded their basis is read as it is.
#[test]
fn a_decision_whose_share_does_not_follow_from_its_record_is_damaged() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SearchKey {
        pair: "near".into(),
        model: ModelKind::Mlp,
        strategy: Strategy::Sm,
    };
    let choice = Choice::decide(
        1,
        basis(&ELEVEN),
        points(&[0.0, 0.5, 1.0]),
        Some((0.27, Some((0.1, 0.45)))),
    );
    choice.write(tmp.path(), &key).unwrap();
    assert_eq!(Choice::read(tmp.path(), &key, 1).unwrap(), choice);
    let path = key.decision_file(tmp.path(), 1);
    let text = std::fs::read_to_string(&path).unwrap();
    for (from, to, says) in [
        (
            "\"share\": \"r030\"",
            "\"share\": \"r020\"",
            "it names share r020, but the rule gives share r030",
        ),
        (
            "\"share\": \"r030\"",
            "\"share\": null",
            "it names a stop, but the rule gives share r030",
        ),
        ("\"probe\": 1", "\"probe\": 2", "it records probe 2"),
        (
            "\"r_star\": 0.27",
            "\"r_star\": 0.27,,",
            "not a search decision",
        ),
    ] {
        assert!(text.contains(from), "{text}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        let damaged = Choice::read(tmp.path(), &key, 1).unwrap_err();
        assert_eq!(damaged.path, datasets::Location::from(&path));
        assert!(damaged.why.contains(says), "{}", damaged.why);
    }
    std::fs::remove_file(&path).unwrap();
    let missing = Choice::read(tmp.path(), &key, 1).unwrap_err();
    assert!(missing.why.starts_with("cannot be read"), "{}", missing.why);

    // An old record: no basis, so nothing to check it by.
    let old = Choice {
        basis: None,
        share: Some(points(&[0.2])[0]),
        ..choice
    };
    old.write(tmp.path(), &key).unwrap();
    assert!(!std::fs::read_to_string(&path).unwrap().contains("basis"));
    assert_eq!(Choice::read(tmp.path(), &key, 1).unwrap(), old);
}

#[test]
fn a_search_counts_its_starting_shares_and_those_its_decisions_chose() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SearchKey {
        pair: "near".into(),
        model: ModelKind::Mlp,
        strategy: Strategy::Sm,
    };
    let grid = basis(&ELEVEN);
    let first = Choice::decide(
        1,
        grid.clone(),
        points(&[0.0, 0.5, 1.0]),
        Some((0.27, Some((0.1, 0.45)))),
    );
    let second = Choice::decide(
        2,
        grid,
        points(&[0.0, 0.3, 0.5, 1.0]),
        Some((0.3, Some((0.28, 0.32)))),
    );
    assert_eq!(second.share, None);
    for choice in [&first, &second] {
        choice.write(tmp.path(), &key).unwrap();
    }
    let read: Vec<Choice> = decisions(tmp.path(), &key, 5).map(Result::unwrap).collect();
    assert_eq!(read, [first.clone(), second]);
    assert_eq!(counted(&read), points(&[0.0, 0.3, 0.5, 1.0]));
    // Reading ends at the first decision that cannot be trusted.
    std::fs::remove_file(key.decision_file(tmp.path(), 1)).unwrap();
    let mut read = decisions(tmp.path(), &key, 5);
    assert!(read.next().unwrap().is_err());
    assert_eq!(counted(&[]), points(&[0.0, 0.5, 1.0]));
}
