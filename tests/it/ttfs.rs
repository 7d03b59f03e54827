//! Time-to-first-spike networks: exact spike times and gradients against an ODE oracle, the
//! layered path against the event-driven engine, training determinism and the command line.

use exactspike::ttfs::lower::{experiment, layer_name};
use exactspike::ttfs::network::{Bias, Layer, Network, Trace};
use exactspike::ttfs::neuron::{Decay, FirstSpikeNeuron, FirstSpikeParams};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::fixture;

fn params(tau_m: f64, tau_syn: f64, cm: f64, v_rest: f64, v_thresh: f64) -> FirstSpikeParams {
    FirstSpikeParams {
        cm,
        tau_m,
        tau_syn,
        v_rest,
        v_thresh,
    }
}

/// First spike and gradients of single neurons against scipy's DOP853 at rtol 1e-12 and central
/// finite differences of it (tests/oracles/ttfs_first_spikes.py), for tau_m/tau_syn = 1, 2, 1.37.
#[test]
fn single_neurons_match_the_ode_oracle() {
    let cases = fixture("ttfs_first_spikes.json");
    let cases = cases["cases"].as_array().unwrap();
    let (mut spiking, mut ratios) = (0, std::collections::BTreeSet::new());
    for case in cases {
        let num = |key: &str| case[key].as_f64().unwrap();
        let list = |key: &str| -> Vec<f64> {
            case[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        let p = params(
            num("tau_m"),
            num("tau_s"),
            num("cm"),
            num("v_rest"),
            num("v_thresh"),
        );
        ratios.insert((p.tau_m / p.tau_syn * 100.0).round() as i64);
        let neuron = FirstSpikeNeuron::new(&p);
        let (times, weights) = (list("times"), list("weights"));
        let mut order: Vec<usize> = (0..times.len()).collect();
        order.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
        let sorted: Vec<f64> = order.iter().map(|&i| times[i]).collect();
        let decays: Vec<Decay> = sorted
            .windows(2)
            .map(|w| neuron.decay(w[1] - w[0]))
            .collect();
        let spike = neuron.first_spike(&sorted, |k| weights[order[k]], &decays);
        let id = case["id"].as_str().unwrap();
        match (spike, case["first_spike"].as_f64()) {
            (None, None) => continue,
            (Some(s), Some(want)) => {
                assert!(
                    (s.time - want).abs() < 1e-12,
                    "{id}: T = {} vs ODE {want}",
                    s.time
                );
                spiking += 1;
                let (dw_want, dt_want) = (list("dT_dw"), list("dT_dt"));
                neuron.gradients(
                    &s,
                    &sorted,
                    |k| weights[order[k]],
                    |k, dw, dt| {
                        let i = order[k];
                        for (got, want, what) in
                            [(dw, dw_want[i], "dT/dw"), (dt, dt_want[i], "dT/dt")]
                        {
                            let tol = 1e-6 * want.abs() + 2e-8;
                            assert!(
                                (got - want).abs() < tol,
                                "{id}: {what}[{i}] = {got} vs FD {want}"
                            );
                        }
                    },
                );
            }
            (got, want) => panic!("{id}: {got:?} vs ODE {want:?}"),
        }
    }
    assert!(spiking >= 60, "{spiking} spiking cases");
    assert_eq!(ratios.into_iter().collect::<Vec<_>>(), vec![100, 137, 200]);
}

/// A random two-layer network with a bias per layer and mixed-sign weights.
fn random_network(rng: &mut ChaCha8Rng, p: &FirstSpikeParams) -> Network {
    let sizes = [(6, 12), (12, 4)];
    let layers = sizes
        .iter()
        .map(|&(n_in, n_out)| {
            let weights = (0..(n_in + 1) * n_out)
                .map(|_| rng.random_range(-0.6..1.6))
                .collect();
            Layer::new(
                FirstSpikeNeuron::new(p),
                n_in,
                n_out,
                Some(Bias::one(0.9 * p.tau_syn)),
                weights,
            )
        })
        .collect();
    Network::new(layers)
}

/// The layered closed forms and the event-driven engine (`IF_curr_exp_first_spike`) give
/// the same spike times in every layer, for tau_m/tau_syn = 1, 2 and 1.37 and PyNN-like units.
#[test]
fn layered_path_matches_the_event_driven_engine() {
    let mut rng = ChaCha8Rng::seed_from_u64(1414);
    let unit_sets = [
        params(1.0, 1.0, 1.0, 0.0, 1.0),
        params(2.0, 1.0, 1.0, 0.0, 1.0),
        params(1.37, 1.0, 1.0, 0.0, 1.0),
        params(10.0, 5.0, 0.2, -65.0, -50.0),
    ];
    let mut compared = 0;
    for p in &unit_sets {
        for _ in 0..8 {
            let mut network = random_network(&mut rng, p);
            // Scale the weights so that PSPs reach threshold in any units.
            let scale = (p.v_thresh - p.v_rest) * p.cm / p.tau_syn;
            for layer in network.layers_mut() {
                layer.weights_mut().iter_mut().for_each(|w| *w *= scale);
            }
            let input: Vec<f64> = (0..6)
                .map(|i| {
                    if i == 5 {
                        f64::INFINITY
                    } else {
                        rng.random_range(0.0..2.0) * p.tau_syn
                    }
                })
                .collect();
            let mut trace = Trace::default();
            network.forward(&input, &mut trace);
            let t_stop = 60.0 * p.tau_m;
            let recording =
                exactspike::run_in_memory(&experiment(&network, &input, t_stop).unwrap()).unwrap();
            for (l, layered) in trace.outputs.iter().enumerate() {
                let spikes = recording.spikes_of(&layer_name(l)).unwrap();
                let mut engine = vec![f64::INFINITY; layered.len()];
                for (&t, &sender) in spikes.times.iter().zip(&spikes.senders) {
                    assert!(
                        engine[sender as usize].is_infinite(),
                        "neuron {sender} fired twice"
                    );
                    engine[sender as usize] = t;
                }
                for (j, (&a, &b)) in layered.iter().zip(&engine).enumerate() {
                    assert!(
                        a == b || (a - b).abs() <= 1e-9,
                        "{p:?} layer {l} neuron {j}: layered {a} vs engine {b}"
                    );
                    compared += usize::from(a.is_finite());
                }
            }
        }
    }
    assert!(compared > 300, "only {compared} spikes compared");
}

/// `[[projection]]` tables of the weight rows of `layer` (one row per neuron) for the columns
/// `columns` (column `columns.start + k` is neuron k of `pre`), split by sign onto the two
/// receptors, every delay 0 ms.
fn projections_toml(
    layer: &Layer,
    pre: &str,
    post: &str,
    columns: std::ops::Range<usize>,
) -> String {
    let mut text = String::new();
    for (receptor, excitatory) in [("excitatory", true), ("inhibitory", false)] {
        let mut rows = Vec::new();
        for (j, row) in layer.weights().chunks_exact(layer.width()).enumerate() {
            for (k, &w) in row[columns.clone()].iter().enumerate() {
                if (w >= 0.0) == excitatory {
                    rows.push(format!("[{k}, {j}, {w:?}, 0.0]"));
                }
            }
        }
        text += &format!(
            "[[projection]]\npre = \"{pre}\"\npost = \"{post}\"\nreceptor = \"{receptor}\"\n\
             connector = {{ type = \"from_list\", connections = [{}] }}\n\n",
            rows.join(", ")
        );
    }
    text
}

/// A first-spike network written as an experiment file that names `IF_curr_exp_first_spike`
/// runs with `exactspike run` and gives the layered path's spike times in every layer, each
/// neuron at most once.
#[test]
fn exactspike_run_takes_the_first_spike_cell_type() {
    let mut rng = ChaCha8Rng::seed_from_u64(77);
    let p = params(1.37, 1.0, 1.0, 0.0, 1.0);
    let network = random_network(&mut rng, &p);
    let input: Vec<f64> = (0..6).map(|_| rng.random_range(0.0..2.0)).collect();
    let mut trace = Trace::default();
    network.forward(&input, &mut trace);
    let lists: Vec<String> = input.iter().map(|t| format!("[{t:?}]")).collect();
    let mut text = format!(
        "[simulation]\nt_stop = 40.0\n\n[[population]]\nname = \"input\"\nsize = 6\n\
         model = \"SpikeSourceArray\"\nparams = {{ spike_times = [{}] }}\n\n",
        lists.join(", ")
    );
    let mut below = "input".to_string();
    for (l, layer) in network.layers().iter().enumerate() {
        let name = layer_name(l);
        text += &format!(
            "[[population]]\nname = \"{name}\"\nsize = {}\nmodel = \"IF_curr_exp_first_spike\"\n\
             params = {{ cm = {:?}, tau_m = {:?}, tau_syn = {:?}, v_rest = {:?}, v_thresh = {:?} }}\n\
             initial = {{ v = {:?} }}\n\n[[population]]\nname = \"bias{l}\"\nsize = 1\n\
             model = \"SpikeSourceArray\"\nparams = {{ spike_times = [{:?}] }}\n\n",
            layer.n_out(),
            p.cm,
            p.tau_m,
            p.tau_syn,
            p.v_rest,
            p.v_thresh,
            p.v_rest,
            layer.bias().unwrap().time
        );
        text += &projections_toml(layer, &below, &name, 0..layer.n_in());
        text += &projections_toml(
            layer,
            &format!("bias{l}"),
            &name,
            layer.n_in()..layer.width(),
        );
        below = name;
    }
    text += "[record]\nspikes = [\"layer0\", \"layer1\"]\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("first_spike.toml"), &text).unwrap();
    let output = crate::common::cli_in(
        dir.path(),
        &["run", "first_spike.toml", "--out", "run.h5", "--quiet"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut compared = 0;
    for (l, layered) in trace.outputs.iter().enumerate() {
        let (times, senders) =
            exactspike::record::inspect::read_spikes(&dir.path().join("run.h5"), &layer_name(l))
                .unwrap();
        let mut engine = vec![f64::INFINITY; layered.len()];
        for (t, s) in times.iter().zip(senders) {
            assert!(engine[s as usize].is_infinite(), "neuron {s} fired twice");
            engine[s as usize] = *t;
        }
        for (a, b) in layered.iter().zip(&engine) {
            assert!(
                a == b || (a - b).abs() <= 1e-9,
                "layer {l}: layered {a} vs run {b}"
            );
            compared += usize::from(a.is_finite());
        }
    }
    assert!(compared >= 8, "only {compared} spikes compared");
    // On an emulated chip first-spike networks go through `ttfs`, not `run`.
    let output = crate::common::cli_in(
        dir.path(),
        &[
            "run",
            "first_spike.toml",
            "--out",
            "chip.h5",
            "--chip",
            "bss2",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("population \"layer0\".model: IF_curr_exp_first_spike networks run on"),
        "{stderr}"
    );
    assert!(!dir.path().join("chip.h5").exists());
}

/// Run `exactspike ttfs ARGS` in `dir`; (exit code, stdout, stderr).
pub(crate) fn ttfs(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["ttfs"];
    all.extend_from_slice(args);
    let output = crate::common::cli_in(dir, &all);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A small CSV task: class 1 iff the first feature is above 0.5.
pub(crate) fn write_csv(path: &std::path::Path, rows: usize, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut text = String::from("a,b,label\n");
    for _ in 0..rows {
        let (a, b): (f64, f64) = (rng.random(), rng.random());
        text += &format!("{a},{b},{}\n", u8::from(a > 0.5));
    }
    std::fs::write(path, text).unwrap();
}

/// A temporary directory with the small CSV task: `train.csv` of `train` rows and `test.csv`
/// of `test` rows ([`write_csv`], seeds 1 and 2).
pub(crate) fn csv_task(train: usize, test: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_csv(&dir.path().join("train.csv"), train, 1);
    write_csv(&dir.path().join("test.csv"), test, 2);
    dir
}

pub(crate) const SMALL: &str = "[ttfs]
data = { kind = \"csv\", train = \"train.csv\", test = \"test.csv\" }
[[ttfs.layer]]
size = 12
weight_mean = 1.5
max_missing = 0.3
[[ttfs.layer]]
size = 2
[ttfs.training]
epochs = 30
batch = 20
checkpoints = [3]
";

/// Weights of every layer of a model file, and its completeness flag.
pub(crate) fn stored_weights(path: &std::path::Path) -> (Vec<Vec<f64>>, bool) {
    let model = exactspike::ttfs::model_file::load(path).unwrap();
    (
        model
            .network
            .layers()
            .iter()
            .map(|l| l.weights().to_vec())
            .collect(),
        model.complete,
    )
}

/// `ttfs train` learns a CSV task, stores a complete model whose weights do not depend on the
/// number of threads; `ttfs eval` reproduces its test accuracy and writes predictions.
#[test]
fn train_and_eval_a_csv_task_with_any_thread_count() {
    let dir = csv_task(300, 100);
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap();
    let mut models = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = format!("model{threads}.h5");
        let (code, stdout, stderr) = ttfs(
            dir.path(),
            &["train", "small.toml", "--out", &out, "--threads", threads],
        );
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains("30 epochs") && stdout.contains("test accuracy"),
            "{stdout}"
        );
        models.push(stored_weights(&dir.path().join(&out)));
    }
    assert!(models[0].1, "complete");
    assert!(
        models.iter().all(|m| m == &models[0]),
        "weights depend on the thread count"
    );
    let (code, stdout, stderr) = ttfs(
        dir.path(),
        &[
            "eval",
            "model1.h5",
            "--data",
            "test.csv",
            "--out",
            "pred.h5",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let accuracy: f64 = stdout
        .split("accuracy ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(accuracy >= 90.0, "{stdout}");
    let stored =
        exactspike::record::inspect::group_attributes(&dir.path().join("model1.h5"), "ttfs")
            .unwrap()
            .0;
    assert!(
        (stored["test_accuracy"] * 100.0 - accuracy).abs() < 1e-9,
        "{stored:?} vs {stdout}"
    );
    let predictions =
        exactspike::record::inspect::read_f64(&dir.path().join("pred.h5"), "predictions/times")
            .unwrap();
    assert_eq!(predictions.len(), 200);
    let checkpoint =
        exactspike::record::inspect::read_f64(&dir.path().join("model1.h5"), "checkpoints/layer1")
            .unwrap();
    assert_eq!(checkpoint.len(), 2 * 13);
}

/// A pattern sent three times and four bias inputs: the model stores them (`info` says so), its
/// weight rows are 2 · 3 + 4 wide, `ttfs eval` reproduces the stored test accuracy, `ttfs run`
/// (the engine, every copy and bias input a neuron of its own) the layered pass's output
/// spikes, and a model is refused as the start of a description with another layout.
#[test]
fn repeated_patterns_and_bias_inputs_train_store_and_run() {
    let dir = csv_task(300, 100);
    let repeated = SMALL
        .replacen(
            "[[ttfs.layer]]",
            "encoding = { repeat = 3 }\n[[ttfs.layer]]",
            1,
        )
        .replace("size = 12", "size = 12\nweight_mean = 0.5\nbiases = 4");
    let repeated = repeated.replacen("weight_mean = 1.5\n", "", 1);
    std::fs::write(dir.path().join("rep.toml"), &repeated).unwrap();
    let (code, stdout, stderr) = ttfs(dir.path(), &["train", "rep.toml", "--out", "m.h5"]);
    assert_eq!(code, 0, "{stderr}");
    let model = exactspike::ttfs::model_file::load(&dir.path().join("m.h5")).unwrap();
    assert_eq!(model.encoding.repeat, 3);
    let hidden = &model.network.layers()[0];
    assert_eq!((hidden.n_in(), hidden.width()), (6, 10));
    assert_eq!(hidden.bias().map(|b| b.count), Some(4));
    assert_eq!(model.network.layers()[1].width(), 13);
    let info = crate::common::cli_in(dir.path(), &["info", "m.h5"]);
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains("4 bias inputs at 0.9 ms") && info.contains("sent 3 times"),
        "{info}"
    );
    let stored = exactspike::record::inspect::group_attributes(&dir.path().join("m.h5"), "ttfs")
        .unwrap()
        .0;
    let (code, eval, stderr) = ttfs(dir.path(), &["eval", "m.h5", "--data", "test.csv"]);
    assert_eq!(code, 0, "{stderr}");
    let line = format!("accuracy {:.2} %", 100.0 * stored["test_accuracy"]);
    assert!(
        eval.contains(&line) && stored["test_accuracy"] >= 0.9,
        "{eval} {stdout}"
    );
    let times =
        exactspike::record::inspect::read_f64(&dir.path().join("m.h5"), "test/times").unwrap();
    let (code, _, stderr) = ttfs(
        dir.path(),
        &[
            "run", "m.h5", "--data", "test.csv", "--index", "0", "--out", "r.h5",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (spikes, senders) =
        exactspike::record::inspect::read_spikes(&dir.path().join("r.h5"), "layer1").unwrap();
    let mut engine = [f64::INFINITY; 2];
    for (&t, &k) in spikes.iter().zip(&senders) {
        engine[k as usize] = t;
    }
    for (k, (&a, &b)) in times[..2].iter().zip(&engine).enumerate() {
        assert!(a == b || (a - b).abs() <= 1e-9, "output {k}: {a} vs {b}");
    }
    // The same layers, the bias sent once: not this model's description.
    std::fs::write(
        dir.path().join("one.toml"),
        repeated.replace("biases = 4", ""),
    )
    .unwrap();
    let (code, _, stderr) = ttfs(
        dir.path(),
        &["train", "one.toml", "--init", "m.h5", "--out", "again.h5"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("bias inputs"), "{stderr}");
}

/// Write `layout` (its attributes and tables) as a complete HDF5 file at `path`.
fn write_layout(path: &std::path::Path, layout: &exactspike::record::RecordLayout) {
    let meta = exactspike::record::RunMetadata {
        seed: 0,
        t_stop: 1.0,
        experiment: String::new(),
    };
    exactspike::record::hdf5::Hdf5Recorder::create(path, layout, &meta, false)
        .unwrap()
        .finish(exactspike::record::Termination::Completed)
        .unwrap();
}

/// A model file of a build without `repeat` and `biases` (neither attribute) reads as the
/// pattern sent once and one bias input per layer with a bias time; a stored repeat that cannot
/// make the inputs, and bias inputs without a bias time, are named.
#[test]
fn model_files_without_repeat_and_biases_read_as_one() {
    use exactspike::record::{AttributeValue, RecordLayout};
    use exactspike::ttfs::{jobs, model_file};
    let dir = csv_task(100, 20);
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap();
    let (code, _, stderr) = ttfs(dir.path(), &["train", "small.toml", "--out", "m.h5"]);
    assert_eq!(code, 0, "{stderr}");
    let model = model_file::load(&dir.path().join("m.h5")).unwrap();
    let set = exactspike::ttfs::data::load_csv(dir.path().join("test.csv")).unwrap();
    let (evaluation, _) = jobs::evaluate(&model, &set, 1, None, 0).unwrap();
    let layout = model_file::predictions_layout(&model, &evaluation, "test.csv", None);
    let write = |name: &str, edit: &dyn Fn(&mut RecordLayout)| {
        let mut layout = layout.clone();
        edit(&mut layout);
        let path = dir.path().join(name);
        write_layout(&path, &layout);
        model_file::load(&path)
    };
    let old = write("old.h5", &|l| {
        l.attributes
            .retain(|(_, name, _)| name != "repeat" && name != "biases")
    })
    .unwrap();
    assert_eq!(old.encoding, model.encoding);
    assert_eq!(old.encoding.repeat, 1);
    for (a, b) in old.network.layers().iter().zip(model.network.layers()) {
        assert_eq!(a.bias(), Some(Bias::one(0.9)));
        assert_eq!((a.bias(), a.weights()), (b.bias(), b.weights()));
    }
    let set = |group: &'static str, key: &'static str, value: AttributeValue| {
        move |l: &mut RecordLayout| {
            for (g, name, v) in l.attributes.iter_mut() {
                if g == group && name == key {
                    *v = value.clone();
                }
            }
        }
    };
    let message = |result: Result<_, exactspike::ttfs::error::TtfsError>| {
        result.map(|_| ()).unwrap_err().to_string()
    };
    let three = message(write(
        "three.h5",
        &set("ttfs", "repeat", AttributeValue::Count(3)),
    ));
    assert!(
        three.contains("/ttfs.repeat") && three.contains("2 inputs"),
        "{three}"
    );
    let unbiased = message(write(
        "nan.h5",
        &set("layer1", "bias_time", f64::NAN.into()),
    ));
    assert!(unbiased.contains("/layer1.biases"), "{unbiased}");
}

/// Bad input: one line naming the file and the field, exit 2, no output left.
#[test]
fn bad_input_is_refused_with_one_line() {
    let dir = csv_task(40, 10);
    let csv = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    csv("columns.csv", "a,b,label\n0.1,0.2,1\n0.3,1\n");
    csv("word.csv", "a,b,label\n0.1,zero,1\n");
    csv("label.csv", "a,b,label\n0.1,0.2,1\n0.5,0.5,2\n");
    csv("range.csv", "a,b,label\n0.1,1.5,1\n");
    let configs = [
        (
            SMALL.replace("train.csv", "columns.csv"),
            "columns.csv line 3",
        ),
        (SMALL.replace("train.csv", "word.csv"), "column \"b\""),
        (SMALL.replace("train.csv", "label.csv"), "label 2 at line 3"),
        (SMALL.replace("train.csv", "range.csv"), "outside [0, 1]"),
        (SMALL.replace("train.csv", "missing.csv"), "missing.csv"),
        (SMALL.replace("size = 12", "size = 0"), "ttfs.layer[0].size"),
        (
            format!("{SMALL}[ttfs.neuron]\ntau_m = -1.0\n"),
            "ttfs.neuron.tau_m",
        ),
        (
            SMALL.replace("size = 2", "size = 2\nneuron = { tau_syn = 0.0 }"),
            "ttfs.layer[1].neuron.tau_syn",
        ),
        (
            SMALL.replace(
                "[[ttfs.layer]]\nsize = 2",
                "[[ttfs.layer]]\nsize = 2\ncolour = 1",
            ),
            "colour",
        ),
        (
            "[ttfs]\n[[ttfs.layer]]\nsize = 10\n[[ttfs.layer]]\nsize = 2\n".to_string(),
            "ttfs.layer[1].size: the Yin-Yang data has 3 classes",
        ),
        (
            SMALL.replace("checkpoints = [3]", "checkpoints = [31]"),
            "ttfs.training.checkpoints",
        ),
        (
            SMALL.replacen(
                "[[ttfs.layer]]",
                "encoding = { repeat = 0 }\n[[ttfs.layer]]",
                1,
            ),
            "ttfs.encoding.repeat",
        ),
        (
            SMALL.replace("size = 12", "size = 12\nbias = false\nbiases = 5"),
            "ttfs.layer[0].biases: 5 bias inputs contradict bias = false",
        ),
        (
            SMALL.replace("size = 12", "size = 12\nbias = true\nbiases = 0"),
            "ttfs.layer[0].biases: 0 bias inputs contradict bias = true",
        ),
    ];
    for (i, (text, expected)) in configs.iter().enumerate() {
        let name = format!("bad{i}.toml");
        std::fs::write(dir.path().join(&name), text).unwrap();
        let (code, _, stderr) = ttfs(dir.path(), &["train", &name, "--out", "out.h5"]);
        let line = stderr.trim();
        assert_eq!(code, 2, "{name}: {line}");
        assert!(
            !line.contains('\n') && line.contains(expected),
            "{name}: expected {expected:?} in {line:?}"
        );
        assert!(!dir.path().join("out.h5").exists());
        assert!(crate::common::hidden_files(dir.path()).is_empty());
    }
    // A model file of another format version, and a file that is no model.
    let other = dir.path().join("other.h5");
    let layout = exactspike::record::RecordLayout {
        attributes: vec![(
            "ttfs".into(),
            "format_version".into(),
            exactspike::record::AttributeValue::Count(2),
        )],
        ..Default::default()
    };
    write_layout(&other, &layout);
    let run = dir.path().join("run.h5");
    assert!(crate::common::run_example(&run, &[]).status.success());
    for (model, expected) in [
        ("other.h5", "/ttfs.format_version: model format 2"),
        ("run.h5", "not a TTFS model"),
    ] {
        let (code, _, stderr) = ttfs(
            dir.path(),
            &["eval", model, "--data", "test.csv", "--out", "p.h5"],
        );
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.trim().lines().count() == 1 && stderr.contains(expected),
            "{stderr}"
        );
        assert!(!dir.path().join("p.h5").exists());
    }
}

/// The pictures are drawn, and `ttfs run` (one pattern through the event-driven engine) gives
/// the output spike times `ttfs eval` stored for that pattern.
#[test]
fn pictures_and_an_engine_run_of_one_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let config =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/ttfs_yin_yang.toml");
    let config = config.to_str().unwrap();
    let (code, _, stderr) = ttfs(
        dir.path(),
        &["train", config, "--epochs", "3", "--out", "m.h5", "--quiet"],
    );
    assert_eq!(code, 0, "{stderr}");
    for args in [
        vec!["plot", "m.h5", "--out", "curves.png"],
        vec!["map", "m.h5", "--out", "map.png", "--resolution", "50"],
        vec![
            "map",
            "m.h5",
            "--out",
            "map_bss2.png",
            "--resolution",
            "50",
            "--chip",
            "bss2",
            "--time-scale",
            "6",
        ],
        vec!["eval", "m.h5", "--data", "yin-yang-test", "--out", "p.h5"],
        vec![
            "run",
            "m.h5",
            "--data",
            "yin-yang-test",
            "--index",
            "7",
            "--out",
            "run.h5",
        ],
    ] {
        let (code, _, stderr) = ttfs(dir.path(), &args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    for picture in ["curves.png", "map.png", "map_bss2.png"] {
        assert!(
            std::fs::metadata(dir.path().join(picture)).unwrap().len() > 10_000,
            "{picture}"
        );
    }
    let read = |file: &str, name: &str| {
        exactspike::record::inspect::read_f64(&dir.path().join(file), name).unwrap()
    };
    let stored = &read("p.h5", "predictions/times")[7 * 3..8 * 3];
    let (times, senders) =
        exactspike::record::inspect::read_spikes(&dir.path().join("run.h5"), "layer1").unwrap();
    let mut engine = [f64::INFINITY; 3];
    for (t, s) in times.iter().zip(senders) {
        engine[s as usize] = *t;
    }
    assert!(stored.iter().any(|t| t.is_finite()), "{stored:?}");
    for (a, b) in stored.iter().zip(engine) {
        assert!(
            a == &b || (a - b).abs() < 1e-9,
            "eval {stored:?} vs engine {engine:?}"
        );
    }
    assert_eq!(read("run.h5", "spikes/input/times").len(), 4);
}

/// Ctrl-C stops training after the current batch: exit 130, the best network so far stored in
/// a file marked incomplete, no hidden file left.
#[test]
fn an_interrupted_training_keeps_the_best_network_so_far() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let config =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/ttfs_yin_yang.toml");
    let out = dir.path().join("m.h5");
    let child = Command::new(env!("CARGO_BIN_EXE_exactspike"))
        .args([
            "ttfs",
            "train",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--threads",
            "1",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let ended = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&ended.stderr);
    assert_eq!(ended.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.trim().lines().count() == 1
            && stderr.contains("interrupted by SIGINT at epoch")
            && stderr.contains("marked incomplete"),
        "{stderr}"
    );
    let (weights, complete) = stored_weights(&out);
    assert!(!complete && !weights.is_empty());
    let attrs = exactspike::record::inspect::group_attributes(&out, "ttfs")
        .unwrap()
        .0;
    assert!(
        attrs["epochs_run"] >= 1.0 && attrs["epochs_run"] < 300.0,
        "{attrs:?}"
    );
    assert!(crate::common::hidden_files(dir.path()).is_empty());
}
