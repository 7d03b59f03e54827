//! What the operating system says about memory: how much is available, and the most this
//! process has held (Linux `/proc`; `None` elsewhere).

/// Memory available for a new allocation without swapping or being killed [bytes]: the smaller
/// of `MemAvailable` of `/proc/meminfo` and the room left under this process's cgroup memory
/// limit (v2 `memory.max − memory.current`, v1 `memory.limit_in_bytes − memory.usage_in_bytes`:
/// a container's or batch job's limit); `None` where neither can be read (e.g. not Linux).
pub fn available_memory() -> Option<u64> {
    let machine = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| field_bytes(&text, "MemAvailable"));
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|text| cgroup_room(&text, |path| std::fs::read_to_string(path).ok()));
    match (machine, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The room left under the memory limit of the cgroup described by `/proc/self/cgroup`'s text
/// `membership` [bytes], reading the control files with `read`; `None` without a limit.
fn cgroup_room(membership: &str, read: impl Fn(&str) -> Option<String>) -> Option<u64> {
    let number = |path: String| read(&path)?.trim().parse::<u64>().ok();
    membership.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let path = path.trim_end_matches('/');
        let (limit, usage) = if controllers.is_empty() {
            let dir = format!("/sys/fs/cgroup{path}");
            (format!("{dir}/memory.max"), format!("{dir}/memory.current"))
        } else if controllers.split(',').any(|c| c == "memory") {
            let dir = format!("/sys/fs/cgroup/memory{path}");
            (
                format!("{dir}/memory.limit_in_bytes"),
                format!("{dir}/memory.usage_in_bytes"),
            )
        } else {
            return None;
        };
        // "max" (v2) does not parse: no limit.
        Some(number(limit)?.saturating_sub(number(usage).unwrap_or(0)))
    })
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

    #[test]
    fn a_cgroup_limit_leaves_its_room_and_max_is_none() {
        let files = |limit: &'static str| {
            move |path: &str| match path {
                "/sys/fs/cgroup/job/memory.max" => Some(limit.to_string()),
                "/sys/fs/cgroup/job/memory.current" => Some("3000000000\n".to_string()),
                "/sys/fs/cgroup/memory/old/memory.limit_in_bytes" => Some("4000000000".into()),
                "/sys/fs/cgroup/memory/old/memory.usage_in_bytes" => Some("1000000000".into()),
                _ => None,
            }
        };
        let v2 = "0::/job\n";
        assert_eq!(cgroup_room(v2, files("8000000000\n")), Some(5_000_000_000));
        assert_eq!(cgroup_room(v2, files("max\n")), None);
        assert_eq!(cgroup_room(v2, files("2000000000")), Some(0));
        let v1 = "12:cpu,cpuacct:/old\n4:memory:/old\n";
        assert_eq!(cgroup_room(v1, files("max")), Some(3_000_000_000));
        assert_eq!(cgroup_room("1:cpu:/x\n", files("max")), None);
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
