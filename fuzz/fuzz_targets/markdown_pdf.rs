//! Evidence Markdown -> the JSON tree the PDF template draws (long words
//! softened), serialized as the template's data file is.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::render::pdf::text_tree;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let tree = text_tree(text, &|id| id.starts_with("REQ-"));
    let _ = serde_json::to_string(&tree);
});
