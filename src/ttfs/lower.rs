//! A first-spike network and one input pattern as an engine experiment, built through the typed
//! builder, so that the event-driven engine can run it, record it and check the layered path.
//!
//! Each layer becomes an `IF_curr_exp_first_spike` population (`IF_curr_exp` with one tau_syn
//! that fires at most once: its first spike) starting at v_rest; the pattern becomes a
//! `SpikeSourceArray` `input` (an input at ∞ has no spike), a layer's bias inputs a
//! `SpikeSourceArray` `bias<l>` of one neuron per bias input, each spiking once. Weights ≥ 0
//! go to the excitatory receptor, negative ones to the inhibitory receptor; every delay is 0 ms, as in the layered model.

use super::network::{Layer, Network};
use crate::config::{ArrayParams, Cell, Connector, Experiment, ExperimentBuilder, SpikeTimes};
use crate::error::ConfigError;
use crate::neuron::Receptor;

/// Population name of layer `l` (from 0, input side first).
pub fn layer_name(l: usize) -> String {
    format!("layer{l}")
}

/// The experiment that runs `network` on `input` (spike times [ms], ∞ = none) until `t_stop`
/// [ms], recording the spikes of the input and of every layer.
pub fn experiment(
    network: &Network,
    input: &[f64],
    t_stop: f64,
) -> Result<Experiment, ConfigError> {
    let mut builder = ExperimentBuilder::new("first-spike network", t_stop);
    let per_source = input
        .iter()
        .map(|&t| if t.is_finite() { vec![t] } else { vec![] })
        .collect();
    builder.population(
        "input",
        input.len(),
        source(SpikeTimes::PerSource(per_source)),
    );
    builder.record_spikes("input");
    let mut below = "input".to_string();
    for (l, layer) in network.layers().iter().enumerate() {
        let name = layer_name(l);
        let p = layer.neuron().params();
        builder
            .population(
                &name,
                layer.n_out(),
                Cell::if_curr_exp_first_spike(p.clone()),
            )
            .initial_v(p.v_rest);
        project(&mut builder, &below, &name, layer, 0..layer.n_in());
        if let Some(b) = layer.bias() {
            let bias = format!("bias{l}");
            builder.population(&bias, b.count, source(SpikeTimes::Shared(vec![b.time])));
            project(
                &mut builder,
                &bias,
                &name,
                layer,
                layer.n_in()..layer.width(),
            );
        }
        builder.record_spikes(&name);
        below = name;
    }
    builder.build()
}

fn source(times: SpikeTimes) -> Cell {
    Cell::array(ArrayParams { spike_times: times })
}

/// Connections from `pre` (whose neuron k is input column `columns.start + k` of the layer's
/// weight rows) to `post`, split by sign onto the two receptors.
fn project(
    builder: &mut ExperimentBuilder,
    pre: &str,
    post: &str,
    layer: &Layer,
    columns: std::ops::Range<usize>,
) {
    let width = layer.width();
    for (receptor, wanted) in [(Receptor::Excitatory, true), (Receptor::Inhibitory, false)] {
        let mut rows = Vec::new();
        for (j, row) in layer.weights().chunks_exact(width).enumerate() {
            for (k, &w) in row[columns.clone()].iter().enumerate() {
                if (w >= 0.0) == wanted {
                    rows.push(vec![k as f64, j as f64, w, 0.0]);
                }
            }
        }
        if !rows.is_empty() {
            builder
                .projection(pre, post, Connector::FromList { connections: rows })
                .receptor(receptor);
        }
    }
}

/// The experiment that runs pattern `index` of the data set named `data` (as for
/// [`super::jobs::named_data`]) through the stored `model` in the event-driven engine
/// (`exactspike ttfs run`): until ten of the slowest membrane time constants after the last
/// spike of the layered pass. Returns it with the pattern's label; an index beyond the set is
/// an error naming `index_field` (e.g. `--index`).
pub fn pattern(
    model: &super::model_file::StoredModel,
    data: &str,
    index: usize,
    index_field: &str,
) -> Result<(Experiment, usize), super::error::TtfsError> {
    use super::jobs;
    let set = jobs::named_data(data)?;
    jobs::check_fits(model, &set)?;
    if index >= set.len() {
        return Err(super::error::TtfsError::Mismatch {
            path: data.to_string(),
            problem: format!("{index_field} {index}: the set has {} patterns", set.len()),
        });
    }
    let input = model.encoding.encode(set.sample(index));
    let mut trace = super::network::Trace::default();
    model.network.forward(&input, &mut trace);
    let spikes = trace.outputs.iter().flatten().chain(&input);
    let last = spikes
        .copied()
        .filter(|t| t.is_finite())
        .fold(0.0, f64::max);
    let layers = model.network.layers().iter();
    let slowest = layers
        .map(|l| l.neuron().params().tau_m)
        .fold(0.0, f64::max);
    let t_stop = last + 10.0 * slowest;
    Ok((
        experiment(&model.network, &input, t_stop)?,
        set.label(index),
    ))
}
