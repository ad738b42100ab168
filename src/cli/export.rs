//! `relpack export reqif`: the needs, requirements, hazards and tests of
//! the evidence, with their links, as one ReqIF 1.2 file.

use std::path::PathBuf;

use clap::Subcommand;
use relpack::interchange::{reqif, InterchangeError};
use relpack::report::escape_terminal;

use super::{fail, Ctx, ReleaseArgs};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub to: To,
}

#[derive(Subcommand)]
pub enum To {
    /// ReqIF 1.2. Example: `relpack export reqif --root evidence --out pump.reqif`
    Reqif {
        /// The evidence root; default: this folder.
        #[arg(long)]
        root: Option<PathBuf>,
        /// The file to write (replaced if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        release: ReleaseArgs,
    },
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let To::Reqif { root, out, release } = args.to;
    let root = relpack::root_or_cwd(root);
    let opts = options_or_exit!(&release);
    let loaded = match relpack::load(&root, &opts) {
        Ok(l) => l,
        Err(f) => return fail(&f, ctx.colour),
    };
    let ev = &loaded.evidence;
    // SOURCE_DATE_EPOCH, else the release date: the same evidence gives
    // the same file.
    let time = opts
        .source_date_epoch
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| format!("{}T00:00:00Z", ev.date.format("%Y-%m-%d")));
    let (bytes, counts) = match reqif::export(ev, &time) {
        Ok(r) => r,
        Err(e) => return super::import::failed(&InterchangeError::io(e.to_string())),
    };
    if let Err(e) = write_atomic(&out, &bytes) {
        return super::import::failed(&InterchangeError::io(format!(
            "cannot write {}: {e}",
            out.display()
        )));
    }
    if !ctx.quiet {
        eprintln!(
            "wrote {}: {} spec objects, {} spec relations",
            escape_terminal(&out.display().to_string()),
            counts.objects,
            counts.relations
        );
    }
    0
}

/// A temporary file beside `path`, then a rename: a reader never sees half
/// a file.
fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export.reqif".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
