//! Exact, event-based readout of sampled joint states from spikes: no binning, no time grid.
//!
//! Unit k is "on" (z_k = 1) on the half-open window [t_s, t_s + τ_on,k) after each of its spikes
//! t_s (in spike-based sampling τ_on is the refractory time). A spike while the unit is already on
//! restarts its window: it then stays on until t_s + τ_on,k of the newest spike.
//!
//! [`Occupancy`] is a streaming accumulator fed while a simulation runs: spikes in non-decreasing
//! time order, and [`Occupancy::advance_to`] whenever the readout is wanted. It adds the time
//! spent in every joint state within [t_start, now] (time before t_start is not counted, but
//! spikes before t_start set the state: a spike at t_start − 5 ms with τ_on = 10 ms keeps the unit
//! on until t_start + 5 ms), together with the time integrals ∫z_k dt and ∫z_i z_j dt.
//!
//! **Tie rule.** Windows are half-open, so a window ending at t and a spike of the same unit at t
//! leave the unit on at t (the spike wins, and the unit is on without a gap). Likewise the state
//! "at t" ([`Occupancy::state_at_current_time`], the discrete samples) includes every spike at t
//! and excludes every window that ends at t. Durations are unaffected by ties (they have zero
//! length).
//!
//! States are indexed by z as a binary number with z_1 (unit 0) the most significant bit
//! (see [`crate::sampling::boltzmann::unit_mask`]).
//!
//! **Cost.** A spike or a window end costs O(n) (the pair integrals are updated lazily, when a
//! unit turns off, and completed for the units still on when they are read); nothing costs O(2ⁿ)
//! except reading or clearing the durations. **Memory**: the durations are 2ⁿ f64, 8 MiB at
//! n = 20 (the limit, [`MAX_UNITS`]), plus O(n²) for the rest and 4 bytes per discrete sample.

use crate::sampling::boltzmann::{unit_mask, MAX_UNITS};

/// A bad argument to the occupancy readout.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OccupancyError {
    /// The number of units is 0 or above [`MAX_UNITS`].
    #[error("the readout needs between 1 and {max} units (2^n states are stored), but {n} were given", max = MAX_UNITS)]
    UnitCount {
        /// Units asked for.
        n: usize,
    },
    /// An on-window length is not a positive finite time.
    #[error("the on-window of unit {unit} must be a finite time > 0 ms, but it is {value:?} ms")]
    InvalidWindow {
        /// The unit.
        unit: usize,
        /// The value (ms).
        value: f64,
    },
    /// A time (t_start, a spike, an advance) is NaN or infinite.
    #[error("time {0:?} ms is not finite")]
    NonFiniteTime(f64),
    /// A spike or advance earlier than the current time.
    #[error("time {t:?} ms is before the current time {now:?} ms (spikes and advances must come in non-decreasing time order)")]
    TimeWentBack {
        /// The offending time (ms).
        t: f64,
        /// The current time of the readout (ms).
        now: f64,
    },
    /// A spike of a unit that does not exist.
    #[error("unit {unit} does not exist (there are {n} units)")]
    UnknownUnit {
        /// The unit index given.
        unit: usize,
        /// Number of units.
        n: usize,
    },
    /// A sampling interval that is not a positive finite time.
    #[error("the sampling interval must be a finite time > 0 ms, but it is {0:?} ms")]
    InvalidInterval(f64),
}

/// Discrete samples z(t_start + kΔ), k = 0, 1, …
#[derive(Debug, Clone)]
struct Sampler {
    /// Δ (ms).
    interval: f64,
    /// The recorded states, by k.
    states: Vec<u32>,
}

/// Streaming, exact time-weighted occupancy of the 2ⁿ joint states of n units (see the module
/// documentation for the window, the tie rule and the cost).
#[derive(Debug, Clone)]
pub struct Occupancy {
    n: usize,
    /// On-window length per unit (ms).
    tau_on: Vec<f64>,
    /// Start of the accounted time (ms).
    t_start: f64,
    /// Everything up to this time is accounted (ms); −∞ before the first input.
    now: f64,
    /// End (excluded) of the current on-window of each unit that is on (ms).
    off_at: Vec<f64>,
    /// Start of the current uninterrupted on-run of each unit that is on (ms).
    on_since: Vec<f64>,
    /// Joint state at `now` (bit of unit k: `unit_mask(n, k)`).
    state: u32,
    /// Time spent in each joint state within [t_start, now] (ms).
    durations: Vec<f64>,
    /// ∫z_k dt over the on-runs that have ended, within [t_start, now] (ms).
    on_closed: Vec<f64>,
    /// ∫z_i z_j dt (i < j, at i·n + j) over overlaps of which one run has ended (ms).
    pair_closed: Vec<f64>,
    sampler: Option<Sampler>,
}

impl Occupancy {
    /// A readout of `tau_on.len()` units, unit k being on for `tau_on[k]` ms after each spike,
    /// accounting time from `t_start` (ms). Every unit starts off.
    pub fn new(tau_on: Vec<f64>, t_start: f64) -> Result<Self, OccupancyError> {
        let n = tau_on.len();
        if n == 0 || n > MAX_UNITS {
            return Err(OccupancyError::UnitCount { n });
        }
        if let Some((unit, &value)) = tau_on
            .iter()
            .enumerate()
            .find(|(_, &v)| !(v.is_finite() && v > 0.0))
        {
            return Err(OccupancyError::InvalidWindow { unit, value });
        }
        finite(t_start)?;
        Ok(Self {
            n,
            tau_on,
            t_start,
            now: f64::NEG_INFINITY,
            off_at: vec![f64::NEG_INFINITY; n],
            on_since: vec![f64::NEG_INFINITY; n],
            state: 0,
            durations: vec![0.0; 1 << n],
            on_closed: vec![0.0; n],
            pair_closed: vec![0.0; n * n],
            sampler: None,
        })
    }

    /// Also record the discrete samples z(t_start + kΔ), k = 0, 1, …, with `interval` = Δ in ms.
    /// The sample at time s is taken (with the tie rule: spikes at s included) once the readout
    /// has moved strictly past s, so after `advance_to(t)` the samples are those at s < t.
    /// Call it before the first spike (it is meant to be chained after [`Self::new`]).
    pub fn with_samples(mut self, interval: f64) -> Result<Self, OccupancyError> {
        if !(interval.is_finite() && interval > 0.0) {
            return Err(OccupancyError::InvalidInterval(interval));
        }
        self.sampler = Some(Sampler {
            interval,
            states: Vec::new(),
        });
        Ok(self)
    }

    /// Number of units.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Start of the accounted time (ms).
    pub fn t_start(&self) -> f64 {
        self.t_start
    }

    /// The current time of the readout (latest spike or advance) (ms); −∞ before the first.
    pub fn now(&self) -> f64 {
        self.now
    }

    /// Accounted time, max(0, now − t_start) (ms); the durations sum to it (up to rounding).
    pub fn elapsed(&self) -> f64 {
        (self.now - self.t_start).max(0.0)
    }

    /// A spike of `unit` at `t` (ms), not earlier than any previous spike or advance. The unit is
    /// on during [t, t + τ_on); if it is already on, its window restarts at t.
    pub fn spike(&mut self, unit: usize, t: f64) -> Result<(), OccupancyError> {
        if unit >= self.n {
            return Err(OccupancyError::UnknownUnit { unit, n: self.n });
        }
        self.advance_to(t)?;
        let mask = unit_mask(self.n, unit);
        if self.state & mask == 0 {
            self.state |= mask;
            self.on_since[unit] = t;
        }
        self.off_at[unit] = t + self.tau_on[unit];
        Ok(())
    }

    /// Account all time up to `t` (ms, not earlier than the current time), ending the on-windows
    /// that end at or before t in time order. Spikes at exactly t may still follow.
    pub fn advance_to(&mut self, t: f64) -> Result<(), OccupancyError> {
        finite(t)?;
        if t < self.now {
            return Err(OccupancyError::TimeWentBack { t, now: self.now });
        }
        while let Some((unit, end)) = self.next_window_end().filter(|&(_, end)| end <= t) {
            self.accumulate(end);
            self.turn_off(unit, end);
        }
        self.accumulate(t);
        Ok(())
    }

    /// The joint state at the current time (bit of unit k: `unit_mask(n, k)`, z_1 the most
    /// significant), with the tie rule: spikes given at the current time are included, windows
    /// ending at it are not.
    pub fn state_at_current_time(&self) -> u32 {
        self.state
    }

    /// Time spent in each of the 2ⁿ joint states within [t_start, now] (ms), by state index.
    pub fn durations(&self) -> &[f64] {
        &self.durations
    }

    /// ∫z_k dt over [t_start, now] for every unit k (ms); divided by [`Self::elapsed`] it is <z_k>.
    pub fn on_time(&self) -> Vec<f64> {
        (0..self.n)
            .map(|k| self.on_closed[k] + self.open_overlap(&[k]))
            .collect()
    }

    /// ∫z_i z_j dt over [t_start, now] (ms), n×n row-major, with ∫z_i dt on the diagonal; divided
    /// by [`Self::elapsed`] it is <z_i z_j>.
    pub fn co_on_time(&self) -> Vec<f64> {
        let n = self.n;
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            out[i * n + i] = self.on_closed[i] + self.open_overlap(&[i]);
            for j in i + 1..n {
                let v = self.pair_closed[i * n + j] + self.open_overlap(&[i, j]);
                out[i * n + j] = v;
                out[j * n + i] = v;
            }
        }
        out
    }

    /// The discrete samples recorded so far (see [`Self::with_samples`]): the state at
    /// t_start + kΔ for every such time before the current time, by k. Empty without sampling.
    pub fn samples(&self) -> &[u32] {
        self.sampler.as_ref().map_or(&[], |s| &s.states)
    }

    /// Start a new accounting period at `t` (ms): advance to t, then clear the durations, the
    /// integrals and the samples and set t_start = t. The on-windows carry over (a unit on at t
    /// counts from t). For statistics over consecutive windows, e.g. online training.
    pub fn restart_at(&mut self, t: f64) -> Result<(), OccupancyError> {
        self.advance_to(t)?;
        self.t_start = t;
        self.durations.fill(0.0);
        self.on_closed.fill(0.0);
        self.pair_closed.fill(0.0);
        if let Some(s) = &mut self.sampler {
            s.states.clear();
        }
        Ok(())
    }

    /// The unit whose on-window ends first, and that end (ms).
    fn next_window_end(&self) -> Option<(usize, f64)> {
        (0..self.n)
            .filter(|&k| self.state & unit_mask(self.n, k) != 0)
            .map(|k| (k, self.off_at[k]))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Add the constant-state stretch [now, b] and take the samples in [now, b).
    fn accumulate(&mut self, b: f64) {
        if b <= self.now {
            return;
        }
        let lo = self.now.max(self.t_start);
        if b > lo {
            self.durations[self.state as usize] += b - lo;
        }
        if let Some(s) = &mut self.sampler {
            while self.t_start + s.states.len() as f64 * s.interval < b {
                s.states.push(self.state);
            }
        }
        self.now = b;
    }

    /// End the on-run of `unit` at `t`, closing its integrals and its overlaps with the units on.
    fn turn_off(&mut self, unit: usize, t: f64) {
        let n = self.n;
        self.on_closed[unit] += clipped(t, self.on_since[unit].max(self.t_start));
        self.state &= !unit_mask(n, unit);
        for other in (0..n).filter(|&k| self.state & unit_mask(n, k) != 0) {
            let from = self.on_since[unit]
                .max(self.on_since[other])
                .max(self.t_start);
            let (i, j) = (unit.min(other), unit.max(other));
            self.pair_closed[i * n + j] += clipped(t, from);
        }
    }

    /// The time within [t_start, now] during which all `units` have been on together in their
    /// current runs (0 if any is off) (ms).
    fn open_overlap(&self, units: &[usize]) -> f64 {
        if units
            .iter()
            .any(|&k| self.state & unit_mask(self.n, k) == 0)
        {
            return 0.0;
        }
        let from = units
            .iter()
            .fold(self.t_start, |acc, &k| acc.max(self.on_since[k]));
        clipped(self.now, from)
    }
}

/// max(0, to − from).
fn clipped(to: f64, from: f64) -> f64 {
    (to - from).max(0.0)
}

fn finite(t: f64) -> Result<(), OccupancyError> {
    if t.is_finite() {
        Ok(())
    } else {
        Err(OccupancyError::NonFiniteTime(t))
    }
}

/// The joint states at the given `times` (ms, non-decreasing) of units with on-windows `tau_on`
/// (ms) driven by `spikes` (time in ms, unit), sorted by time; with the tie rule of the module
/// (a spike at a sample time is included, a window ending at it is not).
pub fn states_at(
    tau_on: &[f64],
    spikes: &[(f64, usize)],
    times: &[f64],
) -> Result<Vec<u32>, OccupancyError> {
    let start = times.first().copied().unwrap_or(0.0);
    let mut occupancy = Occupancy::new(tau_on.to_vec(), start)?;
    let mut next = spikes.iter().peekable();
    let mut out = Vec::with_capacity(times.len());
    for &t in times {
        while let Some(&&(ts, unit)) = next.peek().filter(|s| s.0 <= t) {
            occupancy.spike(unit, ts)?;
            next.next();
        }
        occupancy.advance_to(t)?;
        out.push(occupancy.state_at_current_time());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::source_stream;
    use crate::sampling::boltzmann::moments;
    use crate::sampling::boltzmann::tests::close;
    use rand::Rng;

    /// Units 0 (τ = 10 ms, bit 0b10) and 1 (τ = 5 ms, bit 0b01), t_start = 0:
    /// unit 0 spikes at −5 (on until 5) and at 5 (a tie with its window end: on until 15);
    /// unit 1 spikes at 2 (until 7) and 12 (until 17). Expected, in ms:
    /// [0, 2) 0b10, [2, 7) 0b11, [7, 12) 0b10, [12, 15) 0b11, [15, 17) 0b01, [17, 20) 0b00.
    fn hand_case() -> Occupancy {
        let mut occ = Occupancy::new(vec![10.0, 5.0], 0.0)
            .unwrap()
            .with_samples(5.0)
            .unwrap();
        occ.spike(0, -5.0).unwrap();
        occ.spike(1, 2.0).unwrap();
        occ.advance_to(5.0).unwrap();
        // The window of unit 0 ends at 5 and no spike at 5 has been given yet.
        assert_eq!(occ.state_at_current_time(), 0b01);
        occ.spike(0, 5.0).unwrap();
        // Tie rule: the spike at 5 wins, so the state at 5 is on.
        assert_eq!(occ.state_at_current_time(), 0b11);
        occ.spike(1, 12.0).unwrap();
        occ.advance_to(20.0).unwrap();
        occ
    }

    #[test]
    fn hand_case_durations_integrals_and_samples_are_exact() {
        let occ = hand_case();
        assert_eq!(occ.durations(), &[3.0, 2.0, 7.0, 8.0]);
        assert_eq!(occ.elapsed(), 20.0);
        assert_eq!(occ.on_time(), vec![15.0, 10.0]);
        assert_eq!(occ.co_on_time(), vec![15.0, 8.0, 8.0, 10.0]);
        // Samples at 0, 5, 10, 15 (20 is not past yet); at 5 the spike wins, at 15 the window
        // of unit 0 has ended.
        assert_eq!(occ.samples(), &[0b10, 0b11, 0b10, 0b01]);
        assert_eq!(occ.state_at_current_time(), 0);
    }

    #[test]
    fn integrals_of_runs_still_open_are_counted_up_to_now() {
        let mut occ = Occupancy::new(vec![10.0, 10.0, 10.0], 100.0).unwrap();
        occ.spike(0, 95.0).unwrap(); // on until 105, counts from 100
        occ.spike(1, 101.0).unwrap();
        occ.spike(2, 103.0).unwrap();
        occ.advance_to(104.0).unwrap();
        assert_eq!(occ.on_time(), vec![4.0, 3.0, 1.0]);
        assert_eq!(
            occ.co_on_time(),
            vec![4.0, 3.0, 1.0, 3.0, 3.0, 1.0, 1.0, 1.0, 1.0]
        );
        assert_eq!(occ.durations()[0b100], 1.0);
        assert_eq!(occ.durations()[0b110], 2.0);
        assert_eq!(occ.durations()[0b111], 1.0);
        assert_eq!(occ.state_at_current_time(), 0b111);
    }

    #[test]
    fn spikes_before_t_start_set_the_state_but_not_the_time() {
        let mut occ = Occupancy::new(vec![10.0], 50.0).unwrap();
        occ.spike(0, 45.0).unwrap();
        assert_eq!(occ.elapsed(), 0.0);
        assert_eq!(occ.state_at_current_time(), 1);
        occ.advance_to(60.0).unwrap();
        assert_eq!(occ.durations(), &[5.0, 5.0]);
        assert_eq!(occ.on_time(), vec![5.0]);
        // A window wholly before t_start counts nothing.
        let mut occ = Occupancy::new(vec![10.0], 50.0).unwrap();
        occ.spike(0, 20.0).unwrap();
        occ.advance_to(30.0).unwrap();
        occ.advance_to(60.0).unwrap();
        assert_eq!(occ.durations(), &[10.0, 0.0]);
        assert_eq!(occ.on_time(), vec![0.0]);
    }

    #[test]
    fn a_spike_while_on_restarts_the_window() {
        let mut occ = Occupancy::new(vec![10.0], 0.0).unwrap();
        occ.spike(0, 0.0).unwrap();
        occ.spike(0, 4.0).unwrap();
        occ.advance_to(13.999).unwrap();
        assert_eq!(occ.state_at_current_time(), 1);
        occ.advance_to(14.0).unwrap();
        assert_eq!(occ.state_at_current_time(), 0);
        occ.advance_to(20.0).unwrap();
        assert_eq!(occ.durations(), &[6.0, 14.0]);
        assert_eq!(occ.on_time(), vec![14.0]);
    }

    #[test]
    fn restart_clears_the_accounts_but_keeps_the_windows() {
        let mut occ = hand_case();
        occ.restart_at(20.0).unwrap();
        assert_eq!(occ.elapsed(), 0.0);
        assert!(occ.samples().is_empty());
        occ.spike(1, 21.0).unwrap(); // on until 26
        occ.spike(0, 23.0).unwrap(); // on until 33
        occ.advance_to(30.0).unwrap();
        assert_eq!(occ.t_start(), 20.0);
        assert_eq!(occ.durations(), &[1.0, 2.0, 4.0, 3.0]);
        assert_eq!(occ.co_on_time(), vec![7.0, 3.0, 3.0, 5.0]);
        assert_eq!(occ.samples(), &[0b00, 0b11]); // at 20 and 25
                                                  // Restarting in the middle of two open runs counts them from the restart on.
        occ.restart_at(31.0).unwrap();
        occ.spike(1, 32.0).unwrap();
        occ.advance_to(35.0).unwrap();
        assert_eq!(occ.co_on_time(), vec![2.0, 1.0, 1.0, 3.0]);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(
            Occupancy::new(vec![], 0.0).unwrap_err(),
            OccupancyError::UnitCount { n: 0 }
        );
        assert_eq!(
            Occupancy::new(vec![1.0; 21], 0.0).unwrap_err(),
            OccupancyError::UnitCount { n: 21 }
        );
        assert_eq!(
            Occupancy::new(vec![1.0, 0.0], 0.0).unwrap_err().to_string(),
            "the on-window of unit 1 must be a finite time > 0 ms, but it is 0.0 ms"
        );
        assert!(Occupancy::new(vec![1.0], f64::NAN).is_err());
        assert!(Occupancy::new(vec![1.0], 0.0)
            .unwrap()
            .with_samples(-1.0)
            .is_err());
        let mut occ = Occupancy::new(vec![1.0, 2.0], 0.0).unwrap();
        occ.spike(0, 3.0).unwrap();
        assert_eq!(
            occ.spike(1, 2.5).unwrap_err().to_string(),
            "time 2.5 ms is before the current time 3.0 ms (spikes and advances must come in non-decreasing time order)"
        );
        assert!(occ.advance_to(2.0).is_err());
        assert!(occ.advance_to(f64::INFINITY).is_err());
        assert_eq!(
            occ.spike(2, 4.0).unwrap_err().to_string(),
            "unit 2 does not exist (there are 2 units)"
        );
        assert_eq!(occ.now(), 3.0, "a rejected call changes nothing");
    }

    /// Random spike trains of 4 units: Poisson at 0.08/ms from t = 0, plus one spike placed
    /// exactly at the end of a window of unit 0 (the tie), one at t_start and bursts that restart
    /// windows, all before `t_end`. Sorted by time.
    fn random_trains(seed: u64, tau: &[f64], t_start: f64, t_end: f64) -> Vec<(f64, usize)> {
        let mut rng = source_stream(seed, "trains", 0);
        let mut spikes = Vec::new();
        for (unit, &tau_unit) in tau.iter().enumerate() {
            let mut t = 0.0;
            loop {
                t += -(1.0 - rng.random::<f64>()).ln() / 0.08;
                if t >= t_end {
                    break;
                }
                spikes.push((t, unit));
                if rng.random::<f64>() < 0.2 && t + 0.3 * tau_unit < t_end {
                    spikes.push((t + 0.3 * tau_unit, unit)); // restarts the window
                }
            }
        }
        let first0 = spikes.iter().find(|s| s.1 == 0).unwrap().0;
        spikes.push((first0 + tau[0], 0)); // exactly where its window ends
        spikes.push((t_start, 1));
        spikes.sort_by(|a, b| a.0.total_cmp(&b.0));
        spikes
    }

    /// Brute force: unit k is on at x iff its last spike t_s ≤ x has x < t_s + τ_k.
    fn brute_state(spikes: &[(f64, usize)], tau: &[f64], x: f64) -> u32 {
        let n = tau.len();
        let mut state = 0;
        for (k, &tau_k) in tau.iter().enumerate() {
            let last = spikes
                .iter()
                .filter(|s| s.1 == k && s.0 <= x)
                .map(|s| s.0)
                .fold(f64::NEG_INFINITY, f64::max);
            if x < last + tau_k {
                state |= unit_mask(n, k);
            }
        }
        state
    }

    #[test]
    fn event_readout_matches_a_brute_force_fine_grid() {
        let tau = [10.0, 7.3, 12.5, 3.1];
        let (n, t_start, t_end, h) = (4, 20.0, 220.0, 1e-5);
        for seed in [1, 2] {
            let spikes = random_trains(seed, &tau, t_start, t_end);
            let mut occ = Occupancy::new(tau.to_vec(), t_start).unwrap();
            for &(t, unit) in &spikes {
                occ.spike(unit, t).unwrap();
            }
            occ.advance_to(t_end).unwrap();

            // Midpoint grid; per unit, a pointer to the last spike at or before x.
            let per_unit: Vec<Vec<f64>> = (0..n)
                .map(|k| spikes.iter().filter(|s| s.1 == k).map(|s| s.0).collect())
                .collect();
            let mut next = vec![0usize; n];
            let mut grid = vec![0.0; 1 << n];
            let mut grid_on = vec![0.0; n * n];
            let steps = ((t_end - t_start) / h).round() as usize;
            for i in 0..steps {
                let x = t_start + (i as f64 + 0.5) * h;
                let mut on = [false; 4];
                let mut state = 0;
                for k in 0..n {
                    while next[k] < per_unit[k].len() && per_unit[k][next[k]] <= x {
                        next[k] += 1;
                    }
                    on[k] = next[k] > 0 && x < per_unit[k][next[k] - 1] + tau[k];
                    if on[k] {
                        state |= unit_mask(n, k);
                    }
                }
                grid[state as usize] += h;
                for a in 0..n {
                    for b in 0..n {
                        if on[a] && on[b] {
                            grid_on[a * n + b] += h;
                        }
                    }
                }
            }
            // Each on/off switch misplaces at most h of time between two states.
            let tol = 2.0 * spikes.len() as f64 * h;
            let visited = occ.durations().iter().filter(|&&d| d > 0.0).count();
            assert!(visited >= 10, "seed {seed}: only {visited} states visited");
            for (s, (&got, &want)) in occ.durations().iter().zip(&grid).enumerate() {
                assert!(
                    close(got, want, tol),
                    "seed {seed} state {s:04b}: {got} vs grid {want}"
                );
            }
            for (ij, (&got, &want)) in occ.co_on_time().iter().zip(&grid_on).enumerate() {
                assert!(
                    close(got, want, tol),
                    "seed {seed} pair {ij}: {got} vs grid {want}"
                );
            }
            assert!(close(
                occ.durations().iter().sum::<f64>(),
                t_end - t_start,
                1e-9
            ));
            // The lazily accumulated integrals equal the moments of the durations.
            let (m, c) = moments(occ.durations(), n);
            for (a, b) in occ.co_on_time().iter().zip(&c) {
                assert!(close(*a, *b, 1e-9));
            }
            for (a, b) in occ.on_time().iter().zip(&m) {
                assert!(close(*a, *b, 1e-9));
            }
        }
    }

    #[test]
    fn discrete_samples_match_the_brute_force_state_including_ties() {
        let tau = [10.0, 7.3, 12.5, 3.1];
        let (t_start, t_end) = (20.0, 220.0);
        let spikes = random_trains(3, &tau, t_start, t_end);
        let mut occ = Occupancy::new(tau.to_vec(), t_start)
            .unwrap()
            .with_samples(0.7)
            .unwrap();
        for &(t, unit) in &spikes {
            occ.spike(unit, t).unwrap();
        }
        occ.advance_to(t_end).unwrap();
        let expected: Vec<u32> = (0..)
            .map(|k| t_start + k as f64 * 0.7)
            .take_while(|&s| s < t_end)
            .map(|s| brute_state(&spikes, &tau, s))
            .collect();
        assert_eq!(expected.len(), 286);
        assert_eq!(occ.samples(), expected.as_slice());

        // At arbitrary times, at every spike time (spike wins) and at every window end (off).
        let mut times: Vec<f64> = spikes.iter().map(|s| s.0).collect();
        times.extend(spikes.iter().map(|s| s.0 + tau[s.1]));
        times.extend((0..500).map(|i| 3.0 + i as f64 * 0.4321));
        times.sort_by(f64::total_cmp);
        let got = states_at(&tau, &spikes, &times).unwrap();
        let mut ties = 0;
        for (&t, &state) in times.iter().zip(&got) {
            assert_eq!(state, brute_state(&spikes, &tau, t), "t = {t}");
            ties += spikes
                .iter()
                .filter(|s| s.0 == t && spikes.iter().any(|r| r.1 == s.1 && r.0 + tau[r.1] == t))
                .count();
        }
        assert!(ties >= 1, "the trains contain no spike at a window end");
    }
}
