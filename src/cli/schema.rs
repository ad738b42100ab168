//! `relpack schema`.

use std::path::PathBuf;

use relpack::report;

use super::Ctx;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "schemas")]
    pub out: PathBuf,
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let Args { out } = args;
    match relpack::write_schemas(&out) {
        Ok(n) => {
            if !ctx.quiet {
                eprintln!("wrote {n} schemas to {}", out.display());
            }
            0
        }
        Err(e) => {
            eprintln!("error: {}", report::escape_terminal(&e));
            3
        }
    }
}
