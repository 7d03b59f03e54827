//! Run segments and run-time changes (`Simulation::run_until`, `set_weight`, `shift_v_rest`):
//! a run paused anywhere equals an uninterrupted one; resting-potential changes against the
//! analytic free membrane (no synaptic input: V relaxes exponentially to the new v_rest); weight
//! changes against hand-computed conductances, with and without source folding.

use exactspike::config::{Cell, Connector, Experiment, ExperimentBuilder};
use exactspike::engine::ModifyError;
use exactspike::neuron::{CondExpParams, CurrExpParams, Receptor};
use exactspike::record::MemoryRecorder;

use crate::common::networks::{all_to_all, array, build, lif, poisson, simulation, Model};

/// The noise-driven `IF_cond_exp` neurons of [`recurrent`] (tau_m = 5 ms, tau_syn 3 / 6 ms).
fn cond_cell() -> Cell {
    Cell::if_cond_exp(cond_params())
}

/// The parameters of [`cond_cell`].
fn cond_params() -> CondExpParams {
    CondExpParams {
        tau_m: 5.0,
        v_rest: -60.0,
        v_thresh: -55.0,
        tau_refrac: 2.0,
        tau_syn_E: 3.0,
        tau_syn_I: 6.0,
        ..CondExpParams::default()
    }
}

/// Noise-driven recurrent IF_cond_exp and IF_curr_exp populations with several delays, 200 ms.
fn recurrent() -> ExperimentBuilder {
    recurrent_until(200.0)
}

/// [`recurrent`], run for `t_stop` [ms].
fn recurrent_until(t_stop: f64) -> ExperimentBuilder {
    let mut net = ExperimentBuilder::new("recurrent", t_stop);
    net.seed(3);
    net.population("cond", 8, cond_cell()).initial_v(-60.0);
    let curr = CurrExpParams {
        tau_m: 10.0,
        v_thresh: -60.0,
        tau_refrac: 1.0,
        ..CurrExpParams::default()
    };
    net.population("curr", 8, Cell::if_curr_exp(curr));
    net.population("noise", 8, poisson(800.0));
    net.projection("noise", "cond", Connector::OneToOne)
        .weight(0.01);
    net.projection("noise", "curr", all_to_all())
        .weight(0.3)
        .delay(0.7);
    net.projection("cond", "cond", all_to_all())
        .weight(0.002)
        .delay(1.3)
        .receptor(Receptor::Inhibitory);
    net.projection("curr", "cond", all_to_all())
        .weight(0.001)
        .delay(0.4);
    for name in ["cond", "curr", "noise"] {
        net.record_spikes(name);
    }
    net.record_v(&["cond", "curr"], 0.25);
    net
}

#[test]
fn a_run_paused_anywhere_equals_an_uninterrupted_run() {
    let recurrent = build(recurrent());
    let (mut whole, mut rec_whole) = simulation(&recurrent);
    let full = whole.run(&mut rec_whole, None, &mut |_| {}).unwrap();
    let (mut paused, mut rec_paused) = simulation(&recurrent);
    // Pausing again at the same time, or at an earlier one, changes nothing.
    for (t, now) in [
        (0.0, 0.0),
        (3.3, 3.3),
        (3.3, 3.3),
        (10.0, 10.0),
        (57.123, 57.123),
        (57.0, 57.123),
        (150.25, 150.25),
    ] {
        let s = paused
            .run_until(t, &mut rec_paused, None, &mut |_| {})
            .unwrap();
        assert_eq!((paused.now(), s.t_reached), (now, now));
    }
    let segmented = paused.run(&mut rec_paused, None, &mut |_| {}).unwrap();
    assert!(full.neuron_spikes > 100, "{full:?}");
    assert_eq!(rec_whole.spikes, rec_paused.spikes);
    assert_eq!(rec_whole.signals, rec_paused.signals);
    assert_eq!(
        (full.input_events, full.neuron_spikes, full.source_spikes),
        (
            segmented.input_events,
            segmented.neuron_spikes,
            segmented.source_spikes
        )
    );
    assert_eq!(segmented.t_reached, 200.0);
}

/// A run built to end at 80 ms and extended twice (to 150, then 200 ms) equals the run built to
/// end at 200 ms: the same spikes and samples, the samples on the same clock; an end before the
/// current one, or not finite, is refused.
#[test]
fn a_run_extended_equals_the_run_built_to_its_end() {
    let whole_net = build(recurrent());
    let (mut whole, mut rec_whole) = simulation(&whole_net);
    whole.run(&mut rec_whole, None, &mut |_| {}).unwrap();
    let short = build(recurrent_until(80.0));
    let (mut extended, mut rec_extended) = simulation(&short);
    extended
        .run_until(1e9, &mut rec_extended, None, &mut |_| {})
        .unwrap();
    assert_eq!(extended.now(), 80.0);
    for (t_stop, refused) in [(150.0, 79.0), (200.0, f64::INFINITY)] {
        extended.extend_to(t_stop).unwrap();
        assert!(matches!(
            extended.extend_to(refused),
            Err(ModifyError::TStop { .. })
        ));
        extended
            .run_until(t_stop, &mut rec_extended, None, &mut |_| {})
            .unwrap();
    }
    let summary = extended.run(&mut rec_extended, None, &mut |_| {}).unwrap();
    assert_eq!(summary.t_reached, 200.0);
    assert_eq!(rec_whole.spikes, rec_extended.spikes);
    assert_eq!(rec_whole.signals, rec_extended.signals);
    assert_eq!(rec_extended.signals[0].times.len(), 801);
}

/// One neuron of `model` without input: tau_m = 10 ms, v_rest = −65, v_thresh = −50,
/// v_reset = −70 mV, tau_refrac = 2 ms.
fn lone_neuron(model: Model) -> ExperimentBuilder {
    let p = CondExpParams {
        cm: 0.2,
        tau_m: 10.0,
        v_rest: -65.0,
        v_thresh: -50.0,
        v_reset: -70.0,
        tau_refrac: 2.0,
        e_rev_E: 0.0,
        e_rev_I: -100.0,
        ..CondExpParams::default()
    };
    let mut net = ExperimentBuilder::new("lone neuron", 100.0);
    net.population("n", 1, lif(model, p)).initial_v(-65.0);
    net.record_spikes("n").record_v(&["n"], 0.5);
    net
}

/// Raise v_rest by 5 mV at 10 ms (V relaxes to −60), by 15 more at 20 ms (v∞ = −45 > v_thresh:
/// it fires), and lower it by 3 mV during the refractory period after the first spike.
#[test]
fn shifted_resting_potentials_follow_the_analytic_free_membrane() {
    for model in Model::BOTH {
        let (mut sim, mut rec) = simulation(&build(lone_neuron(model)));
        let tau = 10.0;
        sim.run_until(10.0, &mut rec, None, &mut |_| {}).unwrap();
        sim.shift_v_rest(0, 5.0).unwrap();
        sim.run_until(20.0, &mut rec, None, &mut |_| {}).unwrap();
        sim.shift_v_rest(0, 15.0).unwrap();
        let v20 = -60.0 - 5.0 * (-10.0f64 / tau).exp();
        let t1 = 20.0 + tau * ((v20 + 45.0) / -5.0f64).ln();
        sim.run_until(t1 + 1.0, &mut rec, None, &mut |_| {})
            .unwrap();
        sim.shift_v_rest(0, -3.0).unwrap();
        // From v_reset = −70 at t1 + 2 towards −48, crossing −50.
        let t2 = t1 + 2.0 + tau * (22.0f64 / 2.0).ln();
        sim.run(&mut rec, None, &mut |_| {}).unwrap();

        let spikes = &rec.spikes_of("n").unwrap().times;
        assert!(spikes.len() >= 2, "{model:?}: {spikes:?}");
        assert!(
            (spikes[0] - t1).abs() < 1e-9,
            "{model:?}: {} vs {t1}",
            spikes[0]
        );
        assert!(
            (spikes[1] - t2).abs() < 1e-9,
            "{model:?}: {} vs {t2}",
            spikes[1]
        );
        let trace = rec.v_of("n").unwrap();
        for (&t, &v) in trace.times.iter().zip(&trace.values) {
            let expected = if t <= 10.0 {
                -65.0
            } else if t <= 20.0 {
                -60.0 - 5.0 * (-(t - 10.0) / tau).exp()
            } else if t < t1 {
                -45.0 + (v20 + 45.0) * (-(t - 20.0) / tau).exp()
            } else {
                break;
            };
            assert!(
                (v - expected).abs() < 1e-11,
                "{model:?} at {t}: {v} vs {expected}"
            );
        }
    }
}

/// An `IF_cond_exp` neuron (threshold out of reach) and a source spiking at 5 and 15 ms onto it
/// (delay 1 ms, weight 0.01 µS); `recorded` keeps the source from being folded into the neuron.
fn weighted_input(recorded: bool) -> ExperimentBuilder {
    let neuron = CondExpParams {
        v_thresh: 100.0,
        tau_syn_E: 10.0,
        tau_syn_I: 10.0,
        ..CondExpParams::default()
    };
    let mut net = ExperimentBuilder::new("weighted input", 30.0);
    net.population("neuron", 1, Cell::if_cond_exp(neuron));
    net.population("pre", 1, array(&[5.0, 15.0]));
    net.projection("pre", "neuron", all_to_all())
        .weight(0.01)
        .delay(1.0);
    if recorded {
        net.record_spikes("pre");
    }
    net
}

/// A weight changed at 10 ms applies to the delivery at 16 ms; changed at exactly 16 ms (a pause
/// at the delivery time), it does not: events at the pause come first.
#[test]
fn a_changed_weight_applies_to_every_later_delivery() {
    for recorded in [false, true] {
        for (pause, second) in [(10.0, 0.03), (16.0, 0.01)] {
            let (mut sim, mut rec) = simulation(&build(weighted_input(recorded)));
            assert_eq!(sim.folded_input_count(), usize::from(!recorded));
            let pre = sim.neuron_node(0).unwrap() + 1;
            let synapse = sim.find_synapse(pre, 0, Receptor::Excitatory).unwrap();
            assert_eq!(sim.find_synapse(pre, 0, Receptor::Inhibitory), None);
            assert_eq!(sim.weight(synapse), Some(0.01));
            sim.run_until(pause, &mut rec, None, &mut |_| {}).unwrap();
            sim.set_weight(synapse, 0.03).unwrap();
            sim.run(&mut rec, None, &mut |_| {}).unwrap();
            let state = sim.cond_exp_state(0).unwrap();
            assert_eq!(state.time(), 16.0);
            let expected = 0.01 * (-1.0f64).exp() + second;
            assert!(
                (state.g_exc() - expected).abs() < 1e-15,
                "recorded {recorded}, pause {pause}: {} vs {expected}",
                state.g_exc()
            );
        }
    }
}

/// Two unconnected noise-driven neurons sharing one model (general path): shifting neuron 0's
/// v_rest gives it a model of its own and leaves neuron 1's trajectory exactly as in the
/// unpaused run.
#[test]
fn shifting_one_neuron_leaves_the_others_alone() {
    let mut net = ExperimentBuilder::new("two neurons", 200.0);
    net.seed(3);
    net.population("cond", 2, cond_cell()).initial_v(-60.0);
    net.population("noise", 2, poisson(800.0));
    net.projection("noise", "cond", Connector::OneToOne)
        .weight(0.01);
    net.record_v(&["cond"], 0.25);
    let two = build(net);
    let (mut whole, mut rec_whole) = simulation(&two);
    whole.run(&mut rec_whole, None, &mut |_| {}).unwrap();
    let (mut shifted, mut rec_shifted) = simulation(&two);
    shifted
        .run_until(30.0, &mut rec_shifted, None, &mut |_| {})
        .unwrap();
    shifted.shift_v_rest(0, 3.0).unwrap();
    shifted.run(&mut rec_shifted, None, &mut |_| {}).unwrap();
    let (a, b) = (
        rec_whole.v_of("cond").unwrap(),
        rec_shifted.v_of("cond").unwrap(),
    );
    assert_eq!(a.times, b.times);
    let column = |trace: &[f64], k: usize| -> Vec<f64> {
        trace.iter().skip(k).step_by(2).copied().collect()
    };
    assert_eq!(column(&a.values, 1), column(&b.values, 1));
    let moved = column(&a.values, 0)
        .iter()
        .zip(column(&b.values, 0))
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    assert!(moved > 0.1, "neuron 0 moved by at most {moved} mV");
}

#[test]
fn bad_changes_are_refused_and_change_nothing() {
    let (mut sim, _) = simulation(&build(weighted_input(false)));
    let synapse = sim.find_synapse(1, 0, Receptor::Excitatory).unwrap();
    let err = sim.set_weight(synapse, -0.01).unwrap_err();
    assert_eq!(
        err.to_string(),
        "synapse 0: weight -0.01: conductance weights must be ≥ 0 µS (the receptor sets the sign)"
    );
    assert!(matches!(
        sim.set_weight(synapse, f64::NAN),
        Err(ModifyError::Weight { .. })
    ));
    assert_eq!(sim.set_weight(7, 0.1), Err(ModifyError::NoSynapse(7)));
    assert_eq!(sim.weight(synapse), Some(0.01));
    assert_eq!(sim.shift_v_rest(3, 1.0), Err(ModifyError::NoNeuron(3)));
    assert_eq!(
        sim.shift_v_rest(0, f64::INFINITY).unwrap_err().to_string(),
        "neuron 0: v_rest shift inf mV is not finite"
    );
    assert_eq!(sim.find_synapse(99, 0, Receptor::Excitatory), None);
    // Running "until NaN" does nothing.
    let mut rec = MemoryRecorder::new(sim.layout().clone());
    let summary = sim
        .run_until(f64::NAN, &mut rec, None, &mut |_| {})
        .unwrap();
    assert_eq!((sim.now(), summary.input_events), (0.0, 0));
}

/// A neuron (`cell`) driven by one spike array, through a 1 ms delay; its spikes (if
/// `recorded`, so that the source is not folded into the neuron) and the neuron's spikes and
/// membrane.
fn array_driven(times: &[f64], recorded: bool, cell: Cell) -> Experiment {
    let mut net = ExperimentBuilder::new("array driven", 100.0);
    net.population("n", 1, cell).initial_v(-60.0);
    net.population("a", 1, array(times));
    net.projection("a", "n", all_to_all())
        .weight(0.1)
        .delay(1.0);
    net.record_spikes("n").record_v(&["n"], 0.25);
    if recorded {
        net.record_spikes("a");
    }
    build(net)
}

/// New spike times set at a pause (50 ms) act like the combined train from the start: the
/// spike emitted at 49.5 ms and still on its way arrives, a new time before the pause is
/// dropped; for a source folded into its neuron and for one that is not, onto `IF_cond_exp`
/// with both methods (the closed form wakes where its searches stop looking, whatever is
/// known of its inputs). Spikes cleared at the pause act like a train that ends there.
#[test]
fn spike_times_set_at_a_pause_act_from_it() {
    let old = [5.0, 12.0, 20.0, 49.5, 60.0, 70.0];
    let new = [40.0, 55.0, 65.25, 80.0];
    let combined = [5.0, 12.0, 20.0, 49.5, 55.0, 65.25, 80.0];
    let closed_form = || {
        Cell::if_cond_exp(CondExpParams {
            tau_syn_I: 3.0,
            ..cond_params()
        })
    };
    // The last input long before the pause, the next one cleared at it.
    let (early, late) = ([5.0, 12.0, 20.0], [5.0, 12.0, 20.0, 70.0]);
    let cases = [
        (cond_cell as fn() -> Cell, &old[..], &new[..], &combined[..]),
        (closed_form, &old[..], &new[..], &combined[..]),
        (closed_form, &late[..], &[][..], &early[..]),
    ];
    for ((cell, old, new, combined), recorded) in cases
        .into_iter()
        .flat_map(|case| [(case, false), (case, true)])
    {
        let (mut whole, mut rec_whole) = simulation(&array_driven(combined, recorded, cell()));
        whole.run(&mut rec_whole, None, &mut |_| {}).unwrap();
        let changed_net = array_driven(old, recorded, cell());
        let (mut changed, mut rec_changed) = simulation(&changed_net);
        assert_eq!(changed.folded_input_count(), usize::from(!recorded));
        changed
            .run_until(50.0, &mut rec_changed, None, &mut |_| {})
            .unwrap();
        changed.set_spike_times(1, 0, new).unwrap();
        changed.run(&mut rec_changed, None, &mut |_| {}).unwrap();
        assert!(
            rec_whole.spikes[0].times.len() >= 3,
            "{:?}",
            rec_whole.spikes
        );
        assert_eq!(rec_whole.spikes, rec_changed.spikes, "recorded: {recorded}");
        assert_eq!(
            rec_whole.signals, rec_changed.signals,
            "recorded: {recorded}"
        );
    }
    // Index 1 of "a" (one source) is not "b"'s source 0, which follows it.
    let mut net = ExperimentBuilder::new("two arrays", 100.0);
    net.population("n", 1, cond_cell());
    net.population("a", 1, array(&old));
    net.population("b", 1, array(&old));
    net.record_spikes("a").record_spikes("b");
    let (mut sim, _) = simulation(&build(net));
    for (population, index, times) in [(1, 1, &new[..]), (0, 0, &new[..]), (5, 0, &new[..])] {
        assert!(matches!(
            sim.set_spike_times(population, index, times),
            Err(ModifyError::NoArraySource { .. })
        ));
    }
    assert_eq!(
        sim.set_spike_times(1, 0, &[3.0, 2.0]),
        Err(ModifyError::SpikeTimes)
    );
}

/// A pause at t takes the sample due at t even when k·interval rounds above t (3 × 0.1 ms =
/// 0.30000000000000004 ms), and the samples equal those of an uninterrupted run.
#[test]
fn a_pause_takes_the_sample_due_at_it() {
    let mut net = lone_neuron(Model::CondExp);
    net.record_v(&["n"], 0.1);
    let experiment = build(net);
    let (mut paused, mut rec_paused) = simulation(&experiment);
    for (t, samples) in [(0.3, 4), (0.7, 8), (2.3, 24)] {
        paused
            .run_until(t, &mut rec_paused, None, &mut |_| {})
            .unwrap();
        assert_eq!(
            rec_paused.signals[0].times.len(),
            samples,
            "pause at {t} ms"
        );
    }
    paused.run(&mut rec_paused, None, &mut |_| {}).unwrap();
    let (mut whole, mut rec_whole) = simulation(&experiment);
    whole.run(&mut rec_whole, None, &mut |_| {}).unwrap();
    assert_eq!(rec_whole.signals, rec_paused.signals);
    assert_eq!(rec_whole.signals[0].times.len(), 1001);
}
