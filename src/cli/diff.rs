//! `relpack diff`.

use std::path::PathBuf;

use relpack::report;

use super::{Ctx, DiffFormat};

#[derive(clap::Args)]
pub struct Args {
    /// The earlier packet.json.
    pub old: PathBuf,
    /// The later packet.json.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

pub fn run(args: Args, _ctx: &Ctx) -> u8 {
    let Args { old, new, format } = args;
    let read = |p: &PathBuf| relpack::packet_file::read_previous(p).map_err(|e| e.to_string());
    let (old, new) = match (read(&old), read(&new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {}", report::escape_terminal(&e));
            return 2;
        }
    };
    let diff = relpack::changes::diff_packets(&old, &new);
    if format == DiffFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&diff).unwrap_or_default()
        );
    } else {
        let _ =
            report::packet_diff_text(&mut std::io::stdout().lock(), &diff, &new.release.version);
    }
    0
}
