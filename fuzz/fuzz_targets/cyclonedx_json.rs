//! A CycloneDX JSON BOM -> `soup` items -> merged -> schema validation ->
//! diagnostics rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::diag::Sources;
use relpack::parse::{cyclonedx::parse_json_bom, decode_text, merge_soup};

#[path = "report.rs"]
mod report;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode_text(data.to_vec(), "fuzz.cdx.json", 0) else {
        return;
    };
    let mut sources = Sources::default();
    let file = sources.add("fuzz.cdx.json".into(), String::new());
    let (items, mut diags) = parse_json_bom(&text, "fuzz.cdx.json", file);
    let (items, conflicts) = merge_soup(items, &sources);
    diags.extend(conflicts);
    diags.extend(relpack::validate::validate(&items));
    report::emit(&sources, diags);
});
