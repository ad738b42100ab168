//! A `*.toml` evidence file as discovery hands it over: bytes -> UTF-8 text
//! (byte-order mark dropped) -> items with spans -> schema validation (whose
//! errors map instance paths back to spans) -> diagnostics rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::diag::Sources;
use relpack::parse::{decode_text, toml::parse_items_file};

#[path = "report.rs"]
mod report;

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::default();
    let text = match decode_text(data.to_vec(), "fuzz.toml", 0) {
        Ok(t) => t,
        Err(d) => {
            sources.add("fuzz.toml".into(), String::new());
            return report::emit(&sources, vec![d]);
        }
    };
    let file = sources.add("fuzz.toml".into(), text.clone());
    let (items, mut diags) = parse_items_file(&text, file);
    diags.extend(relpack::validate::validate(&items));
    report::emit(&sources, diags);
});
