//! `relpack.toml` -> `Config` (or a diagnostic, rendered) -> the exclude
//! globs and the product slug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::config::Config;
use relpack::diag::Sources;

#[path = "report.rs"]
mod report;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::default();
    let file = sources.add("relpack.toml".into(), text.to_string());
    match Config::parse(text, file) {
        Ok(config) => {
            let _ = config.product_slug();
            if let Err(d) = relpack::discover::build_excludes(&config.exclude) {
                report::emit(&sources, vec![d]);
            }
        }
        Err(d) => report::emit(&sources, vec![d]),
    }
});
