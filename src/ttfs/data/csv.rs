//! Labelled data from CSV text: a header line naming the columns, feature columns, and a final
//! column named `label`; every value of a feature column a finite number in [0, 1], every label a
//! non-negative integer, every row as many columns as the header.
//!
//! Values are split on `,` and trimmed; quoting is not supported (a quote is an error that says
//! so). A UTF-8 byte-order mark, `\r\n` line ends and blank lines at the end of the file are
//! accepted. Blank lines elsewhere are errors, so sample `i` is always on line
//! `i + FIRST_ROW_LINE`, which is how [`check_labels`] names lines.

use std::io::ErrorKind;
use std::path::Path;

use super::error::{HeaderProblem, ValueProblem};
use super::{DataError, Dataset};

/// Name of the last column, which holds the class labels.
pub const LABEL_COLUMN: &str = "label";

/// Line (1-based) of the first data row: the one after the header.
pub const FIRST_ROW_LINE: usize = 2;

/// Read the CSV file at `path`; the data set is named after the path.
pub fn read(path: &Path) -> Result<Dataset, DataError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| match source.kind() {
        ErrorKind::NotFound => DataError::Missing {
            path: shown.clone(),
        },
        _ => DataError::Read {
            path: shown.clone(),
            source,
        },
    })?;
    parse(&text, &shown)
}

/// Parse CSV `text`; `path` names it in errors and becomes the data set's name.
pub fn parse(text: &str, path: &str) -> Result<Dataset, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let columns = parse_header(header).map_err(|problem| DataError::Header {
        path: path.into(),
        problem,
    })?;
    let n_features = columns.len() - 1;
    let rows: Vec<&str> = lines.collect();
    let n_rows = rows
        .iter()
        .rposition(|row| !row.trim().is_empty())
        .map_or(0, |last| last + 1);
    if n_rows == 0 {
        return Err(DataError::NoRows { path: path.into() });
    }

    let mut features = Vec::with_capacity(n_rows * n_features);
    let mut labels = Vec::with_capacity(n_rows);
    let mut fields = Vec::with_capacity(columns.len());
    for (i, row) in rows[..n_rows].iter().enumerate() {
        let line = i + FIRST_ROW_LINE;
        if row.trim().is_empty() {
            return Err(DataError::BlankLine {
                path: path.into(),
                line,
            });
        }
        fields.clear();
        fields.extend(row.split(',').map(str::trim));
        let at = |column: &str, problem| DataError::Value {
            path: path.into(),
            line,
            column: column.into(),
            problem,
        };
        // Before the count: a quoted value holding a comma would otherwise read as a miscount.
        let quoted = fields.iter().position(|text| is_quoted(text));
        if let Some((text, column)) = quoted.and_then(|k| Some((fields[k], columns.get(k)?))) {
            return Err(at(column, ValueProblem::Quoted { text: text.into() }));
        }
        if fields.len() != columns.len() {
            return Err(DataError::ColumnCount {
                path: path.into(),
                line,
                found: fields.len(),
                expected: columns.len(),
            });
        }
        let (label, values) = fields
            .split_last()
            .expect("a header has two columns or more");
        for (text, column) in values.iter().zip(&columns) {
            features.push(parse_feature(text).map_err(|p| at(column, p))?);
        }
        labels.push(parse_label(label).map_err(|p| at(LABEL_COLUMN, p))?);
    }
    Ok(Dataset::new(path, n_features, features, labels))
}

/// Check that every label of `dataset` (read from the CSV file `path`) names one of the
/// `n_classes` output neurons; the error names the first label that does not, and its line.
pub fn check_labels(
    dataset: &Dataset,
    n_classes: usize,
    path: impl AsRef<Path>,
) -> Result<(), DataError> {
    match dataset
        .labels()
        .iter()
        .position(|&label| label >= n_classes)
    {
        None => Ok(()),
        Some(i) => Err(DataError::LabelOutOfRange {
            path: path.as_ref().display().to_string(),
            line: i + FIRST_ROW_LINE,
            label: dataset.label(i),
            n_classes,
        }),
    }
}

/// The column names of a header line, checked: unquoted, named, distinct, at least one feature
/// column, and [`LABEL_COLUMN`] last.
fn parse_header(line: &str) -> Result<Vec<String>, HeaderProblem> {
    let mut columns: Vec<String> = Vec::new();
    for (index, name) in line.split(',').map(str::trim).enumerate() {
        if is_quoted(name) {
            return Err(HeaderProblem::Quoted { name: name.into() });
        }
        if name.is_empty() {
            return Err(HeaderProblem::EmptyName { index: index + 1 });
        }
        if columns.iter().any(|seen| seen == name) {
            return Err(HeaderProblem::Duplicate { name: name.into() });
        }
        columns.push(name.into());
    }
    match columns.last().map(String::as_str) {
        Some(LABEL_COLUMN) if columns.len() == 1 => Err(HeaderProblem::NoFeatures),
        Some(LABEL_COLUMN) => Ok(columns),
        last => Err(HeaderProblem::LabelNotLast {
            last: last.unwrap_or_default().into(),
        }),
    }
}

fn is_quoted(text: &str) -> bool {
    text.contains('"')
}

/// The check every value gets (quotes are found for the whole row first): not empty.
fn check_written(text: &str) -> Result<(), ValueProblem> {
    if text.is_empty() {
        Err(ValueProblem::Empty)
    } else {
        Ok(())
    }
}

/// A feature: a finite number in [0, 1].
fn parse_feature(text: &str) -> Result<f64, ValueProblem> {
    check_written(text)?;
    let value: f64 = text
        .parse()
        .map_err(|_| ValueProblem::NotANumber { text: text.into() })?;
    if !value.is_finite() {
        Err(ValueProblem::NotFinite { text: text.into() })
    } else if !(0.0..=1.0).contains(&value) {
        Err(ValueProblem::OutOfRange { text: text.into() })
    } else {
        Ok(value)
    }
}

/// A label: a non-negative integer.
fn parse_label(text: &str) -> Result<usize, ValueProblem> {
    check_written(text)?;
    text.parse()
        .map_err(|_| ValueProblem::NotALabel { text: text.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "data/x.csv";

    fn error_of(text: &str) -> String {
        parse(text, PATH).unwrap_err().to_string()
    }

    #[test]
    fn a_well_formed_file_is_read_in_order() {
        let text = "\u{feff}x1, x2 ,label\r\n0,0.25,2\r\n1,.5,0\r\n\r\n\n";
        let data = parse(text, PATH).unwrap();
        assert_eq!((data.len(), data.n_features(), data.name()), (2, 2, PATH));
        assert_eq!((data.sample(0), data.label(0)), (&[0.0, 0.25][..], 2));
        assert_eq!((data.sample(1), data.label(1)), (&[1.0, 0.5][..], 0));
    }

    #[test]
    fn a_bad_value_is_named_by_file_line_and_column() {
        let rows = "x1,x2,label\n".to_string() + &"0.5,0.5,1\n".repeat(5);
        let cases = [
            ("0.5,1.3,1", "data/x.csv line 7, column \"x2\": value 1.3 is outside [0, 1]"),
            ("-0.1,0,1", "data/x.csv line 7, column \"x1\": value -0.1 is outside [0, 1]"),
            ("NaN,0,1", "data/x.csv line 7, column \"x1\": value NaN is not finite"),
            ("0,inf,1", "data/x.csv line 7, column \"x2\": value inf is not finite"),
            ("0,abc,1", "data/x.csv line 7, column \"x2\": \"abc\" is not a number"),
            ("0,,1", "data/x.csv line 7, column \"x2\": the value is empty"),
            ("0,0,1.0", "data/x.csv line 7, column \"label\": \"1.0\" is not a non-negative integer label"),
            ("0,0,-1", "data/x.csv line 7, column \"label\": \"-1\" is not a non-negative integer label"),
            (
                "\"0\",0,1",
                "data/x.csv line 7, column \"x1\": \"0\" is quoted; quotes are not supported (plain comma-separated values)",
            ),
            (
                "0,\"0,5\",1",
                "data/x.csv line 7, column \"x2\": \"0 is quoted; quotes are not supported (plain comma-separated values)",
            ),
            ("0,0", "data/x.csv line 7: 2 columns, but the header has 3"),
            ("0,0,0,1", "data/x.csv line 7: 4 columns, but the header has 3"),
        ];
        for (row, expected) in cases {
            assert_eq!(error_of(&format!("{rows}{row}\n")), expected, "row {row:?}");
        }
    }

    #[test]
    fn a_bad_header_or_an_empty_file_is_named() {
        let cases = [
            ("", "data/x.csv: the file is empty (it needs a header line whose last column is \"label\")"),
            (" \n\n", "data/x.csv: the file is empty (it needs a header line whose last column is \"label\")"),
            ("x1,label\n\n", "data/x.csv: no data rows after the header line"),
            ("x1,y\n0,1\n", "data/x.csv line 1: the last column is \"y\"; it must be \"label\""),
            ("label,x1\n0,1\n", "data/x.csv line 1: the last column is \"x1\"; it must be \"label\""),
            ("label\n1\n", "data/x.csv line 1: no feature columns before \"label\""),
            ("x1,,label\n0,0,1\n", "data/x.csv line 1: column 2 has no name"),
            ("x1,x1,label\n0,0,1\n", "data/x.csv line 1: column \"x1\" appears more than once"),
            (
                "\"x1\",label\n0,1\n",
                "data/x.csv line 1: column name \"x1\" is quoted; quotes are not supported (plain comma-separated names)",
            ),
            ("x1,label\n0,1\n\n1,1\n", "data/x.csv line 3: blank line between data rows"),
        ];
        for (text, expected) in cases {
            assert_eq!(error_of(text), expected, "text {text:?}");
        }
    }

    #[test]
    fn files_that_are_missing_or_empty_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.csv");
        let message = read(&missing).unwrap_err().to_string();
        assert_eq!(message, format!("{}: no such file", missing.display()));
        let empty = dir.path().join("empty.csv");
        std::fs::write(&empty, "").unwrap();
        assert!(matches!(read(&empty), Err(DataError::Empty { .. })));
        let message = read(dir.path()).unwrap_err().to_string();
        assert!(message.starts_with(&format!("{}: cannot be read: ", dir.path().display())));
        assert!(!message.contains('\n'));
    }

    #[test]
    fn labels_beyond_the_output_layer_are_named_by_line() {
        let rows = "x1,label\n".to_string() + &"0,1\n".repeat(7) + "0,5\n0,7\n";
        let data = parse(&rows, PATH).unwrap();
        assert!(check_labels(&data, 8, PATH).is_ok());
        assert_eq!(
            check_labels(&data, 3, PATH).unwrap_err().to_string(),
            "data/x.csv: label 5 at line 9 is outside the output layer's 3 classes"
        );
    }
}
