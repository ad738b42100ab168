//! Each input is read twice: as an `allowed_signers` file, and as an armored
//! SSH signature verified against the sample's allowed_signers (and against
//! the signers parsed from the input itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use relpack::sign::{parse_allowed_signers, verify_at, SignerTime};

const SIGNERS: &str = include_str!("../../sample-evidence/keys/allowed_signers");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (signers, _problems) = parse_allowed_signers(text);
    let _ = SignerTime::parse(text);
    let (sample, _) = parse_allowed_signers(SIGNERS);
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-19T17:45:00+01:00").ok();
    for principal in ["dana@acme-medical.example", "*"] {
        let _ = verify_at(b"fuzz", text, principal, &sample, at);
        let _ = verify_at(b"fuzz", text, principal, &signers, at);
    }
});
