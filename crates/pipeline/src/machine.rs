//! The machine a reproduction runs on, for the paper's provenance. Reads Linux's
//! `/proc/cpuinfo`, `/proc/meminfo` and `/etc/os-release` where they exist; whatever is
//! missing or unreadable is reported as unknown, never as an error.

use skm_report::paper::Machine;
use skm_trainer::DeviceKind;

/// Describes this machine, with `device` as the training device.
pub fn machine(device: DeviceKind) -> Machine {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    Machine {
        cpu: value(&read("/proc/cpuinfo"), "model name", ':')
            .unwrap_or("unknown")
            .to_string(),
        cores: std::thread::available_parallelism().ok().map(|n| n.get()),
        memory_gib: memory_gib(&read("/proc/meminfo")),
        os: os(&read("/etc/os-release")),
        device: device.as_str().to_string(),
    }
}

/// The trimmed value of the first `key<sep>value` line of `text` (the first CPU's, in
/// cpuinfo), if any.
fn value<'a>(text: &'a str, key: &str, sep: char) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(sep)?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// `MemTotal` of meminfo (in kB there) in GiB.
fn memory_gib(meminfo: &str) -> Option<f64> {
    let kb: f64 = value(meminfo, "MemTotal", ':')?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb / (1024.0 * 1024.0))
}

/// os-release's `PRETTY_NAME` (when present) and Rust's OS and architecture names.
fn os(os_release: &str) -> String {
    let target = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
    match value(os_release, "PRETTY_NAME", '=').map(|v| v.trim_matches('"')) {
        Some(name) if !name.is_empty() => format!("{name}, {target}"),
        _ => target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_system_files_and_tolerates_their_absence() {
        let cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n\n\
                       processor\t: 1\nmodel name\t: AMD EPYC 7763 64-Core Processor\n";
        assert_eq!(
            value(cpuinfo, "model name", ':'),
            Some("AMD EPYC 7763 64-Core Processor")
        );
        assert_eq!(value("", "model name", ':'), None);
        assert_eq!(
            memory_gib("MemTotal:       16777216 kB\nMemFree: 1 kB\n"),
            Some(16.0)
        );
        assert_eq!(memory_gib("MemTotal: lots\n"), None);
        let target = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
        assert_eq!(
            os("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
            format!("Debian GNU/Linux 12 (bookworm), {target}")
        );
        assert_eq!(os(""), target);
        // Whatever this machine is, describing it works.
        assert_eq!(machine(DeviceKind::Cuda).device, "cuda");
    }
}
