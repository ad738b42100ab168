//! `relpack check`.

use std::io::IsTerminal;
use std::path::PathBuf;

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use relpack::gate::ReleaseStatus;
use relpack::report;
use relpack::FailureKind;

use super::{fail, status_code, Ctx, Format, ReleaseArgs};

#[derive(clap::Args)]
pub struct Args {
    /// The evidence root (holds relpack.toml); default: this folder.
    pub dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Fail (exit 2) on any warning, such as an unknown field.
    #[arg(long)]
    pub deny_warnings: bool,
    #[command(flatten)]
    pub release: ReleaseArgs,
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let Args {
        dir,
        format,
        deny_warnings,
        release,
    } = args;
    let root = relpack::root_or_cwd(dir);
    let opts = relpack::Options {
        deny_warnings,
        ..options_or_exit!(&release)
    };
    match relpack::check(&root, &opts) {
        Ok(c) => {
            if format == Format::Json {
                println!("{}", report::check_json(&c));
            } else if format == Format::Sarif {
                println!(
                    "{}",
                    report::sarif(Some(&c), &c.evidence.sources, &c.warnings)
                );
            } else {
                let mut err = StandardStream::stderr(ctx.colour);
                if !ctx.quiet {
                    let _ = report::emit_diagnostics(&mut err, &c.evidence.sources, &c.warnings);
                }
                let mut out = StandardStream::stdout(if std::io::stdout().is_terminal() {
                    ctx.colour
                } else {
                    ColorChoice::Never
                });
                if !ctx.quiet || c.report.status == ReleaseStatus::NotReleasable {
                    let _ = report::gate_summary(&mut out, &c, ctx.verbose);
                }
            }
            let code = status_code(c.report.status);
            // Freeing 100k items one allocation at a time takes a tenth of
            // a second the process is about to get back anyway.
            std::mem::forget(c);
            code
        }
        Err(f) => {
            if format != Format::Text {
                if format == Format::Json {
                    println!("{}", report::invalid_json(&f.sources, &f.diags));
                } else {
                    println!("{}", report::sarif(None, &f.sources, &f.diags));
                }
                match f.kind {
                    FailureKind::Invalid => 2,
                    FailureKind::Io => 3,
                }
            } else {
                fail(&f, ctx.colour)
            }
        }
    }
}
