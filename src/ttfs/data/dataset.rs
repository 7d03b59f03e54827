//! A labelled data set held in memory: one row of features per sample, and its class.

/// Samples of `n_features` values each, stored row-major, with one class label per sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    features: Vec<f64>,
    n_features: usize,
    labels: Vec<usize>,
    name: String,
}

impl Dataset {
    /// A data set called `name` (used in messages) from row-major `features`, `n_features` per
    /// sample, and one label per sample.
    ///
    /// # Panics
    /// If `features.len()` is not `labels.len() * n_features`.
    pub fn new(
        name: impl Into<String>,
        n_features: usize,
        features: Vec<f64>,
        labels: Vec<usize>,
    ) -> Self {
        assert_eq!(
            features.len(),
            labels.len() * n_features,
            "{} samples of {n_features} features need {} values",
            labels.len(),
            labels.len() * n_features
        );
        Self {
            features,
            n_features,
            labels,
            name: name.into(),
        }
    }

    /// The name given at construction (a file's path, or the split of a generated set).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of features of every sample.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The features of sample `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn sample(&self, i: usize) -> &[f64] {
        assert!(i < self.len(), "sample {i} of a data set of {}", self.len());
        &self.features[i * self.n_features..(i + 1) * self.n_features]
    }

    /// The class of sample `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn label(&self, i: usize) -> usize {
        self.labels[i]
    }

    /// Every label, in sample order.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// How many samples each class `0..n_classes` has.
    ///
    /// # Panics
    /// If a label is `n_classes` or more (for a loaded file, check first with
    /// [`super::check_labels`], which names the offending line).
    pub fn class_counts(&self, n_classes: usize) -> Vec<usize> {
        let mut counts = vec![0; n_classes];
        for &label in &self.labels {
            assert!(
                label < n_classes,
                "label {label} in a count of {n_classes} classes"
            );
            counts[label] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_by_three() -> Dataset {
        Dataset::new("t", 3, vec![0.0, 0.1, 0.2, 1.0, 0.9, 0.8], vec![1, 0])
    }

    #[test]
    fn rows_and_labels_are_read_back() {
        let d = two_by_three();
        assert_eq!(
            (d.len(), d.is_empty(), d.n_features(), d.name()),
            (2, false, 3, "t")
        );
        assert_eq!(d.sample(1), &[1.0, 0.9, 0.8]);
        assert_eq!((d.label(0), d.label(1)), (1, 0));
        assert_eq!(d.class_counts(3), vec![1, 1, 0]);
    }

    #[test]
    #[should_panic(expected = "need 6 values")]
    fn a_ragged_matrix_is_refused() {
        Dataset::new("t", 3, vec![0.0; 5], vec![0, 1]);
    }

    #[test]
    #[should_panic(expected = "label 1 in a count of 1 classes")]
    fn counting_too_few_classes_panics() {
        two_by_three().class_counts(1);
    }
}
