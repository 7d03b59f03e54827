//! Errors of the data sources. Each displays as one line that names the file, and where there is
//! one the line number and the column, e.g.
//! `data/x.csv line 7, column "x2": value 1.3 is outside [0, 1]`.

/// A data file that cannot be read, or whose contents break the CSV rules of
/// [`super::load_csv`], or a label outside a network's classes ([`super::check_labels`]).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file does not exist.
    #[error("{path}: no such file")]
    Missing {
        /// The file as given.
        path: String,
    },
    /// The file exists but cannot be read (permissions, not UTF-8, a directory, ...).
    #[error("{path}: cannot be read: {source}")]
    Read {
        /// The file as given.
        path: String,
        /// What the operating system (or the UTF-8 check) said.
        source: std::io::Error,
    },
    /// The file has nothing in it, not even a header line.
    #[error("{path}: the file is empty (it needs a header line whose last column is \"label\")")]
    Empty {
        /// The file as given.
        path: String,
    },
    /// The header line (line 1) is not `feature,...,feature,label`.
    #[error("{path} line 1: {problem}")]
    Header {
        /// The file as given.
        path: String,
        /// What is wrong with the header.
        problem: HeaderProblem,
    },
    /// A header and nothing after it.
    #[error("{path}: no data rows after the header line")]
    NoRows {
        /// The file as given.
        path: String,
    },
    /// A blank line between data rows (blank lines are allowed only at the end of the file).
    #[error("{path} line {line}: blank line between data rows")]
    BlankLine {
        /// The file as given.
        path: String,
        /// 1-based line number.
        line: usize,
    },
    /// A row with more or fewer columns than the header.
    #[error("{path} line {line}: {found} columns, but the header has {expected}")]
    ColumnCount {
        /// The file as given.
        path: String,
        /// 1-based line number.
        line: usize,
        /// Columns in this row.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// A value that is not a feature in [0, 1] or not a label.
    #[error("{path} line {line}, column \"{column}\": {problem}")]
    Value {
        /// The file as given.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The column's name from the header.
        column: String,
        /// What is wrong with the value.
        problem: ValueProblem,
    },
    /// A label that the output layer has no neuron for.
    #[error(
        "{path}: label {label} at line {line} is outside the output layer's {n_classes} classes"
    )]
    LabelOutOfRange {
        /// The file as given.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The label found.
        label: usize,
        /// Classes of the output layer (labels must be below this).
        n_classes: usize,
    },
}

/// What is wrong with a CSV header line.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HeaderProblem {
    /// A column name in quotes.
    #[error(
        "column name {name} is quoted; quotes are not supported (plain comma-separated names)"
    )]
    Quoted {
        /// The name as written.
        name: String,
    },
    /// An empty column name.
    #[error("column {index} has no name")]
    EmptyName {
        /// 1-based column number.
        index: usize,
    },
    /// Two columns with one name.
    #[error("column \"{name}\" appears more than once")]
    Duplicate {
        /// The repeated name.
        name: String,
    },
    /// The last column is not `label`.
    #[error("the last column is \"{last}\"; it must be \"label\"")]
    LabelNotLast {
        /// The last column's name.
        last: String,
    },
    /// `label` is the only column.
    #[error("no feature columns before \"label\"")]
    NoFeatures,
}

/// What is wrong with one value of a data row.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueProblem {
    /// A value in quotes.
    #[error("{text} is quoted; quotes are not supported (plain comma-separated values)")]
    Quoted {
        /// The value as written.
        text: String,
    },
    /// Nothing between two commas.
    #[error("the value is empty")]
    Empty,
    /// A feature that does not parse as a number.
    #[error("\"{text}\" is not a number")]
    NotANumber {
        /// The value as written.
        text: String,
    },
    /// A feature that is infinite or NaN.
    #[error("value {text} is not finite")]
    NotFinite {
        /// The value as written.
        text: String,
    },
    /// A feature below 0 or above 1.
    #[error("value {text} is outside [0, 1]")]
    OutOfRange {
        /// The value as written.
        text: String,
    },
    /// A label that is not a non-negative integer.
    #[error("\"{text}\" is not a non-negative integer label")]
    NotALabel {
        /// The value as written.
        text: String,
    },
}
