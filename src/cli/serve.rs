//! `relpack serve`.

use std::net::IpAddr;
use std::path::PathBuf;

use super::{Ctx, ReleaseArgs};

#[derive(clap::Args)]
pub struct Args {
    /// The evidence root (holds relpack.toml); default: this folder.
    pub dir: Option<PathBuf>,
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 4517)]
    pub port: u16,
    /// The address to listen on; only this machine by default.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    #[command(flatten)]
    pub release: ReleaseArgs,
}

pub fn run(args: Args, _ctx: &Ctx) -> u8 {
    let options = options_or_exit!(&args.release);
    let o = relpack::serve::ServeOptions {
        root: relpack::root_or_cwd(args.dir),
        bind: args.bind,
        port: args.port,
        options,
    };
    let open = args.open;
    let ready = |url: &str| {
        eprintln!("serving the packet at {url} (Ctrl-C stops)");
        if open {
            let _ = std::process::Command::new("xdg-open").arg(url).spawn();
        }
    };
    match relpack::serve::serve(o, &ready) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {}", relpack::report::escape_terminal(&e));
            3
        }
    }
}
