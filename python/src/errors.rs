//! Library errors as Python exceptions, with the message the command line prints.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::PyErr;

create_exception!(
    _native,
    ExactspikeError,
    PyException,
    "An error of exactspike: bad input (a description, a value, an output path) or a failed run; \
     its message is the line the command line prints."
);

/// `error` and its causes joined by ": ", as the command line prints them.
pub fn message(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// `error` as an [`ExactspikeError`].
pub fn to_py<E: std::error::Error>(error: E) -> PyErr {
    ExactspikeError::new_err(message(&error))
}
