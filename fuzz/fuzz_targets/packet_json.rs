//! packet.json as `relpack diff` reads it (the tolerant `PreviousPacket`,
//! compared with itself changed, printed as text and JSON) and as `relpack
//! verify` reads it (any JSON, every digest recomputed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::changes::{compare, CurrentItem, PreviousPacket};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(packet) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = relpack::verify::check_digests(&packet);
    }
    let Ok(old) = serde_json::from_str::<PreviousPacket>(text) else {
        return;
    };
    // Diff the packet against itself with every other item dropped and the
    // rest modified (title, and the lines of `text` reversed), so added,
    // removed and modified, and the line diff, are all reached.
    let fields: Vec<serde_json::Map<String, serde_json::Value>> = old
        .items
        .iter()
        .map(|i| {
            let mut f = i.fields.clone();
            f.insert("title".into(), serde_json::Value::String(i.id.clone()));
            if let Some(text) = f.get("text").and_then(|t| t.as_str()) {
                let reversed: Vec<&str> = text.lines().rev().collect();
                f.insert("text".into(), reversed.join("\n").into());
            }
            f
        })
        .collect();
    let current: Vec<CurrentItem<'_>> = old
        .items
        .iter()
        .zip(&fields)
        .enumerate()
        .filter(|(n, _)| n % 2 == 0)
        .map(|(_, (i, f))| CurrentItem {
            id: &i.id,
            kind: &i.kind,
            title: &i.title,
            digest: "sha256:fuzz",
            fields: f,
        })
        .collect();
    let set = compare(&old, &current);
    let _ = serde_json::to_string_pretty(&set);
    let _ = relpack::report::change_set_text(&mut std::io::sink(), &set, "fuzz");
});
