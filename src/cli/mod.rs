//! Command-line interface: `run`, `calibrate`, `sample`, `train`, `plot-dkl`, `raster`, `info`,
//! and the `ttfs` family ([`ttfs`]).

mod say;
mod ttfs;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use say::say;

use exactspike::chip::network::OnChip;
use exactspike::chip::settings::ChipSettings;
use exactspike::config::Experiment;
use exactspike::engine::{MemoryLimit, RunSummary, Simulation};
use exactspike::record::{
    check_output, raster, Control, FileOutput, RecordLayout, Signal, Termination,
};
use exactspike::sampling::background::report::describe;
use exactspike::sampling::readout::SamplingResult;
use exactspike::sampling::{
    jobs, plot, summary, Preparing, SamplingError, SamplingJob, SamplingSpec, TrainingJob,
};
use exactspike::threads::{Threads, MAX_THREADS};

/// Exact, event-driven spiking neural network simulator.
#[derive(Debug, Parser)]
#[command(name = "exactspike", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Threads to run on, 1 to 256 [default: one per core; for `ttfs train`, the description's
    /// `threads` if not 0]; results are bitwise the same for any number.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
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
        /// Refuse networks estimated to need more memory than SIZE, e.g. 8G, 500M, 1.5GiB or
        /// unlimited (default: the memory available).
        #[arg(long = "max-memory", value_name = "SIZE")]
        max_memory: Option<MemoryLimit>,
        /// Run on an emulated chip.
        #[command(flatten)]
        chip: ttfs::ChipFlags,
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
        /// Replace an existing picture.
        #[arg(long)]
        overwrite: bool,
    },
    /// Calibrate the activation function of a sampling file's sampler and store it in HDF5 (and
    /// a picture of the curve beside it, same name with .png).
    Calibrate {
        /// Sampling file (TOML).
        sampling: PathBuf,
        /// Output HDF5 file.
        #[arg(long)]
        out: PathBuf,
        /// No progress bar and no summary.
        #[arg(long)]
        quiet: bool,
        /// Replace an existing output file and picture.
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
        /// Recording of `sample` or `train` (HDF5).
        file: PathBuf,
        /// Further recordings drawn beside it (e.g. the Poisson baseline of an ensemble).
        #[arg(long)]
        compare: Vec<PathBuf>,
        /// Draw D_KL over the training windows of a `train` recording instead of over the
        /// sampling time.
        #[arg(long)]
        training: bool,
        /// Output picture (.png or .svg).
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing picture.
        #[arg(long)]
        overwrite: bool,
    },
    /// Summarise a recording.
    Info {
        /// Recording (HDF5).
        file: PathBuf,
    },
    /// Time-to-first-spike networks: `ttfs train`, `ttfs eval`.
    #[command(subcommand)]
    Ttfs(ttfs::TtfsCommand),
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
    /// Refuse networks estimated to need more memory than SIZE, e.g. 8G, 500M, 1.5GiB or
    /// unlimited (default: the memory available).
    #[arg(long = "max-memory", value_name = "SIZE")]
    max_memory: Option<MemoryLimit>,
    /// Run on an emulated chip (replaces the file's `[chip]`).
    #[command(flatten)]
    chip: ttfs::ChipFlags,
    /// Hardware weight units per unit of bias on the chip's bias rows [default: the file's, else
    /// 3 × the target's largest |W| or |b| maps to the chip's largest weight].
    #[arg(long, requires = "chip")]
    bias_scale: Option<f64>,
}

/// Execute the parsed command line on its `--threads`.
pub fn run(cli: Cli) -> Result<()> {
    let threads = match cli.threads {
        Some(count) => Threads::new(count).with_context(|| format!("--threads {count}"))?,
        None => Threads::new(Threads::available().min(MAX_THREADS))?,
    };
    threads.run(|| execute(cli.command, cli.threads))
}

/// Execute `command`; `threads` is the command line's `--threads`, if given.
fn execute(command: Command, threads: Option<usize>) -> Result<()> {
    match command {
        Command::Run {
            experiment,
            out,
            seed,
            t_stop,
            quiet,
            overwrite,
            max_memory,
            chip,
        } => {
            let output = Output {
                path: &out,
                quiet,
                overwrite,
            };
            let limit = max_memory.unwrap_or_default();
            let chip = chip
                .section(None)
                .map(ttfs::ChipFlags::validate)
                .transpose()?;
            run_experiment(&experiment, &output, seed, t_stop, limit, chip.as_ref())
        }
        Command::Raster {
            file,
            out,
            populations,
            from,
            to,
            overwrite,
        } => {
            raster::draw_raster(&file, &out, overwrite, populations.as_deref(), from, to)?;
            Ok(())
        }
        Command::Calibrate {
            sampling,
            out,
            quiet,
            overwrite,
        } => {
            let output = Output {
                path: &out,
                quiet,
                overwrite,
            };
            calibrate(&sampling, &output)
        }
        Command::Sample(args) => sample(&args),
        Command::Train(args) => train(&args),
        Command::PlotDkl {
            file,
            compare,
            training,
            out,
            overwrite,
        } => {
            let files: Vec<&Path> = std::iter::once(&file)
                .chain(&compare)
                .map(PathBuf::as_path)
                .collect();
            let axis = if training {
                plot::DklAxis::Training
            } else {
                plot::DklAxis::Sampling
            };
            plot::draw_dkl(&files, axis, &out, overwrite)?;
            Ok(())
        }
        Command::Ttfs(command) => ttfs::run(command, threads),
        Command::Info { file } => {
            say!("{}", summary::summarize(&file)?);
            Ok(())
        }
    }
}

/// `calibrate`: calibrate, write the calibration and the picture of the activation curve.
fn calibrate(path: &Path, output: &Output) -> Result<()> {
    let (out, overwrite) = (output.path, output.overwrite);
    let picture = out.with_extension("png");
    // Both outputs are checked before the calibration runs.
    check_output(out, overwrite)?;
    check_output(&picture, overwrite)?;
    let spec = SamplingSpec::from_file(path)?;
    let calibration = preparing(output, |progress| {
        jobs::calibrate(&spec, &mut |done| progress(Preparing::Calibration, done))
    })?;
    // A signal while the file is written lets it be finished (no hidden partial file is left).
    let _signals = Signals::catch()?;
    let file = FileOutput {
        path: out,
        overwrite,
    };
    jobs::write_calibration(&spec, &calibration, file)?;
    plot::draw_calibration(out, &picture, overwrite)?;
    if output.quiet {
        return Ok(());
    }
    let f = &calibration.fit;
    say!(
        "v_p05 = {:.4} ± {:.4} mV, alpha = {:.4} ± {:.4} mV ({} points, rms residual {:.2e}) -> {}",
        f.v_p05,
        f.v_p05_stderr,
        f.alpha,
        f.alpha_stderr,
        f.points_used,
        f.residual_rms,
        out.display()
    );
    say!("activation curve -> {}", picture.display());
    if let Ok(hint) = spec.calibration_hint(out) {
        say!("{hint}");
    }
    Ok(())
}

/// Run `prepare` (a sampling job's preparation) with a progress bar of its calibrations, unless
/// `output` is quiet or stderr is no terminal.
fn preparing<T>(
    output: &Output,
    prepare: impl FnOnce(&mut dyn FnMut(Preparing, f64)) -> Result<T, SamplingError>,
) -> Result<T, SamplingError> {
    let mut bar = ProgressBar::new(1.0, !output.quiet && std::io::stderr().is_terminal());
    let prepared = prepare(&mut |stage, done| bar.show(done, || stage.to_string()));
    bar.clear();
    prepared
}

/// `sample`: prepare, run with the exact readout, write the results.
fn sample(args: &SamplingArgs) -> Result<()> {
    check_output(&args.out, args.overwrite)?;
    let output = args.output();
    let spec = args.spec()?;
    let job = preparing(&output, |progress| {
        SamplingJob::prepare_reporting(spec, progress)
    })?
    .with_memory_limit(args.max_memory.unwrap_or_default());
    args.describe_background(&job);
    let outcome = record(&output, job.metadata().t_stop, &mut |target, control| {
        jobs::sample_into_file(&job, target, control)
    })?;
    args.describe_chip(&job, &outcome.summary);
    let networks = job.spec().networks;
    report(&output, &outcome.summary, &outcome.result, networks, "")
}

/// `train`: prepare, train online, sample with the trained parameters, write the results and
/// the training history.
fn train(args: &SamplingArgs) -> Result<()> {
    check_output(&args.out, args.overwrite)?;
    let output = args.output();
    let spec = args.spec()?;
    let job = preparing(&output, |progress| {
        TrainingJob::prepare_reporting(spec, progress)
    })?
    .with_memory_limit(args.max_memory.unwrap_or_default());
    args.describe_background(job.sampling());
    let t_stop = job.sampling().metadata().t_stop;
    let outcome = record(&output, t_stop, &mut |target, control| {
        jobs::train_into_file(&job, target, control)
    })?;
    args.describe_chip(job.sampling(), &outcome.summary);
    let networks = job.sampling().spec().networks;
    report(
        &output,
        &outcome.summary,
        &outcome.result,
        networks,
        " (trained)",
    )
}

/// Where a run is recorded, and how.
pub(crate) struct Output<'a> {
    /// The HDF5 file.
    path: &'a Path,
    /// No progress bar and no summary lines.
    quiet: bool,
    /// Replace an existing file.
    overwrite: bool,
}

impl SamplingArgs {
    /// The sampling file, read, with the chip of the flags; says where its calibration comes
    /// from (unless quiet).
    fn spec(&self) -> Result<SamplingSpec> {
        let mut spec = SamplingSpec::from_file(&self.sampling)?;
        let table = spec.chip.as_ref().map(|c| c.chip.section());
        if let Some(section) = self.chip.section(table) {
            spec = spec.with_chip(section, self.bias_scale, "command line", "")?;
        }
        if !self.quiet {
            say!("calibration: {}", spec.calibration_note());
        }
        Ok(spec)
    }

    /// The summary of the calibration under the background, if any (unless quiet).
    fn describe_background(&self, job: &SamplingJob) {
        if let (Some(measured), false) = (job.background(), self.quiet) {
            for line in describe(&job.spec().background, measured) {
                say!("{line}");
            }
        }
    }

    /// The chip's mapping report, calibration and hardware time, if the job ran on one (unless
    /// quiet).
    fn describe_chip(&self, job: &SamplingJob, summary: &RunSummary) {
        if let (Some(chip), Some(report), false) = (
            job.chip(),
            job.chip_report(summary.wall_seconds),
            self.quiet,
        ) {
            say!("{report}");
            say!("{}", chip.calibration());
            let offered = summary.input_events + summary.lost_events;
            say!(
                "spikes lost on the way: {} of {} ({:.2} %)",
                summary.lost_events,
                offered,
                100.0 * summary.lost_events as f64 / offered.max(1) as f64
            );
        }
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

/// Run `job` into the file of `output` with SIGINT, SIGTERM and SIGHUP raising its interrupt
/// flag and with a progress bar up to `t_stop` [ms] (unless quiet or stderr is not a terminal).
fn record<T, E>(
    output: &Output,
    t_stop: f64,
    job: &mut dyn FnMut(FileOutput, Control) -> Result<T, E>,
) -> Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    // Caught before the file exists, so that a signal never leaves a hidden partial file.
    let signals = Signals::catch()?;
    let mut bar = ProgressBar::new(t_stop, !output.quiet && std::io::stderr().is_terminal());
    let target = FileOutput {
        path: output.path,
        overwrite: output.overwrite,
    };
    let control = Control {
        interrupt: &signals.interrupt,
        signal: &|| signals.caught(),
        progress: &mut |t| bar.update(t),
    };
    let outcome = job(target, control);
    bar.clear();
    Ok(outcome?)
}

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP, caught: each raises the interrupt flag the engine polls
/// (instead of ending the process), and the last one caught is remembered.
struct Signals {
    /// Raised by any of them.
    interrupt: Arc<AtomicBool>,
    /// POSIX number of the last one caught (0: none yet).
    last: Arc<AtomicUsize>,
}

impl Signals {
    /// Catch the signals from now on, for the rest of the process.
    fn catch() -> Result<Self> {
        let signals = Self {
            interrupt: Arc::new(AtomicBool::new(false)),
            last: Arc::new(AtomicUsize::new(0)),
        };
        for signal in Signal::ALL {
            let Some(os) = os_signal(signal) else {
                continue;
            };
            // The number is stored before the flag is raised: the flag is never seen without it.
            let number = signal.number() as usize;
            signal_hook::flag::register_usize(os, Arc::clone(&signals.last), number)
                .and_then(|_| signal_hook::flag::register(os, Arc::clone(&signals.interrupt)))
                .with_context(|| format!("cannot catch {signal}"))?;
        }
        Ok(signals)
    }

    /// The signal caught last, if any.
    fn caught(&self) -> Option<Signal> {
        let number = self.last.load(Ordering::SeqCst);
        Signal::from_number(i32::try_from(number).ok()?)
    }
}

/// The operating system's number of `signal` (none for SIGHUP off Unix).
fn os_signal(signal: Signal) -> Option<i32> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    match signal {
        Signal::Interrupt => Some(SIGINT),
        Signal::Terminate => Some(SIGTERM),
        #[cfg(unix)]
        Signal::Hangup => Some(signal_hook::consts::SIGHUP),
        #[cfg(not(unix))]
        Signal::Hangup => None,
    }
}

/// A run stopped early (by a signal, or the interrupt flag): its file is kept under its name,
/// marked incomplete.
#[derive(Debug, thiserror::Error)]
#[error("{termination} at {reached}; {} is marked incomplete", path.display())]
pub struct Interrupted {
    /// How it ended.
    termination: Termination,
    /// How far the work got, e.g. `t = 12.5 ms` or `epoch 12 of 300`.
    reached: String,
    /// The recording.
    path: PathBuf,
}

impl Interrupted {
    /// The exit status: 128 + the signal's number, as a shell reports for a process that signal
    /// ended (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP); 1 when no signal is known.
    pub fn exit_code(&self) -> i32 {
        match self.termination {
            Termination::Interrupted {
                signal: Some(signal),
            } => 128 + signal.number(),
            _ => 1,
        }
    }
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
        say!("{}", summary_line(summary, output.path));
        if let Some(dkl) = result.final_median_dkl() {
            say!(
                "D_KL(p_sampled || p_target) after {} ms{after}: median {:.4} over {} network(s)",
                result.checkpoints.last().copied().unwrap_or(0.0),
                dkl,
                networks
            );
        }
    }
    completed(summary, output.path)
}

/// `run`: the network is built (and refused if too large for `limit`) before the output file is
/// created.
fn run_experiment(
    path: &Path,
    output: &Output,
    seed: Option<u64>,
    t_stop: Option<f64>,
    limit: MemoryLimit,
    chip: Option<&ChipSettings>,
) -> Result<()> {
    check_output(output.path, output.overwrite)?;
    let mut experiment = Experiment::from_file_seeded(path, seed)?.with_memory_limit(limit);
    if let Some(t_stop) = t_stop {
        experiment = experiment.with_t_stop(t_stop)?;
    }
    let Some(settings) = chip else {
        return simulate(&experiment, output);
    };
    let mut on_chip = OnChip::new(&experiment, settings)?;
    if !output.quiet {
        say!("{}", on_chip.report());
        say!("{}", on_chip.chip.calibration());
    }
    let OnChip {
        experiment,
        simulation,
        layout,
        ..
    } = &mut on_chip;
    record_run(experiment, simulation, layout, output)
}

/// Run a built experiment into the file of `output` (checked beforehand), with progress bar,
/// signals and summary line as `run` has them.
fn simulate(experiment: &Experiment, output: &Output) -> Result<()> {
    let mut simulation = Simulation::new(experiment)?;
    let layout = simulation.layout().clone();
    record_run(experiment, &mut simulation, &layout, output)
}

/// Run `simulation` of `experiment` into the file of `output` with `layout`.
fn record_run(
    experiment: &Experiment,
    simulation: &mut Simulation,
    layout: &RecordLayout,
    output: &Output,
) -> Result<()> {
    tracing::info!(
        populations = experiment.populations().len(),
        synapses = simulation.synapse_count(),
        t_stop = experiment.t_stop(),
        seed = experiment.seed(),
        "network built"
    );
    let summary = record(output, experiment.t_stop(), &mut |target, control| {
        exactspike::run_into_file(simulation, experiment, layout, target, control)
    })?;
    if !output.quiet {
        say!("{}", summary_line(&summary, output.path));
    }
    completed(&summary, output.path)
}

/// An [`Interrupted`] error if the run was interrupted (its file is then marked incomplete).
fn completed(summary: &RunSummary, out: &Path) -> Result<()> {
    if summary.termination.is_completed() {
        return Ok(());
    }
    Err(Interrupted {
        termination: summary.termination,
        reached: format!("t = {} ms", summary.t_reached),
        path: out.to_owned(),
    }
    .into())
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

    /// Show the simulated time `t` [ms].
    fn update(&mut self, t: f64) {
        let t_stop = self.t_stop;
        self.show(t / t_stop, || format!("t = {t:.1} / {t_stop} ms"));
    }

    /// Show `fraction` of the work done, followed by `text()` (made only when drawn).
    fn show(&mut self, fraction: f64, text: impl FnOnce() -> String) {
        let now = Instant::now();
        let due = match self.last_draw {
            None => now.duration_since(self.started) >= Self::SHOW_AFTER,
            Some(last) => now.duration_since(last) >= Self::REDRAW_EVERY,
        };
        if !self.enabled || !due {
            return;
        }
        self.last_draw = Some(now);
        let fraction = fraction.clamp(0.0, 1.0);
        let filled = (fraction * Self::WIDTH as f64) as usize;
        eprint!(
            "\r[{}{}] {:5.1}%  {}",
            "#".repeat(filled),
            " ".repeat(Self::WIDTH - filled),
            100.0 * fraction,
            text()
        );
    }

    fn clear(&self) {
        if self.last_draw.is_some() {
            eprint!("\r{}\r", " ".repeat(Self::WIDTH + 70));
        }
    }
}
