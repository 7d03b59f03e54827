//! Adam with a step learning-rate schedule, as PyTorch's `torch.optim.Adam` and `StepLR` define
//! them (so that the reference's hyper-parameters mean the same here).

/// Adam's state for a list of parameter vectors.
#[derive(Clone, Debug)]
pub struct Adam {
    beta1: f64,
    beta2: f64,
    eps: f64,
    steps: i32,
    first: Vec<Vec<f64>>,
    second: Vec<Vec<f64>>,
}

impl Adam {
    /// Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8, PyTorch's defaults) for parameters shaped like
    /// `shapes`.
    pub fn new(shapes: &[Vec<f64>]) -> Self {
        let zeros: Vec<Vec<f64>> = shapes.iter().map(|p| vec![0.0; p.len()]).collect();
        Self {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            steps: 0,
            first: zeros.clone(),
            second: zeros,
        }
    }

    /// One step of learning rate `lr` on `params` (one slice per layer) along `grads`.
    pub fn step<'a>(
        &mut self,
        lr: f64,
        params: impl Iterator<Item = &'a mut [f64]>,
        grads: &[Vec<f64>],
    ) {
        self.steps += 1;
        let correction1 = 1.0 - self.beta1.powi(self.steps);
        let root_correction2 = (1.0 - self.beta2.powi(self.steps)).sqrt();
        let step_size = lr / correction1;
        for (((p, g), m), v) in params.zip(grads).zip(&mut self.first).zip(&mut self.second) {
            for i in 0..p.len() {
                m[i] = self.beta1 * m[i] + (1.0 - self.beta1) * g[i];
                v[i] = self.beta2 * v[i] + (1.0 - self.beta2) * g[i] * g[i];
                p[i] -= step_size * m[i] / (v[i].sqrt() / root_correction2 + self.eps);
            }
        }
    }
}

/// `StepLR`: the learning rate is multiplied by `gamma` every `step` epochs.
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepSchedule {
    /// Learning rate of the first epochs [dimensionless].
    pub lr: f64,
    /// Factor applied every `step` epochs.
    pub gamma: f64,
    /// Epochs between two reductions.
    pub step: usize,
}

impl StepSchedule {
    /// Learning rate of epoch `epoch` (from 0).
    pub fn lr(&self, epoch: usize) -> f64 {
        self.lr * self.gamma.powi((epoch / self.step.max(1)) as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two steps by hand: with constant gradient g, Adam's first step is lr·sign(g) (bias-corrected).
    #[test]
    fn first_steps_match_the_formula() {
        let mut params = vec![vec![1.0, -2.0]];
        let grads = vec![vec![0.5, -4.0]];
        let mut adam = Adam::new(&params);
        adam.step(0.01, params.iter_mut().map(Vec::as_mut_slice), &grads);
        assert!(
            (params[0][0] - 0.99).abs() < 1e-9 && (params[0][1] + 1.99).abs() < 1e-9,
            "{params:?}"
        );
        adam.step(0.01, params.iter_mut().map(Vec::as_mut_slice), &grads);
        assert!((params[0][0] - 0.98).abs() < 1e-9, "{params:?}");
        let schedule = StepSchedule {
            lr: 0.005,
            gamma: 0.95,
            step: 20,
        };
        assert_eq!(schedule.lr(19), 0.005);
        assert!((schedule.lr(45) - 0.005 * 0.95 * 0.95).abs() < 1e-15);
    }
}
