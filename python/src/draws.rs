//! exactspike's own random draws, for fronts that must know drawn values before a network is
//! built (the PyNN backend's `NativeRNG`): the connections a connector makes and the values a
//! distribution gives a population's parameter, each from the same stream, in the same order,
//! as when the description is built.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use exactspike::config::{Connector, Values};
use exactspike::network::connector::Ends;
use exactspike::network::{connections as generate, Streams};
use exactspike::random::RandomDistribution;
use exactspike::rng::parameter_stream;

use crate::convert::any;
use crate::errors::ExactspikeError;

/// Pre indices, post indices, weights [µS or nA] and delays [ms] of connections.
type ConnectionArrays<'py> = (
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

/// The connections of a projection as a network built from a description holds them: the
/// `connector` table (as in a file) between populations `pre` and `post` (name, size), the
/// `ordinal`-th projection between them, with `weight` and `delay` (a number or a
/// distribution table), drawn from the streams of master `seed`. Returns arrays of pre
/// indices, post indices, weights and delays, in generation order.
#[pyfunction]
#[pyo3(signature = (seed, pre, post, ordinal, connector, weight, delay))]
#[allow(clippy::too_many_arguments)]
pub fn connections<'py>(
    py: Python<'py>,
    seed: u64,
    pre: (String, usize),
    post: (String, usize),
    ordinal: u64,
    connector: &Bound<'py, PyAny>,
    weight: &Bound<'py, PyAny>,
    delay: &Bound<'py, PyAny>,
) -> PyResult<ConnectionArrays<'py>> {
    let connector: Connector = parse(connector, "connector")?;
    let weight: Values = parse(weight, "weight")?;
    let delay: Values = parse(delay, "delay")?;
    for (field, values) in [("weight", &weight), ("delay", &delay)] {
        if let Values::Random(distribution) = values {
            checked(distribution, &pre.0, field)?;
        }
    }
    let ends = Ends {
        n_pre: pre.1,
        n_post: post.1,
        same: pre.0 == post.0,
    };
    let streams = Streams {
        seed,
        pre: &pre.0,
        post: &post.0,
        ordinal,
    };
    let made = generate(streams, ends, &connector, &weight, &delay).map_err(|e| {
        ExactspikeError::new_err(format!(
            "connections: {}: {} values for {} connections",
            e.what, e.given, e.made
        ))
    })?;
    let (mut i, mut j) = (
        Vec::with_capacity(made.len()),
        Vec::with_capacity(made.len()),
    );
    let (mut w, mut d) = (
        Vec::with_capacity(made.len()),
        Vec::with_capacity(made.len()),
    );
    for c in made.iter() {
        i.push(i64::from(c.pre));
        j.push(i64::from(c.post));
        w.push(c.weight);
        d.push(c.delay);
    }
    Ok((
        i.into_pyarray(py),
        j.into_pyarray(py),
        w.into_pyarray(py),
        d.into_pyarray(py),
    ))
}

/// The `size` values the `distribution` table (as in a file, e.g. `{"distribution": "uniform",
/// "low": -60, "high": -50}`) gives parameter `key` of the population named `population`, for
/// master `seed`: neuron `i` gets the `i`-th draw of the parameter's stream (an initial value's
/// key is `initial.<variable>`, e.g. `initial.v`).
#[pyfunction]
pub fn draw<'py>(
    py: Python<'py>,
    seed: u64,
    population: &str,
    key: &str,
    distribution: &Bound<'py, PyAny>,
    size: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let distribution: RandomDistribution = parse(distribution, key)?;
    checked(&distribution, population, key)?;
    let mut rng = parameter_stream(seed, population, key);
    Ok(distribution.draw(size, &mut rng).into_pyarray(py))
}

/// An error naming `owner` and `key` if a parameter of `distribution` is out of its range.
fn checked(distribution: &RandomDistribution, owner: &str, key: &str) -> PyResult<()> {
    distribution
        .check()
        .map_err(|e| ExactspikeError::new_err(format!("{owner}: {key}.{}: {e}", e.parameter)))
}

/// `object` read as `T` from its TOML value; `field` names it in messages.
fn parse<T: serde::de::DeserializeOwned>(object: &Bound<'_, PyAny>, field: &str) -> PyResult<T> {
    any(object, "description", field)?
        .try_into()
        .map_err(|e: toml::de::Error| {
            ExactspikeError::new_err(format!("description: {field}: {}", e.message()))
        })
}
