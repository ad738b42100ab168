//! `relpack diff`.

use std::path::PathBuf;

use relpack::report;

use super::{Ctx, DiffFormat};

#[derive(clap::Args)]
pub struct Args {
    pub old: PathBuf,
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
    let current: Vec<relpack::changes::CurrentItem<'_>> = new
        .items
        .iter()
        .map(|i| relpack::changes::CurrentItem {
            id: &i.id,
            kind: &i.kind,
            title: &i.title,
            digest: &i.digest,
            fields: &i.fields,
        })
        .collect();
    let set = relpack::changes::compare(&old, &current);
    if format == DiffFormat::Json {
        println!("{}", serde_json::to_string_pretty(&set).unwrap_or_default());
    } else {
        let _ = report::change_set_text(&mut std::io::stdout().lock(), &set, &new.release.version);
    }
    0
}
