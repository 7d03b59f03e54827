//! The choice of [`super::EventLoop::Adaptive`] between windows ([`super::window`]) and the
//! event-by-event loop, by measurement: a trial of windows, then a trial of single events, then
//! whichever cost less time per unit of work (input events and spikes) for a period of about
//! [`PERIOD_TRIALS`] times the trials' time, then the trials again. A network's activity at its
//! start (a kick, a burn-in) need not be that of the rest of the run, so one choice at the start
//! can be the wrong one.
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

/// Events (queue pops) of the event-by-event loop's trial at most: it ends once it has done
/// the windows' trial's work (checked every [`TRIAL_EVENT_CHUNK`] events), so that both trials
/// take about as long (an event can be a spike with many targets).
const TRIAL_EVENTS: u64 = 4096;

/// Events the trial of single events pops between checks of its work.
const TRIAL_EVENT_CHUNK: u64 = 64;

/// How long the chosen loop runs before the trials run again, in units of the trials' time:
/// its period is this many times the trials' time at the chosen loop's trial speed, at most
/// [`MAX_PERIOD_TRIALS`] of its trials. In the COBA benchmark network (1 s) a period of 256 trials' length
/// was longer than the run, and the choice made in its first milliseconds held throughout.
const PERIOD_TRIALS: f64 = 16.0;

/// The longest period, in trials of the chosen loop.
const MAX_PERIOD_TRIALS: f64 = 256.0;

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
    /// Neuron visits or events of the chosen loop since the choice.
    chosen: u64,
    /// Neuron visits or events of the chosen loop before the trials run again.
    period: u64,
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

    /// Events to pop before the single-event trial looks at its work again.
    fn events_left(&self) -> u64 {
        TRIAL_EVENTS
            .saturating_sub(self.events)
            .min(TRIAL_EVENT_CHUNK)
    }

    /// Events the chosen event-by-event loop may still pop in its period.
    fn chosen_events_left(&self) -> u64 {
        self.period.saturating_sub(self.chosen)
    }

    /// Count `work` neuron visits (windows) or events of the chosen loop; at the period's end,
    /// start the trials again (and say so).
    pub fn chosen_for(&mut self, work: u64) -> bool {
        self.chosen += work;
        let over = self.chosen >= self.period;
        if over {
            *self = Trial::default();
        }
        over
    }

    /// Count `events` single events that did `work` in `seconds`; at the trial's end (the
    /// windows' trial's work done, or [`TRIAL_EVENTS`] popped), choose.
    fn single_events(&mut self, events: u64, work: u64, seconds: f64) {
        self.events += events;
        self.event_work += work;
        self.event_seconds += seconds;
        if self.events >= TRIAL_EVENTS || self.event_work >= self.window_work {
            // Time per unit of work, compared without dividing by a zero count.
            let windows_cheaper = self.window_seconds * (self.event_work as f64)
                < self.event_seconds * (self.window_work as f64);
            let (choice, trial, trial_seconds) = if windows_cheaper {
                (LoopChoice::Windows, self.visits, self.window_seconds)
            } else {
                (LoopChoice::Events, self.events, self.event_seconds)
            };
            let trials = PERIOD_TRIALS * (self.window_seconds + self.event_seconds) / trial_seconds;
            // No time measured at all (0/0): the shortest period.
            let trials = match trials.is_nan() {
                true => 1.0,
                false => trials.clamp(1.0, MAX_PERIOD_TRIALS),
            };
            self.period = ((trial as f64 * trials) as u64).max(1);
            self.choice = choice;
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
                    let (work, started, asked) =
                        (summary.work(), Instant::now(), self.trial.events_left());
                    let events = self.run_events(t_end, asked, out, summary)?;
                    let seconds = started.elapsed().as_secs_f64();
                    self.trial
                        .single_events(events, summary.work() - work, seconds);
                    let more = events >= asked && summary.termination.is_completed();
                    if self.trial.choice == before && more {
                        // The trial goes on with its next chunk.
                        continue;
                    }
                }
                LoopChoice::Events => {
                    let left = self.trial.chosen_events_left();
                    let events = self.run_events(t_end, left, out, summary)?;
                    self.trial.chosen_for(events);
                }
            }
            // The same choice again: the run is through `t_end`, interrupted, or has no windows
            // (or the event-by-event loop's period goes on in the next segment).
            if self.trial.choice == before || !summary.termination.is_completed() {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Cell, Connector, ExperimentBuilder, PoissonParams};
    use crate::engine::EventLoop;
    use crate::neuron::{CondExpParams, Receptor, StateVariable};
    use crate::record::MemoryRecorder;

    /// 300 neurons (tau_syn 5/10 ms) near threshold with their own Poisson noise, recurrent at
    /// 0.5 ms (spiking while the trial of single events runs, so that a window after it that
    /// started too late would change the spikes), their
    /// spikes and some membranes recorded, run with `event_loop` from `trial`, pausing at
    /// `pauses` [ms]. Returns the recording and the loop chosen at the end.
    fn run(event_loop: EventLoop, trial: Trial, pauses: &[f64]) -> (MemoryRecorder, Trial) {
        let mut net = ExperimentBuilder::new("trial", 60.0);
        net.seed(3);
        let lif = CondExpParams {
            tau_syn_E: 5.0,
            v_rest: -52.0,
            ..CondExpParams::default()
        };
        net.population("neurons", 300, Cell::if_cond_exp(lif))
            .initial_v(-50.5);
        let noise = PoissonParams {
            rate: 2000.0,
            ..PoissonParams::default()
        };
        net.population("noise", 300, Cell::poisson(noise));
        net.projection("noise", "neurons", Connector::OneToOne)
            .weight(0.002);
        let random = Connector::FixedProbability {
            p: 0.05,
            allow_self_connections: false,
        };
        net.projection("neurons", "neurons", random)
            .weight(0.003)
            .delay(0.5)
            .receptor(Receptor::Inhibitory);
        net.record_spikes("neurons");
        net.record_interval(0.1);
        net.record_signals("neurons", &[StateVariable::V])
            .indices(&[299, 0, 150]);
        let experiment = net.build().expect("valid");
        let mut sim = Simulation::new(&experiment).expect("builds");
        sim.set_loop(event_loop);
        sim.trial = trial;
        let mut rec = MemoryRecorder::new(sim.layout().clone());
        for &t in pauses {
            sim.run_until(t, &mut rec, None, &mut |_| {}).expect("runs");
        }
        sim.run(&mut rec, None, &mut |_| {}).expect("runs");
        (rec, sim.trial)
    }

    #[test]
    fn windows_after_the_single_event_trial_change_nothing() {
        let (reference, _) = run(EventLoop::Events, Trial::default(), &[]);
        let spikes = &reference.spikes[0].times;
        assert!(spikes.len() > 300, "{} spikes", spikes.len());
        // The windows' trial over, and as cheap as can be: windows follow the single events,
        // whose trial runs all its events (more work than it can do).
        let windows_won = Trial {
            choice: LoopChoice::TrialEvents,
            visits: TRIAL_VISITS,
            window_work: u64::MAX,
            ..Trial::default()
        };
        for pauses in [&[][..], &[0.5, 2.0, 7.25]] {
            let (rec, trial) = run(EventLoop::Adaptive, windows_won, pauses);
            assert_eq!(trial.choice, LoopChoice::Windows, "pauses {pauses:?}");
            assert_eq!(rec.spikes[0].senders, reference.spikes[0].senders);
            let bits = |r: &MemoryRecorder| -> Vec<u64> {
                let (spikes, samples) = (&r.spikes[0].times, &r.signals[0].values);
                spikes.iter().chain(samples).map(|x| x.to_bits()).collect()
            };
            assert_eq!(bits(&rec), bits(&reference), "pauses {pauses:?}");
        }
    }

    #[test]
    fn the_trials_run_again_after_a_period_of_the_chosen_loop() {
        let mut trial = Trial {
            choice: LoopChoice::Windows,
            period: 1000,
            ..Trial::default()
        };
        assert!(!trial.chosen_for(999));
        assert_eq!(trial.choice, LoopChoice::Windows);
        assert!(trial.chosen_for(1));
        assert_eq!(trial.choice, LoopChoice::TrialWindows);
        assert_eq!((trial.visits, trial.events, trial.chosen), (0, 0, 0));
        let mut trial = Trial {
            choice: LoopChoice::Events,
            chosen: 10,
            period: 1000,
            ..Trial::default()
        };
        assert_eq!(trial.chosen_events_left(), 990);
        assert!(trial.chosen_for(990));
        assert_eq!(trial.choice, LoopChoice::TrialWindows);
    }

    /// The single-event trial goes on, a chunk at a time, until it has done the windows' trial's
    /// work.
    #[test]
    fn the_single_event_trial_ends_with_the_windows_work() {
        let mut trial = Trial {
            choice: LoopChoice::TrialEvents,
            visits: TRIAL_VISITS,
            window_work: 1000,
            window_seconds: 1.0,
            ..Trial::default()
        };
        trial.single_events(TRIAL_EVENT_CHUNK, 999, 1.0);
        assert_eq!(trial.choice, LoopChoice::TrialEvents);
        assert_eq!(trial.events_left(), TRIAL_EVENT_CHUNK);
        trial.single_events(TRIAL_EVENT_CHUNK, 1, 1.0);
        assert_eq!(trial.choice, LoopChoice::Windows);
    }

    /// The chosen loop runs for [`PERIOD_TRIALS`] times the trials' time, at its trial speed,
    /// and for at most [`MAX_PERIOD_TRIALS`] of its trials.
    #[test]
    fn the_period_is_a_multiple_of_the_trials_time() {
        let after_trials = |window_seconds: f64, event_seconds: f64| {
            let mut trial = Trial {
                choice: LoopChoice::TrialEvents,
                visits: TRIAL_VISITS,
                window_work: 1000,
                window_seconds,
                ..Trial::default()
            };
            trial.single_events(TRIAL_EVENTS, 1000, event_seconds);
            (trial.choice, trial.period)
        };
        // Windows twice as fast: 16 × 0.75 s of trials at 4096 visits per 0.25 s.
        let windows = (LoopChoice::Windows, 48 * TRIAL_VISITS);
        assert_eq!(after_trials(0.25, 0.5), windows);
        let events = (LoopChoice::Events, 48 * TRIAL_EVENTS);
        assert_eq!(after_trials(0.5, 0.25), events);
        let capped = (LoopChoice::Windows, 256 * TRIAL_VISITS);
        assert_eq!(after_trials(1.0 / 1024.0, 1.0), capped);
    }

    #[test]
    fn trials_again_in_the_middle_of_a_run_change_nothing() {
        let (reference, _) = run(EventLoop::Events, Trial::default(), &[]);
        // Either loop chosen, with its period almost over: the trials run again mid-run (and
        // again at the pauses' segments).
        for trial in [
            Trial {
                choice: LoopChoice::Windows,
                chosen: 256 * TRIAL_VISITS - 200,
                period: 256 * TRIAL_VISITS,
                ..Trial::default()
            },
            Trial {
                choice: LoopChoice::Events,
                chosen: 256 * TRIAL_EVENTS - 200,
                period: 256 * TRIAL_EVENTS,
                ..Trial::default()
            },
        ] {
            for pauses in [&[][..], &[3.0, 7.25]] {
                let (rec, after) = run(EventLoop::Adaptive, trial, pauses);
                // The trials ran again: the chosen loop's count started anew.
                assert!(after.chosen < trial.chosen, "{after:?}");
                assert_eq!(rec.spikes[0].times, reference.spikes[0].times);
                assert_eq!(rec.spikes[0].senders, reference.spikes[0].senders);
                assert_eq!(rec.signals[0].values, reference.signals[0].values);
            }
        }
    }
}
