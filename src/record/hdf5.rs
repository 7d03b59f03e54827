//! HDF5 file recorder (pure Rust, no system library).
//!
//! File layout (read by h5py and libhdf5):
//!
//! ```text
//! /                         attrs: exactspike_version, seed, t_stop (ms), t_stop_units ("ms"),
//!                                  t_reached (ms, set at finish), t_reached_units ("ms"),
//!                                  experiment (TOML text), complete (uint8 0/1), termination
//!                                  ("running" while written, then "completed", "interrupted"
//!                                  or "interrupted by SIGTERM" etc.)
//! /spikes/<pop>             attr size (neurons in the population)
//! /spikes/<pop>/times       float64 [n]   ms, non-decreasing
//! /spikes/<pop>/senders     uint32  [n]   index within the population
//! /<var>/<pop>              attrs size, interval (ms), samples_written (uint64, set at finish)
//! /<var>/<pop>/times        float64 [m]     ms
//! /<var>/<pop>/indices      uint32  [k]     the recorded neurons (index within the population)
//! /<var>/<pop>/values       float64 [m, k]  the variable's unit: mV (v), uS (gsyn_*), nA (isyn_*)
//! ```
//!
//! `<var>` is a recorded state variable: `v`, `gsyn_exc`, `gsyn_inh`, `isyn_exc` or `isyn_inh`.
//!
//! Every dataset of times or values carries a `units` attribute. Spike columns are chunked with an unlimited first
//! dimension; data is buffered a few chunks at a time and appended in place while the run goes.
//! The datasets of sampled variables have a fixed number of rows `m` =
//! [`sample_count`](super::sample_count)`(t_stop, interval)`, known before the run: they are
//! created contiguous, full size, with fill value NaN, and rows are written into that storage
//! (one block of about [`V_BLOCK_BYTES`] buffered per dataset) as samples arrive. Rows a run did
//! not reach (interrupted run) are set to NaN at finish, and `samples_written` tells how many
//! rows hold samples.
//!
//! Why contiguous: hdf5-pure 0.47 can grow in place only rank-1 datasets and has no partial
//! (hyperslab) write, and a pre-allocated chunked dataset is materialized in memory at creation
//! (twice its size), while a contiguous one is streamed to disk. So the recorder allocates the
//! storage through hdf5-pure, asks it for the storage address ([`Dataset::layout`]) and writes
//! the rows there itself through a second handle on the file. hdf5-pure never writes into that
//! region and issues every buffered write of its own before returning from each call (no page
//! buffer is configured), so the two do not race.
//!
//! The file is written under a hidden sibling name (`.NAME.partial`) and renamed onto the target
//! by [`Hdf5Recorder::finish`].

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use hdf5_pure::{
    make_f64_type, make_u32_type, AttrValue, Dataset, Datatype, File, FileAccessProperties,
    FileBuilder, GroupBuilder, Layout, MaxExtent, MemoryStrategy, SyncPolicy,
};

use super::output::{check_output, partial_path, PartialFile};
use super::{
    sample_count, AttributeValue, Hdf5Problem, RecordError, RecordLayout, Recorder, RunMetadata,
    SignalLayout, Table, TableData, TableRecorder, TableSlot, Termination,
};
use crate::neuron::StateVariable;

/// Group holding one sub-group per spike-recorded population.
pub(crate) const SPIKES_GROUP: &str = "spikes";
/// Attribute (on population groups) holding the population size.
pub(crate) const SIZE_ATTR: &str = "size";
/// Attribute (on v population groups) holding the number of rows that hold samples.
pub(crate) const SAMPLES_WRITTEN_ATTR: &str = "samples_written";
/// Root attribute holding the simulated time the run reached [ms].
pub(crate) const T_REACHED_ATTR: &str = "t_reached";

/// Elements per chunk of 1-D columns (kept ≤ 32768: larger chunks made libhdf5 reject files).
const CHUNK_LEN: u64 = 16_384;
/// Bytes of membrane rows buffered per dataset before they are written to the file.
const V_BLOCK_BYTES: usize = 128 * 1024;
/// Whole chunks buffered in memory before a column is appended to the file.
const CHUNKS_PER_FLUSH: u64 = 4;
/// Spikes buffered per recorded population before they are appended to the file.
const SPIKE_FLUSH: usize = (CHUNK_LEN * CHUNKS_PER_FLUSH) as usize;

/// Memory of the buffers of one spike-recorded population [bytes]: its times (`f64`) and
/// senders (`u32`) columns (for the memory estimate, [`crate::engine::memory`]).
pub(crate) const SPIKE_BUFFER_BYTES: usize = SPIKE_FLUSH * (8 + 4);

/// Memory of the buffers of one recorded signal of `size` neurons and `samples` rows
/// [bytes]: its times and its values (for the memory estimate, [`crate::engine::memory`]).
pub(crate) fn v_buffer_bytes(size: usize, samples: u64) -> usize {
    FixedRows::buffer_bytes(1, samples) + FixedRows::buffer_bytes(size, samples)
}

/// Streams a run into an HDF5 file. See the module documentation for the layout.
///
/// Dropping the recorder without [`finish`](Self::finish) deletes the partial file, exactly like
/// [`abandon`](Self::abandon).
pub struct Hdf5Recorder {
    target: PathBuf,
    /// The slot of each table of the layout.
    tables: Vec<TableSlot>,
    spikes: Vec<SpikeColumns>,
    v: Vec<VColumns>,
    /// Simulated time of the run [ms].
    t_stop: f64,
    /// The time the run reported it reached [ms], if it did.
    t_reached: Option<f64>,
    /// Second handle on the partial file, for the rows of the fixed-size v datasets.
    raw: std::fs::File,
    file: File,
    // Declared last so it is dropped after the file is closed.
    partial: PartialFile,
}

impl Hdf5Recorder {
    /// Start recording into `path` (written as `.NAME.partial` beside it until
    /// [`finish`](Self::finish)). `path` must pass [`check_output`]: a new name, or an existing
    /// regular file when `overwrite` is true.
    pub fn create(
        path: &Path,
        layout: &RecordLayout,
        meta: &RunMetadata,
        overwrite: bool,
    ) -> Result<Self, RecordError> {
        check_output(path, overwrite)?;
        validate_layout(path, layout)?;
        let samples = sample_count(meta.t_stop, layout.interval);
        let partial = PartialFile::new(partial_path(path)?);
        partial.clear()?;
        skeleton(layout, meta, samples)
            .map_err(|e| hdf5_error(path, e))?
            .write(&partial.path)
            .map_err(|e| hdf5_error(path, e))?;
        // Bounded: never mirror the file in memory (it holds the full-size v datasets). No page
        // buffer: every write hdf5-pure gathers is issued before its call returns (see above).
        let access = FileAccessProperties::new()
            .with_sync_policy(SyncPolicy::OnClose)
            .with_memory_strategy(MemoryStrategy::Bounded);
        let file =
            File::open_rw_with_options(&partial.path, access).map_err(|e| hdf5_error(path, e))?;
        let raw = std::fs::OpenOptions::new()
            .write(true)
            .open(&partial.path)
            .map_err(|e| io_error(path, e))?;
        let open_error = |e| hdf5_error(path, e);
        let spikes = (layout.spikes.iter())
            .map(|(name, _)| SpikeColumns::open(&file, name))
            .collect::<Result<_, _>>()
            .map_err(open_error)?;
        let v = (layout.signals.iter())
            .map(|signal| VColumns::open(&file, signal, samples))
            .collect::<Result<_, _>>()
            .map_err(|e| hdf5_error(path, e))?;
        Ok(Self {
            target: path.to_owned(),
            tables: (layout.tables.iter()).map(Table::slot).collect(),
            spikes,
            v,
            t_stop: meta.t_stop,
            t_reached: None,
            raw,
            file,
            partial,
        })
    }

    /// Write out all buffered data, set the rows of v samples not taken to NaN, record
    /// `samples_written` and `t_reached` (the time the run reported it reached; `t_stop` for a
    /// completed recording without a run, 0 for an interrupted one), mark the file `complete`
    /// (only for [`Termination::Completed`]) and move it onto the target path. On error nothing
    /// is left.
    pub fn finish(mut self, termination: Termination) -> Result<(), RecordError> {
        self.flush()?;
        let mut written = Vec::with_capacity(self.v.len());
        for columns in &mut self.v {
            columns
                .fill_rest(&mut self.raw)
                .map_err(|e| io_error(&self.target, e))?;
            written.push((columns.group.clone(), columns.samples()));
        }
        let t_reached = self.t_reached.unwrap_or(match termination {
            Termination::Completed => self.t_stop,
            Termination::Interrupted { .. } => 0.0,
        });
        let Self {
            target,
            spikes,
            v,
            raw,
            file,
            mut partial,
            ..
        } = self;
        // Dataset handles keep the file open; release them before closing it. hdf5-pure's close
        // fsyncs the file, which also covers what went through `raw`.
        drop((spikes, v, raw));
        close_marked(file, termination, t_reached, &written).map_err(|e| hdf5_error(&target, e))?;
        std::fs::rename(&partial.path, &target).map_err(|e| io_error(&target, e))?;
        partial.keep();
        Ok(())
    }

    /// Give up: close and delete the partial file (used after an error).
    pub fn abandon(self) {
        drop(self);
    }

    /// Append every buffered entry to the file.
    pub fn flush(&mut self) -> Result<(), RecordError> {
        let target = &self.target;
        for columns in &mut self.spikes {
            columns.flush().map_err(|e| hdf5_error(target, e))?;
        }
        for columns in &mut self.v {
            columns
                .flush(&mut self.raw)
                .map_err(|e| io_error(target, e))?;
        }
        Ok(())
    }
}

impl TableRecorder for Hdf5Recorder {
    /// Replace the values of the layout's table `/<group>/<name>` in the file with those of
    /// `table` (same type and length as in the layout).
    fn write_table(&mut self, table: &Table) -> Result<(), RecordError> {
        let slot = table.slot();
        if !self.tables.contains(&slot) {
            return Err(RecordError::UnknownTable {
                path: self.target.display().to_string(),
                table: slot.path,
            });
        }
        let path = slot.path;
        if table.data.is_empty() {
            return Ok(());
        }
        let address =
            storage_address(&self.file, &path, false).map_err(|e| hdf5_error(&self.target, e))?;
        self.raw
            .seek(SeekFrom::Start(address))
            .and_then(|_| self.raw.write_all(&table.data.to_le_bytes()))
            .map_err(|e| io_error(&self.target, e))
    }
}

impl Recorder for Hdf5Recorder {
    fn spike(&mut self, population: usize, sender: u32, t: f64) -> Result<(), RecordError> {
        self.spikes[population]
            .push(t, sender)
            .map_err(|e| hdf5_error(&self.target, e))
    }

    fn sample(&mut self, signal: usize, t: f64, values: &[f64]) -> Result<(), RecordError> {
        let columns = &mut self.v[signal];
        if values.len() != columns.size {
            let message = format!(
                "sample of {} values for {} recorded neurons",
                values.len(),
                columns.size
            );
            return Err(hdf5_error(&self.target, message));
        }
        if columns.samples() >= columns.values.rows {
            let message = format!(
                "more than the {} samples announced for {:?}",
                columns.values.rows, columns.group
            );
            return Err(hdf5_error(&self.target, message));
        }
        columns
            .push(&mut self.raw, t, values)
            .map_err(|e| io_error(&self.target, e))
    }

    fn reached(&mut self, t: f64) {
        self.t_reached = Some(t);
    }
}

/// One appendable dataset with its in-memory buffer of little-endian element bytes.
struct Column {
    dataset: Dataset,
    buffer: Vec<u8>,
    flush_bytes: usize,
}

impl Column {
    /// Open the dataset at `path`, flushing every `flush_bytes` buffered bytes (a whole number of
    /// chunks, so every append but the last is chunk-aligned).
    fn open(file: &File, path: &str, flush_bytes: usize) -> Result<Self, hdf5_pure::Error> {
        Ok(Self {
            dataset: file.dataset(path)?,
            buffer: Vec::with_capacity(flush_bytes),
            flush_bytes,
        })
    }

    /// Buffer the bytes of one element; append to the file when the buffer is full.
    fn push(&mut self, bytes: &[u8]) -> Result<(), hdf5_pure::Error> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= self.flush_bytes {
            self.flush()?;
        }
        Ok(())
    }

    /// Append the buffered elements to the dataset.
    fn flush(&mut self) -> Result<(), hdf5_pure::Error> {
        if !self.buffer.is_empty() {
            self.dataset.append_raw(&self.buffer)?;
            self.buffer.clear();
        }
        Ok(())
    }
}

/// `times` and `senders` of one spike-recorded population.
struct SpikeColumns {
    times: Column,
    senders: Column,
}

impl SpikeColumns {
    fn open(file: &File, name: &str) -> Result<Self, hdf5_pure::Error> {
        let group = format!("{SPIKES_GROUP}/{name}");
        Ok(Self {
            times: Column::open(file, &format!("{group}/times"), SPIKE_FLUSH * 8)?,
            senders: Column::open(file, &format!("{group}/senders"), SPIKE_FLUSH * 4)?,
        })
    }

    fn push(&mut self, t: f64, sender: u32) -> Result<(), hdf5_pure::Error> {
        self.times.push(&t.to_le_bytes())?;
        self.senders.push(&sender.to_le_bytes())
    }

    fn flush(&mut self) -> Result<(), hdf5_pure::Error> {
        self.times.flush()?;
        self.senders.flush()
    }
}

/// `times` and `values` of one recorded signal (a variable of a population).
struct VColumns {
    /// Path of the signal's group.
    group: String,
    times: FixedRows,
    values: FixedRows,
    /// Values per sample (recorded neurons).
    size: usize,
}

impl VColumns {
    fn open(file: &File, signal: &SignalLayout, samples: u64) -> Result<Self, Hdf5Problem> {
        let group = signal_group(signal);
        let size = signal.indices.len();
        Ok(Self {
            times: FixedRows::open(file, &format!("{group}/times"), 1, samples)?,
            values: FixedRows::open(file, &format!("{group}/values"), size, samples)?,
            group,
            size,
        })
    }

    /// Samples taken so far (in the file or buffered).
    fn samples(&self) -> u64 {
        self.values.taken()
    }

    fn push(&mut self, raw: &mut std::fs::File, t: f64, values: &[f64]) -> std::io::Result<()> {
        self.times.push(raw, &[t])?;
        self.values.push(raw, values)
    }

    fn flush(&mut self, raw: &mut std::fs::File) -> std::io::Result<()> {
        self.times.flush(raw)?;
        self.values.flush(raw)
    }

    fn fill_rest(&mut self, raw: &mut std::fs::File) -> std::io::Result<()> {
        self.times.fill_rest(raw)?;
        self.values.fill_rest(raw)
    }
}

/// A contiguous float64 dataset of `rows` rows of `row_len` values, written row by row in
/// place through a raw file handle, about [`V_BLOCK_BYTES`] at a time.
struct FixedRows {
    /// File offset of the dataset's storage.
    address: u64,
    row_bytes: usize,
    rows: u64,
    /// Rows in the file.
    written: u64,
    /// Rows after `written`, little-endian.
    buffer: Vec<u8>,
    flush_rows: usize,
}

impl FixedRows {
    fn open(file: &File, path: &str, row_len: usize, rows: u64) -> Result<Self, Hdf5Problem> {
        let address = storage_address(file, path, rows == 0)?;
        let row_bytes = row_len * 8;
        Ok(Self {
            address,
            row_bytes,
            rows,
            written: 0,
            buffer: Vec::with_capacity(Self::buffer_bytes(row_len, rows)),
            flush_rows: Self::flush_rows(row_bytes),
        })
    }

    /// Rows of `row_bytes` [bytes] buffered before they are written: about [`V_BLOCK_BYTES`].
    fn flush_rows(row_bytes: usize) -> usize {
        (V_BLOCK_BYTES / row_bytes.max(1)).max(1)
    }

    /// Memory of the buffer of `rows` rows of `row_len` values [bytes].
    fn buffer_bytes(row_len: usize, rows: u64) -> usize {
        let row_bytes = row_len * 8;
        Self::flush_rows(row_bytes).min(rows as usize) * row_bytes
    }

    /// Rows taken so far (in the file or buffered).
    fn taken(&self) -> u64 {
        self.written + (self.buffer.len() / self.row_bytes) as u64
    }

    /// Buffer one row (the caller checks there is room); write the buffer when it is full.
    fn push(&mut self, raw: &mut std::fs::File, row: &[f64]) -> std::io::Result<()> {
        debug_assert!(row.len() * 8 == self.row_bytes && self.taken() < self.rows);
        self.buffer.extend(row.iter().flat_map(|v| v.to_le_bytes()));
        if self.buffer.len() >= self.flush_rows * self.row_bytes {
            self.flush(raw)?;
        }
        Ok(())
    }

    /// Write the buffered rows into the dataset's storage.
    fn flush(&mut self, raw: &mut std::fs::File) -> std::io::Result<()> {
        if !self.buffer.is_empty() {
            raw.seek(SeekFrom::Start(
                self.address + self.written * self.row_bytes as u64,
            ))?;
            raw.write_all(&self.buffer)?;
            self.written += (self.buffer.len() / self.row_bytes) as u64;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Write NaN into every row not taken (the storage was allocated as zeros), a block at a
    /// time. Leaves `written` at the number of rows taken.
    fn fill_rest(&mut self, raw: &mut std::fs::File) -> std::io::Result<()> {
        self.flush(raw)?;
        let nan = f64::NAN.to_le_bytes();
        let mut at = self.written;
        while at < self.rows {
            let n = (self.rows - at).min(self.flush_rows as u64);
            self.buffer.clear();
            let bytes = n as usize * self.row_bytes;
            self.buffer.extend(nan.iter().copied().cycle().take(bytes));
            raw.seek(SeekFrom::Start(self.address + at * self.row_bytes as u64))?;
            raw.write_all(&self.buffer)?;
            at += n;
        }
        self.buffer.clear();
        Ok(())
    }
}

/// Set the completion attributes and `t_reached` [ms] on the root group and `samples_written` on
/// each v group (`(group path, count)`), and close the file.
fn close_marked(
    file: File,
    termination: Termination,
    t_reached: f64,
    samples_written: &[(String, u64)],
) -> Result<(), hdf5_pure::Error> {
    let root = file.root();
    let complete = u8::from(termination.is_completed());
    root.set_attr("complete", AttrValue::U8(complete))?;
    root.set_attr(
        "termination",
        AttrValue::VarLenString(termination.to_string()),
    )?;
    root.set_attr(T_REACHED_ATTR, AttrValue::F64(t_reached))?;
    root.set_attr("t_reached_units", AttrValue::VarLenString("ms".into()))?;
    drop(root);
    for (group, count) in samples_written {
        let group = file.group(group)?;
        group.set_attr(SAMPLES_WRITTEN_ATTR, AttrValue::U64(*count))?;
    }
    file.commit()?;
    file.close()
}

/// File offset of the contiguous storage of dataset `path`; `empty` datasets have none (0).
fn storage_address(file: &File, path: &str, empty: bool) -> Result<u64, Hdf5Problem> {
    let dataset = file.dataset(path)?;
    match dataset.layout()? {
        Layout::Contiguous {
            address: Some(address),
            ..
        } => Ok(address),
        // Zero-size datasets have no storage; nothing is ever written to them.
        Layout::Contiguous { address: None, .. } if empty => Ok(0),
        other => Err(format!("{path}: unexpected storage layout {other}").into()),
    }
}

/// The file as created: metadata attributes, empty appendable spike columns, and full-size v
/// datasets of `samples` rows.
fn skeleton(
    layout: &RecordLayout,
    meta: &RunMetadata,
    samples: u64,
) -> Result<FileBuilder, Hdf5Problem> {
    let mut builder = FileBuilder::new();
    let text = |s: &str| AttrValue::VarLenString(s.to_owned());
    builder.set_attr("exactspike_version", text(env!("CARGO_PKG_VERSION")));
    builder.set_attr("seed", AttrValue::U64(meta.seed));
    builder.set_attr("t_stop", AttrValue::F64(meta.t_stop));
    builder.set_attr("t_stop_units", text("ms"));
    builder.set_attr("experiment", text(&meta.experiment));
    builder.set_attr("complete", AttrValue::U8(0));
    builder.set_attr("termination", text("running"));

    let mut spikes = builder.create_group(SPIKES_GROUP);
    for (name, size) in &layout.spikes {
        let mut group = population_group(&mut spikes, name, *size);
        add_column(&mut group, "times", make_f64_type(), CHUNK_LEN, "ms");
        add_column(&mut group, "senders", make_u32_type(), CHUNK_LEN, "");
        spikes.add_group(group.finish());
    }
    builder.add_group(spikes.finish());

    let mut variables: Vec<StateVariable> = layout.signals.iter().map(|s| s.variable).collect();
    variables.sort_unstable();
    variables.dedup();
    for variable in variables {
        let mut parent = builder.create_group(variable.name());
        for signal in layout.signals.iter().filter(|s| s.variable == variable) {
            let mut group = population_group(&mut parent, &signal.population, signal.size);
            group.set_attr("interval", AttrValue::F64(layout.interval));
            add_fixed(&mut group, "times", &[samples], "ms")?;
            let shape = [samples, signal.indices.len() as u64];
            add_fixed(&mut group, "values", &shape, variable.units())?;
            let indices: Vec<u8> = signal
                .indices
                .iter()
                .flat_map(|i| i.to_le_bytes())
                .collect();
            group
                .create_dataset("indices")
                .with_raw_data(make_u32_type(), indices, signal.indices.len() as u64)
                .with_shape(&[signal.indices.len() as u64]);
            parent.add_group(group.finish());
        }
        builder.add_group(parent.finish());
    }

    let mut groups: Vec<&str> = layout.tables.iter().map(|t| t.group.as_str()).collect();
    groups.extend(layout.attributes.iter().map(|(g, _, _)| g.as_str()));
    groups.dedup();
    groups.sort_unstable();
    groups.dedup();
    for name in groups {
        let mut group = builder.create_group(name);
        for (_, key, value) in layout.attributes.iter().filter(|(g, _, _)| g == name) {
            group.set_attr(key, attr_value(value));
        }
        for table in layout.tables.iter().filter(|t| t.group == name) {
            let dtype = match table.data {
                TableData::F64(_) => make_f64_type(),
                TableData::U32(_) => make_u32_type(),
            };
            group
                .create_dataset(&table.name)
                .with_raw_data(dtype, table.data.to_le_bytes(), table.data.len() as u64)
                .with_shape(&table.shape)
                .set_attr("units", AttrValue::VarLenString(table.units.clone()));
        }
        builder.add_group(group.finish());
    }
    Ok(builder)
}

/// The HDF5 form of a layout attribute.
fn attr_value(value: &AttributeValue) -> AttrValue {
    match value {
        AttributeValue::Float(v) => AttrValue::F64(*v),
        AttributeValue::Count(v) => AttrValue::U64(*v),
        AttributeValue::Flag(v) => AttrValue::U8(u8::from(*v)),
        AttributeValue::Text(v) => AttrValue::VarLenString(v.clone()),
    }
}

/// Sub-group for one population, carrying its size.
fn population_group(parent: &mut GroupBuilder, name: &str, size: usize) -> GroupBuilder {
    let mut group = parent.create_group(name);
    group.set_attr(SIZE_ATTR, AttrValue::U64(size as u64));
    group
}

/// Empty, chunked, unlimited 1-D dataset of `dtype` elements (`units` attribute unless empty).
fn add_column(group: &mut GroupBuilder, name: &str, dtype: Datatype, chunk: u64, units: &str) {
    let dataset = group
        .create_dataset(name)
        .with_raw_data(dtype, Vec::new(), 0)
        .with_shape(&[0])
        .with_maxshape(&[MaxExtent::Unlimited])
        .with_chunks(&[chunk]);
    if !units.is_empty() {
        dataset.set_attr("units", AttrValue::VarLenString(units.to_owned()));
    }
}

/// Contiguous float64 dataset of `shape`, fill value NaN, with its storage allocated (as zeros,
/// which [`FixedRows`] overwrites). The zeros come from a zero-initialised allocation that is
/// only ever read, which the operating system backs lazily, so this does not make the dataset
/// resident in memory.
fn add_fixed(
    group: &mut GroupBuilder,
    name: &str,
    shape: &[u64],
    units: &str,
) -> Result<(), Hdf5Problem> {
    let elements = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d));
    let bytes = elements
        .and_then(|n| n.checked_mul(8))
        .and_then(|b| usize::try_from(b).ok())
        .ok_or_else(|| format!("v dataset {name} of shape {shape:?} is too large"))?;
    group
        .create_dataset(name)
        .with_raw_data(make_f64_type(), vec![0u8; bytes], elements.unwrap_or(0))
        .with_shape(shape)
        .with_fill_value(f64::NAN)
        .set_attr("units", AttrValue::VarLenString(units.to_owned()));
    Ok(())
}

/// The group of `signal`: `/<variable>/<population>`.
fn signal_group(signal: &SignalLayout) -> String {
    format!("{}/{}", signal.variable.name(), signal.population)
}

/// Reject population names that are not plain HDF5 link names, and signals of no neuron.
fn validate_layout(path: &Path, layout: &RecordLayout) -> Result<(), RecordError> {
    let names =
        (layout.spikes.iter().map(|(n, _)| n)).chain(layout.signals.iter().map(|s| &s.population));
    if let Some(bad) = names.into_iter().find(|n| !valid_name(n)) {
        return Err(hdf5_error(path, format!("invalid population name {bad:?}")));
    }
    if let Some(signal) =
        (layout.signals.iter()).find(|s| s.indices.is_empty() || s.size > u32::MAX as usize)
    {
        return Err(hdf5_error(
            path,
            format!(
                "cannot record {}: no neuron or bad size",
                signal_group(signal)
            ),
        ));
    }
    Ok(())
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/')
}

fn hdf5_error(path: &Path, problem: impl Into<Hdf5Problem>) -> RecordError {
    RecordError::Hdf5 {
        path: path.display().to_string(),
        problem: problem.into(),
    }
}

fn io_error(path: &Path, error: std::io::Error) -> RecordError {
    RecordError::Io {
        path: path.display().to_string(),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::inspect::{read_spikes, read_v, summarize};
    use crate::record::MemoryRecorder;

    fn layout() -> RecordLayout {
        RecordLayout {
            spikes: vec![("exc".into(), 10), ("inh".into(), 5)],
            signals: vec![SignalLayout::all("exc", 3, StateVariable::V)],
            interval: 0.5,
            ..RecordLayout::default()
        }
    }

    fn meta() -> RunMetadata {
        meta_until(100.0)
    }

    fn meta_until(t_stop: f64) -> RunMetadata {
        RunMetadata {
            seed: 7,
            t_stop,
            experiment: format!("a test run to t_stop = {t_stop} ms"),
        }
    }

    /// Rows of the v datasets for `layout()` and `meta_until(t_stop)`.
    fn rows(t_stop: f64) -> usize {
        crate::record::sample_count(t_stop, layout().interval) as usize
    }

    /// Feed `spikes` spikes and `samples` v samples to both recorders.
    fn feed(recorders: &mut [&mut dyn Recorder], spikes: usize, samples: usize) {
        for i in 0..spikes {
            let t = i as f64 * 0.001;
            for r in recorders.iter_mut() {
                r.spike(i % 2, (i % 5) as u32, t).unwrap();
            }
        }
        for i in 0..samples {
            let row = [i as f64, -(i as f64), 0.5];
            for r in recorders.iter_mut() {
                r.sample(0, i as f64 * 0.5, &row).unwrap();
            }
        }
    }

    fn assert_same(path: &Path, expected: &MemoryRecorder) {
        for (name, _) in &expected.layout.spikes {
            let (times, senders) = read_spikes(path, name).unwrap();
            let train = expected.spikes_of(name).unwrap();
            assert_eq!(times, train.times);
            assert_eq!(senders, train.senders);
        }
        let (times, values) = read_v(path, "exc").unwrap();
        let trace = expected.v_of("exc").unwrap();
        assert_eq!(times, trace.times);
        assert_eq!(values, trace.values);
    }

    /// `samples` v samples of a run to `t_stop` (all of them when `samples == rows(t_stop)`).
    fn round_trip(spikes: usize, samples: usize, t_stop: f64) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.h5");
        let mut file = Hdf5Recorder::create(&path, &layout(), &meta_until(t_stop), false).unwrap();
        let mut memory = MemoryRecorder::new(layout());
        feed(&mut [&mut file, &mut memory], spikes, samples);
        file.finish(Termination::Completed).unwrap();
        assert_same(&path, &memory);
        assert_v_layout(&path, rows(t_stop), samples);
        let summary = summarize(&path).unwrap();
        assert!(
            summary.contains("status:      complete (completed)"),
            "{summary}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "only the target left"
        );
    }

    /// The v datasets are float64 `[rows]` / `[rows, 3]`, NaN from row `samples` on, and
    /// `samples_written` is `samples`.
    fn assert_v_layout(path: &Path, rows: usize, samples: usize) {
        let file = File::open(path).unwrap();
        let values = file.dataset("v/exc/values").unwrap();
        assert_eq!(values.shape().unwrap(), vec![rows as u64, 3]);
        assert_eq!(values.datatype().unwrap(), make_f64_type());
        assert_eq!(
            values.fill_value::<f64>().unwrap().map(f64::is_nan),
            Some(true)
        );
        let times = file.dataset("v/exc/times").unwrap();
        assert_eq!(times.shape().unwrap(), vec![rows as u64]);
        let all = values.read_f64().unwrap();
        assert!(all[samples * 3..].iter().all(|v| v.is_nan()));
        assert!(all[..samples * 3].iter().all(|v| !v.is_nan()));
        let all_times = times.read_f64().unwrap();
        assert!(all_times[samples..].iter().all(|v| v.is_nan()));
        let attrs = file.group("v/exc").unwrap().attrs().unwrap();
        assert_eq!(
            attrs[SAMPLES_WRITTEN_ATTR],
            AttrValue::U64(samples as u64),
            "samples_written"
        );
    }

    #[test]
    fn round_trip_small() {
        round_trip(25, 7, 3.0);
    }

    #[test]
    fn round_trip_whole_run() {
        round_trip(25, rows(100.0), 100.0);
    }

    #[test]
    fn appends_across_many_flushes() {
        let per_flush = (CHUNK_LEN * CHUNKS_PER_FLUSH) as usize;
        let v_per_flush = V_BLOCK_BYTES / (3 * 8);
        let t_stop = 2.0 * v_per_flush as f64; // 2·v_per_flush / 0.5 + 1 rows
        round_trip(2 * (3 * per_flush + 123), rows(t_stop), t_stop);
        round_trip(10, 2 * v_per_flush + 5, t_stop);
    }

    #[test]
    fn empty_recording_round_trips() {
        round_trip(0, 0, 100.0);
    }

    #[test]
    fn extra_v_sample_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.h5");
        let mut file = Hdf5Recorder::create(&path, &layout(), &meta_until(1.0), false).unwrap();
        for i in 0..3 {
            file.sample(0, f64::from(i) * 0.5, &[0.0; 3]).unwrap();
        }
        let err = file.sample(0, 1.5, &[0.0; 3]).unwrap_err();
        assert!(
            err.to_string()
                .contains("the 3 samples announced for \"v/exc\""),
            "{err}"
        );
        file.abandon();
    }

    #[test]
    fn interrupted_keeps_data_marked_incomplete() {
        let by_signal = Termination::Interrupted {
            signal: Some(crate::record::Signal::Terminate),
        };
        for (termination, label) in [
            (Termination::INTERRUPTED, "interrupted"),
            (by_signal, "interrupted by SIGTERM"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("run.h5");
            let mut file = Hdf5Recorder::create(&path, &layout(), &meta(), false).unwrap();
            let mut memory = MemoryRecorder::new(layout());
            feed(&mut [&mut file, &mut memory], 1000, 3);
            file.reached(1.25);
            file.finish(termination).unwrap();
            assert_same(&path, &memory);
            assert_v_layout(&path, rows(100.0), 3);
            let attrs = File::open(&path).unwrap().root().attrs().unwrap();
            assert_eq!(attrs["complete"], AttrValue::U8(0));
            assert_eq!(attrs["termination"], AttrValue::VarLenString(label.into()));
            assert_eq!(attrs[T_REACHED_ATTR], AttrValue::F64(1.25));
            let summary = summarize(&path).unwrap();
            assert!(
                summary.contains(&format!("INCOMPLETE ({label} at t = 1.25 ms)")),
                "{summary}"
            );
            // 500 spikes of 10 neurons in 1.25 ms: 40 kHz.
            assert!(
                summary.contains("mean rate 40000.000 Hz over the 1.25 ms reached"),
                "{summary}"
            );
            assert!(
                summary.contains(
                    "201 samples x 3 neurons (values [201, 3] mV), every 0.5 ms, only 3 written"
                ),
                "{summary}"
            );
            let names: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names, ["run.h5"], "no partial file left");
        }
    }

    #[test]
    fn running_file_is_hidden_and_marked_incomplete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.h5");
        let file = Hdf5Recorder::create(&path, &layout(), &meta(), false).unwrap();
        assert!(!path.exists());
        let partial = dir.path().join(".run.h5.partial");
        assert!(partial.exists());
        file.abandon();
        assert!(!partial.exists());
    }

    #[test]
    fn overwrite_refused_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.h5");
        std::fs::write(&path, b"precious").unwrap();
        let err = Hdf5Recorder::create(&path, &layout(), &meta(), false)
            .err()
            .unwrap();
        assert!(matches!(err, RecordError::Exists { .. }), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
        let file = Hdf5Recorder::create(&path, &layout(), &meta(), true).unwrap();
        file.finish(Termination::Completed).unwrap();
        assert!(read_spikes(&path, "exc").unwrap().0.is_empty());
    }

    #[test]
    fn missing_directory_names_the_file_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/run.h5");
        let err = Hdf5Recorder::create(&path, &layout(), &meta(), false)
            .err()
            .unwrap();
        assert!(err.to_string().contains("no/such/dir/run.h5"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn wrong_v_row_length_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.h5");
        let mut file = Hdf5Recorder::create(&path, &layout(), &meta(), false).unwrap();
        let err = file.sample(0, 0.0, &[1.0]).unwrap_err();
        assert!(err.to_string().contains("run.h5"), "{err}");
        file.abandon();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn unknown_population_lists_available() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.h5");
        let file = Hdf5Recorder::create(&path, &layout(), &meta(), false).unwrap();
        file.finish(Termination::Completed).unwrap();
        let err = read_spikes(&path, "pyr").unwrap_err().to_string();
        assert!(err.contains("\"pyr\"") && err.contains("exc, inh"), "{err}");
    }

    /// Throughput check: `cargo test --release append_ten_million -- --ignored --nocapture`.
    /// Set `EXACTSPIKE_H5_OUT` to keep the file (e.g. for `tests/check_h5_layout.py`).
    #[test]
    #[ignore]
    fn append_ten_million() {
        const N: usize = 10_000_000;
        let dir = tempfile::tempdir().unwrap();
        let path = std::env::var_os("EXACTSPIKE_H5_OUT")
            .map_or_else(|| dir.path().join("big.h5"), PathBuf::from);
        let layout = RecordLayout {
            spikes: vec![("exc".into(), 1000), ("inh".into(), 250)],
            signals: vec![SignalLayout::all("exc", 4, StateVariable::V)],
            interval: 1.0,
            ..RecordLayout::default()
        };
        let start = std::time::Instant::now();
        let mut file = Hdf5Recorder::create(&path, &layout, &meta(), true).unwrap();
        for i in 0..N {
            let t = i as f64 * 1e-5;
            file.spike(usize::from(i % 5 == 0), (i % 250) as u32, t)
                .unwrap();
        }
        for i in 0..101 {
            file.sample(0, i as f64, &[-65.0, -60.0, -55.0, i as f64])
                .unwrap();
        }
        file.finish(Termination::Completed).unwrap();
        let elapsed = start.elapsed();
        let bytes = std::fs::metadata(&path).unwrap().len();
        println!("{N} spikes appended in {elapsed:?} ({bytes} bytes)");
        let (times, _) = read_spikes(&path, "exc").unwrap();
        assert_eq!(times.len(), N - N / 5);
    }
}
