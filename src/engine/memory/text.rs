//! Sizes and counts as a refusal writes them.

/// `bytes` [bytes] with a decimal unit and three significant digits, e.g. `96.0 TB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 999.5 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    match (unit, value) {
        (0, _) => format!("{bytes} bytes"),
        (_, v) if v < 9.995 => format!("{v:.2} {}", UNITS[unit]),
        (_, v) if v < 99.95 => format!("{v:.1} {}", UNITS[unit]),
        (_, v) => format!("{v:.0} {}", UNITS[unit]),
    }
}

/// `count` in full below a million, with two significant digits above, e.g. `9.0e14`.
pub fn human_count(count: u64) -> String {
    if count < 1_000_000 {
        count.to_string()
    } else {
        format!("{:.1e}", count as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_with_three_digits() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(96_000_000_000_000), "96.0 TB");
        assert_eq!(human_bytes(1_920_000_000), "1.92 GB");
        assert_eq!(human_bytes(999_600), "1.00 MB");
        assert_eq!(human_bytes(123_456_789), "123 MB");
    }

    #[test]
    fn counts_read_in_full_or_with_an_exponent() {
        assert_eq!(human_count(999_000), "999000");
        assert_eq!(human_count(1_000_000), "1.0e6");
        assert_eq!(human_count(900_000_000_000_000), "9.0e14");
        assert_eq!(human_count(4_410_000_000), "4.4e9");
    }
}
