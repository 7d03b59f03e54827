//! Python values to the tables the description fronts read: a dict of the shape of an
//! experiment or sampling file becomes a `toml::Table` (a value tree, never TOML text) that the
//! library validates with the file's own checks and messages.

use numpy::{PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::errors::ExactspikeError;

/// How deep a description may nest (a list that contains itself would never end).
const MAX_DEPTH: usize = 32;

/// `description` (a dict) as a table; `name` names it in messages. Keys whose value is `None`
/// are left out (the description's default applies).
pub fn table(description: &Bound<'_, PyAny>, name: &str) -> PyResult<toml::Table> {
    match value(description, name, "(top level)", 0)? {
        toml::Value::Table(table) => Ok(table),
        _ => Err(problem(name, "(top level)", "must be a dict")),
    }
}

/// One Python value (a number, list or dict) as a TOML value; `name` and `field` name it in
/// messages.
pub fn any(object: &Bound<'_, PyAny>, name: &str, field: &str) -> PyResult<toml::Value> {
    value(object, name, field, 0)
}

/// One Python value at `field` as a TOML value: bool, int, float, str, dict (str keys), list,
/// tuple, or anything with `tolist()` (numpy arrays and scalars).
fn value(
    object: &Bound<'_, PyAny>,
    name: &str,
    field: &str,
    depth: usize,
) -> PyResult<toml::Value> {
    if depth > MAX_DEPTH {
        return Err(problem(
            name,
            field,
            "nests too deep (does it contain itself?)",
        ));
    }
    if object.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(object.extract()?));
    }
    if object.is_instance_of::<PyInt>() {
        let n: i64 = object
            .extract()
            .map_err(|_| problem(name, field, "is an integer outside the 64-bit range"))?;
        return Ok(toml::Value::Integer(n));
    }
    if object.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(object.extract()?));
    }
    if object.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(object.extract()?));
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        let mut table = toml::Table::new();
        for (key, item) in dict.iter() {
            let key: String = key
                .extract()
                .map_err(|_| problem(name, field, "has a key that is not a string"))?;
            if item.is_none() {
                continue;
            }
            let at = child(field, &key);
            table.insert(key, value(&item, name, &at, depth + 1)?);
        }
        return Ok(toml::Value::Table(table));
    }
    if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
        let items = object
            .try_iter()?
            .enumerate()
            .map(|(i, item)| value(&item?, name, &format!("{field}[{i}]"), depth + 1))
            .collect::<PyResult<_>>()?;
        return Ok(toml::Value::Array(items));
    }
    if let Some(array) = float_array(object) {
        return Ok(array);
    }
    if object.hasattr("tolist")? {
        return value(&object.call_method0("tolist")?, name, field, depth + 1);
    }
    let type_name = object.get_type().name()?;
    Err(problem(
        name,
        field,
        &format!("is a {type_name}; expected a number, string, bool, list or dict"),
    ))
}

/// A numpy array of float64 with one or two dimensions (a connection list, per-neuron values),
/// read from its buffer without making a Python float per element.
fn float_array(object: &Bound<'_, PyAny>) -> Option<toml::Value> {
    let floats = |values: &[f64]| values.iter().map(|&x| toml::Value::Float(x)).collect();
    if let Ok(array) = object.extract::<PyReadonlyArray1<f64>>() {
        return Some(toml::Value::Array(floats(array.as_slice().ok()?)));
    }
    let array = object.extract::<PyReadonlyArray2<f64>>().ok()?;
    let columns = array.shape()[1].max(1);
    let rows = array.as_slice().ok()?.chunks(columns);
    Some(toml::Value::Array(
        rows.map(|row| toml::Value::Array(floats(row))).collect(),
    ))
}

/// `key` below `field` (a key at the top level stands alone).
fn child(field: &str, key: &str) -> String {
    if field == "(top level)" {
        key.to_string()
    } else {
        format!("{field}.{key}")
    }
}

/// A message in the library's form, `name: field: problem`.
fn problem(name: &str, field: &str, text: &str) -> PyErr {
    ExactspikeError::new_err(format!("{name}: {field}: {text}"))
}
