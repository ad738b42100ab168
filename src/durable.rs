//! The platform calls behind an atomic, durable release folder: syncing
//! files and folders to the disk, exchanging two names in one step, and
//! telling whether the process that left a temporary folder still runs.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Write a file and flush it to the disk.
pub fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Every file and folder under `dir`, on the disk.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn sync_tree(dir: &Path) -> io::Result<()> {
    // One syncfs instead of one fsync per file: a packet of 100k pages
    // would otherwise wait on 100k journal commits. It also flushes other
    // writers' data on that file system, which costs them nothing.
    let f = File::open(dir)?;
    rustix::fs::syncfs(&f).map_err(io::Error::from)
}

/// Start writing a big file just written to the disk, without waiting:
/// the folder's one sync at the end then waits for less (packet.json is
/// 180 MB at 100k items, written while the site still renders). Linux
/// starts the writeback of a file's dirty pages on POSIX_FADV_DONTNEED and
/// drops only pages already clean, so the file stays cached. A hint:
/// failure changes nothing.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn start_writeback(f: &File) {
    let _ = rustix::fs::fadvise(f, 0, None, rustix::fs::Advice::DontNeed);
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn start_writeback(_f: &File) {}

/// Every file and folder under `dir`, on the disk.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in walkdir::WalkDir::new(dir).contents_first(true) {
        let entry = entry.map_err(io::Error::from)?;
        if entry.file_type().is_file() {
            std::fs::OpenOptions::new()
                .write(true)
                .open(entry.path())?
                .sync_all()?;
        } else if entry.file_type().is_dir() {
            sync_dir(entry.path())?;
        }
    }
    Ok(())
}

/// A folder's entries (a rename into it), on the disk.
#[cfg(unix)]
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows cannot open a folder to flush it; NTFS journals renames.
#[cfg(not(unix))]
pub fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Swap two existing names in one step (Linux `renameat2` with
/// `RENAME_EXCHANGE`, macOS `renamex_np` with `RENAME_SWAP`). `Ok(false)`:
/// this system or file system cannot; the caller falls back to two renames.
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
pub fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
pub fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Whether a process with this id runs (or may: when in doubt, yes, so
/// another build's folder is never removed under it).
#[cfg(unix)]
pub fn process_alive(pid: u32) -> bool {
    use rustix::process::{test_kill_process, Pid};
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return false;
    };
    match test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e != rustix::io::Errno::SRCH,
    }
}

#[cfg(not(unix))]
pub fn process_alive(_pid: u32) -> bool {
    true
}

/// Hard-link every regular file under `from` whose path relative to it
/// (`/`-separated) `keep` accepts into the new folder `to`, making the
/// folders on the way. By names relative to folders opened without
/// following links, so a link swapped in meanwhile is never followed; in
/// the order each folder lists its entries, as `cp -al` does (100k links
/// take about 0.95 s here; `cp -al` of the same folder 0.73 s).
#[cfg(unix)]
pub fn link_tree(from: &Path, to: &Path, keep: &dyn Fn(&str) -> bool) -> io::Result<()> {
    use rustix::fs::{mkdirat, open, Mode, OFlags, CWD};
    mkdirat(CWD, to, Mode::from_raw_mode(0o777))?;
    let dir = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let (from, to) = (
        open(from, dir, Mode::empty())?,
        open(to, dir, Mode::empty())?,
    );
    link_tree_in(&from, &to, &mut String::new(), keep)
}

#[cfg(unix)]
fn link_tree_in(
    from: &std::os::fd::OwnedFd,
    to: &std::os::fd::OwnedFd,
    rel: &mut String,
    keep: &dyn Fn(&str) -> bool,
) -> io::Result<()> {
    use rustix::fs::{linkat, mkdirat, openat, statat, AtFlags, Dir, FileType, Mode, OFlags};
    let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let prefix = rel.len();
    let mut entries = Dir::read_from(from)?;
    while let Some(entry) = entries.read() {
        let entry = entry?;
        let name = entry.file_name();
        let bytes = name.to_bytes();
        if bytes == b"." || bytes == b".." {
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let kind = match entry.file_type() {
            FileType::Unknown => {
                FileType::from_raw_mode(statat(from, name, AtFlags::SYMLINK_NOFOLLOW)?.st_mode as _)
            }
            kind => kind,
        };
        rel.truncate(prefix);
        rel.push_str(text);
        match kind {
            FileType::Directory => {
                mkdirat(to, name, Mode::from_raw_mode(0o777))?;
                let sub_from = openat(from, name, dir_flags, Mode::empty())?;
                let sub_to = openat(to, name, dir_flags, Mode::empty())?;
                rel.push('/');
                link_tree_in(&sub_from, &sub_to, rel, keep)?;
            }
            FileType::RegularFile if keep(rel) => {
                linkat(from, name, to, name, AtFlags::empty())?;
            }
            _ => {}
        }
    }
    rel.truncate(prefix);
    Ok(())
}

#[cfg(not(unix))]
pub fn link_tree(from: &Path, to: &Path, keep: &dyn Fn(&str) -> bool) -> io::Result<()> {
    std::fs::create_dir(to)?;
    for entry in walkdir::WalkDir::new(from).min_depth(1) {
        let entry = entry?;
        let rel = entry.path().strip_prefix(from).map_err(io::Error::other)?;
        let Some(text) = rel.to_str() else { continue };
        let text = text.replace('\\', "/");
        if entry.file_type().is_dir() {
            std::fs::create_dir(to.join(rel))?;
        } else if entry.file_type().is_file() && keep(&text) {
            std::fs::hard_link(entry.path(), to.join(rel))?;
        }
    }
    Ok(())
}
