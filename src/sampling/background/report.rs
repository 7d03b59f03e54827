//! What a sampling file with a background other than private Poisson noise stores and prints of
//! it: the HDF5 group `background` (its wiring, the calibration under it beside that under Poisson
//! noise of matched mean input, and its statistics) and a few summary lines.

use super::calibrate::BackgroundCalibration;
use super::wiring::Wiring;
use super::Background;
use crate::record::{AttributeValue, Table};
use crate::sampling::logistic::LogisticFit;

use crate::sampling::groups::BACKGROUND_GROUP;

/// The tables and attributes of group `background` for `background` wired by `wiring` and
/// measured by `measured`, in networks of `n` samplers.
pub fn background_tables(
    background: &Background,
    wiring: &Wiring,
    measured: &BackgroundCalibration,
    n: usize,
) -> (Vec<Table>, Vec<(String, String, AttributeValue)>) {
    let g = BACKGROUND_GROUP;
    let samplers = wiring.sources[0].len();
    let networks = samplers / n.max(1);
    let sources = |r: usize| {
        let k = wiring.sources[r].first().map_or(0, Vec::len);
        Table::u32(
            g,
            ["sources_exc", "sources_inh"][r],
            &[samplers, k],
            wiring.sources[r].concat(),
        )
    };
    let s = &measured.statistics;
    let per_sampler = |name: &str, unit: &str, values: &[f64]| {
        Table::f64(g, name, &[networks, n], unit, values.to_vec())
    };
    let points = measured.v_rest.len();
    let tables = vec![
        sources(0),
        sources(1),
        per_sampler("input_rate_exc", "Hz", &s.input_rate_exc),
        per_sampler("input_rate_inh", "Hz", &s.input_rate_inh),
        per_sampler("free_v_rest", "mV", &measured.free_v_rest),
        per_sampler("free_v_mean", "mV", &s.free_v_mean),
        per_sampler("free_v_sd", "mV", &s.free_v_sd),
        Table::f64(
            g,
            "input_correlation",
            &[networks],
            "",
            s.input_correlation.clone(),
        ),
        Table::f64(
            g,
            "input_correlation_rms",
            &[networks],
            "",
            s.input_correlation_rms.clone(),
        ),
        Table::f64(g, "probe_v_rest", &[points], "mV", measured.v_rest.clone()),
        Table::f64(
            g,
            "probe_v_equivalent",
            &[points],
            "mV",
            measured.v_equivalent.clone(),
        ),
        Table::f64(g, "probe_p_on", &[points], "", measured.p_on.clone()),
        Table::f64(
            g,
            "poisson_p_on",
            &[points],
            "",
            measured.poisson_p_on.clone(),
        ),
    ];
    let (f, noise) = (&measured.fit, &measured.matched_noise);
    let p = &poisson_fit(measured);
    let mut attrs: Vec<(&str, AttributeValue)> = vec![
        ("kind", background.kind().to_owned().into()),
        ("source_populations", wiring.populations.join(",").into()),
        ("weight_exc", wiring.weights[0].into()),
        ("weight_inh", wiring.weights[1].into()),
        ("delay", wiring.delay.into()),
        ("v_p05", f.v_p05.into()),
        ("alpha", f.alpha.into()),
        ("v_p05_stderr", f.v_p05_stderr.into()),
        ("alpha_stderr", f.alpha_stderr.into()),
        ("poisson_v_p05", p.v_p05.into()),
        ("poisson_alpha", p.alpha.into()),
        ("poisson_v_p05_stderr", p.v_p05_stderr.into()),
        ("poisson_alpha_stderr", p.alpha_stderr.into()),
        ("matched_rate_exc", noise.rate_exc.into()),
        ("matched_rate_inh", noise.rate_inh.into()),
        ("correlation_bin", s.bin.into()),
    ];
    if let Background::PoissonPool { pool, rate, .. } = background {
        attrs.push(("pool", (*pool).into()));
        attrs.push(("pool_rate", (*rate).into()));
    }
    let attrs = attrs
        .into_iter()
        .map(|(name, v)| (g.to_string(), name.to_string(), v))
        .collect();
    (tables, attrs)
}

/// The fit under matched Poisson noise, NaN where there is none.
fn poisson_fit(measured: &BackgroundCalibration) -> LogisticFit {
    measured.poisson_fit.clone().unwrap_or(LogisticFit {
        v_p05: f64::NAN,
        alpha: f64::NAN,
        v_p05_stderr: f64::NAN,
        alpha_stderr: f64::NAN,
        covariance: [[f64::NAN; 2]; 2],
        residual_rms: f64::NAN,
        points_used: 0,
    })
}

/// Summary lines of the calibration under `background`: its measured input, the two
/// activation fits, the free membrane and the input correlation.
pub fn describe(background: &Background, measured: &BackgroundCalibration) -> Vec<String> {
    let s = &measured.statistics;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (f, p) = (&measured.fit, &poisson_fit(measured));
    let (correlation, rms) = s.median_correlation();
    vec![
        format!(
            "background {}: input {:.0} Hz excitatory, {:.0} Hz inhibitory per sampler (mean)",
            background.kind(),
            mean(&s.input_rate_exc),
            mean(&s.input_rate_inh)
        ),
        format!(
            "activation under it: v_p05 = {:.3} ± {:.3} mV, alpha = {:.3} ± {:.3} mV; under Poisson noise of matched mean input: v_p05 = {:.3} ± {:.3} mV, alpha = {:.3} ± {:.3} mV",
            f.v_p05, f.v_p05_stderr, f.alpha, f.alpha_stderr, p.v_p05, p.v_p05_stderr, p.alpha, p.alpha_stderr
        ),
        format!(
            "free membrane: mean {:.2} mV, sd {:.2} mV; background input correlation of two samplers of a network: mean {correlation:.3}, rms {rms:.3} (medians over networks, bins of {} ms)",
            mean(&s.free_v_mean),
            mean(&s.free_v_sd),
            s.bin
        ),
    ]
}
