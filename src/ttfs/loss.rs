//! The loss of Göltz et al.: cross-entropy on a softmax over negative output spike times, plus a
//! regulariser that pulls the label neuron's spike early,
//!
//! L = −log[e^{−t_{n*}/(ξτ)} / Σ_n e^{−t_n/(ξτ)}] + α·(e^{t_{n*}/(βτ)} − 1),
//!
//! with τ = tau_syn of the output layer, the label n*, ξ the temperature, α and β the
//! regulariser's weight and time scale. An output that does not fire (t = ∞) has softmax weight 0;
//! a pattern whose label neuron does not fire has loss [`SILENT_LABEL_LOSS`] and no gradient.

/// Loss of a pattern whose label neuron does not fire (the reference's value).
pub const SILENT_LABEL_LOSS: f64 = 100.0;

/// The loss's hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LossParams {
    /// Softmax temperature ξ [units of tau_syn].
    pub xi: f64,
    /// Weight α of the early-spike regulariser [dimensionless].
    pub alpha: f64,
    /// Time scale β of the regulariser [units of tau_syn].
    pub beta: f64,
}

impl Default for LossParams {
    /// The reference's values: ξ = 0.2, α = 0.005, β = 1.
    fn default() -> Self {
        Self {
            xi: 0.2,
            alpha: 0.005,
            beta: 1.0,
        }
    }
}

impl LossParams {
    /// Loss of output spike times `times` [ms] for `label`, with tau_syn `tau` [ms]; writes
    /// ∂L/∂t_n [1/ms] into `grad` (zero where t_n = ∞, all zero for a silent label neuron).
    pub fn evaluate(&self, times: &[f64], label: usize, tau: f64, grad: &mut [f64]) -> f64 {
        grad.fill(0.0);
        let t_label = times[label];
        if !t_label.is_finite() {
            return SILENT_LABEL_LOSS;
        }
        let scale = self.xi * tau;
        // Softmax of −t/scale, shifted by the earliest spike for range.
        let earliest = times.iter().copied().fold(f64::INFINITY, f64::min);
        let mut total = 0.0;
        for (g, &t) in grad.iter_mut().zip(times) {
            *g = (-(t - earliest) / scale).exp();
            total += *g;
        }
        let regulariser = (t_label / (self.beta * tau)).exp();
        let loss = (t_label - earliest) / scale + total.ln() + self.alpha * (regulariser - 1.0);
        for (n, g) in grad.iter_mut().enumerate() {
            let p = *g / total;
            let own = if n == label { 1.0 } else { 0.0 };
            *g = (own - p) / scale;
        }
        grad[label] += self.alpha * regulariser / (self.beta * tau);
        loss
    }
}

/// The predicted class: the output neuron that fires first (`None` if none fires; the lowest
/// index wins a tie).
pub fn prediction(times: &[f64]) -> Option<usize> {
    let (index, first) =
        times.iter().enumerate().fold(
            (0, f64::INFINITY),
            |best, (i, &t)| if t < best.1 { (i, t) } else { best },
        );
    first.is_finite().then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let params = LossParams::default();
        let times = [1.3, 1.1, f64::INFINITY, 1.7];
        let mut grad = [0.0; 4];
        let loss = params.evaluate(&times, 0, 2.0, &mut grad);
        // By hand: softmax over −t/0.4 of the three finite times, label 0.
        let z: f64 = [1.3, 1.1, 1.7].iter().map(|t: &f64| (-t / 0.4).exp()).sum();
        let want = 1.3 / 0.4 + z.ln() + 0.005 * ((1.3f64 / 2.0).exp() - 1.0);
        assert!((loss - want).abs() < 1e-12, "{loss} vs {want}");
        let mut scratch = [0.0; 4];
        for n in [0, 1, 3] {
            let h = 1e-6;
            let mut up = times;
            let mut down = times;
            up[n] += h;
            down[n] -= h;
            let fd = (params.evaluate(&up, 0, 2.0, &mut scratch)
                - params.evaluate(&down, 0, 2.0, &mut scratch))
                / (2.0 * h);
            assert!((fd - grad[n]).abs() < 1e-7, "{n}: {fd} vs {}", grad[n]);
        }
        assert_eq!(grad[2], 0.0);
    }

    #[test]
    fn silent_label_and_prediction() {
        let mut grad = [1.0; 3];
        let loss = LossParams::default().evaluate(&[1.0, f64::INFINITY, 2.0], 1, 1.0, &mut grad);
        assert_eq!((loss, grad), (SILENT_LABEL_LOSS, [0.0; 3]));
        assert_eq!(prediction(&[1.0, 0.5, 0.5]), Some(1));
        assert_eq!(prediction(&[f64::INFINITY; 3]), None);
    }
}
