//! `relpack verify`.

use std::io::Write;
use std::path::PathBuf;

use relpack::report;

use super::{Ctx, ReleaseArgs};

#[derive(clap::Args)]
pub struct Args {
    /// The release folder (OUT/<id>-<version>).
    pub packet: PathBuf,
    /// The evidence root to compare with.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The allowed_signers file to check the packet's signature
    /// (SHA256SUMS.sig) against; default: relpack.toml's `[gates]
    /// allowed_signers` under --root. Given, an unsigned packet fails.
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    #[command(flatten)]
    pub release: ReleaseArgs,
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let Args {
        packet,
        root,
        allowed_signers,
        release,
    } = args;
    let options = options_or_exit!(&release);
    let verdict = match relpack::verify::verify(
        &packet,
        root.as_deref(),
        allowed_signers.as_deref(),
        &options,
    ) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {}", report::escape_terminal(&e));
            return 2;
        }
    };
    let mut out = std::io::stdout().lock();
    let out = &mut report::Escaped(&mut out);
    if !verdict.problems.is_empty() {
        // Evidence changed since the build can make every page
        // differ: the first hundred say enough.
        const SHOWN: usize = 100;
        for p in verdict.problems.iter().take(SHOWN) {
            let _ = writeln!(out, "differs: {}", p.replace('\n', "\\n"));
        }
        if verdict.problems.len() > SHOWN {
            let _ = writeln!(
                out,
                "differs: ... and {} more",
                verdict.problems.len() - SHOWN
            );
        }
        return 1;
    }
    if ctx.quiet {
        return 0;
    }
    let word = if verdict.unchecked.is_empty() {
        "verified"
    } else {
        "consistent"
    };
    let _ = writeln!(out, "{word}: {}", packet.display());
    for c in &verdict.checked {
        let _ = writeln!(out, "  checked: {c}");
    }
    for c in &verdict.unchecked {
        let _ = writeln!(out, "  not checked: {c}");
    }
    0
}
