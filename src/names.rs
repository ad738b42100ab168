//! Names derived from ids that more than one stage needs: an item's page
//! name (the site's items/<page>.html, and link's warning about ids that
//! would share one). A leaf module.

/// The page of an item: ids are mostly file-safe already; the few characters
/// a SOUP id from a BOM may carry (`/`, `@`, ...) are spelled `~HH`.
/// A very long id is cut, with a hash of the whole id appended, so the file
/// name stays within every file system's limit (255 bytes).
pub fn page_name(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
            out.push(b as char);
        } else {
            out.push_str(&format!("~{b:02X}"));
        }
    }
    if out.len() > 120 {
        use sha2::{Digest, Sha256};
        let hash = format!("{:x}", Sha256::digest(id.as_bytes()));
        out.truncate(100);
        out.push('~');
        out.push_str(&hash[..16]);
    }
    out
}
