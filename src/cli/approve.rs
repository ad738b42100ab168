//! `relpack approve`.

use std::path::PathBuf;

use super::{fail, Ctx, ReleaseArgs};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The approval's id.
    #[arg(long)]
    pub id: String,
    /// The signer's role, e.g. engineering, quality.
    #[arg(long)]
    pub role: String,
    /// authored, reviewed, approved or released.
    #[arg(long)]
    pub meaning: String,
    /// The signer's printed name.
    #[arg(long)]
    pub signer: String,
    /// Approve the whole release (the default).
    #[arg(long, value_parser = ["release"], conflicts_with = "items")]
    pub scope: Option<String>,
    /// Approve just these items (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub items: Option<Vec<String>>,
    /// OpenSSH private key to sign with (RELPACK_KEY_PASSPHRASE for an encrypted one).
    #[arg(long, requires = "principal")]
    pub key: Option<PathBuf>,
    /// The signer's identity in allowed_signers.
    #[arg(long, requires = "key")]
    pub principal: Option<String>,
    /// Signing time, RFC 3339 with offset; default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// File to write, relative to the root; default approvals/<ID>.toml.
    #[arg(long, conflicts_with = "replace")]
    pub file: Option<String>,
    /// Replace the approval with this id (renew a stale one): its file is
    /// written anew, so it must hold no other item.
    #[arg(long)]
    pub replace: bool,
    /// Write the record even if the principal is not in allowed_signers
    /// (the approval gate will refuse its signature until it is).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub release: ReleaseArgs,
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let Args {
        root,
        id,
        role,
        meaning,
        signer,
        scope: _,
        items,
        key,
        principal,
        at,
        file,
        replace,
        force,
        release,
    } = args;
    let root = relpack::root_or_cwd(root);
    let c = match relpack::check(&root, &options_or_exit!(&release)) {
        Ok(c) => c,
        Err(f) => return fail(&f, ctx.colour),
    };
    let req = relpack::approve::ApproveRequest {
        id,
        role,
        meaning,
        signer,
        items,
        key,
        principal,
        at,
        file,
        replace,
        force,
    };
    match relpack::approve::approve(&root, &c, &req) {
        Ok(path) => {
            if !ctx.quiet {
                eprintln!("wrote {path}");
            }
            0
        }
        Err(f) => fail(&f, ctx.colour),
    }
}
