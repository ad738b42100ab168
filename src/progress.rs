//! Counts of the long work of a build (files read, pages written, PDF
//! parts laid out), added to by rayon's threads as they go and read by the
//! command line's progress bar. Counting costs an atomic add; nothing is
//! drawn here.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// One count and, once known, what it counts up to.
#[derive(Debug, Default)]
pub struct Count {
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Count {
    pub fn add(&self, n: usize) {
        self.done.fetch_add(n, Relaxed);
    }

    pub fn set_total(&self, n: usize) {
        self.total.store(n, Relaxed);
    }

    /// (done, total); total 0 while unknown.
    pub fn get(&self) -> (usize, usize) {
        (self.done.load(Relaxed), self.total.load(Relaxed))
    }
}

#[derive(Debug, Default)]
pub struct Counters {
    pub files_read: Count,
    pub pages_written: Count,
    pub pdf_parts: Count,
}

impl Counters {
    /// "120/4,210 files read · 3/4,231 pages · PDF part 2/9": the counts
    /// that have started.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            (&self.files_read, "files read"),
            (&self.pages_written, "pages"),
            (&self.pdf_parts, "PDF parts"),
        ]
        .into_iter()
        .filter_map(|(c, what)| {
            let (done, total) = c.get();
            (total > 0).then(|| format!("{}/{} {what}", thousands(done), thousands(total)))
        })
        .collect();
        parts.join(" · ")
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// With RELPACK_TIMINGS set, say how long a stage took and the memory then
/// resident (scripts/bench.sh reads the phi scan's line). A leaf of the
/// module graph, so any stage may time itself.
pub fn timed<T>(stage: &str, f: impl FnOnce() -> T) -> T {
    let timings = std::env::var_os("RELPACK_TIMINGS").is_some();
    let cpu_start = if timings { cpu() } else { None };
    let start = std::time::Instant::now();
    let out = f();
    if timings {
        eprintln!(
            "[{:>8.3} s] {stage} (took){}{}",
            start.elapsed().as_secs_f64(),
            cpu()
                .zip(cpu_start)
                .map(|(end, start)| format!(", {:.2} s of CPU", end - start))
                .unwrap_or_default(),
            resident()
                .map(|m| format!(", {m} MB resident"))
                .unwrap_or_default()
        );
    }
    out
}

/// The process's CPU time so far (user + system, all threads), where the
/// system says (Linux): a stage's wall time beside it shows its parallelism.
pub fn cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command's closing parenthesis; utime and stime are
    // the 14th and 15th of the line, in clock ticks (100 a second on Linux).
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) as f64 / 100.0)
}

/// Resident memory in MB where the system says (Linux), for the timings.
fn resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_shows_started_counts_only() {
        let c = Counters::default();
        assert_eq!(c.summary(), "");
        c.files_read.set_total(4210);
        c.files_read.add(120);
        c.pdf_parts.set_total(9);
        c.pdf_parts.add(2);
        assert_eq!(c.summary(), "120/4,210 files read · 2/9 PDF parts");
    }
}
