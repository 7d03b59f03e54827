//! Calibration under the actual background: the activation function (v_p05, α) measured on probe
//! neurons in the running sampling network. Probe `j` is a copy of the sampler model with its own
//! `v_rest` (a sweep of `[calibration] points` values over `v_p05 ± SWEEP_HALF_WIDTH·α` of the
//! first calibration), receiving exactly the background inputs of sampler `j mod samplers` (same
//! sources, weights and delays) and feeding nothing back. The run lasts `[calibration] burn_in +
//! duration`; `p_on = N_spikes · tau_refrac / duration` as in the Poisson calibration.
//!
//! Beside it, the same sweep is measured under private Poisson noise of the *matched mean input*
//! (each sampler's measured source rates, [`super::Inputs::matched_noise`]), so the effect of the
//! background's auto- and cross-correlations on the activation (Dold et al. 2019) is read off the
//! two fits. The same run also measures the [`BackgroundStatistics`]. Each probe's resting
//! potential is expressed under the mean background ([`InputOffsets`]) before the fit, so that
//! the fit describes the mean sampler and the samplers' different mean inputs do not blur it.

use super::offsets::InputOffsets;
use super::statistics::{BackgroundStatistics, ProbeRecorder};
use super::wiring::Wiring;
use crate::engine::Simulation;
use crate::error::RunError;
use crate::neuron::{CondExpParams, StateVariable};
use crate::sampling::calibrate::{evenly_spaced, measure_p_on, CalibrationError};
use crate::sampling::logistic::{fit_logistic, LogisticFit, P_MAX, P_MIN};
use crate::sampling::lower::{add_samplers, sampler_v_rest, sampling_network, SAMPLERS};
use crate::sampling::prepare::renewing_synapses;
use crate::sampling::spec::SamplingSpec;
use crate::sampling::translation::{Activation, Noise, Translation};

/// Population of the calibration probes.
pub const PROBES: &str = "probes";
/// Population of the free probes (one copy of each sampler that never fires).
pub const FREE_PROBES: &str = "free_probes";
/// Half-width of the probe sweep in units of the first calibration's α.
pub const SWEEP_HALF_WIDTH: f64 = 4.0;
/// Sampling interval of the free probes' membrane potential [ms].
pub const FREE_V_INTERVAL: f64 = 0.5;
/// How far above `e_rev_E` a free probe's threshold lies [mV]: a conductance-based membrane never
/// rises above `e_rev_E`, so it never fires.
const FREE_THRESHOLD_MARGIN: f64 = 1.0;

/// The activation measured under the actual background, beside Poisson noise of matched mean
/// input, and the background's statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct BackgroundCalibration {
    /// Resting potentials of the probes [mV].
    pub v_rest: Vec<f64>,
    /// Each probe's resting potential expressed under the mean background (see
    /// [`InputOffsets`]) [mV]: the abscissa of the fit.
    pub v_equivalent: Vec<f64>,
    /// The mean-input offsets of the samplers, from the measured input rates.
    pub offsets: InputOffsets,
    /// Measured `p_on` of each probe under the background.
    pub p_on: Vec<f64>,
    /// The logistic fit of `p_on` over `v_equivalent`.
    pub fit: LogisticFit,
    /// The Poisson noise of matched mean input (per-source rates measured in the probe run).
    pub matched_noise: Noise,
    /// `p_on` of the same resting potentials under `matched_noise`.
    pub poisson_p_on: Vec<f64>,
    /// The logistic fit of `poisson_p_on` (a comparison only: `None` when the sweep holds too
    /// little of that curve's slope).
    pub poisson_fit: Option<LogisticFit>,
    /// The background's statistics, measured in the probe run.
    pub statistics: BackgroundStatistics,
    /// Resting potential of each sampler's free probe [mV] (the first translation's), samplers
    /// in network order: what the free-membrane statistics refer to.
    pub free_v_rest: Vec<f64>,
}

impl BackgroundCalibration {
    /// The activation under the background.
    pub fn activation(&self) -> Activation {
        Activation::from(&self.fit)
    }
}

/// Calibrate `spec`'s samplers under its background (wired by `wiring`), running the sampling
/// network translated by `translations` (from the first calibration `first`); `progress` is
/// called now and then with the fraction of the run done.
pub fn calibrate_under_background(
    spec: &SamplingSpec,
    wiring: &Wiring,
    translations: &[Translation],
    first: &Activation,
    progress: &mut dyn FnMut(f64),
) -> Result<BackgroundCalibration, CalibrationError> {
    let settings = &spec.calibration;
    let (burn_in, duration) = (settings.burn_in, settings.duration);
    let points = settings.points;
    let half = SWEEP_HALF_WIDTH * first.alpha;
    let v_rest = evenly_spaced(first.v_p05 - half, 2.0 * half, points);
    let samplers = wiring.sources[0].len();
    let mut net = sampling_network(
        spec,
        Some(wiring),
        translations,
        renewing_synapses(spec),
        false,
        burn_in + duration,
    );
    let probes: Vec<usize> = (0..points).map(|j| j % samplers).collect();
    add_samplers(&mut net, PROBES, &spec.sampler, &v_rest);
    wiring.connect(&mut net, PROBES, &probes);
    let free = CondExpParams {
        v_thresh: spec.sampler.e_rev_E + FREE_THRESHOLD_MARGIN,
        ..spec.sampler.clone()
    };
    let sampler_v_rest = sampler_v_rest(spec.networks, translations);
    add_samplers(&mut net, FREE_PROBES, &free, &sampler_v_rest);
    let all: Vec<usize> = (0..samplers).collect();
    wiring.connect(&mut net, FREE_PROBES, &all);
    net.record_spikes(PROBES);
    for population in wiring.populations {
        if population != SAMPLERS {
            net.record_spikes(population);
        }
    }
    net.record_interval(FREE_V_INTERVAL);
    net.record_signals(FREE_PROBES, &[StateVariable::V]);
    let experiment = net.build().map_err(RunError::from)?;
    let mut simulation = Simulation::new(&experiment).map_err(RunError::from)?;
    let slot = |name: &str| {
        simulation
            .layout()
            .spikes
            .iter()
            .position(|(n, _)| n == name)
            .expect("recorded")
    };
    let sizes = wiring.populations.map(|name| {
        experiment
            .populations()
            .iter()
            .find(|p| p.name == name)
            .map_or(0, |p| p.size)
    });
    let mut recorder = ProbeRecorder::new(
        burn_in,
        slot(PROBES),
        points,
        wiring.populations.map(slot),
        sizes,
        samplers,
    );
    let t_stop = burn_in + duration;
    simulation
        .run(&mut recorder, None, &mut |t| progress(t / t_stop))
        .map_err(RunError::from)?;
    let tau = spec.sampler.tau_refrac;
    let p_on: Vec<f64> = recorder
        .probe_counts
        .iter()
        .map(|&c| c as f64 * tau / duration)
        .collect();
    let statistics = recorder.statistics(wiring, spec.n(), duration, tau);
    let inputs = spec.background.inputs().expect("a wired background");
    let (rate_exc, rate_inh) = statistics.source_rates(inputs.k_exc, inputs.k_inh);
    let matched_noise = inputs.matched_noise(rate_exc, rate_inh);
    let offsets = InputOffsets::new(
        &spec.sampler,
        wiring.weights,
        &statistics.input_rate_exc,
        &statistics.input_rate_inh,
    );
    let v_equivalent: Vec<f64> = v_rest
        .iter()
        .zip(&probes)
        .map(|(&v, &s)| offsets.to_mean(s, v))
        .collect();
    if !p_on.iter().any(|&p| p > P_MIN && p < P_MAX) {
        return Err(no_slope(&v_equivalent, &p_on));
    }
    let fit = fit_logistic(&v_equivalent, &p_on)?;
    let poisson_p_on = measure_p_on(
        &spec.sampler,
        &matched_noise,
        &v_rest,
        burn_in,
        duration,
        spec.seed,
        &mut |_| {},
    )?;
    let poisson_fit = fit_logistic(&v_rest, &poisson_p_on).ok();
    Ok(BackgroundCalibration {
        v_rest,
        v_equivalent,
        offsets,
        p_on,
        fit,
        matched_noise,
        poisson_p_on,
        poisson_fit,
        statistics,
        free_v_rest: sampler_v_rest,
    })
}

/// Why probes with `p_on` at resting potentials `v` [mV] (none inside the 5–95 % range) give no
/// activation curve: a step between two neighbours (in `v` order), or no slope in the range.
fn no_slope(v: &[f64], p_on: &[f64]) -> CalibrationError {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let step = order
        .windows(2)
        .find(|w| p_on[w[0]] <= P_MIN && p_on[w[1]] >= P_MAX);
    match step {
        Some(w) => CalibrationError::Step {
            low: p_on[w[0]],
            high: p_on[w[1]],
            below: v[w[0]],
            above: v[w[1]],
        },
        None => CalibrationError::NoSlope {
            low: p_on.iter().copied().fold(f64::INFINITY, f64::min),
            high: p_on.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            from: v[order[0]],
            to: v[order[v.len() - 1]],
        },
    }
}
