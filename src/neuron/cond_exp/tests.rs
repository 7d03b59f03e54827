//! Unit tests of `IF_cond_exp`: propagation against RK4 and scipy, spike-test soundness
//! against brute force, the two methods against each other, the input loop against one event
//! at a time.

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The sampling neuron of the brief (tau_syn 10/10 → s = 10, the integer-order case).
pub(super) fn sampling() -> CondExpParams {
    CondExpParams {
        cm: 0.2,
        tau_m: 1.0,
        v_rest: -50.3,
        v_thresh: -50.0,
        v_reset: -50.001,
        tau_refrac: 10.0,
        tau_syn_E: 10.0,
        tau_syn_I: 10.0,
        e_rev_E: 0.0,
        e_rev_I: -100.0,
        i_offset: 0.0,
    }
}

/// COBA benchmark neuron (Brette et al. 2007), tau_syn 5/10 ms.
pub(super) fn coba() -> CondExpParams {
    CondExpParams {
        cm: 0.2,
        tau_m: 20.0,
        v_rest: -60.0,
        v_thresh: -50.0,
        v_reset: -60.0,
        tau_refrac: 5.0,
        tau_syn_E: 5.0,
        tau_syn_I: 10.0,
        e_rev_E: 0.0,
        e_rev_I: -80.0,
        i_offset: 0.0,
    }
}

/// A merged 2 × 3 kHz Poisson train of `inputs` spikes, `(arrival [ms], receptor)`, and the
/// arrival [ms] after its last spike.
fn merged_train(inputs: usize) -> (Vec<(f64, Receptor)>, f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let mut t_next = -rng.random::<f64>().ln() / 6.0;
    let train = (0..inputs)
        .map(|_| {
            let t = t_next;
            t_next = t - rng.random::<f64>().ln() / 6.0;
            let receptor = if rng.random::<bool>() {
                Receptor::Excitatory
            } else {
                Receptor::Inhibitory
            };
            (t, receptor)
        })
        .collect();
    (train, t_next)
}

/// Spike times of `m` under [`merged_train`]`(inputs)` (weights 0.001 µS), with the bounded
/// search (horizon = next input, as the engine does for folded inputs) or the unbounded
/// prediction.
fn spike_train(m: &CondExp, v0: f64, inputs: usize, bounded: bool) -> Vec<f64> {
    let (train, after) = merged_train(inputs);
    let mut st = m.initial_state(v0);
    let mut spikes = Vec::new();
    let search = |st: &mut CondExpState, horizon: f64| {
        if bounded {
            m.next_spike_before(st, horizon)
        } else {
            m.next_spike(st).filter(|&t| t <= horizon)
        }
    };
    let mut next = search(&mut st, train.first().map_or(after, |&(t, _)| t));
    for (i, &(t, receptor)) in train.iter().enumerate() {
        let t_next = train.get(i + 1).map_or(after, |&(t, _)| t);
        while let Some(ts) = next.filter(|&ts| ts <= t) {
            m.advance(&mut st, ts);
            m.fire(&mut st);
            spikes.push(ts);
            next = search(&mut st, t);
        }
        m.advance(&mut st, t);
        m.receive(&mut st, receptor, 0.001);
        next = search(&mut st, t_next);
    }
    spikes
}

/// The input train of [`spike_train`] as `(arrival [ms], receptor)`, 0.001 µS each.
struct Train {
    inputs: Vec<(f64, Receptor)>,
    taken: usize,
}

impl InputFeed for Train {
    fn next_arrival(&self) -> f64 {
        self.inputs.get(self.taken).map_or(f64::INFINITY, |i| i.0)
    }

    fn take(&mut self) -> (Receptor, f64, f64) {
        let (_, receptor) = self.inputs[self.taken];
        self.taken += 1;
        (receptor, 0.001, self.next_arrival())
    }
}

/// The input loop (`run_inputs`, here with an infinite `until`) spikes bitwise as the
/// event-by-event calls do, and takes exactly the inputs there are.
#[test]
fn the_input_loop_spikes_as_one_event_at_a_time() {
    let m = CondExp::new(&sampling());
    let n = 12_000;
    let (inputs, _) = merged_train(n as usize);
    let mut feed = Train { inputs, taken: 0 };
    let mut st = m.initial_state(-50.3);
    let mut spikes = Vec::new();
    let mut taken = 0;
    while feed.next_arrival() < f64::INFINITY {
        let run = m
            .run_inputs(&mut st, &mut feed, f64::INFINITY)
            .expect("closed form");
        taken += run.inputs;
        if let Some(ts) = run.spike {
            m.advance(&mut st, ts);
            m.fire(&mut st);
            spikes.push(ts);
        }
    }
    // With the train exhausted, nothing more is taken (an infinite arrival is no input).
    let end = m.run_inputs(&mut st, &mut feed, f64::INFINITY);
    assert_eq!(end.map(|run| run.inputs), Some(0));
    assert_eq!((taken, feed.taken), (n, n as usize));
    let expected = spike_train(&m, -50.3, n as usize, true);
    assert!(expected.len() > 50, "{} spikes", expected.len());
    // `spike_train` stops searching at the arrival after its last input; the loop goes on.
    let last_input = feed.inputs[n as usize - 1].0;
    let (within, after) = spikes.split_at(expected.len());
    assert_eq!(within, expected);
    assert!(after.len() <= 1 && after.iter().all(|&t| t > last_input));
}

/// A model whose v_rest was shifted, with live conductances, free or refractory at the shift,
/// equals a model lowered afresh with the new v_rest from the same absolute state (both
/// paths): same next spike and same V(t).
#[test]
fn a_shifted_rest_equals_a_fresh_lowering() {
    for tau_syn_i in [5.0, 8.0] {
        let p = CondExpParams {
            cm: 0.2,
            tau_m: 10.0,
            v_rest: -65.0,
            v_reset: -70.0,
            tau_refrac: 2.0,
            tau_syn_E: 5.0,
            tau_syn_I: tau_syn_i,
            e_rev_I: -80.0,
            i_offset: 0.1,
            ..CondExpParams::default()
        };
        for fire_at in [None, Some(2.5), Some(1.0)] {
            let m = CondExp::new(&p);
            let mut s = m.initial_state(-60.0);
            m.receive(&mut s, Receptor::Excitatory, 0.08);
            m.receive(&mut s, Receptor::Inhibitory, 0.02);
            let _ = m.next_spike_before(&mut s, 2.9);
            if let Some(t) = fire_at {
                m.advance(&mut s, t);
                m.fire(&mut s);
            }
            let _ = m.next_spike_before(&mut s, 3.0);
            m.advance(&mut s, 3.0);
            let v_abs = m.membrane_potential(&s, 3.0);
            let dv = 9.0;
            let shifted = m.with_rest_shifted(&mut s, dv);
            let fresh = CondExp::new(&CondExpParams {
                v_rest: p.v_rest + dv,
                ..p.clone()
            });
            let free = s.t >= s.t_ref;
            let s_fresh = CondExpState {
                v: if free {
                    v_abs - fresh.v0
                } else {
                    fresh.v_reset
                },
                q: f64::NAN,
                ahead: None,
                ..s.clone()
            };
            let case = format!("tau_syn_I {tau_syn_i}, fired at {fire_at:?}");
            match (shifted.next_spike(&s), fresh.next_spike(&s_fresh)) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-11, "{case}: {a} vs {b}"),
                (None, None) => {}
                other => panic!("{case}: {other:?}"),
            }
            for k in 0..50 {
                let t = 3.0 + 0.2 * k as f64;
                let (a, b) = (
                    shifted.membrane_potential(&s, t),
                    fresh.membrane_potential(&s_fresh, t),
                );
                assert!((a - b).abs() < 1e-11, "{case} at {t}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn bounded_search_finds_the_same_spikes_as_the_full_prediction() {
    let slow_inh = CondExpParams {
        tau_syn_I: 7.0,
        ..sampling()
    };
    for (p, inputs) in [(sampling(), 200_000), (slow_inh, 5_000), (coba(), 20_000)] {
        let m = CondExp::new(&p);
        let full = spike_train(&m, p.v_rest, inputs, false);
        let bounded = spike_train(&m, p.v_rest, inputs, true);
        assert!(full.len() >= 10, "{p:?}: only {} spikes", full.len());
        assert_eq!(full.len(), bounded.len(), "{p:?}");
        let worst = full
            .iter()
            .zip(&bounded)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst <= 1e-9, "{p:?}: spike times differ by {worst} ms");
    }
}

pub(super) fn state(m: &CondExp, v: f64, g_e: f64, g_i: f64) -> CondExpState {
    let mut st = m.initial_state(v);
    m.receive(&mut st, Receptor::Excitatory, g_e);
    m.receive(&mut st, Receptor::Inhibitory, g_i);
    st
}

/// Independent oracle: classical RK4 on the PyNN equations (original units, potential measured
/// from `v_rest` to limit rounding) with steps `h` and `h/2`, Richardson-extrapolated.
fn rk4(p: &CondExpParams, v: f64, g_e: f64, g_i: f64, t: f64) -> f64 {
    let g_l = p.cm / p.tau_m;
    let membrane = p.tau_m / (1.0 + (g_e + g_i) / g_l);
    let h = 1e-3 * membrane.min(p.tau_syn_E).min(p.tau_syn_I);
    let n = (t / h).ceil().max(1.0) as usize;
    let coarse = rk4_fixed(p, v, g_e, g_i, t, n);
    let fine = rk4_fixed(p, v, g_e, g_i, t, 2 * n);
    fine + (fine - coarse) / 15.0
}

fn rk4_fixed(p: &CondExpParams, v: f64, g_e: f64, g_i: f64, t: f64, n: usize) -> f64 {
    let g_l = p.cm / p.tau_m;
    let (e_e, e_i) = (p.e_rev_E - p.v_rest, p.e_rev_I - p.v_rest);
    let rhs = |y: [f64; 3]| {
        let du = (-g_l * y[0] + y[1] * (e_e - y[0]) + y[2] * (e_i - y[0]) + p.i_offset) / p.cm;
        [du, -y[1] / p.tau_syn_E, -y[2] / p.tau_syn_I]
    };
    let h = t / n as f64;
    let mut y = [v - p.v_rest, g_e, g_i];
    let add = |y: [f64; 3], k: [f64; 3], c: f64| [0, 1, 2].map(|i| y[i] + c * k[i]);
    for _ in 0..n {
        let k1 = rhs(y);
        let k2 = rhs(add(y, k1, h / 2.0));
        let k3 = rhs(add(y, k2, h / 2.0));
        let k4 = rhs(add(y, k3, h));
        y = [0, 1, 2].map(|i| y[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]));
    }
    y[0] + p.v_rest
}

#[test]
fn closed_form_matches_rk4() {
    let mut worst = 0.0f64;
    for (p, s_list) in [
        (sampling(), [10.0, 9.999_999, 0.25]),
        (coba(), [5.0, 0.5, 3.7]),
    ] {
        for tau_s in s_list {
            let p = CondExpParams {
                tau_syn_E: tau_s * p.tau_m,
                tau_syn_I: tau_s * p.tau_m,
                ..p.clone()
            };
            let m = CondExp::new(&p);
            assert!(m.is_closed_form());
            for (v, ge, gi) in [(p.v_reset, 0.05, 0.02), (p.v_rest - 3.0, 0.3, 0.01)] {
                let st = state(&m, v, ge, gi);
                for t in [1e-3, 0.1, 1.0, 7.0, 30.0] {
                    let got = m.membrane_potential(&st, t);
                    let err = (got - rk4(&p, v, ge, gi, t)).abs();
                    if err > 1e-11 {
                        println!("tau_s={tau_s} v={v} t={t} err={err:e}");
                    }
                    worst = worst.max(err);
                }
            }
        }
    }
    println!("closed form vs RK4: max |ΔV| = {worst:e} mV");
    assert!(worst < 2e-12, "{worst}");
}

#[test]
fn tiny_intervals_keep_relative_accuracy_of_the_increment() {
    let p = sampling();
    let m = CondExp::new(&p);
    let st = state(&m, -50.2, 0.03, 0.01);
    let v0 = m.membrane_potential(&st, 0.0);
    let mut worst = 0.0f64;
    for t in [1e-9, 1e-7, 1e-6, 1e-5, 1e-4] {
        let inc = m.membrane_potential(&st, t) - v0;
        let expect = rk4(&p, -50.2, 0.03, 0.01, t) - (-50.2);
        worst = worst.max((inc / expect - 1.0).abs());
    }
    println!("increment relative error {worst:e}");
    assert!(worst < 1e-7, "{worst}");
}

#[derive(serde::Deserialize)]
struct OdeCase {
    params: CondExpParams,
    v: f64,
    g_e: f64,
    g_i: f64,
    times: Vec<f64>,
    v_at: Vec<f64>,
    first_spike: Option<f64>,
}

#[test]
fn general_path_matches_scipy_dop853() {
    let cases: Vec<OdeCase> = serde_json::from_str(include_str!(
        "../../../tests/fixtures/condexp_ode_reference.json"
    ))
    .unwrap();
    let (mut dv, mut dt, mut spikes) = (0.0f64, 0.0f64, 0);
    for c in &cases {
        let mut p = c.params.clone();
        p.tau_refrac = 0.0;
        let m = CondExp::new(&p);
        assert!(!m.is_closed_form());
        let st = state(&m, c.v, c.g_e, c.g_i);
        for (&t, &v) in c.times.iter().zip(&c.v_at) {
            dv = dv.max((m.membrane_potential(&st, t) - v).abs());
        }
        match (m.next_spike(&st), c.first_spike) {
            (Some(a), Some(b)) => {
                dt = dt.max((a - b).abs());
                spikes += 1;
            }
            (None, None) => {}
            (Some(a), None) => assert!(a > 60.0 - 1e-9, "spurious spike {a}"),
            (None, Some(b)) => panic!("missed spike at {b}"),
        }
    }
    println!("vs DOP853: max |ΔV| = {dv:e} mV, max |Δt| = {dt:e} ms over {spikes} spikes");
    assert!(spikes >= 5);
    assert!(dv < 1e-9 && dt < 1e-9, "{dv} {dt}");
}

#[test]
fn equal_tau_paths_agree() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut dv, mut dt) = (0.0f64, 0.0f64);
    for p in [
        sampling(),
        CondExpParams {
            tau_syn_I: 5.0,
            ..coba()
        },
    ] {
        let exact = CondExp::new(&p);
        let general = CondExp::new_general(&p);
        for _ in 0..40 {
            let v = rng.random_range(p.v_reset - 2.0..p.v_thresh);
            let ge = rng.random_range(0.0..0.2);
            let gi = rng.random_range(0.0..0.2);
            let (a, b) = (state(&exact, v, ge, gi), state(&general, v, ge, gi));
            for t in [1e-6, 0.5, 3.0, 20.0] {
                let va = exact.membrane_potential(&a, t);
                dv = dv.max((va - general.membrane_potential(&b, t)).abs());
            }
            match (exact.next_spike(&a), general.next_spike(&b)) {
                (Some(x), Some(y)) => dt = dt.max((x - y).abs()),
                (None, None) => {}
                other => panic!("paths disagree: {other:?} for v={v} ge={ge} gi={gi}"),
            }
        }
    }
    println!("equal-tau paths: max |ΔV| = {dv:e} mV, max |Δt| = {dt:e} ms");
    assert!(dv < 1e-12 && dt < 1e-11, "{dv} {dt}");
}

/// First grid time with `V ≥ θ` on `(0, horizon]`, stepping the model's own propagation, and
/// the grid time of the highest potential before it (or on the whole grid), `0` included.
fn brute_force(m: &CondExp, st: &CondExpState, horizon: f64, n: usize) -> (Option<f64>, f64) {
    let (t0, mut f) = m.start(st);
    assert_eq!(t0, 0.0);
    let step = horizon / n as f64;
    let (mut t_max, mut v_max) = (0.0, f.v);
    for k in 1..=n {
        f = m.evolve(&f, step);
        let t = k as f64 * step;
        if f.v >= m.theta {
            return (Some(t), t_max);
        }
        if f.v > v_max {
            (t_max, v_max) = (t, f.v);
        }
    }
    (None, t_max)
}

/// The highest membrane potential [mV] of `st` on `[lo, hi]`, by golden-section search (the
/// free membrane is unimodal near its peak).
fn peak(m: &CondExp, st: &CondExpState, mut lo: f64, mut hi: f64) -> f64 {
    let ratio = 0.5 * (5f64.sqrt() - 1.0);
    let v = |t: f64| m.membrane_potential(st, t);
    while hi - lo > 1e-12 * hi.max(1.0) {
        let (a, b) = (hi - ratio * (hi - lo), lo + ratio * (hi - lo));
        if v(a) < v(b) {
            lo = a;
        } else {
            hi = b;
        }
    }
    v(lo).max(v(hi))
}

/// How close [mV] below threshold some silent state of every [`soundness`] sample must peak,
/// so that its peak check runs where a wrong spike test would err (measured: 1.2e-3 to
/// 8.6e-2 mV for the four samples below).
const CLOSE: f64 = 0.1;

/// The spike test against a grid of `grid` steps over six time constants, on `n_states`
/// random states (V below threshold, conductances up to `g_max`): a grid crossing is always
/// predicted, within one step before it; a predicted spike the grid does not see is real
/// (V ≥ θ − v_tol there); and a state predicted silent peaks at most `v_tol` above θ, its
/// peak refined between the grid neighbours of the highest grid point (where a graze shorter
/// than a step, missed by the grid, would show). Returns the number of spiking states and the
/// highest peak relative to θ [mV] among the silent ones.
fn soundness(p: &CondExpParams, n_states: usize, grid: usize, g_max: f64) -> (usize, f64) {
    let m = CondExp::new(p);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let horizon = 6.0 * p.tau_m.max(p.tau_syn_E).max(p.tau_syn_I);
    let step = horizon / grid as f64;
    let mut spiking = 0;
    let mut closest = f64::NEG_INFINITY;
    for _ in 0..n_states {
        let v = rng.random_range(p.v_reset - 3.0..p.v_thresh);
        let st = state(
            &m,
            v,
            rng.random_range(0.0..g_max),
            rng.random_range(0.0..g_max),
        );
        let predicted = m.next_spike(&st);
        match (predicted, brute_force(&m, &st, horizon, grid)) {
            (Some(t), (Some(tg), _)) => {
                assert!(t <= tg + 1e-9 && t > tg - step - 1e-9, "{t} vs grid {tg}");
                spiking += 1;
            }
            (None, (Some(tg), _)) => panic!("missed crossing near {tg} for {st:?}"),
            (Some(t), (None, _)) => {
                // A crossing between grid points or beyond the horizon: must be real.
                let over = m.membrane_potential(&st, t) - p.v_thresh;
                assert!(over >= -m.v_tol, "spurious {t}: {over}");
            }
            (None, (None, t_max)) => {
                let top = peak(&m, &st, (t_max - step).max(0.0), t_max + step);
                let over = top - p.v_thresh;
                assert!(
                    over <= m.v_tol,
                    "predicted silent, but peaks {over:e} mV above threshold for {st:?}"
                );
                closest = closest.max(over);
            }
        }
    }
    (spiking, closest)
}

#[test]
fn closed_form_spike_test_never_misses() {
    let (n, closest) = soundness(&sampling(), 1000, 4000, 0.08);
    println!("closed form: {n} spiking of 1000, silent peaks up to {closest:e} mV from θ");
    assert!(n > 100);
    assert!(
        closest > -CLOSE,
        "no silent state came near threshold: {closest:e} mV"
    );
    let p = CondExpParams {
        tau_syn_I: 5.0,
        ..coba()
    };
    let (n, closest) = soundness(&p, 1000, 4000, 0.1);
    println!("closed form (COBA, 5/5): {n} spiking of 1000, silent peaks up to {closest:e} mV");
    assert!(n > 100);
    assert!(
        closest > -CLOSE,
        "no silent state came near threshold: {closest:e} mV"
    );
}

#[test]
fn general_spike_test_never_misses() {
    let (n, closest) = soundness(&coba(), 1000, 1500, 0.1);
    println!("general (COBA 5/10): {n} spiking of 1000, silent peaks up to {closest:e} mV");
    assert!(n > 100);
    assert!(
        closest > -CLOSE,
        "no silent state came near threshold: {closest:e} mV"
    );
    let p = CondExpParams {
        tau_syn_I: 7.0,
        ..sampling()
    };
    let (n, closest) = soundness(&p, 1000, 1500, 0.08);
    println!("general (sampling 10/7): {n} spiking of 1000, silent peaks up to {closest:e} mV");
    assert!(n > 100);
    assert!(
        closest > -CLOSE,
        "no silent state came near threshold: {closest:e} mV"
    );
}

#[test]
fn dc_driven_period_matches_formula() {
    for general in [false, true] {
        for i_offset in [0.12, 0.5] {
            let p = CondExpParams {
                i_offset,
                tau_syn_I: if general { 7.0 } else { 5.0 },
                ..coba()
            };
            let m = if general {
                CondExp::new_general(&p)
            } else {
                CondExp::new(&p)
            };
            let v_inf = p.v_rest + i_offset * p.tau_m / p.cm;
            let period = p.tau_refrac + p.tau_m * ((v_inf - p.v_reset) / (v_inf - p.v_thresh)).ln();
            let mut st = m.initial_state(p.v_reset);
            let mut last = -p.tau_refrac;
            for _ in 0..5 {
                let t = m
                    .next_spike(&st)
                    .expect("DC drive above threshold must fire");
                assert!((t - last - period).abs() < 1e-9, "{} vs {period}", t - last);
                m.advance(&mut st, t);
                m.fire(&mut st);
                last = t;
            }
        }
    }
}

#[test]
fn refractory_clamp_keeps_v_and_decays_conductances() {
    for general in [false, true] {
        let p = sampling();
        let m = if general {
            CondExp::new_general(&p)
        } else {
            CondExp::new(&p)
        };
        let mut st = state(&m, -50.0, 0.05, 0.01);
        m.fire(&mut st);
        m.advance(&mut st, 4.0);
        m.receive(&mut st, Receptor::Excitatory, 0.2);
        assert_eq!(m.membrane_potential(&st, 4.0), p.v_reset);
        assert_eq!(m.membrane_potential(&st, 9.999), p.v_reset);
        let expect_ge = 0.05 * (-0.4f64).exp() + 0.2;
        assert!((st.g_exc() - expect_ge).abs() < 1e-15);
        // After the refractory period: free evolution from v_reset with decayed conductances.
        let ge_ref = expect_ge * (-0.6f64).exp();
        let gi_ref = 0.01 * (-1.0f64).exp();
        let mut fresh = state(&m, p.v_reset, ge_ref, gi_ref);
        fresh.t = 10.0;
        fresh.t_ref = 10.0;
        for t in [10.0, 10.5, 13.0] {
            let (a, b) = (
                m.membrane_potential(&st, t),
                m.membrane_potential(&fresh, t),
            );
            assert!((a - b).abs() < 1e-13, "{a} {b}");
        }
        let t = m.next_spike(&st).expect("strong excitation fires");
        assert!(t >= 10.0);
        assert_eq!(m.next_spike(&fresh), Some(t));
    }
}

#[test]
fn advance_composes() {
    for m in [CondExp::new(&coba()), CondExp::new(&sampling())] {
        let mut a = state(&m, -55.0, 0.03, 0.05);
        let b = a.clone();
        for k in 1..=50 {
            m.advance(&mut a, 0.37 * k as f64);
        }
        let direct = m.membrane_potential(&b, 0.37 * 50.0);
        assert!((a.v + m.v0 - direct).abs() < 1e-12);
    }
}

/// `F(σ) = ĝ_E(σ) (E_E − θ) + ĝ_I(σ) (E_I − θ) − θ` [mV] of `f` at normalised time `σ`: the
/// nullcline's distance above threshold times its rate.
fn nullcline_excess(m: &CondExp, f: &Free, sigma: f64) -> f64 {
    f.ge * (-sigma / m.s_e).exp() * (m.e_e - m.theta)
        + f.gi * (-sigma / m.s_i).exp() * (m.e_i - m.theta)
        - m.theta
}

/// `never_after` is the exact test `sup F < 0`: on random states of a COBA neuron (excitation
/// decays faster) and of one whose excitation decays more slowly (where `F` may peak after
/// σ = 0), it holds whenever the supremum on a grid of 60 synaptic time constants (and the
/// limit `−θ`) is clearly negative, and never when it is not.
#[test]
fn never_after_is_the_exact_nullcline_test() {
    let slow_excitation = CondExpParams {
        tau_syn_E: 10.0,
        tau_syn_I: 3.0,
        ..coba()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for p in [coba(), slow_excitation] {
        let m = CondExp::new(&p);
        let horizon = 60.0 * m.s_e.max(m.s_i);
        let (mut proven, mut late_peaks) = (0, 0);
        for _ in 0..1000 {
            let f = Free {
                v: m.theta - 1.0,
                ge: rng.random_range(0.0..3.0),
                gi: rng.random_range(0.0..12.0),
                q: f64::NAN,
            };
            let peak = (0..=20_000)
                .map(|k| nullcline_excess(&m, &f, horizon * k as f64 / 20_000.0))
                .fold(-m.theta, f64::max);
            let never = m.never_after(&f);
            assert!(!never || peak < 0.0, "{f:?}: proven, but F peaks at {peak}");
            assert!(
                never || peak > -1e-3,
                "{f:?}: F peaks at {peak}, not proven"
            );
            proven += usize::from(never);
            late_peaks += usize::from(peak > nullcline_excess(&m, &f, 0.0) + 1e-3);
        }
        assert!((100..900).contains(&proven), "{proven} of 1000 proven");
        if p.tau_syn_E > p.tau_syn_I {
            assert!(
                late_peaks > 100,
                "only {late_peaks} states peak after σ = 0"
            );
        }
    }
}
