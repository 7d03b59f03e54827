//! Emulated chips from Python: the `chip=` argument of the jobs, a profile name (`"bss2"`) or a
//! dict (the description's chip table, e.g. `{"profile": "bss2", "chip_seed": 1}`), taken over
//! the chip a model or description already names if it names the same profile, as the command
//! line's `--chip` flags are.

use std::path::Path;

use exactspike::chip::settings::{ChipSection, ChipSettings};
use exactspike::sampling::SamplingSpec;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::convert;
use crate::errors::{to_py, ExactspikeError};

/// Where errors say the chip came from.
const SOURCE: &str = "python";

/// The settings of the chip a TTFS model runs on: `chip` (None: the ideal model) over `base`
/// (the chip the model was trained on).
pub fn ttfs_settings(
    chip: Option<&Bound<'_, PyAny>>,
    base: Option<ChipSection>,
) -> PyResult<Option<ChipSettings>> {
    chip.map(|chip| settings(section(chip, base, None)?))
        .transpose()
}

/// The settings of the chip an experiment runs on (`exactspike run --chip`).
pub fn run_settings(chip: Option<&Bound<'_, PyAny>>) -> PyResult<Option<ChipSettings>> {
    ttfs_settings(chip, None)
}

/// `spec` run on the chip `chip` (a dict may also give `bias_scale`), over its own `[chip]`.
pub fn on_sampling(spec: SamplingSpec, chip: &Bound<'_, PyAny>) -> PyResult<SamplingSpec> {
    let base = spec.chip.as_ref().map(|c| c.chip.section());
    let mut bias_scale = None;
    let section = section(chip, base, Some(&mut bias_scale))?;
    spec.with_chip(section, bias_scale, SOURCE).map_err(to_py)
}

/// The chip table `chip` describes over `base` when it names the same profile (otherwise over
/// the profile's defaults). A dict's `bias_scale` goes to `bias_scale` if that is given (a
/// sampling chip), and is refused as an unknown key otherwise.
fn section(
    chip: &Bound<'_, PyAny>,
    base: Option<ChipSection>,
    bias_scale: Option<&mut Option<f64>>,
) -> PyResult<ChipSection> {
    let (profile, mut given) = if let Ok(name) = chip.cast::<PyString>() {
        (name.extract::<String>()?, toml::Table::new())
    } else {
        let toml::Value::Table(given) = convert::any(chip, SOURCE, "chip")? else {
            return Err(problem(
                "chip",
                "must be a profile name or a dict (the chip table)",
            ));
        };
        let Some(toml::Value::String(profile)) = given.get("profile") else {
            return Err(problem(
                "chip.profile",
                "missing (a shipped profile, bss1 or bss2, or a file)",
            ));
        };
        (profile.clone(), given)
    };
    // Only a sampling chip takes a bias scale (elsewhere it is left to be refused).
    let scale = bias_scale
        .is_some()
        .then(|| given.remove("bias_scale"))
        .flatten();
    if let (Some(bias_scale), Some(scale)) = (bias_scale, scale) {
        *bias_scale = Some(
            scale
                .as_float()
                .or(scale.as_integer().map(|n| n as f64))
                .ok_or_else(|| problem("chip.bias_scale", "must be a number"))?,
        );
    }
    let base = base
        .filter(|b| b.profile == profile)
        .unwrap_or_else(|| ChipSection::new(&profile));
    let mut table = toml::Table::new();
    table.insert("profile".into(), profile.into());
    let seed = i64::try_from(base.chip_seed)
        .map_err(|_| problem("chip.chip_seed", "larger than 2^63 - 1"))?;
    table.insert("chip_seed".into(), seed.into());
    table.insert("time_scale".into(), base.time_scale.into());
    if let Some(scale) = base.weight_scale {
        table.insert("weight_scale".into(), scale.into());
    }
    table.insert("calibrate".into(), base.calibrate.into());
    table.insert("slot".into(), base.slot.into());
    table.extend(given);
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| problem("chip", e.message()))
}

/// The settings of `section`, validated (a profile path is relative to the current
/// directory).
fn settings(section: ChipSection) -> PyResult<ChipSettings> {
    section
        .settings(SOURCE, "chip", Path::new(""))
        .map_err(to_py)
}

/// An error at `field` of the chip.
fn problem(field: &str, text: &str) -> PyErr {
    ExactspikeError::new_err(format!("{SOURCE}: {field}: {text}"))
}
