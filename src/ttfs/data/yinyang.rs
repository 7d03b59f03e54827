//! The Yin-Yang data set (Kriener, Göltz and Petrovici 2021, arXiv:2102.08211), generated
//! exactly as the published generator does with numpy's legacy stream, so that the published
//! splits come out bit for bit.
//!
//! Each sample is drawn by rejection: the goal class is `randint(3)`; points `(x, y)` uniform in
//! the square `[0, 2 r_big)²` (x drawn first) are discarded until one lies in the big circle and
//! is of the goal class. The sample is `(x, y, 1 − x, 1 − y)`, so every sample's features sum to
//! 2 (the mirrored pair lets networks without biases learn).
//!
//! Labels are the published generator's: 2 in either dot, 1 where its `is_yin` test holds, 0
//! elsewhere in the circle. (Its `class_names` list reads `['yin', 'yang', 'dot']`, so by name
//! the region it tests as yin is label 1, "yang"; only the numbers matter here.)
//!
//! The published generator squares distances with `**2` on numpy scalars, which calls the C
//! library's `pow` and is not always the correctly rounded product; here they are squared by
//! multiplying. The oracle (`tests/oracles/yinyang_samples.py`) builds every split both ways and
//! finds them identical: no draw lies within an ulp of a boundary.

use super::mt19937::Mt19937;
use super::Dataset;

/// Radius of the two dots.
pub const R_SMALL: f64 = 0.1;
/// Radius of the whole symbol; its centre is `(R_BIG, R_BIG)`.
pub const R_BIG: f64 = 0.5;
/// Number of classes (labels 0, 1 and 2).
pub const N_CLASSES: usize = 3;
/// Features of a sample: `x, y, 1 − x, 1 − y`.
pub const N_FEATURES: usize = 4;

/// The published splits (the data set's README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// 5000 samples, seed 42.
    Train,
    /// 1000 samples, seed 41.
    Validation,
    /// 1000 samples, seed 40.
    Test,
}

impl Split {
    /// Number of samples.
    pub fn size(self) -> usize {
        match self {
            Split::Train => 5000,
            Split::Validation | Split::Test => 1000,
        }
    }

    /// Seed of numpy's `RandomState`.
    pub fn seed(self) -> u32 {
        match self {
            Split::Train => 42,
            Split::Validation => 41,
            Split::Test => 40,
        }
    }

    /// Lower-case name (`train`, `validation`, `test`).
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

/// `size` samples from the stream of `RandomState(seed)`; the data set is named
/// `yin_yang(size=…, seed=…)`.
pub fn generate(size: usize, seed: u32) -> Dataset {
    let mut rng = Mt19937::new(seed);
    let mut features = Vec::with_capacity(size * N_FEATURES);
    let mut labels = Vec::with_capacity(size);
    for _ in 0..size {
        let goal = rng.randint(N_CLASSES as u32) as usize;
        let (x, y) = draw_point_of_class(&mut rng, goal);
        features.extend([x, y, 1.0 - x, 1.0 - y]);
        labels.push(goal);
    }
    Dataset::new(
        format!("yin_yang(size={size}, seed={seed})"),
        N_FEATURES,
        features,
        labels,
    )
}

/// The label of a point inside the big circle: 2 in either dot; else 1 where the published
/// `is_yin` test holds (within `r_small` of the right dot's centre, in the ring of radii
/// `r_small..=r_big/2` around the left dot, or in the upper half farther than `r_big/2` from the
/// right dot); else 0.
pub fn which_class(x: f64, y: f64) -> usize {
    let d_right = distance(x, y, 1.5 * R_BIG, R_BIG);
    let d_left = distance(x, y, 0.5 * R_BIG, R_BIG);
    if d_right < R_SMALL || d_left < R_SMALL {
        return 2;
    }
    let is_yin = d_right <= R_SMALL
        || (R_SMALL < d_left && d_left <= 0.5 * R_BIG)
        || (y > R_BIG && d_right > 0.5 * R_BIG);
    usize::from(is_yin)
}

/// Rejection sampling: the first point drawn that lies in the big circle and is of class `goal`.
fn draw_point_of_class(rng: &mut Mt19937, goal: usize) -> (f64, f64) {
    loop {
        let x = rng.rand() * 2.0 * R_BIG;
        let y = rng.rand() * 2.0 * R_BIG;
        if distance(x, y, R_BIG, R_BIG) > R_BIG {
            continue;
        }
        if which_class(x, y) == goal {
            return (x, y);
        }
    }
}

/// Euclidean distance from `(x, y)` to `(cx, cy)`, squared by multiplying (correctly rounded).
fn distance(x: f64, y: f64, cx: f64, cy: f64) -> f64 {
    let (dx, dy) = (x - cx, y - cy);
    (dx * dx + dy * dy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    struct Fixture {
        splits: BTreeMap<String, FixtureSplit>,
    }

    #[derive(Deserialize)]
    struct FixtureSplit {
        size: usize,
        seed: u32,
        class_counts: Vec<usize>,
        pow_and_multiply_agree: bool,
        first_samples: Vec<FixtureSample>,
    }

    /// Features as Python repr strings (parsed by `str::parse`, which rounds correctly).
    #[derive(Deserialize)]
    struct FixtureSample {
        features: Vec<String>,
        label: usize,
    }

    const SPLITS: [Split; 3] = [Split::Train, Split::Validation, Split::Test];

    #[test]
    fn published_splits_have_the_published_counts_and_first_samples() {
        let published = [
            ([1681, 1702, 1617], (0.680307538588, 0.45049925197), 2),
            ([316, 336, 348], (0.680572726176, 0.320973393893), 0),
            ([350, 316, 334], (0.234096645596, 0.401724975183), 2),
        ];
        for (split, (counts, (x, y), label)) in SPLITS.into_iter().zip(published) {
            let data = super::super::yin_yang(split);
            assert_eq!(data.len(), split.size());
            assert_eq!(data.class_counts(N_CLASSES), counts, "{}", split.name());
            let first = data.sample(0);
            assert!((first[0] - x).abs() < 1e-11 && (first[1] - y).abs() < 1e-11);
            assert_eq!(data.label(0), label, "{}", split.name());
        }
        let train = super::super::yin_yang(Split::Train);
        assert!((train.sample(1)[0] - 0.097672114006).abs() < 1e-11);
        assert!((train.sample(1)[1] - 0.684233026512).abs() < 1e-11);
        assert_eq!(train.label(1), 1);
    }

    #[test]
    fn first_samples_match_numpy_bit_for_bit() {
        let fixture: Fixture =
            serde_json::from_str(include_str!("../../../tests/fixtures/yinyang_samples.json"))
                .unwrap();
        assert_eq!(fixture.splits.len(), SPLITS.len());
        for split in SPLITS {
            let expected = &fixture.splits[split.name()];
            assert_eq!((expected.size, expected.seed), (split.size(), split.seed()));
            assert!(expected.pow_and_multiply_agree);
            let data = generate(expected.size, expected.seed);
            assert_eq!(data.class_counts(N_CLASSES), expected.class_counts);
            for (i, sample) in expected.first_samples.iter().enumerate() {
                let want: Vec<f64> = sample.features.iter().map(|t| t.parse().unwrap()).collect();
                assert_eq!(data.sample(i), &want[..], "{} sample {i}", split.name());
                assert_eq!(data.label(i), sample.label, "{} sample {i}", split.name());
            }
        }
    }

    #[test]
    fn every_sample_is_in_the_circle_of_its_class_and_mirrored() {
        let data = generate(300, 7);
        for i in 0..data.len() {
            let s = data.sample(i);
            assert!(distance(s[0], s[1], R_BIG, R_BIG) <= R_BIG);
            assert_eq!(which_class(s[0], s[1]), data.label(i));
            assert_eq!((s[2], s[3]), (1.0 - s[0], 1.0 - s[1]));
        }
    }

    #[test]
    fn regions_have_their_classes() {
        assert_eq!(which_class(0.75, 0.5), 2); // right dot
        assert_eq!(which_class(0.25, 0.5), 2); // left dot
        assert_eq!(which_class(0.25, 0.3), 1); // in the ring around the left dot
        assert_eq!(which_class(0.75, 0.3), 0); // in the ring around the right dot
        assert_eq!(which_class(0.5, 0.95), 1); // upper half, away from the right dot
        assert_eq!(which_class(0.5, 0.05), 0); // lower half, away from the left dot
    }
}
