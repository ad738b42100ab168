//! Evidence Markdown -> sanitized HTML, plain and with ids linked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::render::markdown::{to_html, to_html_linked, ImagePolicy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = to_html(text);
    // Remote images from one listed host are kept, the rest become links.
    let images = ImagePolicy::new(["img.example.com".to_string()]);
    let _ = to_html_linked(
        text,
        &|id| {
            id.starts_with("REQ-")
                .then(|| format!("../items/{id}.html"))
        },
        &images,
        // Figures: one target is the packet's copy of an attachment.
        &|target| (target == "a.png").then(|| "../attachments/ab.png".to_string()),
    );
});
