//! What a build may replace: nothing but relpack's own output. Checked
//! before anything is rendered, so a refusal (exit 2) writes nothing. Paths
//! are compared resolved (absolute, symbolic links followed), so neither a
//! relative path nor a link can hide that the evidence root and the release
//! folder overlap.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::durable;

/// Where a build writes, resolved, and how it lies against the evidence.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The evidence root, resolved.
    pub root: PathBuf,
    /// OUT, resolved (it may not exist yet).
    pub out: PathBuf,
    /// OUT relative to the evidence root (with `/`), when it lies inside
    /// it: discovery skips it, so a packet is never read as evidence.
    pub out_in_root: Option<String>,
}

/// `path` made absolute with symbolic links resolved as far as it exists;
/// the rest is taken as written (`..` applied to the resolved part).
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::env::current_dir()?.join(path);
    let mut existing = absolute.as_path();
    let mut rest: Vec<Component<'_>> = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(mut resolved) => {
                for c in rest.iter().rev() {
                    match c {
                        Component::ParentDir => {
                            resolved.pop();
                        }
                        Component::CurDir => {}
                        other => resolved.push(other.as_os_str()),
                    }
                }
                return Ok(resolved);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let Some(parent) = existing.parent() else {
                    return Err(e);
                };
                if let Some(last) = existing.components().next_back() {
                    rest.push(last);
                }
                existing = parent;
            }
            Err(e) => return Err(e),
        }
    }
}

impl Destination {
    /// Resolve the evidence root and OUT; refuse OUT = the evidence root
    /// (its index.html and release folders would mix with the evidence).
    pub fn new(root: &Path, out: &Path) -> Result<Destination, String> {
        let root_resolved = root
            .canonicalize()
            .map_err(|e| format!("cannot open the evidence root {}: {e}", root.display()))?;
        let out_resolved = resolve(out)
            .map_err(|e| format!("cannot resolve the output folder {}: {e}", out.display()))?;
        if out_resolved == root_resolved {
            return Err(format!(
                "the output folder {} is the evidence root: give --out a folder of its own (for example {})",
                out.display(),
                out.join("dist").display()
            ));
        }
        let out_in_root = out_resolved
            .strip_prefix(&root_resolved)
            .ok()
            .map(|rel| crate::discover::relative(Path::new(""), rel));
        Ok(Destination {
            root: root_resolved,
            out: out_resolved,
            out_in_root,
        })
    }

    /// Whether a file discovery found (`rel` to the root, `abs` as walked)
    /// is output: inside OUT, itself or through a symbolic link.
    pub fn holds(&self, rel: &str, abs: &Path) -> bool {
        let Some(out) = &self.out_in_root else {
            return false;
        };
        if rel == out || rel.starts_with(&format!("{out}/")) {
            return true;
        }
        // Only a link can lead elsewhere than its name says.
        fs::symlink_metadata(abs).is_ok_and(|m| m.file_type().is_symlink())
            && abs.canonicalize().is_ok_and(|p| p.starts_with(&self.out))
    }
}

/// Why a build may not write where it was asked to.
#[derive(Debug)]
pub enum Refusal {
    /// It would replace something that is not relpack's output (exit 2).
    NotOurs(String),
    /// OUT cannot be used (exit 3, like any I/O failure).
    Io(String),
}

/// Refuse a build that would replace anything but relpack's own output:
/// the evidence root inside (or equal to) the release folder it replaces,
/// a release folder that is not a packet, an `OUT/index.html` that is not
/// relpack's list of releases.
pub fn check_destination(
    dest: &Destination,
    folder: &str,
    version: &str,
    excludes: &globset::GlobSet,
) -> Result<(), Refusal> {
    check_out_folder(&dest.out).map_err(Refusal::Io)?;
    check_cache_folder(&dest.out).map_err(Refusal::NotOurs)?;
    if folder.len() > NAME_MAX {
        return Err(Refusal::NotOurs(format!(
            "the release folder's name would be {} bytes long, more than relpack takes ({NAME_MAX}: a file system allows 255, and relpack's temporary names add to it): shorten [release] version",
            folder.len()
        )));
    }
    check_release_folder(dest, folder).map_err(Refusal::NotOurs)?;
    check_same_release(dest, folder, version).map_err(Refusal::NotOurs)?;
    check_no_evidence_in_out(dest, excludes).map_err(Refusal::NotOurs)
}

/// OUT inside the evidence root is skipped by discovery (a packet is never
/// read as evidence). So it may hold nothing but relpack's own output, or
/// the evidence there would be left out, and the verdict would depend on
/// where the output goes (`--out anomalies` hiding an open anomaly).
fn check_no_evidence_in_out(dest: &Destination, excludes: &globset::GlobSet) -> Result<(), String> {
    let Some(out_rel) = dest.out_in_root.as_deref() else {
        return Ok(());
    };
    // What discovery would skip anyway: hidden entries, relpack.toml's
    // `exclude` globs, and relpack's own output at OUT's top.
    let ours = |e: &walkdir::DirEntry| {
        let name = e.file_name().to_string_lossy();
        if e.depth() > 0 && name.starts_with('.') {
            return true;
        }
        let rel = format!(
            "{out_rel}/{}",
            crate::discover::relative(&dest.out, e.path())
        );
        if e.depth() > 0 && excludes.is_match(&rel) {
            return true;
        }
        if e.depth() != 1 {
            return false;
        }
        name == crate::reuse::CACHE_DIR
            || (name == "index.html" && is_release_list(e.path()))
            || temporary_name(&name).is_some()
            || (e.file_type().is_dir() && is_packet_folder(e.path()))
    };
    let walk = walkdir::WalkDir::new(&dest.out)
        .into_iter()
        .filter_entry(|e| !ours(e))
        .flatten();
    for e in walk.filter(|e| e.file_type().is_file()) {
        if looks_like_evidence(e.path()) {
            return Err(format!(
                "the output folder {} lies inside the evidence root and holds {}, which looks like evidence: \
                 evidence there would not be read; build into a folder that holds only relpack's output",
                dest.out.display(),
                e.path().display()
            ));
        }
    }
    Ok(())
}

/// Whether discovery would read the file as evidence: by its name, and for
/// Markdown and XML by how it opens (front matter, a JUnit root).
fn looks_like_evidence(path: &Path) -> bool {
    use crate::discover::FileClass;
    use std::io::Read;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let head = |limit: u64| {
        let mut head = Vec::new();
        let _ = fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut head));
        head
    };
    match crate::discover::classify(&name) {
        FileClass::Other => false,
        FileClass::Markdown => crate::parse::markdown::opens_with_fence(&head(4096)),
        // As discovery tells a report (its root), in any encoding it reads.
        // Its first element may come after a long prolog: up to 16 MiB.
        FileClass::Xml => {
            let head = head(16 << 20);
            crate::parse::junit::looks_like_junit(&head)
                || String::from_utf8_lossy(&head).contains("<testsuite")
                || head.starts_with(&[0xFF, 0xFE])
                || head.starts_with(&[0xFE, 0xFF])
        }
        _ => true,
    }
}

/// The longest release folder name relpack takes: file systems allow 255
/// bytes, and relpack's own names beside it (`.NAME.tmp-PID`,
/// `NAME.spare.manifest`) add up to 25.
const NAME_MAX: usize = 230;

/// The release folder holds an earlier build of this same version, or
/// nothing: two versions whose folder names come out the same
/// (`2.4.0-rc1` and `2.4.0~rc1`: every character but letters, digits and
/// `.-_+` becomes `-`) would otherwise replace each other's packet.
fn check_same_release(dest: &Destination, folder: &str, version: &str) -> Result<(), String> {
    let packet_json = dest.out.join(folder).join("packet.json");
    let Ok(meta) = fs::symlink_metadata(&packet_json) else {
        return Ok(());
    };
    // The summary the last build's list of releases kept, else the file's.
    let summaries = crate::reuse::Summaries::load(&dest.out);
    let earlier = match summaries.get(folder, &meta) {
        Some(s) => Some(s.release.version.clone()),
        None => fs::File::open(&packet_json).ok().and_then(|f| {
            let s: crate::packet_file::Summary =
                serde_json::from_reader(std::io::BufReader::new(f)).ok()?;
            Some(s.release.version)
        }),
    };
    match earlier {
        Some(earlier) if earlier != version => Err(format!(
            "{} holds the packet of version {earlier}, and version {version} has the same folder name: \
             relpack never replaces another release's packet; give this release a version that differs \
             in letters, digits or `.-_+`, or choose another --out",
            dest.out.join(folder).display()
        )),
        _ => Ok(()),
    }
}

/// relpack's cache folder in OUT, and what it holds at its top (the parse
/// cache, the parts, the manifests, the spare packet), are never symbolic
/// links: a link there, committed in an evidence repository whose OUT lies
/// inside it, would have caches written (and a spare packet staged)
/// wherever it points, the evidence included.
fn check_cache_folder(out: &Path) -> Result<(), String> {
    let cache = out.join(crate::reuse::CACHE_DIR);
    let refuse = |p: &Path| {
        format!(
            "{} is a symbolic link: relpack writes its caches only into folders it made; \
             remove it or choose another --out",
            p.display()
        )
    };
    match fs::symlink_metadata(&cache) {
        Ok(m) if m.file_type().is_symlink() => return Err(refuse(&cache)),
        Ok(m) if !m.is_dir() => {
            return Err(format!(
                "{} exists and is not relpack's cache folder; move it or choose another --out",
                cache.display()
            ))
        }
        Ok(_) => {}
        Err(_) => return Ok(()),
    }
    let entries =
        fs::read_dir(&cache).map_err(|e| format!("cannot read {}: {e}", cache.display()))?;
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_symlink()) {
            return Err(refuse(&entry.path()));
        }
    }
    Ok(())
}

/// OUT is a folder, or does not exist yet.
fn check_out_folder(out: &Path) -> Result<(), String> {
    match fs::metadata(out) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(format!(
            "the output folder {} exists and is not a folder",
            out.display()
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "cannot use the output folder {}: {e}",
            out.display()
        )),
    }
}

fn check_release_folder(dest: &Destination, folder: &str) -> Result<(), String> {
    let release = dest.out.join(folder);
    if dest.root.starts_with(&release) {
        return Err(format!(
            "the evidence root {} is inside {}, the release folder this build would replace: \
             building would delete the evidence; choose another --out",
            dest.root.display(),
            release.display()
        ));
    }
    match fs::symlink_metadata(&release) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", release.display())),
        Ok(m) if m.is_dir() && is_packet_folder(&release) => {}
        Ok(_) => {
            return Err(format!(
                "{} exists and is not a relpack packet folder (no packet.json and SHA256SUMS): \
                 relpack replaces only its own output; move it or choose another --out",
                release.display()
            ))
        }
    }
    let index = dest.out.join("index.html");
    match fs::symlink_metadata(&index) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Ok(m) if m.is_file() && is_release_list(&index) => Ok(()),
        _ => Err(format!(
            "{} exists and is not relpack's list of releases: relpack replaces only its own \
             output; move it or choose another --out",
            index.display()
        )),
    }
}

/// An earlier build's folder: empty, or holding packet.json and SHA256SUMS.
fn is_packet_folder(folder: &Path) -> bool {
    let regular = |name: &str| {
        fs::symlink_metadata(folder.join(name))
            .map(|m| m.is_file())
            .unwrap_or(false)
    };
    (regular("packet.json") && regular("SHA256SUMS"))
        || fs::read_dir(folder)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
}

/// relpack's `OUT/index.html` (every version of it has this title).
fn is_release_list(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map(|_| String::from_utf8_lossy(&head).contains("<title>Release packets</title>"))
        .unwrap_or(false)
}

/// A temporary name of a build: `.NAME.tmp-PID` or `.NAME.old-PID`.
fn temporary_name(file_name: &str) -> Option<(&str, bool, u32)> {
    let rest = file_name.strip_prefix('.')?;
    let (name, suffix) = rest.rsplit_once('.')?;
    let (old, pid) = match suffix.split_once('-')? {
        ("tmp", pid) => (false, pid),
        ("old", pid) => (true, pid),
        _ => return None,
    };
    if name.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((name, old, pid.parse().ok()?))
}

/// Clear what killed builds left in OUT: temporary folders and files of
/// processes that no longer run are removed; an earlier packet moved aside
/// (`.NAME.old-PID`) whose place is empty is moved back. Nothing that holds
/// the evidence root, no symbolic link and nothing of a running build is
/// touched. Returns what was removed or restored, for tests and logs.
pub fn remove_stale(dest: &Destination) -> Vec<String> {
    let mut done = Vec::new();
    let Ok(entries) = fs::read_dir(&dest.out) else {
        return done;
    };
    let mut found: Vec<(String, String, bool, u32)> = entries
        .flatten()
        .filter_map(|e| {
            let file_name = e.file_name().to_str()?.to_string();
            let (name, old, pid) = temporary_name(&file_name)?;
            Some((file_name.clone(), name.to_string(), old, pid))
        })
        .collect();
    found.sort();
    for (file_name, name, old, pid) in found {
        if pid == std::process::id() || durable::process_alive(pid) {
            continue;
        }
        let path = dest.out.join(&file_name);
        if dest.root.starts_with(&path) {
            continue;
        }
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let place = dest.out.join(&name);
        if old && meta.is_dir() && fs::symlink_metadata(&place).is_err() {
            if fs::rename(&path, &place).is_ok() {
                done.push(format!("restored {name} from {file_name}"));
            }
            continue;
        }
        let removed = if meta.is_dir() {
            fs::remove_dir_all(&path)
        } else if meta.is_file() {
            fs::remove_file(&path)
        } else {
            continue;
        };
        if removed.is_ok() {
            done.push(format!("removed {file_name}"));
        }
    }
    if !done.is_empty() {
        let _ = durable::sync_dir(&dest.out);
    }
    done
}

/// OUT must be a folder, or not exist yet under a folder: say so before
/// any work, rather than fail at the end with the OS's "File exists". An
/// I/O failure (exit 3), as an unwritable OUT is.
pub fn check_out_path(out: &Path) -> Result<(), String> {
    for (n, p) in out.ancestors().enumerate() {
        if p.as_os_str().is_empty() {
            break;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) if n == 0 => {
                return Err(format!(
                "--out {}: is a file, not a folder; give the folder that holds the release packets",
                out.display()
            ))
            }
            Ok(_) => {
                return Err(format!(
                    "--out {}: {} is a file, so the folder cannot be created there",
                    out.display(),
                    p.display()
                ))
            }
            Err(_) => continue,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::temporary_name;

    #[test]
    fn temporary_names_are_recognised() {
        assert_eq!(
            temporary_name(".TP-1.0.0.tmp-42"),
            Some(("TP-1.0.0", false, 42))
        );
        assert_eq!(temporary_name(".TP-1.0.old-7"), Some(("TP-1.0", true, 7)));
        assert_eq!(
            temporary_name(".index.html.tmp-9"),
            Some(("index.html", false, 9))
        );
        for not in [
            "TP-1.0.0",
            ".tmp-4",
            ".x.tmp-",
            ".x.tmp-4a",
            ".x.new-4",
            ".git",
        ] {
            assert_eq!(temporary_name(not), None, "{not}");
        }
    }
}
