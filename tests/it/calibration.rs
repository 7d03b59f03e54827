//! Calibration recovers the activation curve: a short calibration (the fit and its standard
//! errors) against an independent long-run estimate (other seed, ten times longer per point, other
//! v_rest points).

use exactspike::neuron::CondExpParams;
use exactspike::sampling::calibrate::{calibrate, measure_p_on};
use exactspike::sampling::logistic::fit_logistic;
use exactspike::sampling::spec::CalibrationSection;
use exactspike::sampling::translation::Noise;

use crate::common::networks::profile;

/// The sbs sampling neuron, from the shipped profile (its `v_rest` is what calibration sweeps).
fn sbs() -> CondExpParams {
    profile("sampling_lif")
}

#[test]
fn short_calibration_agrees_with_an_independent_long_run() {
    let noise = Noise::sbs_default();
    let settings = CalibrationSection {
        points: 30,
        duration: 20_000.0,
        prescan_duration: 500.0,
        ..CalibrationSection::default()
    };
    let mut reported = Vec::new();
    let short = calibrate(&sbs(), &noise, &settings, 1, &mut |f| reported.push(f))
        .expect("calibrates")
        .fit;
    // The progress rises through (0, 1] to 1 (the pre-scan window does not move here).
    assert!(reported.len() > 2, "{reported:?}");
    assert!(reported.windows(2).all(|w| w[0] <= w[1]), "{reported:?}");
    assert!(reported[0] > 0.0 && reported[reported.len() - 2] < 1.0);
    assert_eq!(reported.last(), Some(&1.0));
    // Independent estimate: 12 other points across the slope, 10× longer each, another seed.
    let v_rest: Vec<f64> = (0..12).map(|i| -52.4 + 0.35 * f64::from(i)).collect();
    let p_on =
        measure_p_on(&sbs(), &noise, &v_rest, 500.0, 200_000.0, 99, &mut |_| {}).expect("runs");
    let long = fit_logistic(&v_rest, &p_on).expect("fits");
    eprintln!(
        "short: v_p05 {:.4} ± {:.4}, alpha {:.4} ± {:.4}; long: v_p05 {:.4} ± {:.4}, alpha {:.4} ± {:.4}",
        short.v_p05, short.v_p05_stderr, short.alpha, short.alpha_stderr,
        long.v_p05, long.v_p05_stderr, long.alpha, long.alpha_stderr
    );
    for (name, a, sa, b, sb) in [
        (
            "v_p05",
            short.v_p05,
            short.v_p05_stderr,
            long.v_p05,
            long.v_p05_stderr,
        ),
        (
            "alpha",
            short.alpha,
            short.alpha_stderr,
            long.alpha,
            long.alpha_stderr,
        ),
    ] {
        let combined = (sa * sa + sb * sb).sqrt();
        assert!(
            (a - b).abs() <= 3.0 * combined,
            "{name}: short {a} ± {sa}, long {b} ± {sb}"
        );
        // The errors are small enough for the comparison to mean something.
        assert!(
            combined < 0.03,
            "{name}: combined standard error {combined}"
        );
    }
    // And both agree with the published-recipe ballpark (sampling.md: alpha ≈ 0.8 mV).
    assert!((long.alpha - 0.8).abs() < 0.05, "alpha {}", long.alpha);
    assert!((long.v_p05 + 50.62).abs() < 0.1, "v_p05 {}", long.v_p05);
}
