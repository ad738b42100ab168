//! `relpack completions`.

use super::Ctx;

#[derive(clap::Args)]
pub struct Args {
    pub shell: clap_complete::Shell,
}

pub fn run(args: Args, _ctx: &Ctx) -> u8 {
    let Args { shell } = args;
    let mut cmd = super::command();
    clap_complete::generate(shell, &mut cmd, "relpack", &mut std::io::stdout());
    0
}
