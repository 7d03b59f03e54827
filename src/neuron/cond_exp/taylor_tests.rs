//! Tests of the Taylor panels: the truncation bound holds at every order against a
//! high-order reference, and the Taylor method gives the quadrature's potentials and spikes on
//! random states and intervals.

use super::taylor::Series;
use super::tests::{coba, sampling, state};
use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The COBA neuron and the sampling neuron with tau_syn_I = 7 ms (both take the general path).
fn general_models() -> [CondExpParams; 2] {
    [
        coba(),
        CondExpParams {
            tau_syn_I: 7.0,
            ..sampling()
        },
    ]
}

/// A random free point [internal units] of `m` below threshold, with conductances up to 20 g_L.
fn random_free(m: &CondExp, rng: &mut ChaCha8Rng) -> Free {
    Free {
        v: rng.random_range(m.v_reset - 20.0..m.theta),
        ge: 20.0 * rng.random::<f64>().powi(2),
        gi: 20.0 * rng.random::<f64>().powi(2),
        q: f64::NAN,
    }
}

#[test]
fn truncation_bound_holds_at_every_order() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut ratios = Vec::new();
    for p in general_models() {
        let m = CondExp::new(&p);
        for _ in 0..500 {
            let f = random_free(&m, &mut rng);
            // Up to the panel length the method uses.
            let h = m.taylor_panel_tau(&f) * rng.random::<f64>();
            let (decay_e, decay_i) = m.decays(h);
            let reference = m.quadrature_v(&f, h, f.ge * decay_e, f.gi * decay_i);
            let mut series = Series::new(&m, &f, h);
            for _ in 0..14 {
                series.add_order(&m);
                let error = (series.value() - reference).abs();
                let bound = series.truncation_bound(&m, decay_e, decay_i);
                // Rounding of the reference and of the sum: a few ulp of the potentials.
                let rounding = 64.0 * f64::EPSILON * (m.e_e.abs() + m.e_i.abs() + f.v.abs());
                assert!(
                    error <= bound + rounding,
                    "{f:?} h={h}: error {error:e} > bound {bound:e}"
                );
                if error > 1e3 * rounding {
                    ratios.push(bound / error);
                }
                // The bound holds inside the panel too (spike times are located on the
                // polynomial).
                let inside = rng.random::<f64>();
                let sub = inside * h;
                let (sub_e, sub_i) = m.decays(sub);
                let reference = m.quadrature_v(&f, sub, f.ge * sub_e, f.gi * sub_i);
                let error = (series.at(inside) - reference).abs();
                assert!(
                    error <= bound + rounding,
                    "{f:?} h={h}, at {inside}: error {error:e} > bound {bound:e}"
                );
            }
        }
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let worst = ratios[ratios.len() - 1];
    println!(
        "bound / error over {} truncations above rounding: median {median:.1}, at most {worst:.0}",
        ratios.len()
    );
    assert!(ratios.len() > 1000);
    // Not only valid but useful: the bound is typically a small multiple of the error.
    assert!(median < 20.0, "{median}");
}

#[test]
fn taylor_and_quadrature_give_the_same_potentials_and_spikes() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let (mut dv, mut dt, mut spikes) = (0.0f64, 0.0f64, 0);
    for p in general_models() {
        let taylor = CondExp::new(&p);
        let quadrature = CondExp::new(&p).with_general_method(GeneralMethod::Quadrature);
        for _ in 0..600 {
            let v = rng.random_range(p.v_reset - 10.0..p.v_thresh);
            let g_e = 0.3 * p.cm / p.tau_m * 20.0 * rng.random::<f64>().powi(2);
            let g_i = 0.3 * p.cm / p.tau_m * 20.0 * rng.random::<f64>().powi(2);
            let (a, b) = (state(&taylor, v, g_e, g_i), state(&quadrature, v, g_e, g_i));
            // Log-uniform intervals from 1 µs to 4 tau_m.
            let t = 1e-3 * (4e3 * p.tau_m).powf(rng.random::<f64>());
            let va = taylor.membrane_potential(&a, t);
            dv = dv.max((va - quadrature.membrane_potential(&b, t)).abs());
            let bounded = |m: &CondExp, st: &CondExpState| m.next_spike_before(&mut st.clone(), t);
            for (x, y) in [
                (taylor.next_spike(&a), quadrature.next_spike(&b)),
                (bounded(&taylor, &a), bounded(&quadrature, &b)),
            ] {
                match (x, y) {
                    (Some(x), Some(y)) => {
                        dt = dt.max((x - y).abs());
                        spikes += 1;
                    }
                    (None, None) => {}
                    other => panic!("methods disagree: {other:?} for v={v} g_e={g_e} g_i={g_i}"),
                }
            }
        }
    }
    println!("Taylor vs quadrature: max |ΔV| = {dv:e} mV, max |Δt| = {dt:e} ms, {spikes} spikes");
    assert!(spikes > 300, "{spikes}");
    assert!(dv < 1e-11 && dt < 1e-9, "{dv} {dt}");
}
