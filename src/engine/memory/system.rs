//! What the operating system says about memory: how much is available, and the most this
//! process has held (Linux `/proc`; `None` elsewhere).

/// Memory available for a new allocation without swapping [bytes]: `MemAvailable` of
/// `/proc/meminfo`; `None` where it cannot be read (e.g. not Linux).
pub fn available_memory() -> Option<u64> {
    field_bytes(
        &std::fs::read_to_string("/proc/meminfo").ok()?,
        "MemAvailable",
    )
}

/// The most memory this process has held resident so far (its peak resident set size) [bytes]:
/// `VmHWM` of `/proc/self/status`; `None` where it cannot be read (e.g. not Linux).
pub fn peak_resident_memory() -> Option<u64> {
    field_bytes(&std::fs::read_to_string("/proc/self/status").ok()?, "VmHWM")
}

/// The value [bytes] of the line `NAME: <value> kB` of a `/proc` text (`kB` is 1024 bytes
/// there; a value without a unit is bytes).
fn field_bytes(text: &str, name: &str) -> Option<u64> {
    let rest = text.lines().find_map(|line| {
        line.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
    })?;
    let mut words = rest.split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => value.checked_mul(1024),
        None => Some(value),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_fields_in_kilobytes() {
        let meminfo = "MemTotal:       24000000 kB\nMemFree:  1 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(
            field_bytes(meminfo, "MemAvailable"),
            Some(20_000_000 * 1024)
        );
        assert_eq!(field_bytes(meminfo, "MemFree"), Some(1024));
        let status = "Name:\texactspike\nVmPeak:\t  123456 kB\nVmHWM:\t    6640 kB\n";
        assert_eq!(field_bytes(status, "VmHWM"), Some(6640 * 1024));
        assert_eq!(field_bytes("MemTotal: 5 kB\n", "MemAvailable"), None);
        assert_eq!(field_bytes("MemAvailable: many kB\n", "MemAvailable"), None);
        assert_eq!(field_bytes("MemAvailable: 5 MB\n", "MemAvailable"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_a_peak_and_the_machine_available_memory() {
        // At least the test binary's own pages, and at most the machine.
        let peak = peak_resident_memory().expect("Linux has /proc/self/status");
        assert!(peak > 1_000_000, "{peak}");
        let available = available_memory().expect("Linux has /proc/meminfo");
        assert!(available > 1_000_000, "{available}");
    }
}
