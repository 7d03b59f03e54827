//! How many threads a run uses. The engine runs the neurons of a time window in parallel
//! ([`crate::engine::Simulation`]); the threads are those of the rayon pool the run is called
//! in. [`Threads::run`] calls a job in a pool of a chosen size; outside any pool, runs use
//! rayon's global pool (one thread per core, or `RAYON_NUM_THREADS`). Every output is bitwise
//! the same for any number of threads: random streams belong to neurons and sources, never to
//! threads, and whatever the threads produce is merged in a fixed order.
//!
//! ```
//! use exactspike::threads::Threads;
//!
//! let two = Threads::new(2)?;
//! let used = two.run(|| rayon::current_num_threads());
//! assert_eq!(used, 2);
//! assert!(Threads::new(0).is_err());
//! # Ok::<(), exactspike::threads::ThreadsError>(())
//! ```

/// Most threads a pool may have, and most parts the engine splits a window into.
pub const MAX_THREADS: usize = 256;

/// A number of threads that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ThreadsError {
    /// Zero threads requested.
    #[error("0 threads requested: at least 1 is needed")]
    Zero,
    /// More than [`MAX_THREADS`] requested.
    #[error("{requested} threads requested: at most {MAX_THREADS} can be used")]
    TooMany {
        /// Threads requested.
        requested: usize,
    },
    /// The operating system refused to start the threads.
    #[error("could not start {count} threads: {reason}")]
    Start {
        /// Threads requested.
        count: usize,
        /// The system's reason.
        reason: String,
    },
}

impl ThreadsError {
    /// Whether the request itself is wrong (not the machine).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Start { .. })
    }
}

/// A pool of threads for runs and jobs.
#[derive(Debug)]
pub struct Threads {
    pool: rayon::ThreadPool,
}

impl Threads {
    /// Cores available to this process (at least 1): the default number of threads.
    pub fn available() -> usize {
        std::thread::available_parallelism().map_or(1, usize::from)
    }

    /// A pool of `count` threads (1 to [`MAX_THREADS`]); more threads than cores are allowed
    /// but slow the run down.
    pub fn new(count: usize) -> Result<Self, ThreadsError> {
        if count == 0 {
            return Err(ThreadsError::Zero);
        }
        if count > MAX_THREADS {
            return Err(ThreadsError::TooMany { requested: count });
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(count)
            .thread_name(|i| format!("exactspike-{i}"))
            // As much stack as a main thread has.
            .stack_size(8 << 20)
            .build()
            .map_err(|e| ThreadsError::Start {
                count,
                reason: e.to_string(),
            })?;
        Ok(Self { pool })
    }

    /// Number of threads.
    pub fn count(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Call `job` with every run inside it using this pool's threads.
    pub fn run<R: Send>(&self, job: impl FnOnce() -> R + Send) -> R {
        self.pool.install(job)
    }
}
