//! Train the Yin-Yang network of a TTFS description (threads: 1) from given initial weights, and
//! write what another implementation needs to follow the same trajectory: the encoded training
//! patterns, the batch order of every epoch, and the weights after training. Used by
//! experiments/ttfs_reference_check.py to run the reference (fastAndDeep) side by side.
//!
//! `cargo run --release --example ttfs_trajectory -- CONFIG.toml DIR EPOCHS` reads
//! `DIR/initial_L.txt` for each layer L (one weight per line, the reference's layout: a row per
//! input, bias last, a column per neuron) and writes `DIR/patterns.txt` (input times [ms] and
//! label per line), `DIR/order_E.txt` (pattern indices of epoch E, from 0),
//! `DIR/exactspike_L.txt` (final weights, same layout) and one line per epoch on stdout.

use std::error::Error;
use std::sync::atomic::AtomicBool;

use exactspike::ttfs::data::{yin_yang, Split};
use exactspike::ttfs::network::Network;
use exactspike::ttfs::spec::TtfsSpec;
use exactspike::ttfs::train::{epoch_order, initial_network, train, Ideal, Patterns};

/// Numbers of a text file, whitespace-separated.
fn read_numbers(path: &str) -> Result<Vec<f64>, Box<dyn Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?)
}

/// Index of weight (input `i`, neuron `j`) in the reference's layout of a layer of `n_out`.
fn reference_index(i: usize, j: usize, n_out: usize) -> usize {
    i * n_out + j
}

/// Put the weights of `dir/initial_L.txt` into `network`.
fn load_weights(network: &mut Network, dir: &str) -> Result<(), Box<dyn Error>> {
    for (l, layer) in network.layers_mut().iter_mut().enumerate() {
        let given = read_numbers(&format!("{dir}/initial_{l}.txt"))?;
        let (n_out, width) = (layer.n_out(), layer.width());
        if given.len() != n_out * width {
            return Err(format!(
                "layer {l}: {} weights, expected {}",
                given.len(),
                n_out * width
            )
            .into());
        }
        for (j, row) in layer.weights_mut().chunks_exact_mut(width).enumerate() {
            for (i, w) in row.iter_mut().enumerate() {
                *w = given[reference_index(i, j, n_out)];
            }
        }
    }
    Ok(())
}

/// Write the weights of `network` to `dir/exactspike_L.txt`.
fn store_weights(network: &Network, dir: &str) -> Result<(), Box<dyn Error>> {
    for (l, layer) in network.layers().iter().enumerate() {
        let (n_out, width) = (layer.n_out(), layer.width());
        let mut lines = vec![String::new(); n_out * width];
        for (j, row) in layer.weights().chunks_exact(width).enumerate() {
            for (i, w) in row.iter().enumerate() {
                lines[reference_index(i, j, n_out)] = format!("{w:.17e}");
            }
        }
        std::fs::write(format!("{dir}/exactspike_{l}.txt"), lines.join("\n"))?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, config, dir, epochs] = &args[..] else {
        return Err("usage: ttfs_trajectory CONFIG.toml DIR EPOCHS".into());
    };
    let mut spec = TtfsSpec::from_file(config.as_ref())?;
    spec.training.epochs = epochs.parse()?;
    spec.training.threads = 1;
    let patterns = Patterns::encode(&yin_yang(Split::Train), &spec.encoding);
    let lines: Vec<String> = (0..patterns.len())
        .map(|k| {
            let times: Vec<String> = patterns
                .input(k)
                .iter()
                .map(|t| format!("{t:.17e}"))
                .collect();
            format!("{} {}", times.join(" "), patterns.label(k))
        })
        .collect();
    std::fs::write(format!("{dir}/patterns.txt"), lines.join("\n"))?;
    let mut order = Vec::new();
    for epoch in 0..spec.training.epochs {
        epoch_order(spec.seed, epoch, patterns.len(), &mut order);
        let text: Vec<String> = order.iter().map(usize::to_string).collect();
        std::fs::write(format!("{dir}/order_{epoch}.txt"), text.join("\n"))?;
    }
    let mut network = initial_network(&spec, patterns.n_inputs());
    load_weights(&mut network, dir)?;
    let trained = train(
        &spec,
        &Ideal,
        network,
        &patterns,
        None,
        &AtomicBool::new(false),
        |r| {
            println!(
                "epoch {} loss {:.9} accuracy {:.4} updates {} bumps {}",
                r.epoch, r.train_loss, r.train_accuracy, r.updates, r.bumps
            )
        },
    );
    store_weights(&trained.network, dir)
}
