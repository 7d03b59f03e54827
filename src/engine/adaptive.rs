//! The choice of [`super::EventLoop::Adaptive`] between windows ([`super::window`]) and the
//! event-by-event loop, by measurement: a trial of windows, then a trial of single events, then
//! whichever cost less time per unit of work (input events and spikes), for the rest of the run.
//!
//! Neither loop is cheaper everywhere: a window visit costs about as much as one event, so on
//! one thread windows pay off only when neurons have several events per window, but on several
//! threads their neurons run in parallel ([`super::shards`]), which pays off when the neurons'
//! own work is large (`IF_cond_exp` with two time constants) and not when the queue's is (the
//! CUBA benchmark). Both loops give the same outputs bitwise, so the choice changes only the
//! speed; it depends on the machine's timing, never on the results.

use std::time::Instant;

use super::{Observers, RunSummary, Simulation};
use crate::record::RecordError;

/// Neuron visits of the windows' trial.
const TRIAL_VISITS: u64 = 4096;

/// Events (queue pops) of the event-by-event loop's trial.
const TRIAL_EVENTS: u64 = 4096;

/// Which loop [`super::EventLoop::Adaptive`] runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum LoopChoice {
    /// Windows, while their cost is measured.
    #[default]
    TrialWindows,
    /// Single events, while their cost is measured.
    TrialEvents,
    /// Windows, found cheaper.
    Windows,
    /// Single events, found cheaper.
    Events,
}

/// The trials' measurements and the choice.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Trial {
    /// The loop to run now.
    pub choice: LoopChoice,
    /// Neuron visits in trial windows.
    visits: u64,
    /// Work (input events and spikes) done in trial windows.
    window_work: u64,
    /// Time spent in trial windows [s].
    window_seconds: f64,
    /// Events popped in the single-event trial.
    events: u64,
    /// Work done in the single-event trial.
    event_work: u64,
    /// Time spent in the single-event trial [s].
    event_seconds: f64,
}

impl Trial {
    /// Count a trial window of `visits` neuron visits that did `work` in `seconds`; true when
    /// the windows' trial is over.
    pub fn window(&mut self, visits: u64, work: u64, seconds: f64) -> bool {
        self.visits += visits;
        self.window_work += work;
        self.window_seconds += seconds;
        let over = self.visits >= TRIAL_VISITS;
        if over {
            self.choice = LoopChoice::TrialEvents;
        }
        over
    }

    /// Events still to pop in the single-event trial.
    fn events_left(&self) -> u64 {
        TRIAL_EVENTS.saturating_sub(self.events)
    }

    /// Count `events` single events that did `work` in `seconds`; at the trial's end, choose.
    fn single_events(&mut self, events: u64, work: u64, seconds: f64) {
        self.events += events;
        self.event_work += work;
        self.event_seconds += seconds;
        if self.events >= TRIAL_EVENTS {
            // Time per unit of work, compared without dividing by a zero count.
            let windows_cheaper = self.window_seconds * (self.event_work as f64)
                < self.event_seconds * (self.window_work as f64);
            self.choice = if windows_cheaper {
                LoopChoice::Windows
            } else {
                LoopChoice::Events
            };
        }
    }
}

impl RunSummary {
    /// Work done: input events and spikes (the unit in which the loops' costs are compared).
    pub(super) fn work(&self) -> u64 {
        self.input_events + self.neuron_spikes + self.source_spikes
    }
}

impl Simulation {
    /// Run through `t_end` [ms] as [`super::EventLoop::Adaptive`] chooses, leaving the rest to the
    /// caller's event-by-event loop (nothing, when windows ran through).
    pub(super) fn run_adaptive(
        &mut self,
        t_end: f64,
        out: &mut Observers,
        summary: &mut RunSummary,
    ) -> Result<(), RecordError> {
        loop {
            let before = self.trial.choice;
            match before {
                LoopChoice::TrialWindows | LoopChoice::Windows => {
                    self.run_windows(t_end, out, summary)?
                }
                LoopChoice::TrialEvents => {
                    let (work, started) = (summary.work(), Instant::now());
                    let events = self.run_events(t_end, self.trial.events_left(), out, summary)?;
                    let seconds = started.elapsed().as_secs_f64();
                    self.trial
                        .single_events(events, summary.work() - work, seconds);
                }
                LoopChoice::Events => return Ok(()),
            }
            // The same choice again: the run is through `t_end`, interrupted, or has no windows.
            if self.trial.choice == before || !summary.termination.is_completed() {
                return Ok(());
            }
        }
    }
}
