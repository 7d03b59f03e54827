//! Spike-time comparison against independent oracles.
//!
//! Fixtures live in `tests/fixtures/` and are produced by the scripts in
//! `tests/oracles/` (see each fixture's "generator" field and the scripts'
//! header comments for how to regenerate them):
//!
//! * `ode_spikes.py`            -> cond_exp_equal_tau, cond_exp_coba, curr_exp_three_taus
//!   (scipy DOP853, rtol = atol = 1e-12, brentq-refined threshold events)
//! * `nest_iaf_psc_exp_ps.py`   -> curr_exp_nest (NEST 3.10 iaf_psc_exp_ps, precise times)
//! * `analytic_cases.py`        -> analytic_cases.json (mpmath: PSP peak, threshold
//!   grazes 1e-9 mV below/above the peak, DC firing)
//!
//! Each fixture carries the full experiment TOML exactspike runs, the recorded
//! population name, the expected spike times and a per-case tolerance
//! (`tolerance_ms`, 1e-9 ms unless the case is ill-conditioned, e.g. grazes).

use serde_json::Value;

use crate::common::{fixture, Edit};

const DEFAULT_TOL_MS: f64 = 1e-9;

/// Runs one fixture case object and compares spike times.
/// `min_spikes`: minimum number of expected spikes the fixture must contain
/// (guards against a silently degenerate fixture).
fn check_case(case: &Value, min_spikes: usize) {
    let name = case["case"].as_str().expect("fixture: case");
    let toml_text = case["experiment"].as_str().expect("fixture: experiment");
    let pop = case["population"].as_str().expect("fixture: population");
    let expected: Vec<f64> = case["expected_times"]
        .as_array()
        .expect("fixture: expected_times")
        .iter()
        .map(|v| v.as_f64().expect("expected time is a number"))
        .collect();
    let tol = case
        .get("tolerance_ms")
        .and_then(Value::as_f64)
        .unwrap_or(DEFAULT_TOL_MS);

    assert!(
        expected.len() >= min_spikes,
        "{name}: fixture has only {} spikes (< {min_spikes})",
        expected.len()
    );

    let exp = match exactspike::config::Experiment::from_toml_str(toml_text, name) {
        Ok(e) => e,
        Err(e) => panic!("{name}: experiment TOML rejected: {e:?}"),
    };
    let rec = match exactspike::run_in_memory(&exp) {
        Ok(r) => r,
        Err(e) => panic!("{name}: run failed: {e:?}"),
    };
    let got: &Vec<f64> = &rec
        .spikes_of(pop)
        .unwrap_or_else(|| panic!("{name}: no spikes recorded for population {pop:?}"))
        .times;

    // Report the first divergence in a readable way before asserting.
    let n = expected.len().min(got.len());
    let mut max_err = 0.0f64;
    let mut worst = 0usize;
    let mut first_bad: Option<usize> = None;
    for i in 0..n {
        let d = (got[i] - expected[i]).abs();
        if d > max_err || d.is_nan() {
            max_err = d;
            worst = i;
        }
        if first_bad.is_none() && (d > tol || d.is_nan()) {
            first_bad = Some(i);
        }
    }
    println!(
        "{name}: {} expected / {} got spikes, max |dt| = {max_err:.3e} ms (at #{worst}), tol {tol:.1e} ms",
        expected.len(),
        got.len()
    );
    if let Some(i) = first_bad {
        println!(
            "{name}: first mismatch at spike #{i}: got {:?} expected {:?}",
            got[i], expected[i]
        );
    }
    if got.len() != expected.len() {
        let i = n;
        println!(
            "{name}: count mismatch; first unmatched: got {:?} expected {:?}",
            got.get(i),
            expected.get(i)
        );
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "{name}: spike count differs (got {}, expected {})",
        got.len(),
        expected.len()
    );
    assert!(
        max_err <= tol,
        "{name}: max |dt| = {max_err:e} ms > tol {tol:e} ms (spike #{worst}: got {:?}, expected {:?})",
        got.get(worst),
        expected.get(worst)
    );
}

/// Runs the single-case fixture `file` (at least 50 expected spikes).
fn check_file(file: &str) {
    let fx = fixture(file);
    check_case(&fx, 50);
}

/// The case `name` of `analytic_cases.json`.
fn analytic_case(name: &str) -> Value {
    let fx = fixture("analytic_cases.json");
    fx["cases"]
        .as_array()
        .expect("analytic_cases.json: cases")
        .iter()
        .find(|c| c["case"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("analytic case {name} not found"))
        .clone()
}

// ---------------------------------------------------------------- ODE oracle

#[test]
fn oracle_cond_exp_equal_tau() {
    check_file("cond_exp_equal_tau.json");
}

#[test]
fn oracle_cond_exp_coba() {
    check_file("cond_exp_coba.json");
}

#[test]
fn oracle_curr_exp_three_taus() {
    check_file("curr_exp_three_taus.json");
}

// ---------------------------------------------------------------- NEST oracle

#[test]
fn oracle_curr_exp_nest() {
    check_file("curr_exp_nest.json");
}

// ---------------------------------------------------------------- analytic

/// Single EPSP, threshold far away: no spike.  (The fixture also holds
/// `expected_peak_time` / `expected_peak_v` for a state-recording test.)
#[test]
fn analytic_curr_psp_peak_no_spike() {
    check_case(&analytic_case("curr_psp_peak"), 0);
}

#[test]
fn analytic_curr_graze_below_spikes() {
    let c = analytic_case("curr_graze_below");
    assert_eq!(c["expected_times"].as_array().unwrap().len(), 1);
    check_case(&c, 1);
}

#[test]
fn analytic_curr_graze_above_no_spike() {
    let c = analytic_case("curr_graze_above");
    assert!(c["expected_times"].as_array().unwrap().is_empty());
    check_case(&c, 0);
}

#[test]
fn analytic_cond_graze_below_spikes() {
    let c = analytic_case("cond_graze_below");
    assert_eq!(c["expected_times"].as_array().unwrap().len(), 1);
    check_case(&c, 1);
}

#[test]
fn analytic_cond_graze_above_no_spike() {
    let c = analytic_case("cond_graze_above");
    assert!(c["expected_times"].as_array().unwrap().is_empty());
    check_case(&c, 0);
}

#[test]
fn analytic_curr_dc_period() {
    check_case(&analytic_case("curr_dc"), 50);
}

#[test]
fn analytic_cond_dc_period() {
    check_case(&analytic_case("cond_dc"), 50);
}

/// The same DC-driven neuron with tau_syn_I ≠ tau_syn_E (no synaptic input, so the same
/// analytic period): the general method, whose searches stop after one search step and wake the
/// neuron there (several wakes per interspike interval), spikes at the analytic times.
#[test]
fn analytic_cond_dc_period_through_search_wakes() {
    let mut case = analytic_case("cond_dc");
    let text = case["experiment"].as_str().unwrap().to_owned();
    assert!(text.contains("tau_syn_I = 5.0"));
    case["experiment"] = Value::from(text.replace("tau_syn_I = 5.0", "tau_syn_I = 10.0"));
    case["case"] = Value::from("cond_dc_general");
    check_case(&case, 50);
}

/// Runs an analytic single-PSP case with membrane sampling so that sample 1000 falls on the
/// analytic peak time; checks the peak height there and that the neighbouring samples are lower.
fn check_psp_peak(name: &str) {
    let case = analytic_case(name);
    let peak_time = case["expected_peak_time"].as_f64().unwrap();
    let peak_v = case["expected_peak_v"].as_f64().unwrap();
    let interval = peak_time / 1000.0;
    let text = case["experiment"].as_str().unwrap().replace_once(
        "spikes = [\"neuron\"]",
        &format!(
            "spikes = [\"neuron\"]\nv = {{ populations = [\"neuron\"], interval = {interval:?} }}"
        ),
    );
    let exp = exactspike::config::Experiment::from_toml_str(&text, name).expect("valid");
    let rec = exactspike::run_in_memory(&exp).expect("runs");
    let v = rec.v_of("neuron").expect("v recorded");
    assert!((v.times[1000] - peak_time).abs() < 1e-12);
    let at_peak = v.values[1000];
    println!("{name}: V(t_peak) = {at_peak:.15} mV, analytic {peak_v:.15} mV");
    assert!(
        (at_peak - peak_v).abs() < 1e-11,
        "{name}: peak height {at_peak} vs {peak_v}"
    );
    assert!(
        v.values[999] < at_peak && v.values[1001] < at_peak,
        "{name}: not the maximum"
    );
}

#[test]
fn analytic_curr_psp_peak_time_and_height() {
    check_psp_peak("curr_psp_peak");
}

#[test]
fn analytic_cond_psp_peak_time_and_height() {
    check_psp_peak("cond_graze_above");
}
