//! A Markdown evidence file: `+++` TOML front matter and a body -> one item
//! -> schema validation -> diagnostics rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::diag::Sources;
use relpack::parse::{decode_text, markdown};

#[path = "report.rs"]
mod report;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode_text(data.to_vec(), "fuzz.md", 0) else {
        return;
    };
    if !markdown::has_front_matter(&text) {
        return;
    }
    let mut sources = Sources::default();
    let file = sources.add("fuzz.md".into(), text.clone());
    let (item, mut diags) = markdown::parse_markdown_item(&text, file);
    diags.extend(relpack::validate::validate(
        &item.into_iter().collect::<Vec<_>>(),
    ));
    report::emit(&sources, diags);
});
