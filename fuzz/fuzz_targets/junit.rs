//! A JUnit XML file, streamed as `parse` reads it (any bytes: the parser
//! does its own decoding and reports forbidden characters) -> diagnostics
//! rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::diag::Sources;
use relpack::parse::junit::{looks_like_junit, parse_junit, JunitParse};

#[path = "report.rs"]
mod report;

fuzz_target!(|data: &[u8]| {
    let _ = looks_like_junit(data);
    let mut sources = Sources::default();
    let file = sources.add("fuzz.xml".into(), String::new());
    if let Ok(JunitParse::Junit(_, diags)) =
        parse_junit("fuzz.xml", file, std::io::BufReader::new(data))
    {
        report::emit(&sources, diags);
    }
});
