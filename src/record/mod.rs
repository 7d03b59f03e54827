//! Recording: the [`Recorder`] trait the engine writes to, an in-memory recorder for tests and
//! library users, and the HDF5 file recorder.
//!
//! Lifecycle: create (with the [`RecordLayout`] and [`RunMetadata`]) → `spike` / `sample` calls in
//! non-decreasing time order → `finish`. Files appear whole or are marked incomplete.

pub mod hdf5;
pub mod inspect;
pub mod job_file;
pub mod memory;
pub mod output;
#[cfg(feature = "plot")]
pub(crate) mod picture;
#[cfg(feature = "plot")]
pub mod raster;

pub use job_file::{record_into_file, Control, FileOutput};
pub use memory::MemoryRecorder;
pub use output::check_output;

use crate::neuron::StateVariable;

/// What a run records: population names and sizes, in the order the engine refers to them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordLayout {
    /// Populations whose spikes are recorded: (name, size).
    pub spikes: Vec<(String, usize)>,
    /// Sampled signals, one per population and state variable.
    pub signals: Vec<SignalLayout>,
    /// Sampling interval of every signal [ms] (meaningful when `signals` is non-empty).
    pub interval: f64,
    /// Further fixed-size datasets (e.g. results of a sampling job), in top-level groups.
    pub tables: Vec<Table>,
    /// Scalar attributes of those groups: (group, name, value).
    pub attributes: Vec<(String, String, AttributeValue)>,
}

/// The value of a scalar attribute of a [`RecordLayout`] group, stored with its own HDF5 type.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeValue {
    /// A measured or configured quantity (float64; its unit is documented with the attribute).
    Float(f64),
    /// A count (uint64).
    Count(u64),
    /// A yes/no setting (uint8, 0 or 1).
    Flag(bool),
    /// Text (variable-length UTF-8 string).
    Text(String),
}

impl From<f64> for AttributeValue {
    fn from(value: f64) -> Self {
        Self::Float(value)
    }
}

impl From<usize> for AttributeValue {
    fn from(value: usize) -> Self {
        Self::Count(value as u64)
    }
}

impl From<bool> for AttributeValue {
    fn from(value: bool) -> Self {
        Self::Flag(value)
    }
}

impl From<String> for AttributeValue {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

/// One sampled state variable of some neurons of a population.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalLayout {
    /// The population's name.
    pub population: String,
    /// The population's size.
    pub size: usize,
    /// The variable.
    pub variable: StateVariable,
    /// The recorded neurons (indices within the population); a sample has one value each.
    pub indices: Vec<u32>,
}

impl SignalLayout {
    /// `variable` of every neuron of the population `population` of `size` neurons.
    pub fn all(population: &str, size: usize, variable: StateVariable) -> Self {
        Self {
            population: population.to_string(),
            size,
            variable,
            indices: (0..size as u32).collect(),
        }
    }
}

/// A fixed-size dataset `/<group>/<name>` beside the recording. Its data is written when the file
/// is created and may be replaced (same type and length) before the recording finishes.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Top-level group (a plain name).
    pub group: String,
    /// Dataset name (a plain name).
    pub name: String,
    /// Shape; the product of its entries is the data length.
    pub shape: Vec<u64>,
    /// Value of the dataset's `units` attribute ("" for none).
    pub units: String,
    /// The values, row-major.
    pub data: TableData,
}

/// Values of a [`Table`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum TableData {
    /// float64 values.
    F64(Vec<f64>),
    /// uint32 values.
    U32(Vec<u32>),
}

impl TableData {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Self::F64(v) => v.len(),
            Self::U32(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Little-endian bytes of the values.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            Self::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Self::U32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// Where a table goes and what it holds, without its values: a table written into a recording
/// must have the slot its layout declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSlot {
    /// `group/name`.
    pub path: String,
    /// Value type.
    pub kind: std::mem::Discriminant<TableData>,
    /// Number of values.
    pub len: usize,
}

impl Table {
    /// The slot of this table in a layout.
    pub fn slot(&self) -> TableSlot {
        TableSlot {
            path: format!("{}/{}", self.group, self.name),
            kind: std::mem::discriminant(&self.data),
            len: self.data.len(),
        }
    }

    /// A float64 table.
    pub fn f64(group: &str, name: &str, shape: &[usize], units: &str, data: Vec<f64>) -> Self {
        Self::new(group, name, shape, units, TableData::F64(data))
    }

    /// A uint32 table.
    pub fn u32(group: &str, name: &str, shape: &[usize], data: Vec<u32>) -> Self {
        Self::new(group, name, shape, "", TableData::U32(data))
    }

    fn new(group: &str, name: &str, shape: &[usize], units: &str, data: TableData) -> Self {
        debug_assert_eq!(
            shape.iter().product::<usize>(),
            data.len(),
            "{group}/{name}"
        );
        Self {
            group: group.into(),
            name: name.into(),
            shape: shape.iter().map(|&d| d as u64).collect(),
            units: units.into(),
            data,
        }
    }
}

/// Number of samples of each recorded state variable a run to `t_stop` [ms] takes at `interval` [ms]: samples are at
/// `k · interval` for `k = 0 .. sample_count`, up to `t_stop` inclusive (with a 1e-9 relative
/// tolerance, so `t_stop = 0.3`, `interval = 0.1` gives 4). Zero when `t_stop` is negative or
/// `interval` is not positive. The engine takes exactly this many samples in a completed run.
pub fn sample_count(t_stop: f64, interval: f64) -> u64 {
    if !(t_stop >= 0.0 && interval > 0.0) {
        return 0;
    }
    // Saturating float-to-int conversion: an absurd ratio gives u64::MAX, refused by recorders.
    ((t_stop / interval + 1e-9).floor() as u64).saturating_add(1)
}

/// Metadata stored with every recording.
#[derive(Clone, Debug, PartialEq)]
pub struct RunMetadata {
    /// Master seed of the run.
    pub seed: u64,
    /// Simulated time [ms].
    pub t_stop: f64,
    /// Full text of the experiment file.
    pub experiment: String,
}

/// Why a recording ended. Its text (`Display`) is the file's `termination` attribute:
/// `completed`, `interrupted`, or `interrupted by SIGTERM` (likewise `SIGINT`, `SIGHUP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    /// The run reached `t_stop`.
    Completed,
    /// The run was stopped through its interrupt flag; the data up to the interruption is kept.
    Interrupted {
        /// The signal that raised the flag, when the caller knows it (the engine does not: it
        /// reports `None`, and the command line fills in the signal it caught).
        signal: Option<Signal>,
    },
}

impl Termination {
    /// An interruption of unknown cause (what the engine reports).
    pub const INTERRUPTED: Self = Self::Interrupted { signal: None };

    /// Whether the run reached `t_stop`.
    pub fn is_completed(self) -> bool {
        self == Self::Completed
    }
}

impl std::fmt::Display for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Completed => f.write_str("completed"),
            Self::Interrupted { signal: None } => f.write_str("interrupted"),
            Self::Interrupted {
                signal: Some(signal),
            } => write!(f, "interrupted by {signal}"),
        }
    }
}

/// A signal that interrupts a run (the command line handles these three like Ctrl-C).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGHUP (1): the terminal went away.
    Hangup,
    /// SIGINT (2): Ctrl-C.
    Interrupt,
    /// SIGTERM (15): what `kill`, `timeout` and batch schedulers send.
    Terminate,
}

impl Signal {
    /// Every signal of this type.
    pub const ALL: [Self; 3] = [Self::Hangup, Self::Interrupt, Self::Terminate];

    /// The POSIX signal number (1, 2, 15).
    pub fn number(self) -> i32 {
        match self {
            Self::Hangup => 1,
            Self::Interrupt => 2,
            Self::Terminate => 15,
        }
    }

    /// The signal with POSIX number `number`, if it is one of these.
    pub fn from_number(number: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.number() == number)
    }

    /// The name, e.g. `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hangup => "SIGHUP",
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Error while recording (I/O, full disk, format) or with the output path.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Underlying I/O failed.
    #[error("{path}: {error}")]
    Io {
        /// File concerned.
        path: String,
        /// The I/O error (in the message already, so not repeated as a source).
        error: std::io::Error,
    },
    /// A recording to read is missing or cannot be opened (the user named it).
    #[error("{path}: cannot read: {error}")]
    Unreadable {
        /// File concerned.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The HDF5 layer failed.
    #[error("{path}: HDF5 error: {problem}")]
    Hdf5 {
        /// File concerned.
        path: String,
        /// What went wrong.
        problem: Hdf5Problem,
    },
    /// A table that is not in the recording's layout, or has another type or length.
    #[error("{path}: table /{table} is not in the layout as given")]
    UnknownTable {
        /// File concerned ("(memory)" for an in-memory recording).
        path: String,
        /// `group/name` of the table.
        table: String,
    },
    /// The output file exists and overwriting was not requested.
    #[error("{path}: output file exists (pass --overwrite to replace it)")]
    Exists {
        /// File concerned.
        path: String,
    },
    /// The output path names something other than a regular file: only regular files are
    /// ever replaced.
    #[error("{path}: is {kind}, not a regular file")]
    NotAFile {
        /// Path concerned.
        path: String,
        /// What it is, e.g. `a directory`, `a character device`.
        kind: &'static str,
    },
    /// The directory the output file would go into does not exist (or is not a directory).
    #[error("{path}: {directory} is not an existing directory")]
    NoDirectory {
        /// File concerned.
        path: String,
        /// Its directory.
        directory: String,
    },
}

impl RecordError {
    /// Whether the error is in the user's input (the output path given), as opposed to the
    /// machine (disk, I/O) or the data.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::Exists { .. }
                | Self::NotAFile { .. }
                | Self::NoDirectory { .. }
                | Self::Unreadable { .. }
        )
    }
}

/// What went wrong in the HDF5 layer.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Hdf5Problem {
    /// The HDF5 library (hdf5-pure) failed.
    #[error(transparent)]
    Library(#[from] hdf5_pure::Error),
    /// The file or the recording is not what this format allows (the rule, in words).
    #[error("{0}")]
    Format(String),
}

impl From<String> for Hdf5Problem {
    fn from(rule: String) -> Self {
        Self::Format(rule)
    }
}

/// Sink for everything a run produces. Calls come in non-decreasing time order.
pub trait Recorder {
    /// Neuron `sender` (index within the population) of spike-recorded population number
    /// `population` (index into [`RecordLayout::spikes`]) spiked at time `t` [ms].
    fn spike(&mut self, population: usize, sender: u32, t: f64) -> Result<(), RecordError>;

    /// Values (one per recorded neuron, in the unit of the variable) of signal number `signal`
    /// (index into [`RecordLayout::signals`]) at time `t` [ms].
    fn sample(&mut self, signal: usize, t: f64, values: &[f64]) -> Result<(), RecordError>;

    /// The run has processed every event up to `t` [ms] and paused or stopped there (called at
    /// the end of every run segment, completed or interrupted): what a recording reports as the
    /// time it reached. Wrappers pass it on.
    fn reached(&mut self, t: f64);
}

/// A [`Recorder`] that also stores the fixed-size tables of its layout ([`RecordLayout::tables`]):
/// what the sampling jobs write their results into.
pub trait TableRecorder: Recorder {
    /// Replace the values of the layout's table `/<group>/<name>` with those of `table` (same
    /// type and length as declared in the layout).
    fn write_table(&mut self, table: &Table) -> Result<(), RecordError>;
}

#[cfg(test)]
mod tests {
    use super::sample_count;

    #[test]
    fn sample_count_includes_t_stop_despite_rounding() {
        assert_eq!(sample_count(100.0, 0.5), 201);
        assert_eq!(sample_count(0.3, 0.1), 4); // 0.3 / 0.1 = 2.9999999999999996
        assert_eq!(sample_count(1.0, 0.1), 11);
        assert_eq!(sample_count(1.05, 0.1), 11);
        assert_eq!(sample_count(0.0, 0.1), 1);
        assert_eq!(sample_count(0.05, 0.1), 1);
        assert_eq!(sample_count(-1.0, 0.1), 0);
        assert_eq!(sample_count(1.0, 0.0), 0);
        assert_eq!(sample_count(f64::NAN, 0.1), 0);
    }
}
