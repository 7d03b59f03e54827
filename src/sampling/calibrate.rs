//! Activation calibration (sbs): the probability of a sampler to be "on" (refractory),
//! `p_on = N_spikes · tau_refrac / T`, measured over a sweep of `v_rest` with the sampler's own
//! Poisson background, and the logistic fit `p_on = 1/(1 + e^{−(v_rest − v_p05)/α})`.
//!
//! A coarse pre-scan (`prescan_step` apart, `prescan_duration` each) finds the 5–95 % region,
//! widening its window by 30 mV at a time (at most 4 times) until it has seen `p_on < 0.05` and
//! `p_on > 0.95`; the fine sweep then spans that region (one pre-scan point beyond it on each
//! side) with `points` values, `duration` each. All points of a sweep are independent neurons of
//! one simulation.

use super::logistic::{fit_logistic, LogisticError, LogisticFit, P_MAX, P_MIN};
use super::lower::{noisy_neurons, SAMPLERS};
use super::spec::CalibrationSection;
use super::translation::Noise;
use crate::error::RunError;
use crate::neuron::CondExpParams;

/// Half-width of the first pre-scan window around `v_thresh` [mV].
const PRESCAN_HALF_WIDTH: f64 = 15.0;
/// How far the pre-scan window moves when it misses one end of the slope [mV].
const PRESCAN_SHIFT: f64 = 30.0;
/// Most window moves before giving up.
const PRESCAN_MOVES: usize = 4;

/// Errors of a calibration.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// A sweep run failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The pre-scan never saw both ends of the activation curve.
    #[error("calibration cannot find the 5–95 % region: p_on stays within [{low:.3}, {high:.3}] for v_rest in [{from} mV, {to} mV]")]
    NoSlope {
        /// Smallest p_on seen.
        low: f64,
        /// Largest p_on seen.
        high: f64,
        /// Lowest v_rest scanned [mV].
        from: f64,
        /// Highest v_rest scanned [mV].
        to: f64,
    },
    /// Under a background, p_on jumps across the whole 5–95 % range between two neighbouring
    /// probes: the background does not make the samplers stochastic.
    #[error("the activation under the background is a step: p_on jumps from {low:.3} at v_rest = {below:.3} mV to {high:.3} at {above:.3} mV with no probe in between; the background is too weak or too regular to make the samplers stochastic (raise its in-degree or weights)")]
    Step {
        /// p_on below the step.
        low: f64,
        /// p_on above the step.
        high: f64,
        /// Resting potential below the step [mV].
        below: f64,
        /// Resting potential above the step [mV].
        above: f64,
    },
    /// The logistic fit failed (in the message already, so not repeated as a source).
    #[error("calibration fit: {0}")]
    Fit(LogisticError),
}

impl From<LogisticError> for CalibrationError {
    fn from(error: LogisticError) -> Self {
        Self::Fit(error)
    }
}

/// A measured activation curve and its fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// Resting potentials of the fine sweep [mV].
    pub v_rest: Vec<f64>,
    /// Measured `p_on` at each.
    pub p_on: Vec<f64>,
    /// Resting potentials of the pre-scan [mV].
    pub prescan_v_rest: Vec<f64>,
    /// Measured `p_on` of the pre-scan.
    pub prescan_p_on: Vec<f64>,
    /// The logistic fit of the fine sweep.
    pub fit: LogisticFit,
}

/// `p_on` of `IF_cond_exp` neurons with parameters `params` and the given resting potentials [mV],
/// each with its own `noise`, measured over `duration` [ms] after `burn_in` [ms]. `progress` is
/// called now and then with the simulated time reached [ms] (of `burn_in + duration`).
pub fn measure_p_on(
    params: &CondExpParams,
    noise: &Noise,
    v_rest: &[f64],
    burn_in: f64,
    duration: f64,
    seed: u64,
    progress: &mut dyn FnMut(f64),
) -> Result<Vec<f64>, RunError> {
    let experiment = noisy_neurons(
        "calibration sweep",
        params,
        noise,
        v_rest,
        burn_in + duration,
        seed,
    )
    .build()?;
    let recording = crate::run_in_memory_reporting(&experiment, progress)?;
    let spikes = recording
        .spikes_of(SAMPLERS)
        .expect("samplers are recorded");
    let mut counts = vec![0u64; v_rest.len()];
    for (&t, &sender) in spikes.times.iter().zip(&spikes.senders) {
        if t > burn_in {
            counts[sender as usize] += 1;
        }
    }
    Ok(counts
        .iter()
        .map(|&c| c as f64 * params.tau_refrac / duration)
        .collect())
}

/// `points` (≥ 2) values from `from` to `from + span` [mV], both included, evenly spaced.
pub(crate) fn evenly_spaced(from: f64, span: f64, points: usize) -> Vec<f64> {
    (0..points)
        .map(|i| from + span * i as f64 / (points - 1) as f64)
        .collect()
}

/// Calibrate the activation function of `params` under `noise` (see the module docs).
/// `progress` is called now and then with the fraction of the planned work done (neurons ×
/// simulated time; a moved pre-scan window adds to the plan, so the fraction can step back).
pub fn calibrate(
    params: &CondExpParams,
    noise: &Noise,
    settings: &CalibrationSection,
    seed: u64,
    progress: &mut dyn FnMut(f64),
) -> Result<Calibration, CalibrationError> {
    let step = settings.prescan_step;
    let mut from = params.v_thresh - PRESCAN_HALF_WIDTH;
    let mut to = params.v_thresh + PRESCAN_HALF_WIDTH;
    let prescan_count = (2.0 * PRESCAN_HALF_WIDTH / step).round() as usize + 1;
    let prescan_work = prescan_count as f64 * (settings.burn_in + settings.prescan_duration);
    let sweep_work = settings.points as f64 * (settings.burn_in + settings.duration);
    let mut plan = WorkPlan::new(prescan_work + sweep_work, progress);
    let (mut scan_v, mut scan_p) = (Vec::new(), Vec::new());
    for attempt in 0..=PRESCAN_MOVES {
        if attempt > 0 {
            plan.add(prescan_work);
        }
        scan_v = (0..prescan_count).map(|i| from + i as f64 * step).collect();
        scan_p = measure_p_on(
            params,
            noise,
            &scan_v,
            settings.burn_in,
            settings.prescan_duration,
            seed,
            &mut plan.sweep(prescan_count, settings.burn_in + settings.prescan_duration),
        )?;
        let low = scan_p.iter().cloned().fold(f64::INFINITY, f64::min);
        let high = scan_p.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        if low < P_MIN && high > P_MAX {
            break;
        }
        if attempt == PRESCAN_MOVES || (low >= P_MIN && high <= P_MAX) {
            return Err(CalibrationError::NoSlope {
                low,
                high,
                from,
                to,
            });
        }
        let shift = if low >= P_MIN {
            -PRESCAN_SHIFT
        } else {
            PRESCAN_SHIFT
        };
        from += shift;
        to += shift;
    }
    // The slope: from the last point below 5 % before the first point above 95 %, to that point.
    let first_high = scan_p.iter().position(|&p| p > P_MAX).expect("seen");
    let last_low = scan_p[..first_high]
        .iter()
        .rposition(|&p| p < P_MIN)
        .unwrap_or(0);
    let (lo, hi) = (scan_v[last_low], scan_v[first_high]);
    let points = settings.points;
    let v_rest = evenly_spaced(lo, hi - lo, points);
    let p_on = measure_p_on(
        params,
        noise,
        &v_rest,
        settings.burn_in,
        settings.duration,
        seed,
        &mut plan.sweep(points, settings.burn_in + settings.duration),
    )?;
    plan.finish();
    let fit = fit_logistic(&v_rest, &p_on)?;
    Ok(Calibration {
        v_rest,
        p_on,
        prescan_v_rest: scan_v,
        prescan_p_on: scan_p,
        fit,
    })
}

/// The work a calibration plans (neurons × simulated time [ms]) and how much of it is done, told
/// to a progress callback as a fraction.
struct WorkPlan<'a> {
    /// Work planned so far.
    planned: f64,
    /// Work of the sweeps started so far, once they end.
    started: f64,
    /// Called with the fraction of `planned` done.
    report: &'a mut dyn FnMut(f64),
}

impl<'a> WorkPlan<'a> {
    fn new(planned: f64, report: &'a mut dyn FnMut(f64)) -> Self {
        Self {
            planned,
            started: 0.0,
            report,
        }
    }

    /// Plan `work` more.
    fn add(&mut self, work: f64) {
        self.planned += work;
    }

    /// The progress callback (given the simulated time reached [ms]) of the next sweep: `neurons`
    /// neurons for `length` [ms].
    fn sweep(&mut self, neurons: usize, length: f64) -> impl FnMut(f64) + use<'_, 'a> {
        let start = self.started;
        self.started += neurons as f64 * length;
        move |t| (self.report)((start + neurons as f64 * t) / self.planned)
    }

    /// Report that all the work is done.
    fn finish(self) {
        (self.report)(1.0);
    }
}
