//! Data sources for time-to-first-spike networks, each a [`Dataset`] of features in [0, 1] with
//! class labels:
//!
//! - [`yin_yang`]: the Yin-Yang set's published splits, generated bit for bit as numpy does
//!   ([`yinyang`], on numpy's legacy stream [`mt19937`]);
//! - [`load_csv`]: any CSV file of feature columns and a final `label` column ([`csv`]), e.g. the
//!   shipped `data/digits_train.csv` and `data/digits_test.csv` (scikit-learn's hand-written digits, see
//!   `data/DIGITS_LICENSE.md`); [`check_labels`] checks its labels against an output layer.
//!
//! Every error is a [`DataError`] that displays as one line naming the file, the line and the
//! column.

pub mod csv;
pub mod dataset;
pub mod error;
pub mod mt19937;
pub mod yinyang;

use std::path::Path;

pub use csv::check_labels;
pub use dataset::Dataset;
pub use error::DataError;
pub use yinyang::Split;

/// A published split of the Yin-Yang set: train (5000 samples, seed 42), validation (1000, 41)
/// or test (1000, 40).
pub fn yin_yang(split: Split) -> Dataset {
    yinyang::generate(split.size(), split.seed())
}

/// Read a labelled CSV file (header line, feature columns in [0, 1], a final `label` column of
/// non-negative integers); see [`csv`] for the rules.
pub fn load_csv(path: impl AsRef<Path>) -> Result<Dataset, DataError> {
    csv::read(path.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_files_hold_sklearns_images_split_in_two() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        // Printed by experiments/make_digits_csv.py (np.bincount of each split's labels).
        let splits = [
            (
                "data/digits_train.csv",
                1438,
                [147, 147, 138, 150, 137, 153, 141, 140, 146, 139],
            ),
            (
                "data/digits_test.csv",
                359,
                [31, 35, 39, 33, 44, 29, 40, 39, 28, 41],
            ),
        ];
        let mut total = [0; 10];
        for (name, rows, counts) in splits {
            let path = root.join(name);
            let digits = load_csv(&path).unwrap();
            assert_eq!((digits.len(), digits.n_features()), (rows, 64));
            assert_eq!(digits.class_counts(10), counts);
            assert!(check_labels(&digits, 10, &path).is_ok());
            total.iter_mut().zip(counts).for_each(|(t, c)| *t += c);
        }
        // load_digits()'s class counts.
        assert_eq!(total, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    }
}
