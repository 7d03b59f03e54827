//! `exactspike ttfs ...`: train and evaluate time-to-first-spike networks, and draw them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::say::{say, say_more};
use clap::Subcommand;

use exactspike::chip::settings::{ChipSection, ChipSettings};
use exactspike::error::ConfigError;
use exactspike::record::{check_output, Control, FileOutput, Termination};
use exactspike::ttfs::jobs::{self, TrainJob};
use exactspike::ttfs::spec::TtfsSpec;
use exactspike::ttfs::train::Evaluation;
use exactspike::ttfs::{lower, model_file, plot};

use super::{simulate, Interrupted, Output, ProgressBar, Signals};

/// The `ttfs` sub-commands.
#[derive(Debug, Subcommand)]
pub enum TtfsCommand {
    /// Train a network described by a `[ttfs]` file; store the model, its training history and
    /// its test predictions in HDF5. Ctrl-C stops after the current batch and stores the best
    /// network so far, marked incomplete.
    Train {
        /// Description (TOML with a `[ttfs]` table).
        config: PathBuf,
        /// Output model (HDF5).
        #[arg(long)]
        out: PathBuf,
        /// Override the seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the number of epochs.
        #[arg(long)]
        epochs: Option<usize>,
        /// Start from this stored model (HDF5) instead of the seeded initial weights.
        #[arg(long)]
        init: Option<PathBuf>,
        /// Train in the loop on an emulated chip (replaces the description's `[ttfs.chip]`).
        #[command(flatten)]
        chip: ChipArgs,
        /// No progress bar and no summary.
        #[arg(long)]
        quiet: bool,
        /// Replace an existing output file.
        #[arg(long)]
        overwrite: bool,
    },
    /// Evaluate a model on a data set: accuracy and confusion matrix; with --out, the output
    /// spike times and predictions of every pattern in HDF5.
    Eval {
        /// Model (HDF5, from `ttfs train`).
        model: PathBuf,
        /// CSV file (features in [0, 1], a final `label` column), or yin-yang-train,
        /// yin-yang-validation, yin-yang-test.
        #[arg(long)]
        data: String,
        /// Output predictions (HDF5).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run on an emulated chip.
        #[command(flatten)]
        chip: ChipArgs,
        /// Seed of the chip's trial-to-trial noise [default: 0].
        #[arg(long, requires = "chip")]
        run_seed: Option<u64>,
        /// Replace an existing output file.
        #[arg(long)]
        overwrite: bool,
    },
    /// Draw a model's training curves: accuracy and loss over epochs (PNG or SVG).
    Plot {
        /// Model (HDF5, from `ttfs train`).
        model: PathBuf,
        /// Output picture (.png or .svg).
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing picture.
        #[arg(long)]
        overwrite: bool,
    },
    /// Draw the decision map of a Yin-Yang model (its class at every point of the unit disc)
    /// with the patterns of a data set (PNG or SVG).
    Map {
        /// Model (HDF5, from `ttfs train`) with 4 inputs (x, y, 1 − x, 1 − y).
        model: PathBuf,
        /// The patterns drawn on the map (as for `eval`).
        #[arg(long, default_value = "yin-yang-test")]
        data: String,
        /// Grid points per side.
        #[arg(long, default_value_t = 200)]
        resolution: usize,
        /// Classify on an emulated chip.
        #[command(flatten)]
        chip: ChipArgs,
        /// Seed of the chip's trial-to-trial noise [default: 0].
        #[arg(long, requires = "chip")]
        run_seed: Option<u64>,
        /// Output picture (.png or .svg).
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing picture.
        #[arg(long)]
        overwrite: bool,
    },
    /// Run a model on one pattern in the event-driven engine (`IF_curr_exp_first_spike`
    /// neurons) and record every layer's spikes in HDF5; draw them with `exactspike raster`.
    Run {
        /// Model (HDF5, from `ttfs train`).
        model: PathBuf,
        /// The data set (as for `eval`).
        #[arg(long)]
        data: String,
        /// Index of the pattern in the data set (from 0).
        #[arg(long, default_value_t = 0)]
        index: usize,
        /// Output recording (HDF5).
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing output file.
        #[arg(long)]
        overwrite: bool,
    },
}

/// Flags that put a first-spike network on an emulated chip.
#[derive(Debug, clap::Args)]
pub struct ChipArgs {
    #[command(flatten)]
    flags: ChipFlags,
    /// Biological ms per network ms on the chip [default: the description's or the model's,
    /// else 1].
    #[arg(long, requires = "chip")]
    time_scale: Option<f64>,
    /// Slot per pattern, in units of the output layer's tau_syn [default: the description's or
    /// the model's, else 8].
    #[arg(long, requires = "chip")]
    slot: Option<f64>,
}

impl ChipArgs {
    /// The chip settings the flags describe over `base` (the description's table, or the chip a
    /// model was trained on) if it names the same profile; `None` without `--chip`.
    fn settings(&self, base: Option<ChipSection>) -> Result<Option<ChipSettings>, ConfigError> {
        let Some(base) = self.flags.section(base) else {
            return Ok(None);
        };
        let section = ChipSection {
            time_scale: self.time_scale.unwrap_or(base.time_scale),
            slot: self.slot.unwrap_or(base.slot),
            ..base
        };
        ChipFlags::validate(section).map(Some)
    }
}

/// Flags that put a network on an emulated chip (`ttfs` and the sampling commands).
#[derive(Debug, clap::Args)]
pub struct ChipFlags {
    /// Emulated chip: a shipped profile (bss2, bss1) or a profile file (TOML).
    #[arg(long)]
    chip: Option<String>,
    /// Which physical chip: its fixed pattern and calibration derive from this seed [default:
    /// the description's chip (or the model's) of the same profile, else 0].
    #[arg(long, requires = "chip")]
    chip_seed: Option<u64>,
    /// Hardware weight units per nA (ttfs), per unit of Boltzmann weight (sampling) or per µS
    /// or nA (run)
    /// [default: the description's or the model's, else the largest |weight| maps to the
    /// chip's largest].
    #[arg(long, requires = "chip")]
    weight_scale: Option<f64>,
    /// Run the chip uncalibrated.
    #[arg(long, requires = "chip", conflicts_with = "calibrated")]
    uncalibrated: bool,
    /// Run the chip calibrated even if the description or the model says otherwise.
    #[arg(long, requires = "chip")]
    calibrated: bool,
}

impl ChipFlags {
    /// The chip table the flags describe over `base` if it names the same profile (otherwise
    /// over the defaults); `None` without `--chip`.
    pub fn section(&self, base: Option<ChipSection>) -> Option<ChipSection> {
        let profile = self.chip.as_ref()?;
        let base = base
            .filter(|b| &b.profile == profile)
            .unwrap_or_else(|| ChipSection::new(profile));
        Some(ChipSection {
            profile: profile.clone(),
            chip_seed: self.chip_seed.unwrap_or(base.chip_seed),
            weight_scale: self.weight_scale.or(base.weight_scale),
            calibrate: (base.calibrate || self.calibrated) && !self.uncalibrated,
            ..base
        })
    }

    /// `section`, validated as coming from the command line.
    pub fn validate(section: ChipSection) -> Result<ChipSettings, ConfigError> {
        section.settings("command line", "", Path::new(""))
    }
}

/// Run a `ttfs` sub-command; `threads` is the command line's `--threads`, if given (otherwise
/// `ttfs train` uses the description's `threads`, `ttfs eval` those of the pool it runs in).
pub fn run(command: TtfsCommand, threads: Option<usize>) -> Result<()> {
    match command {
        TtfsCommand::Train {
            config,
            out,
            seed,
            epochs,
            init,
            chip,
            quiet,
            overwrite,
        } => {
            let mut spec = TtfsSpec::from_file(&config)?;
            let table = spec.chip.as_ref().map(ChipSettings::section);
            if let Some(settings) = chip.settings(table)? {
                spec.chip = Some(settings);
            }
            if init.is_some() {
                spec.training.init = init;
            }
            if let Some(seed) = seed {
                spec.seed = seed;
            }
            if let Some(epochs) = epochs {
                if epochs == 0 {
                    let field = "--epochs";
                    return Err(ConfigError::new(
                        &config.display().to_string(),
                        field,
                        "must be ≥ 1",
                    )
                    .into());
                }
                spec.training.epochs = epochs;
            }
            if let Some(threads) = threads {
                spec.training.threads = threads;
            }
            train(spec, &out, quiet, overwrite)
        }
        TtfsCommand::Eval {
            model,
            data,
            out,
            chip,
            run_seed,
            overwrite,
        } => evaluate(
            &model,
            &data,
            out.as_deref(),
            threads.unwrap_or(0),
            &chip,
            run_seed,
            overwrite,
        ),
        TtfsCommand::Plot {
            model,
            out,
            overwrite,
        } => Ok(plot::draw_training(&model, &out, overwrite)?),
        TtfsCommand::Map {
            model,
            data,
            resolution,
            chip,
            run_seed,
            out,
            overwrite,
        } => {
            let stored = model_file::load(&model)?;
            let settings = chip.settings(stored.chip.clone())?;
            let output = FileOutput {
                path: &out,
                overwrite,
            };
            let on = settings.as_ref().map(|s| (s, run_seed.unwrap_or(0)));
            plot::decision_map((&model, &stored), &data, resolution, on, output)?;
            say!("decision map -> {}", out.display());
            Ok(())
        }
        TtfsCommand::Run {
            model,
            data,
            index,
            out,
            overwrite,
        } => run_pattern(&model, &data, index, &out, overwrite),
    }
}

/// `ttfs run`: one pattern through the event-driven engine.
fn run_pattern(model: &Path, data: &str, index: usize, out: &Path, overwrite: bool) -> Result<()> {
    check_output(out, overwrite)?;
    let stored = model_file::load(model)?;
    let (experiment, label) = lower::pattern(&stored, data, index, "--index")?;
    say!("pattern {index} of {data}, label {label}");
    simulate(
        &experiment,
        &Output {
            path: out,
            quiet: false,
            overwrite,
        },
    )
}

/// `ttfs train`.
fn train(spec: TtfsSpec, out: &Path, quiet: bool, overwrite: bool) -> Result<()> {
    check_output(out, overwrite)?;
    let job = TrainJob::prepare(spec)?;
    if let (Some(chip), false) = (&job.chip, quiet) {
        say_more!("{}", chip.mapping().report(&job.initial));
        say!("{}", chip.calibration());
    }
    let epochs = job.spec.training.epochs;
    let signals = Signals::catch()?;
    let mut bar = ProgressBar::new(epochs as f64, !quiet && std::io::stderr().is_terminal());
    let control = Control {
        interrupt: &signals.interrupt,
        signal: &|| signals.caught(),
        progress: &mut |_| {},
    };
    let output = FileOutput {
        path: out,
        overwrite,
    };
    let outcome = jobs::train_into_file(&job, output, control, |r| {
        bar.show(r.epoch as f64 / epochs as f64, || {
            format!(
                "epoch {}/{epochs}  loss {:.3}  train {:.1} %  validation {:.1} %",
                r.epoch,
                r.train_loss,
                100.0 * r.train_accuracy,
                100.0 * r.validation_accuracy
            )
        });
    });
    bar.clear();
    let outcome = outcome?;
    let ran = outcome.trained.history.len();
    if !quiet {
        let (last, best) = outcome.test_accuracy_last_best;
        say!(
            "{ran} epochs in {:.1} s ({} threads); test accuracy {} -> {}",
            outcome.wall_seconds,
            outcome.threads,
            accuracy_text(&outcome.test),
            out.display()
        );
        say!(
            "test accuracy of the last network {:.2} %, of the best-validation network (epoch {}) {:.2} %",
            100.0 * last,
            outcome.trained.best_epoch,
            100.0 * best
        );
        if let Some(run) = &outcome.chip {
            let ideal = outcome.ideal_test.as_ref().map_or(f64::NAN, |e| e.accuracy);
            say!(
                "on {} (chip seed {}); the same network in software: {:.2} %",
                run.mapping.chip,
                run.chip.mapping().settings.chip_seed,
                100.0 * ideal
            );
            say!("{}", run.time);
        }
    }
    if outcome.trained.completed {
        return Ok(());
    }
    Err(Interrupted {
        termination: Termination::Interrupted {
            signal: signals.caught(),
        },
        reached: format!("epoch {ran} of {epochs} (the best network so far is stored)"),
        path: out.to_owned(),
    }
    .into())
}

/// `ttfs eval`.
fn evaluate(
    model: &Path,
    data: &str,
    out: Option<&Path>,
    // 0: those of the pool.
    threads: usize,
    chip: &ChipArgs,
    run_seed: Option<u64>,
    overwrite: bool,
) -> Result<()> {
    if let Some(out) = out {
        check_output(out, overwrite)?;
    }
    let stored = model_file::load(model)?;
    if !stored.complete {
        eprintln!(
            "note: {} is marked incomplete (its training was interrupted)",
            model.display()
        );
    }
    let set = jobs::named_data(data)?;
    let chip = chip.settings(stored.chip.clone())?;
    let run_seed = run_seed.unwrap_or(0);
    let (evaluation, chip) = jobs::evaluate(&stored, &set, threads, chip.as_ref(), run_seed)?;
    if let Some(run) = &chip {
        say_more!("{}", run.mapping);
        say!("{}", run.chip.calibration());
    }
    say!("{data}: accuracy {}", accuracy_text(&evaluation));
    say_more!(
        "{}",
        confusion_text(&evaluation, stored.network.n_outputs())
    );
    if let Some(out) = out {
        let output = FileOutput {
            path: out,
            overwrite,
        };
        jobs::write_predictions(output, &stored, &evaluation, data, chip.as_ref())?;
        say!("predictions -> {}", out.display());
    }
    if let Some(run) = &chip {
        say!("{}", run.time);
    }
    Ok(())
}

/// `95.70 % (957 of 1000)`.
fn accuracy_text(evaluation: &Evaluation) -> String {
    let n = evaluation.labels.len();
    let correct = (evaluation.accuracy * n as f64).round() as usize;
    format!("{:.2} % ({correct} of {n})", 100.0 * evaluation.accuracy)
}

/// The confusion matrix as text: one row per label, one column per prediction, then `none`.
fn confusion_text(evaluation: &Evaluation, classes: usize) -> String {
    let counts = evaluation.confusion(classes);
    let mut text = format!("{:>8}", "label");
    for c in 0..classes {
        text += &format!(" {c:>6}");
    }
    text += &format!(" {:>6}\n", "none");
    for (label, row) in counts.chunks(classes + 1).enumerate() {
        text += &format!("{label:>8}");
        for count in row {
            text += &format!(" {count:>6}");
        }
        text.push('\n');
    }
    text
}
