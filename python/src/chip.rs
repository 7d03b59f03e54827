//! Emulated chips from Python: the `chip=` argument of the jobs, a profile name (`"bss2"`) or a
//! dict of the command line's chip settings (e.g. `{"profile": "bss2", "chip_seed": 1}`),
//! taken over the chip a model or description already names if it names the same profile, as
//! the command line's `--chip` flags are.

use std::path::Path;

use exactspike::chip::settings::{ChipSection, ChipSettings};
use exactspike::sampling::SamplingSpec;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors::{to_py, ExactspikeError};

/// Where errors say the chip came from.
const SOURCE: &str = "python";

/// What a chip is for: each job takes the settings its command-line flags take.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// `ttfs eval`, `ttfs map`: time scale and slot too.
    Ttfs,
    /// `run`.
    Run,
    /// `sample`, `train`: bias scale too.
    Sampling,
}

impl Purpose {
    /// The keys a dict may give.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Self::Ttfs => &[
                "profile",
                "chip_seed",
                "weight_scale",
                "calibrate",
                "time_scale",
                "slot",
            ],
            Self::Run => &["profile", "chip_seed", "weight_scale", "calibrate"],
            Self::Sampling => &[
                "profile",
                "chip_seed",
                "weight_scale",
                "calibrate",
                "bias_scale",
            ],
        }
    }
}

/// The settings of the chip a TTFS model runs on: `chip` (None: the ideal model) over `base`
/// (the chip the model was trained on).
pub fn ttfs_settings(
    chip: Option<&Bound<'_, PyAny>>,
    base: Option<ChipSection>,
) -> PyResult<Option<ChipSettings>> {
    chip.map(|chip| settings(section(chip, base, Purpose::Ttfs)?.0))
        .transpose()
}

/// The settings of the chip an experiment runs on (`exactspike run --chip`).
pub fn run_settings(chip: Option<&Bound<'_, PyAny>>) -> PyResult<Option<ChipSettings>> {
    chip.map(|chip| settings(section(chip, None, Purpose::Run)?.0))
        .transpose()
}

/// `spec` run on the chip `chip` (a dict may also give `bias_scale`), over its own `[chip]`.
pub fn on_sampling(spec: SamplingSpec, chip: &Bound<'_, PyAny>) -> PyResult<SamplingSpec> {
    let base = spec.chip.as_ref().map(|c| c.chip.section());
    let (section, bias_scale) = section(chip, base, Purpose::Sampling)?;
    spec.with_chip(section, bias_scale, SOURCE, "chip")
        .map_err(to_py)
}

/// The chip settings `chip` describes for `purpose` over `base` when it names the same
/// profile (otherwise over the profile's defaults), and a bias scale if given.
fn section(
    chip: &Bound<'_, PyAny>,
    base: Option<ChipSection>,
    purpose: Purpose,
) -> PyResult<(ChipSection, Option<f64>)> {
    if let Ok(name) = chip.cast::<PyString>() {
        let profile: String = name.extract()?;
        return Ok((over(base, &profile), None));
    }
    let Ok(given) = chip.cast::<PyDict>() else {
        return Err(problem("chip", "must be a profile name or a dict"));
    };
    let profile: String = match given.get_item("profile")? {
        None => {
            return Err(problem(
                "chip.profile",
                "missing (a shipped profile, bss1 or bss2, or a file)",
            ))
        }
        Some(value) => value
            .extract()
            .map_err(|_| problem("chip.profile", "must be a string"))?,
    };
    let mut section = over(base, &profile);
    let mut bias_scale = None;
    for (key, value) in given.iter() {
        let key: String = key
            .extract()
            .map_err(|_| problem("chip", "has a key that is not a string"))?;
        if !purpose.keys().contains(&key.as_str()) {
            let keys = purpose.keys().join(", ");
            return Err(problem(
                "chip",
                &format!("unknown key `{key}` (here: {keys})"),
            ));
        }
        let at = format!("chip.{key}");
        let number = || {
            value
                .extract::<f64>()
                .map_err(|_| problem(&at, "must be a number"))
        };
        match key.as_str() {
            "chip_seed" => {
                section.chip_seed = value
                    .extract()
                    .map_err(|_| problem(&at, "must be a whole number from 0 to 2^64 - 1"))?
            }
            "weight_scale" => section.weight_scale = Some(number()?),
            "time_scale" => section.time_scale = number()?,
            "slot" => section.slot = number()?,
            "bias_scale" => bias_scale = Some(number()?),
            "calibrate" => {
                section.calibrate = value
                    .extract()
                    .map_err(|_| problem(&at, "must be True or False"))?
            }
            _ => {} // profile
        }
    }
    Ok((section, bias_scale))
}

/// `base` if it names `profile`, else the defaults of `profile`.
fn over(base: Option<ChipSection>, profile: &str) -> ChipSection {
    base.filter(|b| b.profile == profile)
        .unwrap_or_else(|| ChipSection::new(profile))
}

/// The settings of `section`, validated (a profile path is relative to the current
/// directory).
fn settings(section: ChipSection) -> PyResult<ChipSettings> {
    section
        .settings(SOURCE, "chip", Path::new(""))
        .map_err(to_py)
}

/// The seed of a chip's trial-to-trial noise: `run_seed` (default 0), which needs a chip (as
/// `--run-seed` needs `--chip`).
pub fn run_seed(run_seed: Option<u64>, chip: Option<&ChipSettings>) -> PyResult<u64> {
    match (run_seed, chip) {
        (Some(_), None) => Err(problem(
            "run_seed",
            "needs chip (it seeds an emulated chip's trial-to-trial noise)",
        )),
        (seed, _) => Ok(seed.unwrap_or(0)),
    }
}

/// An error at `field`.
fn problem(field: &str, text: &str) -> PyErr {
    ExactspikeError::new_err(format!("{SOURCE}: {field}: {text}"))
}
