//! Long work off the GIL: the job runs on a thread of its own, in a pool of the requested
//! number of threads, while the calling thread waits without the GIL and checks for signals
//! (Python runs its signal handlers only on the main thread). Ctrl-C raises the job's interrupt
//! flag; the job then stops at its next check, finishes its file marked incomplete, and the
//! call raises `KeyboardInterrupt`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use exactspike::engine::RunSummary;
use exactspike::record::{Signal, Termination};
use exactspike::threads::{Threads, MAX_THREADS};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;

use crate::errors::to_py;

/// How often the waiting thread checks for signals (it is woken at once when the job ends).
const POLL: Duration = Duration::from_millis(20);

/// What a detached job gets: its interrupt flag.
pub struct Stop<'a> {
    /// Raised when a signal handler raised an exception (Ctrl-C: `KeyboardInterrupt`).
    pub flag: &'a AtomicBool,
}

impl Stop<'_> {
    /// The signal that stopped the job: SIGINT if the flag is up (Python reports only that
    /// an exception was raised; Ctrl-C is the one that does by default).
    pub fn signal(&self) -> Option<Signal> {
        self.flag
            .load(Ordering::SeqCst)
            .then_some(Signal::Interrupt)
    }
}

/// What a detached job gave, and the exception a signal handler raised meanwhile, if any.
pub struct Finished<T> {
    /// The job's result.
    pub value: T,
    /// The exception of the signal handler (Ctrl-C: `KeyboardInterrupt`).
    pub raised: Option<PyErr>,
}

impl<T> Finished<T> {
    /// The result, unless a signal handler raised (then its exception).
    pub fn unless_raised(self) -> PyResult<T> {
        match self.raised {
            Some(error) => Err(error),
            None => Ok(self.value),
        }
    }

    /// The result of a job that reports how it ended in `summary`: if it stopped early,
    /// `KeyboardInterrupt` saying where and what `left` says of its output; otherwise as
    /// [`Finished::unless_raised`].
    pub fn completed(self, summary: impl Fn(&T) -> &RunSummary, left: &str) -> PyResult<T> {
        let s = summary(&self.value);
        if s.termination != Termination::Completed {
            return Err(PyKeyboardInterrupt::new_err(format!(
                "{} at t = {} ms; {left}",
                s.termination, s.t_reached
            )));
        }
        self.unless_raised()
    }
}

impl<T, E: std::error::Error> Finished<Result<T, E>> {
    /// The job's own error as an `ExactspikeError`, if it failed; otherwise its result.
    pub fn failed(self) -> PyResult<Finished<T>> {
        let value = self.value.map_err(to_py)?;
        Ok(Finished {
            value,
            raised: self.raised,
        })
    }
}

/// The pool of `count` threads, made once per count and kept for later calls.
fn pool(count: usize) -> PyResult<Arc<Threads>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<Threads>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(pool) = pools.get(&count) {
        return Ok(Arc::clone(pool));
    }
    let pool = Arc::new(Threads::new(count).map_err(to_py)?);
    pools.insert(count, Arc::clone(&pool));
    Ok(pool)
}

/// Run `job` on `threads` threads (default: one per core) without the GIL. If a signal handler
/// raised meanwhile (Ctrl-C), the job is stopped through its flag and allowed to finish; the
/// first such exception comes with its result. A panic becomes a `RuntimeError`.
pub fn run<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    job: impl FnOnce(&Stop) -> T + Send,
) -> PyResult<Finished<T>> {
    let pool = pool(threads.unwrap_or_else(|| Threads::available().min(MAX_THREADS)))?;
    let flag = AtomicBool::new(false);
    let stop = Stop { flag: &flag };
    let waiting = std::thread::current();
    let mut raised = None;
    let outcome = std::thread::scope(|scope| {
        let handle = scope.spawn(|| {
            let value = pool.run(|| job(&stop));
            waiting.unpark();
            value
        });
        while !handle.is_finished() {
            py.detach(|| std::thread::park_timeout(POLL));
            // Every signal is handled; the first exception is kept.
            if let Err(error) = py.check_signals() {
                flag.store(true, Ordering::SeqCst);
                raised.get_or_insert(error);
            }
        }
        handle.join()
    });
    match outcome {
        Ok(value) => Ok(Finished { value, raised }),
        Err(panic) => {
            let text = (panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(PyRuntimeError::new_err(format!(
                "exactspike stopped on an internal error (please report it): {text}"
            )))
        }
    }
}
