//! `relpack build`.

use std::io::IsTerminal;
use std::path::PathBuf;

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use relpack::gate::ReleaseStatus;
use relpack::report;

use super::{fail, status_code, Ctx, Progress, ReleaseArgs};

#[derive(clap::Args)]
pub struct Args {
    /// The evidence root (holds relpack.toml); default: this folder.
    pub dir: Option<PathBuf>,
    /// The folder of all release packets; the packet goes in OUT/<id>-<version>/.
    #[arg(long, default_value = "dist")]
    pub out: PathBuf,
    /// Build everything but the PDF (quick local looks).
    #[arg(long)]
    pub no_pdf: bool,
    /// Fail (exit 2, nothing written) on any warning found in the evidence.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Write every file afresh: reuse nothing of an earlier build of this
    /// release (by default its unchanged files are linked, not rewritten).
    #[arg(long)]
    pub clean: bool,
    /// Sign the packet: an SSH signature over SHA256SUMS (namespace
    /// relpack-packet) in SHA256SUMS.sig, made with this OpenSSH private key
    /// (an encrypted key reads RELPACK_KEY_PASSPHRASE). `relpack verify`
    /// checks it against allowed_signers.
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    #[command(flatten)]
    pub release: ReleaseArgs,
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let Args {
        dir,
        out,
        no_pdf,
        deny_warnings,
        clean,
        sign,
        release,
    } = args;
    let root = relpack::root_or_cwd(dir);
    let progress = Progress::new(ctx.quiet);
    let opts = relpack::BuildOptions {
        out,
        pdf: !no_pdf,
        clean,
        sign,
        spare: !super::in_ci(),
    };
    let options = relpack::Options {
        deny_warnings,
        counters: Some(progress.counters.clone()),
        ..options_or_exit!(&release)
    };
    let result = relpack::build(&root, &options, &opts, &|stage| progress.stage(stage));
    progress.finish();
    match result {
        Ok(b) => {
            let mut err = StandardStream::stderr(ctx.colour);
            if !ctx.quiet {
                let _ = report::emit_diagnostics(
                    &mut err,
                    &b.checked.evidence.sources,
                    &b.checked.warnings,
                );
            }
            let mut out = StandardStream::stdout(if std::io::stdout().is_terminal() {
                ctx.colour
            } else {
                ColorChoice::Never
            });
            if !ctx.quiet || b.checked.report.status == ReleaseStatus::NotReleasable {
                let _ = report::gate_summary(&mut out, &b.checked, ctx.verbose);
            }
            if !ctx.quiet {
                println!("packet written to {}", b.folder.display());
            }
            let code = status_code(b.checked.report.status);
            // The process ends now: freeing the evidence of 100k items one
            // allocation at a time would take a fifth of a second.
            std::mem::forget(b);
            code
        }
        Err(f) => fail(&f, ctx.colour),
    }
}
