//! The memory estimate made before a network is built: a network too large for its limit is
//! refused with one line naming the part that needs most, before anything large is allocated
//! (counted by this binary's allocator, per thread); the estimate is close to the command's peak
//! resident memory; small networks are unaffected; the command line's `--max-memory` is
//! honoured and nothing is written when a network is refused.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell as LocalCell;
use std::path::Path;
use std::process::Command;

use exactspike::config::{Cell, Connector, Experiment, ExperimentBuilder};
use exactspike::engine::memory::{self, PROGRAM_BYTES};
use exactspike::engine::{MemoryLimit, Simulation};
use exactspike::error::LowerError;
use exactspike::neuron::CondExpParams;

use crate::common::networks::all_to_all;
use crate::common::{cli, Edit, VALID};

/// The system allocator, counting the bytes each thread holds and the most it held.
struct Counting;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread.
    static LIVE: LocalCell<isize> = const { LocalCell::new(0) };
    /// The most `LIVE` has been since the last [`reset_peak`].
    static PEAK: LocalCell<isize> = const { LocalCell::new(0) };
}

fn count(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is passed on to the system allocator unchanged; the counting touches only
// constant-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Run `f` on this thread; return its result and the most memory it held at once [bytes]
/// beyond what the thread held before.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.with(LocalCell::get);
    PEAK.with(|peak| peak.set(before));
    let out = f();
    (out, (PEAK.with(LocalCell::get) - before) as usize)
}

/// `size` sampling neurons called `exc` with a projection onto themselves by `connector`, and
/// `limit`.
fn recurrent(size: usize, connector: Connector, limit: MemoryLimit) -> ExperimentBuilder {
    let mut net = ExperimentBuilder::new("huge", 10.0);
    net.population("exc", size, Cell::if_cond_exp(CondExpParams::default()));
    net.projection("exc", "exc", connector).weight(0.0001);
    net.memory_limit(limit);
    net
}

/// The error of building `experiment`, and the most memory building it held [bytes].
fn refusal(experiment: &Experiment) -> (LowerError, usize) {
    let (built, held) = peak_of(|| Simulation::new(experiment).map(|_| ()));
    (built.expect_err("refused"), held)
}

#[test]
fn a_huge_all_to_all_is_refused_before_anything_is_allocated() {
    let experiment = recurrent(1_000_000, all_to_all(), MemoryLimit::Bytes(16_000_000_000))
        .build()
        .unwrap();
    let (error, held) = refusal(&experiment);
    assert_eq!(
        error.to_string(),
        "huge: projection[0] exc -> exc (all_to_all): 1.0e12 connections need about 4.00 TB \
         to run (4 bytes each); the simulation needs about 4.00 TB in all, more than the limit \
         of 16.0 GB"
    );
    assert!(
        matches!(error, LowerError::OutOfMemory { needed, limit: 16_000_000_000, available: false, .. } if needed > 4_000_000_000_000),
        "{error:?}"
    );
    // The estimate allocates a few numbers per projection and population.
    assert!(held < 64 * 1024, "{held} bytes held while refusing");
}

#[cfg(target_os = "linux")]
#[test]
fn by_default_the_limit_is_the_memory_available() {
    let experiment = recurrent(1_000_000, all_to_all(), MemoryLimit::Available)
        .build()
        .unwrap();
    assert_eq!(experiment.memory_limit(), MemoryLimit::Available);
    let (error, _) = refusal(&experiment);
    let LowerError::OutOfMemory {
        limit, available, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    let now = memory::available_memory().expect("Linux has /proc/meminfo");
    // The machine's available memory moves a little between two readings.
    assert!(
        *available && limit.abs_diff(now) < now / 10,
        "{limit} vs {now}"
    );
    assert!(
        error.to_string().ends_with(&format!(
            "more than the {} available",
            memory::human_bytes(*limit)
        )),
        "{error}"
    );
}

#[test]
fn a_limit_given_is_honoured_to_the_byte() {
    let net = || recurrent(300, all_to_all(), MemoryLimit::Unlimited);
    let needed = memory::estimate(&net().build().unwrap()).peak;
    // The program, 90000 synapses of 4 bytes (their one weight kept per delay group), 300
    // delay groups of 16 bytes and their weights, and the 300 neurons with their share of the
    // run's buffers (under 600 bytes each).
    let synapses = PROGRAM_BYTES + 90_000 * 4 + 300 * (16 + 8);
    assert!(
        (synapses..synapses + 300 * 600).contains(&needed),
        "{needed}"
    );
    let mut enough = net();
    enough.memory_limit(MemoryLimit::Bytes(needed));
    let simulation = Simulation::new(&enough.build().unwrap()).expect("fits");
    assert_eq!(simulation.synapse_count(), 90_000);
    let mut short = net();
    short.memory_limit(MemoryLimit::Bytes(needed - 1));
    let (error, _) = refusal(&short.build().unwrap());
    assert_eq!(
        error,
        LowerError::OutOfMemory {
            file: "huge".into(),
            part: "projection[0] exc -> exc (all_to_all)".into(),
            detail: "90000 connections need about 367 kB to run (4 bytes each)".into(),
            needed,
            limit: needed - 1,
            available: false,
        }
    );
}

#[test]
fn too_many_synapses_for_u32_indices_are_refused_before_they_are_made() {
    let experiment = recurrent(70_000, all_to_all(), MemoryLimit::Unlimited)
        .build()
        .unwrap();
    let (error, held) = refusal(&experiment);
    assert_eq!(
        error.to_string(),
        "huge: projection[0]: the network would have 4900000000 synapses, more than the \
         4294967295 the engine can index"
    );
    assert!(held < 64 * 1024, "{held} bytes held while refusing");
    // A random connector is refused by its expected count.
    let dense = Connector::FixedProbability {
        p: 0.9,
        allow_self_connections: true,
    };
    let experiment = recurrent(70_000, dense, MemoryLimit::Unlimited)
        .build()
        .unwrap();
    let (error, _) = refusal(&experiment);
    assert!(
        matches!(
            error,
            LowerError::TooManySynapses {
                projection: 0,
                count: 4_410_000_000,
                ..
            }
        ),
        "{error:?}"
    );
}

/// A value logged by the command as `NAME=VALUE` [bytes], with or without colours (ANSI escape
/// sequences `ESC [ … m`).
fn logged(stderr: &str, name: &str) -> f64 {
    let mut plain = String::new();
    let mut chars = stderr.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            plain.push(c);
        }
    }
    let key = format!("{name}=");
    let at = plain
        .find(&key)
        .unwrap_or_else(|| panic!("{key} in {plain}"))
        + key.len();
    let digits: String = (plain[at..].chars())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// The estimate the command logs for `experiment` and its peak resident memory [bytes].
fn estimated_and_resident(dir: &Path, experiment: &str) -> (f64, f64) {
    let file = dir.join("net.toml");
    std::fs::write(&file, experiment).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_exactspike"))
        .args(["run", file.to_str().unwrap(), "--out"])
        .arg(dir.join("net.h5"))
        .args(["--quiet", "--overwrite"])
        .env("RUST_LOG", "exactspike=info")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let estimate = logged(&stderr, "estimated_peak_bytes");
    let resident = logged(&stderr, "peak_resident_bytes");
    (estimate, resident)
}

/// `size` neurons `exc` connected to themselves by `connector` with `synapse`, a Poisson
/// source each (one to one); `record` is the `[record]` section.
fn toml(size: usize, connector: &str, synapse: &str, record: &str) -> String {
    format!(
        r#"
[simulation]
t_stop = 10.0

[[population]]
name = "exc"
size = {size}
model = "IF_cond_exp"

[[population]]
name = "noise"
size = {size}
model = "SpikeSourcePoisson"
params = {{ rate = 20.0 }}

[[projection]]
pre = "exc"
post = "exc"
connector = {connector}
weight = 0.0001
{synapse}

[[projection]]
pre = "noise"
post = "exc"
connector = {{ type = "one_to_one" }}
weight = 0.01

[record]
{record}
"#
    )
}

#[cfg(target_os = "linux")]
#[test]
fn the_estimate_is_within_a_tenth_of_the_peak_resident_memory() {
    let dir = tempfile::tempdir().unwrap();
    let tm =
        r#"synapse = { type = "TsodyksMarkramSynapse", U = 0.5, tau_rec = 10.0, tau_facil = 0.0 }"#;
    let cases = [
        // 1.001 M static synapses (the sort is the peak, about 100 MB).
        toml(
            1000,
            r#"{ type = "fixed_probability", p = 1.0 }"#,
            "",
            r#"spikes = ["exc"]"#,
        ),
        // 0.5 M Tsodyks–Markram synapses (grouping with their state, about 60 MB).
        toml(1000, r#"{ type = "fixed_probability", p = 0.5 }"#, tm, ""),
        // 200000 neurons with their folded sources, v recorded (running, about 230 MB).
        toml(
            200_000,
            r#"{ type = "one_to_one" }"#,
            "",
            r#"v = { populations = ["exc"], interval = 1.0 }"#,
        ),
    ];
    for experiment in cases {
        let (estimate, resident) = estimated_and_resident(dir.path(), &experiment);
        assert!(
            (estimate / resident - 1.0).abs() < 0.1,
            "estimate {estimate} vs peak resident {resident} for {experiment}"
        );
    }
}

#[test]
fn small_networks_are_unaffected() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/experiments/sbs_neuron.toml");
    let experiment = Experiment::from_file(path.as_ref()).unwrap();
    let estimate = memory::check(&experiment).expect("fits");
    // The recorder's buffers (spikes: 65536 times and senders, 786432 bytes; v: 10001 rows of
    // time and value, 160016 bytes), one Q_s table (71680 bytes), one neuron, two sources.
    let recording = 786_432 + 160_016;
    assert!(
        (PROGRAM_BYTES + recording + 71_680..PROGRAM_BYTES + recording + 100_000)
            .contains(&estimate.peak),
        "{}",
        estimate.peak
    );
    assert_eq!(estimate.connections, [1, 1]);
    exactspike::run_in_memory(&experiment).expect("runs");
}

/// 30 M neurons connected all to all, as a new user wrote it.
const HUGE: &str = r#"
[simulation]
t_stop = 100.0

[[population]]
name = "exc"
size = 30000000
model = "IF_cond_exp"

[[projection]]
pre = "exc"
post = "exc"
connector = { type = "all_to_all" }
weight = 0.001

[record]
spikes = ["exc"]
"#;

#[test]
fn a_huge_all_to_all_is_refused_by_the_command_line_without_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.toml");
    std::fs::write(&file, HUGE).unwrap();
    let run = |extra: &[&str]| {
        let file = file.to_str().unwrap();
        let out = dir.path().join("out.h5");
        let args = [&["run", file, "--out", out.to_str().unwrap()], extra].concat();
        let output = cli(&args);
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        let names: Vec<_> = (std::fs::read_dir(dir.path()).unwrap())
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["huge.toml"], "nothing written");
        stderr
    };
    let stderr = run(&["--max-memory", "8G"]);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: projection[0] exc -> exc (all_to_all): 9.0e14 connections need about \
             3.60 PB to run (4 bytes each); the simulation needs about",
            file.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("more than the limit of 8.00 GB"),
        "{stderr}"
    );
    // Without --max-memory: the memory available.
    let stderr = run(&[]);
    assert!(
        stderr.contains("projection[0] exc -> exc (all_to_all)"),
        "{stderr}"
    );
    assert!(stderr.ends_with(" available"), "{stderr}");
    // Without a limit, the engine's index is the limit.
    let stderr = run(&["--max-memory", "unlimited"]);
    assert!(
        stderr.ends_with("projection[0]: the network would have 900000000000000 synapses, more than the 4294967295 the engine can index"),
        "{stderr}"
    );
}

/// The valid experiment of the bad-input tests, shortened.
const EXPERIMENT: &str = r#"
[simulation]
t_stop = 10.0

[[population]]
name = "neuron"
size = 20
model = "IF_cond_exp"

[[projection]]
pre = "neuron"
post = "neuron"
connector = { type = "all_to_all" }
weight = 0.001
"#;

#[test]
fn the_command_line_reads_max_memory_with_units() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exp.toml");
    let out = dir.path().join("out.h5");
    std::fs::write(&file, EXPERIMENT).unwrap();
    let run = |size: &str| {
        let (file, out) = (file.to_str().unwrap(), out.to_str().unwrap());
        cli(&["run", file, "--out", out, &format!("--max-memory={size}")])
    };
    // 20 neurons need about 6.9 MB with the program.
    let refused = run("1M");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("exp.toml: population[0] neuron (IF_cond_exp): 20 neurons need about")
            && stderr
                .trim_end()
                .ends_with("more than the limit of 1.00 MB"),
        "{stderr}"
    );
    assert!(!out.exists());
    let ran = run("0.5GiB");
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(out.exists());
    for (bad, reason) in [
        ("-3G", "a memory size must be at least 1 byte"),
        ("8X", "unknown unit \"X\""),
        ("lots", "is not a memory size"),
    ] {
        let output = run(bad);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.contains("--max-memory") && stderr.contains(reason),
            "{bad}: {stderr}"
        );
    }
}

#[test]
fn sample_and_train_refuse_before_creating_the_file() {
    let train = VALID.replace_once("t_stop = 10000.0", "t_stop = 1000.0")
        + "[training]\niterations = 2\ninterval = 200.0\nlearning_rate = { schedule = \"constant\", eta = 0.5 }\n";
    for (command, text) in [("sample", VALID.to_string()), ("train", train)] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sampling.toml");
        let out = dir.path().join("out.h5");
        std::fs::write(&file, &text).unwrap();
        let output = cli(&[
            command,
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--max-memory",
            "1M",
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{command}: {stderr}");
        assert!(
            stderr.contains("more than the limit of 1.00 MB"),
            "{stderr}"
        );
        assert!(!out.exists(), "{command}");
    }
}

#[test]
fn more_nodes_than_a_synapse_can_name_are_refused() {
    // Synapses keep their target in 31 bits: 2^31 - 1 nodes at most.
    let net = |extra: usize| {
        let mut net = ExperimentBuilder::new("big", 10.0);
        let half = 1usize << 30;
        net.population("a", half, Cell::if_cond_exp(CondExpParams::default()));
        net.population("b", half - 1, Cell::if_cond_exp(CondExpParams::default()));
        if extra > 0 {
            net.population("c", extra, Cell::if_cond_exp(CondExpParams::default()));
        }
        net.memory_limit(MemoryLimit::Bytes(1));
        net.build().unwrap()
    };
    // Within the index space: refused later, by the memory limit.
    let (error, _) = refusal(&net(0));
    assert!(matches!(error, LowerError::OutOfMemory { .. }), "{error}");
    let (error, held) = refusal(&net(1));
    assert_eq!(
        error.to_string(),
        "big: population[2].size: the network has more than 2147483647 neurons and sources"
    );
    assert!(held < 64 * 1024, "{held} bytes held while refusing");
}
