//! Model profiles under `models/`: every shipped profile loads, a population's own params override
//! the profile's, and broken references are named.

use std::path::Path;

use exactspike::config::{Cell, Experiment};

/// The shipped neuron profiles, `models/neurons/`.
fn models_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/neurons")
}

/// An experiment file in a temporary directory whose population uses `population`.
fn experiment_with(population: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exp.toml");
    let text = format!(
        "[simulation]\nt_stop = 10.0\n[[population]]\nname = \"n\"\nsize = 1\n{population}\n"
    );
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn every_shipped_profile_loads() {
    let entries: Vec<_> = std::fs::read_dir(models_dir()).unwrap().collect();
    assert!(
        !entries.is_empty(),
        "no shipped profile under models/neurons"
    );
    for entry in entries {
        let profile = entry.unwrap().path();
        let (_dir, path) = experiment_with(&format!("profile = {:?}", profile.to_str().unwrap()));
        let experiment =
            Experiment::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", profile.display()));
        assert!(!experiment.populations()[0].cell.is_source());
    }
}

#[test]
fn own_params_override_the_profile() {
    let profile = models_dir().join("sampling_lif.toml");
    let (_dir, path) = experiment_with(&format!(
        "profile = {:?}\nparams = {{ v_rest = -52.0 }}",
        profile.to_str().unwrap()
    ));
    let experiment = Experiment::from_file(&path).unwrap();
    let Cell::IfCondExp(params) = &experiment.populations()[0].cell else {
        panic!("sampling_lif is IF_cond_exp");
    };
    let params = params.first();
    assert_eq!(params.v_rest, -52.0);
    assert_eq!(params.tau_m, 1.0);
    assert_eq!(params.tau_syn_E, 10.0);
}

#[test]
fn profiles_resolve_relative_to_the_experiment_file() {
    let (dir, path) = experiment_with("profile = \"lif.toml\"");
    std::fs::write(
        dir.path().join("lif.toml"),
        "model = \"IF_curr_exp\"\n[params]\ntau_m = 7.0\n",
    )
    .unwrap();
    let experiment = Experiment::from_file(&path).unwrap();
    assert!(
        matches!(&experiment.populations()[0].cell, Cell::IfCurrExp(p) if p.first().tau_m == 7.0)
    );
}

#[test]
fn missing_profile_contradicting_model_and_bad_profile_keys_are_named() {
    let (_dir, path) = experiment_with("profile = \"nope.toml\"");
    let e = Experiment::from_file(&path).unwrap_err().to_string();
    assert!(
        e.contains("population[0].profile") && e.contains("nope.toml"),
        "{e}"
    );

    let profile = models_dir().join("sampling_lif.toml");
    let (_dir, path) = experiment_with(&format!(
        "profile = {:?}\nmodel = \"IF_curr_exp\"",
        profile.to_str().unwrap()
    ));
    let e = Experiment::from_file(&path).unwrap_err().to_string();
    assert!(
        e.contains("population[0].model") && e.contains("contradicts"),
        "{e}"
    );

    let (dir, path) = experiment_with("profile = \"bad.toml\"");
    std::fs::write(
        dir.path().join("bad.toml"),
        "model = \"IF_curr_exp\"\ntau_m = 3.0\n",
    )
    .unwrap();
    let e = Experiment::from_file(&path).unwrap_err().to_string();
    assert!(
        e.contains("bad.toml") && e.contains("tau_m") && e.contains("unknown field"),
        "{e}"
    );

    let (_dir, path) = experiment_with("params = { tau_m = 3.0 }");
    let e = Experiment::from_file(&path).unwrap_err().to_string();
    assert!(
        e.contains("population[0].model") && e.contains("missing"),
        "{e}"
    );
}
