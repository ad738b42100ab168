//! Reading from the evidence root: every file relpack opens because the
//! evidence names it (evidence files, attachments, `relpack.toml`,
//! `allowed_signers`, `[packet] fonts`, `release.previous`) is opened here,
//! and only here. A path must stay inside the root, lexically and after
//! symbolic links are resolved; it must name a regular file (never a
//! device, FIFO, socket or folder); and it is read up to a limit that
//! depends on what the file is for (docs/security.md, "Input").

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// What a file is read for; each has its own size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    Config,
    AllowedSigners,
    /// `*.toml` items and Markdown items.
    Items,
    /// CycloneDX JSON or XML.
    Bom,
    /// JUnit XML (streamed, never held whole).
    Junit,
    /// An extra PDF font from `[packet] fonts`.
    Font,
    /// A file an item names in `attachments` (streamed into its hash).
    Attachment,
    /// The previous release's packet.json (`release.previous`).
    PreviousPacket,
    /// An attachment shown as a figure: read whole, copied into the packet
    /// and decoded for the PDF.
    Image,
}

const MIB: u64 = 1 << 20;

impl FileRole {
    /// The largest file read for this role. Generous for real evidence,
    /// small enough that a mistake (or a link to `/dev/zero`) cannot exhaust
    /// memory: the files held whole are the small ones.
    pub const fn limit(self) -> u64 {
        match self {
            FileRole::Config => MIB,
            FileRole::AllowedSigners => MIB,
            FileRole::Items => 64 * MIB,
            FileRole::Bom => 128 * MIB,
            FileRole::Junit => 512 * MIB,
            FileRole::Font => 64 * MIB,
            FileRole::Attachment => 4096 * MIB,
            FileRole::PreviousPacket => 1024 * MIB,
            FileRole::Image => 32 * MIB,
        }
    }

    fn what(self) -> &'static str {
        match self {
            FileRole::Config => "relpack.toml",
            FileRole::AllowedSigners => "an allowed_signers file",
            FileRole::Items => "an item file",
            FileRole::Bom => "a CycloneDX BOM",
            FileRole::Junit => "a JUnit report",
            FileRole::Font => "a font",
            FileRole::Attachment => "an attachment",
            FileRole::PreviousPacket => "the previous packet.json",
            FileRole::Image => "a figure",
        }
    }
}

/// Why a file was not read. The message names the file as the evidence
/// names it and says why.
#[derive(Debug)]
pub enum ReadError {
    NotFound(String),
    /// Outside the root, not a regular file, or too large: relpack will not
    /// read it, whatever its contents.
    Refused(String),
    Io(String, io::Error),
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound(_))
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound(rel) => write!(f, "{rel}: cannot read: no such file"),
            ReadError::Refused(msg) => f.write_str(msg),
            ReadError::Io(rel, e) => write!(f, "{rel}: cannot read: {e}"),
        }
    }
}

/// The evidence root, resolved once.
#[derive(Debug, Clone)]
pub struct EvidenceRoot {
    path: PathBuf,
    canonical: PathBuf,
}

impl EvidenceRoot {
    pub fn new(path: &Path) -> io::Result<EvidenceRoot> {
        Ok(EvidenceRoot {
            path: path.to_path_buf(),
            canonical: path.canonicalize()?,
        })
    }

    /// The root as given on the command line.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The root with every symbolic link resolved.
    pub fn canonical(&self) -> &Path {
        &self.canonical
    }

    /// The SHA-256 (hex) and size of `rel`, streamed as [`Self::open`]
    /// reads it. `Err`: why it could not be read, for a diagnostic.
    pub fn sha256(&self, rel: &str, role: FileRole) -> Result<(String, u64), String> {
        use sha2::{Digest, Sha256};
        let mut file = self.open(rel, role).map_err(|e| e.to_string())?;
        let mut hasher = Sha256::new();
        let size = io::copy(&mut file, &mut hasher).map_err(|e| format!("cannot read: {e}"))?;
        Ok((format!("{:x}", hasher.finalize()), size))
    }

    /// Open `rel` (relative to the root, with `/`) for reading: inside the
    /// root after links are resolved, a regular file, within `role`'s limit.
    pub fn open(&self, rel: &str, role: FileRole) -> Result<Bounded, ReadError> {
        let Some(clean) = lexically_inside(rel) else {
            return Err(ReadError::Refused(format!(
                "{rel}: outside the evidence root; not read"
            )));
        };
        let target = self.resolve(&clean)?;
        if !target.starts_with(&self.canonical) {
            return Err(ReadError::Refused(format!(
                "{clean}: symbolic link leaves the evidence root (it points to {}); not read",
                target.display()
            )));
        }
        open_regular(&target, &clean, role)
    }

    /// Read all of `rel`, as [`EvidenceRoot::open`] allows.
    pub fn read(&self, rel: &str, role: FileRole) -> Result<Vec<u8>, ReadError> {
        self.open(rel, role)?.read_all()
    }

    /// Read a file the configuration names relative to the root that may lie
    /// outside it (`release.previous`: packets live outside the evidence).
    /// Still a regular file, still bounded.
    pub fn read_beside(&self, rel: &str, role: FileRole) -> Result<Vec<u8>, ReadError> {
        let target = self.resolve(rel)?;
        open_regular(&target, rel, role)?.read_all()
    }

    /// Read an earlier release's file found by following packets (their
    /// own `previous` pointers, or OUT): outside the root as packets are,
    /// still a regular file within `role`'s limit.
    pub fn read_outside(path: &Path, role: FileRole) -> Result<Vec<u8>, ReadError> {
        let shown = path.display().to_string();
        let target = path.canonicalize().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                ReadError::NotFound(shown.clone())
            } else {
                ReadError::Io(shown.clone(), e)
            }
        })?;
        open_regular(&target, &shown, role)?.read_all()
    }

    fn resolve(&self, rel: &str) -> Result<PathBuf, ReadError> {
        self.path.join(rel).canonicalize().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                // A dangling link is reported as missing: its target is not read.
                ReadError::NotFound(rel.to_string())
            } else {
                ReadError::Io(rel.to_string(), e)
            }
        })
    }
}

/// `rel` with `.` and `..` resolved, if it does not climb out of the root
/// and is not absolute. (Links are resolved afterwards, by the OS.)
fn lexically_inside(rel: &str) -> Option<String> {
    if rel.starts_with('/') || Path::new(rel).is_absolute() {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Open a path that has no symbolic link left in it and check, on the open
/// file, that it is a regular file within the limit.
fn open_regular(target: &Path, rel: &str, role: FileRole) -> Result<Bounded, ReadError> {
    // Refuse special files before opening: opening a FIFO waits for a writer.
    let meta = std::fs::metadata(target).map_err(|e| ReadError::Io(rel.to_string(), e))?;
    check_regular(&meta, rel, role)?;
    let file = open_no_follow(target).map_err(|e| ReadError::Io(rel.to_string(), e))?;
    // The file opened may not be the one looked at (a swap in between).
    let meta = file
        .metadata()
        .map_err(|e| ReadError::Io(rel.to_string(), e))?;
    check_regular(&meta, rel, role)?;
    Ok(Bounded {
        file,
        size: meta.len(),
        left: role.limit(),
        rel: rel.to_string(),
        role,
    })
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        // Never wait on a FIFO swapped in after the check, never follow a
        // link swapped in for the last component.
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<File> {
    File::open(path)
}

fn check_regular(meta: &Metadata, rel: &str, role: FileRole) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::Refused(format!(
            "{rel}: {}, not a regular file; not read",
            special_kind(meta)
        )));
    }
    if meta.len() > role.limit() {
        return Err(too_large(rel, role, Some(meta.len())));
    }
    Ok(())
}

fn too_large(rel: &str, role: FileRole, size: Option<u64>) -> ReadError {
    let size = match size {
        Some(s) => format!("{} bytes", s),
        None => "larger than that".to_string(),
    };
    ReadError::Refused(format!(
        "{rel}: {size}; {} may be at most {} MiB (docs/security.md); not read",
        role.what(),
        role.limit() / MIB
    ))
}

fn special_kind(meta: &Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
    }
    "a special file"
}

/// An open evidence file that yields at most its role's limit: reading
/// past it is an error, not a silent truncation (a file growing while read).
pub struct Bounded {
    file: File,
    size: u64,
    left: u64,
    rel: String,
    role: FileRole,
}

impl Bounded {
    /// The size when opened.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn read_all(mut self) -> Result<Vec<u8>, ReadError> {
        let mut bytes = Vec::with_capacity(self.size as usize);
        self.read_to_end(&mut bytes)
            .map_err(|e| ReadError::Io(self.rel.clone(), e))?;
        Ok(bytes)
    }
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One byte more than allowed tells a file at the limit from a
            // larger one.
            let mut probe = [0u8; 1];
            return match self.file.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(
                    too_large(&self.rel, self.role, None).to_string(),
                )),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}
