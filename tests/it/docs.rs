//! The documentation's cell-type table (docs/reference.md, between the `cell-types` markers) is
//! the one the models' parameter tables make: every cell type, parameter, default and unit.

use exactspike::models::parameter_tables;

/// A default as the table writes it: `-65.0`, `0.1`, `1e10`.
fn written(default: f64) -> String {
    if default != 0.0 && default.abs() >= 1e6 {
        format!("{default:e}")
    } else {
        format!("{default:?}")
    }
}

/// The rows of the table the code makes, as they stand in the documentation.
fn expected_rows() -> Vec<String> {
    let mut rows: Vec<String> = parameter_tables()
        .into_iter()
        .flat_map(|(cell, table)| {
            table.iter().map(move |p| {
                format!(
                    "| {cell} | {} | {} | {} |",
                    p.name,
                    written(p.default),
                    p.unit
                )
            })
        })
        .collect();
    rows.push("| SpikeSourceArray | spike_times | [] | ms |".into());
    rows
}

#[test]
fn the_documented_cell_types_are_the_models_tables() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference.md");
    let text = std::fs::read_to_string(path).expect("docs/reference.md");
    let (begin, end) = ("<!-- cell-types: begin -->", "<!-- cell-types: end -->");
    let start = text.find(begin).expect("begin marker") + begin.len();
    let stop = text.find(end).expect("end marker");
    let documented: Vec<&str> = text[start..stop]
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("| ") && !l.starts_with("| model ") && !l.starts_with("|---"))
        .collect();
    let expected = expected_rows();
    assert!(expected.len() >= 24, "{} rows", expected.len());
    assert_eq!(
        documented,
        expected,
        "docs/reference.md's cell-type table differs from the code's; the table should read:\n{}",
        expected.join("\n")
    );
}
