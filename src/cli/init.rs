//! `relpack init`.

use std::path::PathBuf;

use relpack::report;
use relpack::Options;

use super::{fail, Ctx};

#[derive(clap::Args)]
pub struct Args {
    /// Where to write it; default: this folder.
    pub dir: Option<PathBuf>,
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let Args { dir } = args;
    let dir = relpack::root_or_cwd(dir);
    let written = match relpack::init::init(&dir) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {}", report::escape_terminal(&e));
            return 2;
        }
    };
    // The approval record needs the digest of what was just written.
    let approval = relpack::check(&dir, &Options::default()).and_then(|c| {
        relpack::approve::approve(
            &dir,
            &c,
            &relpack::approve::ApproveRequest {
                id: "APR-1".into(),
                role: "quality".into(),
                meaning: "approved".into(),
                signer: "Q. Lead".into(),
                items: None,
                key: None,
                principal: None,
                at: Some("2026-01-15T09:00:00+01:00".into()),
                file: None,
                replace: false,
                force: false,
            },
        )
    });
    if !ctx.quiet {
        for w in &written {
            eprintln!("wrote {w}");
        }
        if let Ok(a) = &approval {
            eprintln!("wrote {a} (with `relpack approve`)");
        }
        eprintln!(
            "\nNext:\n  relpack check {d}            # validate, link and apply the gates\n  relpack build {d} --out dist # write the release packet\n\nReplace the examples with your evidence; after any change, approvals\nbecome stale: record new ones with `relpack approve --root {d} ...`.",
            d = dir.display()
        );
    }
    if let Err(f) = approval {
        return fail(&f, ctx.colour);
    }
    0
}
