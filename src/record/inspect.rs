//! Reading recordings back: a human-readable summary (`exactspike info`) and spike access for
//! plotting and analysis. Files are opened in streaming mode, so only what is read is loaded.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use hdf5_pure::{AttrValue, File};

use super::hdf5::{SAMPLES_WRITTEN_ATTR, SIZE_ATTR, SPIKES_GROUP, T_REACHED_ATTR};
use super::RecordError;
use crate::neuron::StateVariable;

/// A spike-recorded population as stored in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikePopulation {
    /// Population name (the group name under `/spikes`).
    pub name: String,
    /// Number of neurons, if the file records it.
    pub size: Option<usize>,
    /// Number of recorded spikes.
    pub count: u64,
}

/// Spike-recorded populations of the recording at `path`, in name order.
pub fn spike_populations(path: &Path) -> Result<Vec<SpikePopulation>, RecordError> {
    let file = open(path)?;
    list_spike_populations(&file).map_err(|e| error(path, e))
}

/// Spike times (ms) and senders of `population`. Unknown names give an error listing the
/// available populations.
pub fn read_spikes(path: &Path, population: &str) -> Result<(Vec<f64>, Vec<u32>), RecordError> {
    let file = open(path)?;
    let names = (file.group(SPIKES_GROUP).and_then(|g| g.groups())).map_err(|e| error(path, e))?;
    if !names.iter().any(|n| n == population) {
        let message = format!(
            "no spike population {population:?} (available: {})",
            list_or_none(&names)
        );
        return Err(error(path, message));
    }
    let read = || -> Result<_, hdf5_pure::Error> {
        let group = format!("{SPIKES_GROUP}/{population}");
        let times = file.dataset(&format!("{group}/times"))?.read_f64()?;
        let senders = file.dataset(&format!("{group}/senders"))?.read_u32()?;
        Ok((times, senders))
    };
    read().map_err(|e| error(path, e))
}

/// Human-readable summary of the recording at `path`: metadata, completion status (with the time
/// an incomplete run reached), per population spike count, time range and mean rate over the
/// time reached, and the shapes of the sampled state variables. `sampling::summary` adds the sampling results.
pub fn summarize(path: &Path) -> Result<String, RecordError> {
    let file = open(path)?;
    let mut out = String::new();
    let fail = |e: hdf5_pure::Error| error(path, e);
    let root = file.root().attrs().map_err(fail)?;
    let complete = root.get("complete").and_then(attr_u64) == Some(1);
    let reached = time_reached(&file, &root, complete).map_err(fail)?;
    write_header(&mut out, path, &root, complete, reached);
    let populations = list_spike_populations(&file).map_err(fail)?;
    out.push_str(if populations.is_empty() {
        "spikes:      none recorded\n"
    } else {
        "spikes:\n"
    });
    for population in populations {
        let line = spike_line(&file, &population, reached, complete).map_err(fail)?;
        let _ = writeln!(out, "  {line}");
    }
    let mut recorded = false;
    for variable in StateVariable::ALL {
        let Ok(group) = file.group(variable.name()) else {
            continue;
        };
        let names = group.groups().map_err(fail)?;
        if names.is_empty() {
            continue;
        }
        recorded = true;
        let _ = writeln!(out, "{variable}:");
        for name in names {
            let line = signal_line(&file, variable, &name).map_err(fail)?;
            let _ = writeln!(out, "  {line}");
        }
    }
    if !recorded {
        out.push_str("signals:     none recorded\n");
    }
    Ok(out.trim_end().to_owned())
}

/// The simulated time the recording reached [ms]: its `t_reached` attribute; for a file without
/// one (written before it existed, or still running), `t_stop` when complete, else the time of
/// the last sample of any recorded variable, if any.
fn time_reached(
    file: &File,
    root: &HashMap<String, AttrValue>,
    complete: bool,
) -> Result<Option<f64>, hdf5_pure::Error> {
    if let Some(t) = root.get(T_REACHED_ATTR).and_then(attr_f64) {
        return Ok(Some(t));
    }
    if complete {
        return Ok(root.get("t_stop").and_then(attr_f64));
    }
    let mut last = None;
    let signals = StateVariable::ALL.into_iter().filter_map(|variable| {
        let names = file.group(variable.name()).ok()?.groups().ok()?;
        Some(
            names
                .into_iter()
                .map(move |name| format!("{variable}/{name}")),
        )
    });
    for group in signals.flatten() {
        let written = (file.group(&group)?.attrs()?)
            .get(SAMPLES_WRITTEN_ATTR)
            .and_then(attr_u64);
        if let Some(rows @ 1..) = written {
            let t = file
                .dataset(&format!("{group}/times"))?
                .read_f64_rows(rows - 1, 1)?[0];
            last = Some(last.map_or(t, |l: f64| l.max(t)));
        }
    }
    Ok(last)
}

/// A time [ms] as text, to the µs, without trailing zeros: `1000`, `1728.25`.
pub(crate) fn ms_text(t: f64) -> String {
    let text = format!("{t:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_owned()
}

/// Root metadata lines of the summary.
fn write_header(
    out: &mut String,
    path: &Path,
    root: &HashMap<String, AttrValue>,
    complete: bool,
    reached: Option<f64>,
) {
    let text = |name: &str| root.get(name).map_or("?".to_owned(), attr_text);
    let termination = text("termination");
    let status = match reached {
        _ if complete => format!("complete ({termination})"),
        Some(t) => format!("INCOMPLETE ({termination} at t = {} ms)", ms_text(t)),
        None => format!("INCOMPLETE ({termination}; the time reached is not recorded)"),
    };
    let _ = writeln!(out, "file:        {}", path.display());
    let _ = writeln!(out, "exactspike:  {}", text("exactspike_version"));
    let _ = writeln!(out, "seed:        {}", text("seed"));
    let _ = writeln!(out, "t_stop:      {} ms", text("t_stop"));
    let _ = writeln!(out, "status:      {status}");
}

/// One summary line for a spike population; the mean rate is over the time `reached` [ms] (said
/// when the recording is not `complete`).
fn spike_line(
    file: &File,
    population: &SpikePopulation,
    reached: Option<f64>,
    complete: bool,
) -> Result<String, hdf5_pure::Error> {
    let SpikePopulation { name, size, count } = population;
    let size_text = size.map_or("size ?".to_owned(), |s| format!("size {s}"));
    let mut line = format!("{name}: {size_text}, {count} spikes");
    if *count > 0 {
        let times = file.dataset(&format!("{SPIKES_GROUP}/{name}/times"))?;
        let first = times.read_f64_rows(0, 1)?[0];
        let last = times.read_f64_rows(count - 1, 1)?[0];
        let _ = write!(line, ", t {first:.3}..{last:.3} ms");
    }
    if let (Some(size), Some(t)) = (size, reached) {
        if *size > 0 && t > 0.0 {
            let rate = *count as f64 / (*size as f64 * t / 1000.0);
            let _ = write!(line, ", mean rate {rate:.3} Hz");
            if !complete {
                let _ = write!(line, " over the {} ms reached", ms_text(t));
            }
        }
    }
    Ok(line)
}

/// One summary line for a population whose `variable` is recorded.
fn signal_line(
    file: &File,
    variable: StateVariable,
    name: &str,
) -> Result<String, hdf5_pure::Error> {
    let group = format!("{variable}/{name}");
    let attrs = file.group(&group)?.attrs()?;
    let shape = file.dataset(&format!("{group}/values"))?.shape()?;
    let rows = shape.first().copied().unwrap_or(0);
    let columns = shape.get(1).copied().unwrap_or(0);
    let size = attrs.get(SIZE_ATTR).map_or("?".to_owned(), attr_text);
    let interval = attrs.get("interval").map_or("?".to_owned(), attr_text);
    let neurons = if columns.to_string() == size {
        format!("{size} neurons")
    } else {
        format!("{columns} of {size} neurons")
    };
    let mut line = format!(
        "{name}: {rows} samples x {neurons} (values [{rows}, {columns}] {}), every {interval} ms",
        variable.units()
    );
    let written = attrs.get(SAMPLES_WRITTEN_ATTR).and_then(attr_u64);
    match written {
        Some(written) if written < rows => {
            let _ = write!(line, ", only {written} written (the rest NaN)");
        }
        Some(_) => {}
        None => line.push_str(", samples_written not recorded"),
    }
    Ok(line)
}

/// Populations under `/spikes` with their sizes and spike counts.
fn list_spike_populations(file: &File) -> Result<Vec<SpikePopulation>, hdf5_pure::Error> {
    let mut names = file.group(SPIKES_GROUP)?.groups()?;
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let group = format!("{SPIKES_GROUP}/{name}");
            let attrs = file.group(&group)?.attrs()?;
            let size = attrs.get(SIZE_ATTR).and_then(attr_u64).map(|s| s as usize);
            let count = file.dataset(&format!("{group}/times"))?.shape()?[0];
            Ok(SpikePopulation { name, size, count })
        })
        .collect()
}

/// Open the recording at `path` for reading (streaming: only what is read is loaded).
pub(crate) fn open(path: &Path) -> Result<File, RecordError> {
    if let Err(error) = std::fs::File::open(path) {
        let path = path.display().to_string();
        return Err(RecordError::Unreadable { path, error });
    }
    File::open_streaming(path).map_err(|e| error(path, e))
}

/// The error of reading the recording at `path`.
pub(crate) fn error(path: &Path, problem: impl Into<super::Hdf5Problem>) -> RecordError {
    RecordError::Hdf5 {
        path: path.display().to_string(),
        problem: problem.into(),
    }
}

/// Comma-separated names, or "none".
pub(crate) fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// Integer value of a scalar numeric attribute, whatever integer type stored it.
pub(crate) fn attr_u64(value: &AttrValue) -> Option<u64> {
    match value {
        AttrValue::U8(v) => Some(u64::from(*v)),
        AttrValue::U16(v) => Some(u64::from(*v)),
        AttrValue::U32(v) => Some(u64::from(*v)),
        AttrValue::U64(v) => Some(*v),
        AttrValue::I8(v) => u64::try_from(*v).ok(),
        AttrValue::I16(v) => u64::try_from(*v).ok(),
        AttrValue::I32(v) => u64::try_from(*v).ok(),
        AttrValue::I64(v) => u64::try_from(*v).ok(),
        _ => None,
    }
}

/// Floating-point value of a scalar numeric attribute.
pub(crate) fn attr_f64(value: &AttrValue) -> Option<f64> {
    match value {
        AttrValue::F64(v) => Some(*v),
        AttrValue::F32(v) => Some(f64::from(*v)),
        other => attr_u64(other).map(|v| v as f64),
    }
}

/// Display form of a scalar attribute (strings without quotes).
pub(crate) fn attr_text(value: &AttrValue) -> String {
    match value {
        AttrValue::String(s) | AttrValue::AsciiString(s) | AttrValue::VarLenString(s) => s.clone(),
        AttrValue::F64(v) => v.to_string(),
        AttrValue::F32(v) => v.to_string(),
        other => attr_u64(other).map_or_else(|| format!("{other:?}"), |v| v.to_string()),
    }
}

/// Simulated time `t_stop` (ms) stored in the recording at `path`, if present.
pub fn t_stop(path: &Path) -> Result<Option<f64>, RecordError> {
    let file = open(path)?;
    let attrs = file.root().attrs().map_err(|e| error(path, e))?;
    Ok(attrs.get("t_stop").and_then(attr_f64))
}

/// Membrane-potential sample times (ms) and values (mV) (row-major `[times.len(), neurons]`) of
/// `population`, whose `v` is recorded (see [`read_signal`]).
pub fn read_v(path: &Path, population: &str) -> Result<(Vec<f64>, Vec<f64>), RecordError> {
    let signal = read_signal(path, StateVariable::V, population)?;
    Ok((signal.times, signal.values))
}

/// The samples of one recorded state variable of one population.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    /// Sample times [ms].
    pub times: Vec<f64>,
    /// The recorded neurons (indices within the population).
    pub indices: Vec<u32>,
    /// Values in the variable's unit, row-major `[times.len(), indices.len()]`.
    pub values: Vec<f64>,
}

/// The samples of `variable` of `population` in the recording at `path`: only the samples
/// taken (`samples_written` rows; an interrupted run leaves the rest of the datasets NaN).
pub fn read_signal(
    path: &Path,
    variable: StateVariable,
    population: &str,
) -> Result<Signal, RecordError> {
    let file = open(path)?;
    let read = || -> Result<_, hdf5_pure::Error> {
        let group = format!("{variable}/{population}");
        let written = (file.group(&group)?.attrs()?)
            .get(SAMPLES_WRITTEN_ATTR)
            .and_then(attr_u64);
        let times_ds = file.dataset(&format!("{group}/times"))?;
        let values_ds = file.dataset(&format!("{group}/values"))?;
        let shape = values_ds.shape()?;
        // Files written before signals of chosen neurons hold every neuron, in order.
        let indices = match file.dataset(&format!("{group}/indices")) {
            Ok(dataset) => dataset.read_u32()?,
            Err(_) => (0..shape.get(1).copied().unwrap_or(0) as u32).collect(),
        };
        let rows = times_ds.shape()?.first().copied().unwrap_or(0);
        let taken = written.map_or(rows, |w| w.min(rows));
        let (times, values) = if taken == rows {
            (times_ds.read_f64()?, read_rows_f64(&values_ds)?)
        } else if taken > 0 {
            (
                times_ds.read_f64_rows(0, taken)?,
                values_ds.read_f64_rows(0, taken)?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Signal {
            times,
            indices,
            values,
        })
    };
    read().map_err(|e| error(path, e))
}

/// All values of a dataset, flattened row-major: float64 `[m, size]`, or (files written
/// before the 2-D layout) `[m]` elements that are rows of little-endian float64 (an array
/// datatype, which the typed readers refuse).
fn read_rows_f64(dataset: &hdf5_pure::Dataset) -> Result<Vec<f64>, hdf5_pure::Error> {
    let row_of_f64 = match dataset.datatype()? {
        hdf5_pure::Datatype::Array { base_type, .. } => *base_type == hdf5_pure::make_f64_type(),
        _ => false,
    };
    if !row_of_f64 {
        return dataset.read_f64();
    }
    let bytes = dataset.read_raw()?;
    let value = |b: &[u8]| f64::from_le_bytes(b.try_into().expect("chunks of 8 bytes"));
    Ok(bytes.chunks_exact(8).map(value).collect())
}

/// The float attributes of top-level group `group` of the file at `path` (e.g. a stored
/// calibration's `v_p05` and `alpha`), and the root's `complete` flag.
pub fn group_attributes(
    path: &Path,
    group: &str,
) -> Result<(HashMap<String, f64>, bool), RecordError> {
    let file = open(path)?;
    let root = file.root().attrs().map_err(|e| error(path, e))?;
    let complete = root.get("complete").and_then(attr_u64) == Some(1);
    let attrs = file
        .group(group)
        .and_then(|g| g.attrs())
        .map_err(|e| error(path, format!("/{group}: {e}")))?;
    let values = attrs
        .iter()
        .filter_map(|(k, v)| attr_f64(v).map(|x| (k.clone(), x)))
        .collect();
    Ok((values, complete))
}

/// The whole-number attributes of top-level group `group` of the file at `path`, exactly (a
/// uint64 above 2^53 keeps every bit).
pub fn group_counts(path: &Path, group: &str) -> Result<HashMap<String, u64>, RecordError> {
    attributes_as(path, group, attr_u64)
}

/// The text attributes of top-level group `group` of the file at `path`.
pub fn group_texts(path: &Path, group: &str) -> Result<HashMap<String, String>, RecordError> {
    attributes_as(path, group, |v| attr_f64(v).is_none().then(|| attr_text(v)))
}

/// The attributes of top-level group `group` of the file at `path` that `convert` accepts.
fn attributes_as<T>(
    path: &Path,
    group: &str,
    convert: impl Fn(&AttrValue) -> Option<T>,
) -> Result<HashMap<String, T>, RecordError> {
    let file = open(path)?;
    let attrs = file
        .group(group)
        .and_then(|g| g.attrs())
        .map_err(|e| error(path, format!("/{group}: {e}")))?;
    Ok(attrs
        .iter()
        .filter_map(|(k, v)| convert(v).map(|x| (k.clone(), x)))
        .collect())
}

/// The values of the float64 dataset `name` (a path like `sampling/checkpoints`) of the file at
/// `path`, flattened row-major.
pub fn read_f64(path: &Path, name: &str) -> Result<Vec<f64>, RecordError> {
    let file = open(path)?;
    file.dataset(name)
        .and_then(|d| d.read_f64())
        .map_err(|e| error(path, format!("/{name}: {e}")))
}
