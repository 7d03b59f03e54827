//! Command-line interface: `run`, `calibrate`, `sample`, `train`, `plot-dkl`, `raster`, `info`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use exactspike::config::Experiment;
use exactspike::engine::{RunSummary, Simulation};
use exactspike::record::hdf5::Hdf5Recorder;
use exactspike::record::{raster, RecordLayout, RunMetadata, Termination};
use exactspike::sampling::readout::SamplingResult;
use exactspike::sampling::{jobs, plot, summary, tables, SamplingJob, SamplingSpec, TrainingJob};

/// Exact, event-driven spiking neural network simulator.
#[derive(Debug, Parser)]
#[command(name = "exactspike", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run an experiment and record to HDF5.
    Run {
        /// Experiment file (TOML).
        experiment: PathBuf,
        /// Output HDF5 file.
        #[arg(long)]
        out: PathBuf,
        /// Override the master seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the simulated time [ms].
        #[arg(long = "t-stop")]
        t_stop: Option<f64>,
        /// No progress bar and no summary line.
        #[arg(long)]
        quiet: bool,
        /// Replace an existing output file.
        #[arg(long)]
        overwrite: bool,
    },
    /// Draw a spike raster (PNG or SVG, by extension) from a recording.
    Raster {
        /// Recording (HDF5).
        file: PathBuf,
        /// Output picture (.png or .svg).
        #[arg(long)]
        out: PathBuf,
        /// Populations to draw (default: all recorded).
        #[arg(long, num_args = 1..)]
        populations: Option<Vec<String>>,
        /// Start of the time window [ms].
        #[arg(long)]
        from: Option<f64>,
        /// End of the time window [ms].
        #[arg(long)]
        to: Option<f64>,
    },
    /// Calibrate the activation function of a sampling file's sampler and store it in HDF5 (and
    /// a picture of the curve beside it, same name with .png).
    Calibrate {
        /// Sampling file (TOML).
        sampling: PathBuf,
        /// Output HDF5 file.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing output file.
        #[arg(long)]
        overwrite: bool,
    },
    /// Sample a Boltzmann distribution with LIF neurons; record spikes, distributions and D_KL.
    Sample(SamplingArgs),
    /// Train a sampling network online (contrastive updates of weights and biases while it runs,
    /// `[training]` section), then sample with the trained parameters; records like `sample`
    /// plus the training history.
    Train(SamplingArgs),
    /// Draw D_KL(p_sampled || p_target) over sampling time (log-log) from a `sample` or `train` recording.
    PlotDkl {
        /// Recording of `sample` (HDF5).
        file: PathBuf,
        /// Output picture (.png or .svg).
        #[arg(long)]
        out: PathBuf,
    },
    /// Summarise a recording.
    Info {
        /// Recording (HDF5).
        file: PathBuf,
    },
}

/// Arguments of `sample` and `train`.
#[derive(Debug, clap::Args)]
struct SamplingArgs {
    /// Sampling file (TOML; `train` needs its [training] section).
    sampling: PathBuf,
    /// Output HDF5 file.
    #[arg(long)]
    out: PathBuf,
    /// No progress bar and no summary lines.
    #[arg(long)]
    quiet: bool,
    /// Replace an existing output file.
    #[arg(long)]
    overwrite: bool,
}

/// Execute the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run {
            experiment,
            out,
            seed,
            t_stop,
            quiet,
            overwrite,
        } => {
            let output = Output {
                path: &out,
                quiet,
                overwrite,
            };
            run_experiment(&experiment, &output, seed, t_stop)
        }
        Command::Raster {
            file,
            out,
            populations,
            from,
            to,
        } => {
            raster::draw_raster(&file, &out, populations.as_deref(), from, to)?;
            Ok(())
        }
        Command::Calibrate {
            sampling,
            out,
            overwrite,
        } => calibrate(&sampling, &out, overwrite),
        Command::Sample(args) => sample(&args),
        Command::Train(args) => train(&args),
        Command::PlotDkl { file, out } => {
            plot::draw_dkl(&file, &out)?;
            Ok(())
        }
        Command::Info { file } => {
            println!("{}", summary::summarize(&file)?);
            Ok(())
        }
    }
}

fn calibrate(path: &Path, out: &Path, overwrite: bool) -> Result<()> {
    let spec = SamplingSpec::from_file(path)?;
    let calibration = jobs::calibrate(&spec)?;
    let meta = RunMetadata {
        seed: spec.seed,
        t_stop: spec.calibration.burn_in + spec.calibration.duration,
        experiment: spec.text.clone(),
    };
    let layout = tables::calibration_layout(&calibration);
    Hdf5Recorder::create(out, &layout, &meta, overwrite)?
        .finish(Termination::Completed)
        .with_context(|| format!("finishing {}", out.display()))?;
    let picture = out.with_extension("png");
    plot::draw_calibration(out, &picture)?;
    let f = &calibration.fit;
    println!(
        "v_p05 = {:.4} ± {:.4} mV, alpha = {:.4} ± {:.4} mV ({} points, rms residual {:.2e}) -> {}",
        f.v_p05,
        f.v_p05_stderr,
        f.alpha,
        f.alpha_stderr,
        f.points_used,
        f.residual_rms,
        out.display()
    );
    println!("activation curve -> {}", picture.display());
    if let Ok(hint) = spec.calibration_hint(out) {
        println!("{hint}");
    }
    Ok(())
}

/// `sample`: prepare, run with the exact readout, write the results.
fn sample(args: &SamplingArgs) -> Result<()> {
    let job = SamplingJob::prepare(args.spec()?)?;
    let layout = tables::sampling_layout(&job);
    let output = args.output();
    let (summary, result) = record(&output, &layout, &job.metadata(), &mut |rec, stop, bar| {
        jobs::sample(&job, rec, Some(stop), bar).map(|o| (o.summary, o.result))
    })?;
    report(&output, &summary, &result, job.spec().networks, "")
}

/// `train`: prepare, train online, sample with the trained parameters, write the results and
/// the training history.
fn train(args: &SamplingArgs) -> Result<()> {
    let job = TrainingJob::prepare(args.spec()?)?;
    let layout = tables::training_layout(&job);
    let meta = job.sampling().metadata();
    let output = args.output();
    let (summary, result) = record(&output, &layout, &meta, &mut |rec, stop, bar| {
        jobs::train(&job, rec, Some(stop), bar).map(|o| (o.summary, o.result))
    })?;
    let networks = job.sampling().spec().networks;
    report(&output, &summary, &result, networks, " (trained)")
}

/// Where a run is recorded, and how.
struct Output<'a> {
    /// The HDF5 file.
    path: &'a Path,
    /// No progress bar and no summary lines.
    quiet: bool,
    /// Replace an existing file.
    overwrite: bool,
}

impl SamplingArgs {
    /// The sampling file, read; says where its calibration comes from (unless quiet).
    fn spec(&self) -> Result<SamplingSpec> {
        let spec = SamplingSpec::from_file(&self.sampling)?;
        if !self.quiet {
            println!("calibration: {}", spec.calibration_note());
        }
        Ok(spec)
    }

    /// The output options of `sample` and `train`.
    fn output(&self) -> Output<'_> {
        Output {
            path: &self.out,
            quiet: self.quiet,
            overwrite: self.overwrite,
        }
    }
}

/// A run into an HDF5 recording, given the recorder, the interrupt flag and the progress
/// callback; it gives the run's summary and what else it measured.
type RecordBody<'a, T, E> = dyn FnMut(&mut Hdf5Recorder, &AtomicBool, &mut dyn FnMut(f64)) -> Result<(RunSummary, T), E>
    + 'a;

/// Create the file of `output` with `layout`, run `body` into it with Ctrl-C and a progress
/// bar, and finish the file (marked incomplete if interrupted; removed on error).
fn record<T, E>(
    output: &Output,
    layout: &RecordLayout,
    meta: &RunMetadata,
    body: &mut RecordBody<T, E>,
) -> Result<(RunSummary, T)>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut recorder = Hdf5Recorder::create(output.path, layout, meta, output.overwrite)?;
    let outcome = run_interruptible(meta.t_stop, output.quiet, &mut |interrupt, progress| {
        body(&mut recorder, interrupt, progress)
    });
    let (summary, measured) = match outcome {
        Ok(done) => done,
        Err(e) => {
            recorder.abandon();
            return Err(e.into());
        }
    };
    recorder
        .finish(summary.termination)
        .with_context(|| format!("finishing {}", output.path.display()))?;
    Ok((summary, measured))
}

/// Print the summary and the final median D_KL of a sampling job (unless quiet), and fail if it
/// was interrupted.
fn report(
    output: &Output,
    summary: &RunSummary,
    result: &SamplingResult,
    networks: usize,
    after: &str,
) -> Result<()> {
    if !output.quiet {
        println!("{}", summary_line(summary, output.path));
        if let Some(dkl) = result.final_median_dkl() {
            println!(
                "D_KL(p_sampled || p_target) after {} ms{after}: median {:.4} over {} network(s)",
                result.checkpoints.last().copied().unwrap_or(0.0),
                dkl,
                networks
            );
        }
    }
    completed(summary, output.path)
}

fn run_experiment(
    path: &Path,
    output: &Output,
    seed: Option<u64>,
    t_stop: Option<f64>,
) -> Result<()> {
    let mut experiment = Experiment::from_file(path)?;
    if let Some(seed) = seed {
        experiment = experiment.with_seed(seed);
    }
    if let Some(t_stop) = t_stop {
        experiment = experiment.with_t_stop(t_stop)?;
    }
    let mut simulation = Simulation::new(&experiment)?;
    tracing::info!(
        populations = experiment.populations().len(),
        synapses = simulation.synapse_count(),
        t_stop = experiment.t_stop(),
        seed = experiment.seed(),
        "network built"
    );
    let meta = RunMetadata {
        seed: experiment.seed(),
        t_stop: experiment.t_stop(),
        experiment: experiment.text().unwrap_or_default().to_string(),
    };
    let layout = simulation.layout().clone();
    let (summary, ()) = record(output, &layout, &meta, &mut |rec, stop, bar| {
        simulation
            .run(rec, Some(stop), bar)
            .map(|summary| (summary, ()))
    })?;
    if !output.quiet {
        println!("{}", summary_line(&summary, output.path));
    }
    completed(&summary, output.path)
}

/// An error if the run was interrupted (its file is then marked incomplete).
fn completed(summary: &RunSummary, out: &Path) -> Result<()> {
    if summary.termination == Termination::Interrupted {
        anyhow::bail!(
            "interrupted at t = {} ms; {} is marked incomplete",
            summary.t_reached,
            out.display()
        );
    }
    Ok(())
}

/// A run to completion given the interrupt flag and a progress callback (simulated time, ms).
type RunBody<'a, T, E> = dyn FnMut(&AtomicBool, &mut dyn FnMut(f64)) -> Result<T, E> + 'a;

/// Run `body` (a simulation to `t_stop` [ms]) with Ctrl-C raising the interrupt flag it is given
/// and a progress bar fed by its progress callback, unless `quiet` or stderr is not a terminal.
fn run_interruptible<T, E>(t_stop: f64, quiet: bool, body: &mut RunBody<T, E>) -> Result<T, E> {
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupt);
    // A second handler cannot be installed (e.g. in tests); then Ctrl-C simply kills the process,
    // and the partial file never carries the final name.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let mut bar = ProgressBar::new(t_stop, !quiet && std::io::stderr().is_terminal());
    let outcome = body(&interrupt, &mut |t| bar.update(t));
    bar.clear();
    outcome
}

/// The one-line summary printed after a run.
fn summary_line(s: &RunSummary, out: &Path) -> String {
    format!(
        "t = {} ms: {} input events, {} neuron spikes, {} source spikes, wall {:.3} s, {:.3e} events/s -> {}",
        s.t_reached,
        s.input_events,
        s.neuron_spikes,
        s.source_spikes,
        s.wall_seconds,
        s.events_per_second(),
        out.display()
    )
}

/// A progress bar on stderr, shown only for runs longer than a couple of seconds.
struct ProgressBar {
    t_stop: f64,
    enabled: bool,
    started: Instant,
    last_draw: Option<Instant>,
}

impl ProgressBar {
    const SHOW_AFTER: Duration = Duration::from_secs(2);
    const REDRAW_EVERY: Duration = Duration::from_millis(200);
    const WIDTH: usize = 40;

    fn new(t_stop: f64, enabled: bool) -> Self {
        Self {
            t_stop,
            enabled,
            started: Instant::now(),
            last_draw: None,
        }
    }

    fn update(&mut self, t: f64) {
        let now = Instant::now();
        let due = match self.last_draw {
            None => now.duration_since(self.started) >= Self::SHOW_AFTER,
            Some(last) => now.duration_since(last) >= Self::REDRAW_EVERY,
        };
        if !self.enabled || !due {
            return;
        }
        self.last_draw = Some(now);
        let fraction = (t / self.t_stop).clamp(0.0, 1.0);
        let filled = (fraction * Self::WIDTH as f64) as usize;
        eprint!(
            "\r[{}{}] {:5.1}%  t = {:.1} / {} ms",
            "#".repeat(filled),
            " ".repeat(Self::WIDTH - filled),
            100.0 * fraction,
            t,
            self.t_stop
        );
    }

    fn clear(&self) {
        if self.last_draw.is_some() {
            eprint!("\r{}\r", " ".repeat(Self::WIDTH + 40));
        }
    }
}
