use super::*;

#[test]
fn the_built_in_profiles_read_back_as_the_text_they_pin() {
    for name in PROFILES {
        let experiment = Experiment::profile(name).unwrap();
        let pinned = experiment.pin_text();
        let again = Experiment::parse(&pinned, "the pin", None).unwrap();
        assert_eq!(again, experiment);
        assert_eq!(again.pin_text(), pinned);
    }
    let default = Experiment::profile("default").unwrap();
    assert!(default.pin_text().contains("shares = \"0:1:0.2\""));
    let shares: Vec<f64> = default.sweep().values.iter().map(|s| s.as_f64()).collect();
    assert_eq!(shares, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(default.axes().len(), 1);
    assert!(default.axis(Regime::AddedSynthetic).is_none());
    let full = Experiment::profile("full").unwrap();
    let added = full.axis(Regime::AddedSynthetic).unwrap();
    assert_eq!(added.values.len(), 5);
}

#[test]
fn bad_points_name_their_key_in_one_line() {
    let default = Experiment::profile("default").unwrap().pin_text();
    let error = |text: &str| {
        Experiment::parse(text, "exp.toml", None)
            .unwrap_err()
            .to_string()
    };
    let bad_shares = default.replace("shares = \"0:1:0.2\"", "shares = \"0:1\"");
    let said = error(&bad_shares);
    assert!(
        said.starts_with("exp.toml: ") && said.contains("START:END:STEP"),
        "{said}"
    );
    assert!(!said.contains('\n') && !said.contains("--"), "{said}");
    let added = format!("{default}\n[added]\nreal = 100\nmultiples = [0, 1, 1.0]\n");
    assert!(
        error(&added).contains("k = 1 is given twice"),
        "{}",
        error(&added)
    );
    let fine = format!("{default}\n[added]\nreal = 100\nmultiples = [0, 0.5]\n");
    let parsed = Experiment::parse(&fine, "exp.toml", None).unwrap();
    assert_eq!(
        Experiment::parse(&parsed.pin_text(), "pin", None).unwrap(),
        parsed
    );
    let zero = format!("{default}\n[added]\nreal = 0\nmultiples = [1]\n");
    assert!(error(&zero).contains("added.real must be at least 1"));
    assert_eq!(
        Experiment::profile("huge").unwrap_err().to_string(),
        "profile 'huge' is unknown: use default or full, or give an experiment file"
    );
}
