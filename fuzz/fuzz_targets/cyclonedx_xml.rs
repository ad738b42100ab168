//! A CycloneDX XML BOM (any bytes, streamed) -> `soup` items -> merged ->
//! schema validation -> diagnostics rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::diag::Sources;
use relpack::parse::{cyclonedx::parse_xml_bom, merge_soup};

#[path = "report.rs"]
mod report;

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::default();
    let file = sources.add("fuzz.cdx.xml".into(), String::new());
    let (items, mut diags) = parse_xml_bom(data, "fuzz.cdx.xml", file);
    let (items, conflicts) = merge_soup(items, &sources);
    diags.extend(conflicts);
    diags.extend(relpack::validate::validate(&items));
    report::emit(&sources, diags);
});
