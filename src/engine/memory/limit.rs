//! The limit a memory estimate is checked against, and how it is written on the command line
//! (`--max-memory 8G`).

use std::str::FromStr;

use super::system::available_memory;
use super::text::human_bytes;

/// How much memory a simulation may need before it is refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MemoryLimit {
    /// The memory available when the network is built (on Linux `MemAvailable`, or less when
    /// a cgroup limit leaves less room: see [`super::available_memory`]; no limit where neither
    /// can be read). The default.
    #[default]
    Available,
    /// At most this many bytes [bytes].
    Bytes(u64),
    /// No limit.
    Unlimited,
}

impl MemoryLimit {
    /// The limit now [bytes], and whether it is the available memory; `None` for no limit.
    pub fn resolve(self) -> Option<(u64, bool)> {
        match self {
            Self::Available => available_memory().map(|bytes| (bytes, true)),
            Self::Bytes(bytes) => Some((bytes, false)),
            Self::Unlimited => None,
        }
    }
}

/// A memory size that could not be read (see [`MemoryLimit::from_str`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemorySizeError {
    /// No number where one was expected.
    #[error("{text:?} is not a memory size: expected a number and a unit, e.g. 8G, 500M, 1.5GiB, or \"unlimited\"")]
    NotANumber {
        /// The text given.
        text: String,
    },
    /// A unit that is not one of the known ones.
    #[error("{text:?}: unknown unit {unit:?}; use K, M, G, T (powers of 1000) or Ki, Mi, Gi, Ti (powers of 1024)")]
    UnknownUnit {
        /// The text given.
        text: String,
        /// The unit in it.
        unit: String,
    },
    /// Zero, negative or below one byte.
    #[error("{text:?}: a memory size must be at least 1 byte")]
    NotPositive {
        /// The text given.
        text: String,
    },
}

/// Bytes per unit of a memory size, by its name without a trailing `B` (upper case).
const UNITS: [(&str, f64); 9] = [
    ("", 1.0),
    ("K", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
    ("KI", 1024.0),
    ("MI", 1048576.0),
    ("GI", 1073741824.0),
    ("TI", 1099511627776.0),
];

impl FromStr for MemoryLimit {
    type Err = MemorySizeError;

    /// `unlimited`, or a number with an optional unit: `K`, `M`, `G`, `T` (powers of 1000) or
    /// `Ki`, `Mi`, `Gi`, `Ti` (powers of 1024), with or without a trailing `B`, in any case; a
    /// bare number is bytes. E.g. `8G` = 8·10⁹ bytes, `500M`, `1.5GiB`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("unlimited") {
            return Ok(Self::Unlimited);
        }
        let split = trimmed
            .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let number: f64 = (number.trim().parse().ok())
            .filter(|n: &f64| !n.is_nan())
            .ok_or_else(|| MemorySizeError::NotANumber { text: text.into() })?;
        let name = unit.trim().to_ascii_uppercase();
        let name = name.strip_suffix('B').unwrap_or(&name);
        let scale = (UNITS.iter())
            .find(|(known, _)| *known == name)
            .map(|(_, scale)| scale)
            .ok_or_else(|| MemorySizeError::UnknownUnit {
                text: text.into(),
                unit: unit.trim().into(),
            })?;
        let bytes = (number * scale).round();
        if bytes < 1.0 {
            return Err(MemorySizeError::NotPositive { text: text.into() });
        }
        // Sizes beyond 18 EB are as good as no limit.
        Ok(Self::Bytes(bytes.min(u64::MAX as f64) as u64))
    }
}

/// How a refusal names the limit: `the limit of 16.0 GB` or `the 20.1 GB available`.
pub fn limit_text(limit: u64, available: bool) -> String {
    if available {
        format!("the {} available", human_bytes(limit))
    } else {
        format!("the limit of {}", human_bytes(limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MemoryLimit, MemorySizeError> {
        text.parse()
    }

    #[test]
    fn sizes_read_with_decimal_and_binary_units() {
        assert_eq!(parse("8G"), Ok(MemoryLimit::Bytes(8_000_000_000)));
        assert_eq!(parse("500M"), Ok(MemoryLimit::Bytes(500_000_000)));
        assert_eq!(parse("500mb"), Ok(MemoryLimit::Bytes(500_000_000)));
        assert_eq!(parse("1.5GiB"), Ok(MemoryLimit::Bytes(1_610_612_736)));
        assert_eq!(parse("2Ti"), Ok(MemoryLimit::Bytes(2_199_023_255_552)));
        assert_eq!(parse(" 64 k "), Ok(MemoryLimit::Bytes(64_000)));
        assert_eq!(parse("12"), Ok(MemoryLimit::Bytes(12)));
        assert_eq!(parse("1e3M"), Ok(MemoryLimit::Bytes(1_000_000_000)));
        assert_eq!(parse("0.0015K"), Ok(MemoryLimit::Bytes(2)));
        assert_eq!(parse("Unlimited"), Ok(MemoryLimit::Unlimited));
        assert_eq!(parse("1e30T"), Ok(MemoryLimit::Bytes(u64::MAX)));
    }

    #[test]
    fn bad_sizes_are_refused_with_the_reason() {
        assert_eq!(
            parse("lots"),
            Err(MemorySizeError::NotANumber {
                text: "lots".into()
            })
        );
        assert_eq!(
            parse("G"),
            Err(MemorySizeError::NotANumber { text: "G".into() })
        );
        assert_eq!(
            parse("nanG"),
            Err(MemorySizeError::NotANumber {
                text: "nanG".into()
            })
        );
        assert_eq!(
            parse("8X"),
            Err(MemorySizeError::UnknownUnit {
                text: "8X".into(),
                unit: "X".into()
            })
        );
        assert_eq!(
            parse("8 GiBs"),
            Err(MemorySizeError::UnknownUnit {
                text: "8 GiBs".into(),
                unit: "GiBs".into()
            })
        );
        for text in ["0", "-3G", "0.4"] {
            assert_eq!(
                parse(text),
                Err(MemorySizeError::NotPositive { text: text.into() })
            );
        }
        assert_eq!(
            parse("8X").unwrap_err().to_string(),
            "\"8X\": unknown unit \"X\"; use K, M, G, T (powers of 1000) or Ki, Mi, Gi, Ti \
             (powers of 1024)"
        );
    }

    #[test]
    fn the_limit_is_named_with_its_origin() {
        assert_eq!(limit_text(12_000_000_000, false), "the limit of 12.0 GB");
        assert_eq!(limit_text(20_123_456_789, true), "the 20.1 GB available");
    }
}
