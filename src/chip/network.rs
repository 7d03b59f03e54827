//! Any experiment on an emulated chip (`exactspike run --chip`): every neuron of the experiment
//! is one neuron circuit (global neuron order), sources stay off the chip.
//!
//! - Neurons must be the chip's kind (`IF_cond_exp` on a conductance-based chip, `IF_curr_exp`
//!   on a current-based one) with tau_m, tau_syn_E, tau_syn_I and tau_refrac in its ranges
//!   (biological time divided by the speed-up); more neurons than circuits, or a neuron with more
//!   inputs than one circuit's synapse rows (circuits are not merged here), is an error naming
//!   the population or neuron and the limit.
//! - Each circuit's fixed pattern (trimmed when calibrated) scales tau_m, tau_syn_E, tau_syn_I
//!   and the threshold's distance above v_rest (the reset keeps its distance below the
//!   threshold), and each run adds threshold noise, as for [`super::sampling`].
//! - Every synapse gets its own row: its weight is quantised to `weight_bits` with one scale per
//!   target population and receptor (the largest |weight| onto it maps to the top level, or
//!   `weight_scale` LSB per µS or nA), then scaled by the target circuit's gain and the row's
//!   factor.
//! - Every projection loses the profile's share of spikes (`p_transmit`).
//!
//! Not modelled: jitter and the timestamp grid of recorded spikes, merged circuits' own
//! parameters, routing limits beyond the spike loss.

use rand_distr::{Distribution, StandardNormal};

use super::error::ChipError;
use super::instance::{
    CalibrationSummary, ChipInstance, Factors, GAIN_E, TAU_M, TAU_SYN_E, V_THRESH,
};
use super::profile::SynapseKind;
use super::record::add_chip_run;
use super::sampling::check_time_constants;
use super::settings::ChipSettings;
use crate::config::{Cell, Experiment, NeuronParams};
use crate::engine::Simulation;
use crate::record::RecordLayout;
use crate::rng::chip_stream;

/// Applies a circuit's factors to `IF_cond_exp` or `IF_curr_exp` parameters (same field names).
macro_rules! distorted {
    ($p:expr, $f:expr) => {{
        let (p, f) = ($p, $f);
        let v_thresh = p.v_rest + f[V_THRESH] * (p.v_thresh - p.v_rest);
        let mut q = p.clone();
        q.v_thresh = v_thresh;
        q.v_reset = v_thresh - (p.v_thresh - p.v_reset);
        q.tau_m = p.tau_m * f[TAU_M];
        q.tau_syn_E = p.tau_syn_E * f[TAU_SYN_E];
        q.tau_syn_I = p.tau_syn_I * f[TAU_SYN_E + 1];
        q
    }};
}

/// An experiment placed on an emulated chip.
#[derive(Clone, Debug)]
pub struct ChipNetwork {
    settings: ChipSettings,
    chip: ChipInstance,
    /// Per neuron: its circuit's factors as run.
    factors: Vec<Factors>,
    /// Per neuron: the index of its population in the experiment.
    population_of: Vec<usize>,
    /// Per population: its name and its first neuron's global index.
    populations: Vec<(String, usize)>,
    calibration: CalibrationSummary,
    run_seed: u64,
}

/// What mapping the weights did.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightReport {
    /// Synapses onto neurons on the chip.
    pub synapses: usize,
    /// Most inputs of one neuron.
    pub max_fan_in: usize,
    /// Largest |w − quantised w| of the weights within range, relative to its scale's top
    /// weight.
    pub max_relative_error: f64,
    /// Weights beyond the top level (they saturate; only with a given `weight_scale`).
    pub saturated: usize,
}

impl ChipNetwork {
    /// Place `experiment` on the chip of `settings`: the experiment with the chip's neuron
    /// parameters and spike loss, and the placement; or what does not fit. `run_seed` draws the
    /// run's threshold noise. (The returned experiment keeps the original's text: re-seeding it
    /// with [`Experiment::with_seed`] would read that text and lose the chip; map after.)
    pub fn map(
        experiment: &Experiment,
        settings: &ChipSettings,
        run_seed: u64,
    ) -> Result<(Experiment, Self), ChipError> {
        let profile = &settings.profile;
        let fail = |at: String, problem: String| ChipError::DoesNotFit {
            chip: profile.name.clone(),
            at,
            problem,
        };
        let mut population_of = Vec::new();
        for (index, population) in experiment.populations().iter().enumerate() {
            let at = |what: &str| format!("population \"{}\"{what}", population.name);
            if population.cell.is_source() {
                continue;
            }
            if matches!(population.cell, Cell::IfCurrExpFirstSpike(_)) {
                return Err(fail(
                    at(".model"),
                    "IF_curr_exp_first_spike networks run on an emulated chip through `exactspike \
                     ttfs train|eval --chip`, not `run --chip`"
                        .to_string(),
                ));
            }
            let fits = matches!(
                (&population.cell, profile.synapse),
                (Cell::IfCondExp(_), SynapseKind::Conductance)
                    | (Cell::IfCurrExp(_), SynapseKind::Current)
            );
            if !fits {
                return Err(fail(
                    at(".model"),
                    format!(
                        "{} does not run on this chip, whose synapses are {:?}",
                        population.cell.cell_type(),
                        profile.synapse
                    ),
                ));
            }
            for i in 0..population.size {
                let taus = neuron_taus(&population.cell, i);
                check_time_constants(profile, taus, &at(".params"))?;
            }
            population_of.extend(std::iter::repeat_n(index, population.size));
            if population_of.len() > profile.neurons {
                return Err(fail(
                    at(""),
                    format!(
                        "the experiment's neurons need {} circuits by this population, the chip \
                         has {}",
                        population_of.len(),
                        profile.neurons
                    ),
                ));
            }
        }
        let chip = ChipInstance::new(profile, settings.chip_seed);
        let circuits: Vec<usize> = (0..population_of.len()).collect();
        let trims = chip.trims(&circuits, settings.calibrate);
        let factors: Vec<Factors> = circuits
            .iter()
            .map(|&c| {
                let mut f = chip.trimmed(c, &trims);
                let z: f64 = StandardNormal.sample(&mut chip_stream(run_seed, "run", c as u64));
                f[V_THRESH] *= (1.0 + profile.trial.v_thresh * z).max(0.05);
                f
            })
            .collect();
        let mut first = 0;
        let firsts: Vec<usize> = (experiment.populations().iter())
            .map(|p| {
                let here = first;
                if !p.cell.is_source() {
                    first += p.size;
                }
                here
            })
            .collect();
        let keep = 1.0 - profile.trial.spike_loss;
        let mapped = experiment.clone().with_changes(
            |population| {
                let index = experiment
                    .populations()
                    .iter()
                    .position(|p| p.name == population.name);
                let first = firsts[index.expect("the same populations")];
                let f = |i: usize| &factors[first + i];
                match &population.cell {
                    Cell::IfCondExp(p) => Cell::IfCondExp(NeuronParams::PerNeuron(
                        (0..population.size)
                            .map(|i| distorted!(p.of(i), f(i)))
                            .collect(),
                    )),
                    Cell::IfCurrExp(p) => Cell::IfCurrExp(NeuronParams::PerNeuron(
                        (0..population.size)
                            .map(|i| distorted!(p.of(i), f(i)))
                            .collect(),
                    )),
                    other => other.clone(),
                }
            },
            |projection| projection.p_transmit * keep,
        );
        Ok((
            mapped,
            Self {
                calibration: CalibrationSummary::new(&chip, &trims, &circuits, settings.calibrate),
                settings: settings.clone(),
                chip,
                factors,
                population_of,
                populations: (experiment.populations().iter().zip(firsts))
                    .map(|(p, first)| (p.name.clone(), first))
                    .collect(),
                run_seed,
            },
        ))
    }

    /// Set every synapse of `sim` (made from the mapped experiment) to its quantised weight
    /// through the chip, or say which neuron has more inputs than its circuits' rows.
    pub fn apply(&self, sim: &mut Simulation) -> Result<WeightReport, ChipError> {
        let profile = &self.settings.profile;
        let neurons = self.factors.len();
        let synapses: Vec<_> = (0..sim.synapse_count())
            .map(|k| sim.synapse(k).expect("in range"))
            .collect();
        let mut fan_in = vec![0usize; neurons];
        // Per (population, receptor): the largest |weight| onto it.
        let populations = self.population_of.iter().max().map_or(0, |p| p + 1);
        let mut largest = vec![[0.0f64; 2]; populations];
        for s in &synapses {
            fan_in[s.target() as usize] += 1;
            let top = &mut largest[self.population_of[s.target() as usize]][s.receptor() as usize];
            *top = top.max(s.weight().abs());
        }
        let rows = profile.rows_per_circuit;
        if let Some((neuron, &count)) = fan_in.iter().enumerate().find(|(_, &c)| c > rows) {
            let (name, first) = &self.populations[self.population_of[neuron]];
            return Err(ChipError::DoesNotFit {
                chip: profile.name.clone(),
                at: format!("population \"{name}\" neuron {}", neuron - first),
                problem: format!(
                    "{count} inputs need {count} synapse rows, the limit is {rows} (one \
                     circuit per neuron)"
                ),
            });
        }
        let top = profile.max_weight();
        let mut row = vec![0usize; neurons];
        let (mut max_relative_error, mut saturated) = (0.0f64, 0);
        for (k, s) in synapses.iter().enumerate() {
            let target = s.target() as usize;
            let r = s.receptor() as usize;
            let largest = largest[self.population_of[target]][r];
            let scale = (self.settings.weight_scale)
                .unwrap_or(top / largest)
                .min(f64::MAX);
            let level = s.weight() * scale;
            let q = if s.weight() == 0.0 {
                0.0
            } else {
                level.round().clamp(-top, top) / scale
            };
            if level.abs() > top + 0.5 {
                saturated += 1;
            } else {
                max_relative_error = max_relative_error.max((s.weight() - q).abs() * scale / top);
            }
            let factor = self.factors[target][GAIN_E + r] * self.chip.synapse(target, row[target]);
            row[target] += 1;
            sim.set_weight(k, q * factor)
                .expect("a weight of the same sign");
        }
        Ok(WeightReport {
            synapses: synapses.len(),
            max_fan_in: fan_in.into_iter().max().unwrap_or(0),
            max_relative_error,
            saturated,
        })
    }

    /// Add the `/chip` group to `layout`: the chip, the placement, `weights`, and the hardware
    /// time of `bio_ms` [ms] of biological time.
    pub fn add_to_layout(&self, layout: &mut RecordLayout, weights: &WeightReport, bio_ms: f64) {
        let attrs = vec![
            ("synapses", weights.synapses.into()),
            ("max_fan_in", weights.max_fan_in.into()),
            ("max_rounding_error", weights.max_relative_error.into()),
            ("saturated", weights.saturated.into()),
        ];
        add_chip_run(
            layout,
            &self.settings,
            self.run_seed,
            &self.factors,
            bio_ms,
            attrs,
        );
    }

    /// The settings.
    pub fn settings(&self) -> &ChipSettings {
        &self.settings
    }

    /// The seed of the run's threshold noise.
    pub fn run_seed(&self) -> u64 {
        self.run_seed
    }

    /// Each neuron's circuit factors as run.
    pub fn factors(&self) -> &[Factors] {
        &self.factors
    }

    /// The spread of the circuits' factors before and after calibration.
    pub fn calibration(&self) -> &CalibrationSummary {
        &self.calibration
    }
}

/// tau_m, tau_syn_E, tau_syn_I and tau_refrac [ms] of neuron `i` of a neuron population.
fn neuron_taus(cell: &Cell, i: usize) -> [f64; 4] {
    match cell {
        Cell::IfCondExp(p) => {
            let p = p.of(i);
            [p.tau_m, p.tau_syn_E, p.tau_syn_I, p.tau_refrac]
        }
        Cell::IfCurrExp(p) => {
            let p = p.of(i);
            [p.tau_m, p.tau_syn_E, p.tau_syn_I, p.tau_refrac]
        }
        _ => unreachable!("sources are skipped"),
    }
}

/// An experiment made ready to run on an emulated chip (`exactspike run --chip`): mapped,
/// built, its weights quantised, its recording layout with the `/chip` group.
pub struct OnChip {
    /// The experiment as mapped (the chip's neuron parameters and spike loss).
    pub experiment: Experiment,
    /// Its simulation, with the chip's weights.
    pub simulation: Simulation,
    /// The recording layout, with the `/chip` group.
    pub layout: RecordLayout,
    /// Where each neuron sits and how the chip was calibrated.
    pub chip: ChipNetwork,
    /// What quantising the weights did.
    pub weights: WeightReport,
}

impl OnChip {
    /// Map `experiment` onto the chip of `settings` (the run's noise from its run seed,
    /// [`Experiment::run_seed`]) and build it; what does not fit is an error naming the
    /// experiment's file.
    pub fn new(
        experiment: &Experiment,
        settings: &ChipSettings,
    ) -> Result<Self, crate::error::RunError> {
        let file = experiment.file().to_string();
        let (mapped, chip) = ChipNetwork::map(experiment, settings, experiment.run_seed())
            .map_err(|e| e.in_file(&file))?;
        let mut simulation = Simulation::new(&mapped)?;
        let mut layout = simulation.layout().clone();
        let weights = chip.apply(&mut simulation).map_err(|e| e.in_file(&file))?;
        chip.add_to_layout(&mut layout, &weights, mapped.t_stop());
        Ok(Self {
            experiment: mapped,
            simulation,
            layout,
            chip,
            weights,
        })
    }

    /// One line on the mapping: circuits, synapses, weight rounding, spike loss.
    pub fn report(&self) -> String {
        let (s, w) = (self.chip.settings(), &self.weights);
        format!(
            "{}: {} of {} neuron circuits (chip seed {}), {} synapses (at most {} onto a \
             neuron), largest rounding error {:.1} % of the top weight, {} saturated; spike \
             loss {:.1} %",
            s.profile.name,
            self.chip.factors().len(),
            s.profile.neurons,
            s.chip_seed,
            w.synapses,
            w.max_fan_in,
            100.0 * w.max_relative_error,
            w.saturated,
            100.0 * s.profile.trial.spike_loss
        )
    }
}
