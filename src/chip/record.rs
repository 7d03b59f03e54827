//! What every emulated run of a network (sampling, `run --chip`) stores in its `/chip` group:
//! which chip and seeds, its circuits' factors as run, and the hardware time of its biological
//! time.

use super::instance::{Factors, QUANTITIES};
use super::settings::ChipSettings;
use super::ttfs_map::hardware_us;
use crate::record::{AttributeValue, RecordLayout, Table};

/// Group of an emulated chip in HDF5 files.
pub const CHIP_GROUP: &str = "chip";

/// Add to `layout` the `/chip` attributes and table every run on the chip of `settings` has:
/// quantities, chip, profile, chip_seed, run_seed (`run_seed`), calibrated, speedup,
/// weight_bits, spike_loss, circuits_used, circuits_available, bio_ms (`bio_ms` [ms]),
/// hardware_ms, energy_mj, and `/chip/factors` [circuits, 6] (`factors`, one per circuit used);
/// then the run's own `attrs`.
pub fn add_chip_run(
    layout: &mut RecordLayout,
    settings: &ChipSettings,
    run_seed: u64,
    factors: &[Factors],
    bio_ms: f64,
    attrs: Vec<(&str, AttributeValue)>,
) {
    let profile = &settings.profile;
    let hardware_ms = hardware_us(profile, bio_ms) * 1e-3;
    let text = |v: &str| AttributeValue::Text(v.into());
    let common = [
        ("quantities", text(&QUANTITIES.join(","))),
        ("chip", text(&profile.name)),
        ("profile", text(&settings.profile_name)),
        ("chip_seed", AttributeValue::Count(settings.chip_seed)),
        ("run_seed", AttributeValue::Count(run_seed)),
        ("calibrated", AttributeValue::Flag(settings.calibrate)),
        ("speedup", profile.speedup.into()),
        (
            "weight_bits",
            AttributeValue::Count(profile.weight_bits.into()),
        ),
        ("spike_loss", profile.trial.spike_loss.into()),
        ("circuits_used", factors.len().into()),
        ("circuits_available", profile.neurons.into()),
        ("bio_ms", bio_ms.into()),
        ("hardware_ms", hardware_ms.into()),
        ("energy_mj", (profile.power_w * hardware_ms).into()),
    ];
    for (name, value) in common.into_iter().chain(attrs) {
        layout
            .attributes
            .push((CHIP_GROUP.into(), name.into(), value));
    }
    layout.tables.push(Table::f64(
        CHIP_GROUP,
        "factors",
        &[factors.len(), QUANTITIES.len()],
        "",
        factors.concat(),
    ));
}
