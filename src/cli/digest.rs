//! `relpack digest`.

use std::io::Write;
use std::path::PathBuf;

use relpack::report;
use relpack::Options;

use super::{fail, Ctx, ReleaseArgs};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The release digest (every item but approvals, and JUnit files).
    #[arg(long, conflicts_with = "ids")]
    pub release: bool,
    /// Item ids: print the digest of just these items.
    #[arg(required_unless_present = "release")]
    pub ids: Vec<String>,
    /// Also print each item's own digest.
    #[arg(long)]
    pub each: bool,
    /// Print each item's canonical form (the exact bytes hashed and signed).
    #[arg(long)]
    pub canonical: bool,
    #[command(flatten)]
    pub version_args: ReleaseArgs,
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let Args {
        root,
        release,
        ids,
        each,
        canonical,
        version_args,
    } = args;
    let root = relpack::root_or_cwd(root);
    let opts = Options {
        fallback_version: Some("unversioned".into()),
        ..options_or_exit!(&version_args)
    };
    let c = match relpack::check(&root, &opts) {
        Ok(c) => c,
        Err(f) => return fail(&f, ctx.colour),
    };
    let ev = &c.evidence;
    let mut stdout = std::io::stdout().lock();
    // Ids from a BOM may carry anything: escaped for the terminal.
    let mut out = report::Escaped(&mut stdout);
    if release {
        let _ = writeln!(out, "{}", c.release_digest);
        if each {
            for (i, item) in ev.items.iter().enumerate() {
                if item.kind != relpack::item::Kind::Approval {
                    let _ = writeln!(out, "{} {}", item.id, c.digests[i]);
                }
            }
        }
        return 0;
    }
    let mut lines = Vec::new();
    for id in &ids {
        match ev.links.get(id) {
            Some(i) => lines.push((ev.items[i].id.as_str(), c.digests[i].as_str())),
            None => {
                eprintln!("error: no item has id `{id}`");
                return 2;
            }
        }
    }
    if canonical {
        for id in &ids {
            if let Some(i) = ev.links.get(id) {
                let canonical =
                    relpack::digest::canonical_form(&ev.items[i], ev.attachment_digests(i));
                let _ = writeln!(out, "{canonical}");
            }
        }
        return 0;
    }
    let _ = writeln!(
        out,
        "{}",
        relpack::digest::scope_digest(lines.iter().copied())
    );
    if each {
        for (id, d) in lines {
            let _ = writeln!(out, "{id} {d}");
        }
    }
    0
}
