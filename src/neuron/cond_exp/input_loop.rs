//! `IF_cond_exp`'s own loop through a neuron's folded inputs
//! ([`crate::neuron::ExactNeuron::run_inputs`]) on the closed-form path: the calls the engine
//! would make, written out with the same arithmetic in the same order.

use super::{CondExp, CondExpState, Free, FREE_ZERO};
use crate::neuron::ExactNeuron;
use crate::neuron::{InputFeed, InputRun, Receptor};

impl CondExp {
    /// [`ExactNeuron::run_inputs`] on the closed-form path: the calls the engine would make
    /// (`absorb`, `advance`, `receive`, `next_spike_before`), written out on a local copy of
    /// the state with the same arithmetic in the same order.
    pub(super) fn run_closed<F: InputFeed>(
        &self,
        st: &mut CondExpState,
        feed: &mut F,
        until: f64,
    ) -> InputRun {
        let mut run = InputRun {
            spike: None,
            events: 0,
            inputs: 0,
        };
        // No input is due at an infinite `until`: an infinite arrival means none.
        let until = until.min(f64::MAX);
        let mut s = st.clone();
        let mut h = feed.next_arrival();
        loop {
            if s.t >= s.t_ref && !s.q.is_nan() {
                // Free: inputs one after another until the next refractory period or `until`.
                run.spike = self.free_inputs(&mut s, feed, &mut h, until, &mut run);
                if run.spike.is_some() {
                    break;
                }
            }
            // The next event (the engine's `wake_time` of its `search_end`): the input at `h`,
            // the end of the refractory period if later, or a wake where the last search
            // stopped looking if sooner.
            let end = h.min(self.lookahead_until(&s));
            let due = if end == f64::INFINITY {
                end
            } else {
                end.max(s.t_ref)
            };
            if due > until {
                break;
            }
            run.events += 1;
            if h < s.t_ref {
                // `absorb`: every input before the end of the refractory period.
                let mut clamped = (s.t, s.g_e, s.g_i);
                while h < s.t_ref {
                    let (receptor, weight, next) = feed.take();
                    clamped = self.absorb_one(clamped, (h, receptor, weight));
                    h = next;
                    run.inputs += 1;
                }
                self.set_clamped(&mut s, clamped);
            }
            if h <= due {
                let (receptor, weight, next) = feed.take();
                run.inputs += 1;
                self.advance(&mut s, due);
                self.receive(&mut s, receptor, weight);
                h = next;
            } else {
                // A wake where the last search stopped looking (`end ≤ due < h`): look on from
                // here.
                self.advance(&mut s, due);
            }
            // Up to the next arrival or the lookahead, whichever is sooner (`search_end`).
            let end = h.min(self.lookahead_until(&s));
            let spike = self.search(&mut s, end);
            if spike.is_some() {
                run.spike = spike;
                break;
            }
        }
        *st = s;
        run
    }

    /// The free part of [`CondExp::run_closed`]: while `st` is free (`t ≥ t_ref`, cached `Q_s`
    /// valid) and the next arrival `h` [ms] is at most `until` [ms], take the input and search
    /// up to the following arrival, keeping the free point in locals instead of going through
    /// `advance`/`receive`/`next_spike_before` (same arithmetic, same order). Returns the spike
    /// time [ms] if the search finds one; `st` is then left as those calls leave it.
    #[inline(always)]
    pub(super) fn free_inputs<F: InputFeed>(
        &self,
        st: &mut CondExpState,
        feed: &mut F,
        h: &mut f64,
        until: f64,
        run: &mut InputRun,
    ) -> Option<f64> {
        let (mut t, mut v, mut g_e, mut g_i, mut q) = (st.t, st.v, st.g_e, st.g_i, st.q);
        let mut ahead = st.ahead.take().filter(|&(t_ahead, _)| t_ahead == *h);
        let mut spike = None;
        // The next event is the input at `h` while the last search looked as far (else a wake).
        let mut reach = {
            let (ge, gi) = self.normalised(g_e, g_i);
            self.search_end_free(t, &Free { v, ge, gi, q }, *h)
        };
        while *h <= until && *h <= reach {
            run.events += 1;
            run.inputs += 1;
            let (receptor, weight, next) = feed.take();
            // `advance` to the arrival (nothing to do at the same time).
            if *h > t {
                let f_h = match ahead {
                    Some((_, f)) => f,
                    None => {
                        let (ge, gi) = self.normalised(g_e, g_i);
                        self.evolve(&Free { v, ge, gi, q }, *h - t)
                    }
                };
                (t, v, g_e, g_i) = (*h, f_h.v, f_h.ge * self.g_l, f_h.gi * self.g_l);
            }
            // `receive`.
            (g_e, g_i) = Self::with_input((g_e, g_i), receptor, weight);
            let (ge, gi) = self.normalised(g_e, g_i);
            q = self.q_at(ge, gi);
            *h = next;
            // `next_spike_before` the following arrival or the lookahead, whichever is sooner.
            let f = Free { v, ge, gi, q };
            let end = self.search_end_free(t, &f, next);
            reach = end;
            let found = self.next_spike_closed(&f, end - t);
            ahead = found.at_horizon.map(|f| (end, f));
            if let Some(dt) = found.spike {
                spike = Some(t + dt);
                break;
            }
        }
        (st.t, st.v, st.g_e, st.g_i, st.q, st.ahead) = (t, v, g_e, g_i, q, ahead);
        spike
    }

    /// Conductances `(g_E, g_I)` [µS] after an input of `weight` [µS] onto `receptor`.
    #[inline(always)]
    pub(super) fn with_input(
        (g_e, g_i): (f64, f64),
        receptor: Receptor,
        weight: f64,
    ) -> (f64, f64) {
        match receptor {
            Receptor::Excitatory => (g_e + weight, g_i),
            Receptor::Inhibitory => (g_e, g_i + weight),
        }
    }

    /// Conductances [µS] in units of the leak conductance (dimensionless `ĝ`).
    #[inline(always)]
    pub(super) fn normalised(&self, g_e: f64, g_i: f64) -> (f64, f64) {
        (g_e * self.inv_g_l, g_i * self.inv_g_l)
    }

    /// One refractory input `(t [ms], receptor, weight [µS])` applied to the clamped state
    /// `(time [ms], g_e [µS], g_i [µS])`: decay to `t`, add the weight.
    #[inline(always)]
    pub(super) fn absorb_one(
        &self,
        (t0, g_e, g_i): (f64, f64, f64),
        (t, receptor, weight): (f64, Receptor, f64),
    ) -> (f64, f64, f64) {
        let (mut t0, mut g_e, mut g_i) = (t0, g_e, g_i);
        if t > t0 {
            let conductances = Free {
                ge: g_e,
                gi: g_i,
                ..FREE_ZERO
            };
            (g_e, g_i) = self.decayed(&conductances, t - t0);
            t0 = t;
        }
        (g_e, g_i) = Self::with_input((g_e, g_i), receptor, weight);
        (t0, g_e, g_i)
    }

    /// Store the clamped state `(time [ms], g_e [µS], g_i [µS])` left by refractory inputs.
    pub(super) fn set_clamped(&self, state: &mut CondExpState, (t, g_e, g_i): (f64, f64, f64)) {
        (state.t, state.g_e, state.g_i) = (t, g_e, g_i);
        state.v = self.v_reset;
        state.q = f64::NAN;
        state.ahead = None;
    }
}
