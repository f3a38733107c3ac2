use super::*;

fn pilot(strategy: Strategy, point: &str, seed: u64, accuracy: f64) -> Pilot {
    Pilot {
        strategy,
        point: point.parse().unwrap(),
        seed,
        accuracy,
    }
}

#[test]
fn real_only_unless_a_mixed_pilot_gains_more_than_the_margin() {
    // N = 1,000 with a near gap: both mixed pilots a point or more below real only.
    let pilots = [
        pilot(Strategy::Sm, "r000", 0, 0.822),
        pilot(Strategy::Sm, "r020", 0, 0.810),
        pilot(Strategy::Ft, "r020", 0, 0.813),
    ];
    let advice = advise(&pilots).unwrap();
    assert_eq!(advice.strategy, None);
    assert_eq!(
        advice.gain,
        Estimate::exact(0.0),
        "at the boundary the gain is 0"
    );
    assert_eq!((advice.point.value, advice.point.low), (0.0, 0.0));
    // FT loses 0.9 points at 0.2: within the margin all the way.
    assert_eq!(advice.point.high, 0.2);
    assert!(advice.reason.contains("FT at r020"), "{}", advice.reason);
    assert!((advice.accuracy.value - 0.822).abs() < 1e-12);
    let half = 1.96 * SEED_SD;
    assert!((advice.accuracy.high - advice.accuracy.value - half).abs() < 1e-12);

    // A far gap: the best mixed curve crosses the margin a third of the way to 0.2.
    let far = [
        pilot(Strategy::Sm, "r000", 0, 0.82),
        pilot(Strategy::Sm, "r020", 0, 0.79),
        pilot(Strategy::Ft, "r020", 0, 0.75),
    ];
    let advice = advise(&far).unwrap();
    assert_eq!((advice.strategy, advice.point.high), (None, 0.07));
}

#[test]
fn a_helping_mix_is_advised_with_its_gain_and_range() {
    // N = 200 with a near gap: FT at 0.2 gains 3 points.
    let pilots = [
        pilot(Strategy::Sm, "r000", 0, 0.663),
        pilot(Strategy::Sm, "r020", 0, 0.657),
        pilot(Strategy::Ft, "r020", 0, 0.695),
    ];
    let advice = advise(&pilots).unwrap();
    assert_eq!(advice.strategy, Some(Strategy::Ft));
    assert_eq!(advice.point.value, 0.2);
    // The line from 0.663 at 0 to 0.695 at 0.2 reaches 0.685 at 0.1375.
    assert_eq!((advice.point.low, advice.point.high), (0.14, 0.2));
    assert!((advice.gain.value - 0.032).abs() < 1e-12);
    let half = 1.96 * PAIRED_SD;
    assert!((advice.gain.low - (0.032 - half)).abs() < 1e-12);
    assert!(advice.reason.contains("+3.2 points"), "{}", advice.reason);
}

#[test]
fn three_seeds_give_their_own_spread_and_the_added_regime_its_multiples() {
    let mut pilots = Vec::new();
    for (seed, jitter) in [(0, 0.0), (1, 0.01), (2, -0.01)] {
        pilots.push(pilot(Strategy::Sm, "k000", seed, 0.65 + jitter));
        pilots.push(pilot(
            Strategy::Ft,
            "k100",
            seed,
            0.68 + jitter + jitter / 2.0,
        ));
        pilots.push(pilot(Strategy::Sm, "k400", seed, 0.70 + jitter));
    }
    let advice = advise(&pilots).unwrap();
    assert_eq!(advice.regime, Regime::AddedSynthetic);
    assert_eq!(
        (advice.strategy, advice.point.value),
        (Some(Strategy::Sm), 4.0)
    );
    assert_eq!(advice.seeds, 3);
    // The same gain on every seed: no spread.
    assert!(
        (advice.gain.high - advice.gain.low).abs() < 1e-9,
        "{:?}",
        advice.gain
    );
    assert_eq!(
        pilots[..3]
            .iter()
            .map(|p| (p.strategy, p.point))
            .collect::<Vec<_>>(),
        super::pilots(Regime::AddedSynthetic)
    );
    assert!(advise(&[]).is_none());
}
