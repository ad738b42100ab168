//! Tests of signing and verifying, and of reading allowed_signers.
use super::allowed::principal_matches;
use super::verify::made_with_certificate;
use super::*;

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIInAeulJi8Dq9cZ3P6xhhN7FeGWMfomFDjw0ZDUp35dK";

/// Found by the `sign` fuzz target's author: a time ending in a
/// multi-byte character was sliced inside it (`text[len - 3..]`).
#[test]
fn fuzz_signer_time_ending_in_multibyte_text_is_refused() {
    assert_eq!(SignerTime::parse("€é"), None);
    assert_eq!(SignerTime::parse("2026€é"), None);
    let (signers, errors) = parse_allowed_signers(&format!("a@b valid-after=\"€é\" {KEY}"));
    assert!(signers.is_empty());
    assert!(
        errors[0].to_string().contains("invalid `valid-after` time"),
        "{errors:?}"
    );
}

#[test]
fn signer_times_read_as_ssh_keygen_reads_them() {
    let t = SignerTime::parse("20261119").unwrap();
    assert_eq!(t.naive.to_string(), "2026-11-19 00:00:00");
    assert!(!t.utc);
    let t = SignerTime::parse("202611191510Z").unwrap();
    assert_eq!(t.naive.to_string(), "2026-11-19 15:10:00");
    assert!(t.utc);
    assert!(SignerTime::parse("20261119151005utc").unwrap().utc);
    for bad in [
        "2026111",
        "2026-11-19",
        "20261131",
        "202611192460",
        "Z",
        "",
        "20261119 1510",
    ] {
        assert!(SignerTime::parse(bad).is_none(), "{bad}");
    }
    // Local time is the signer's: signed_at's offset.
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-19T16:10:00+01:00").unwrap();
    let local = SignerTime::parse("202611191610")
        .unwrap()
        .instant(&at)
        .unwrap();
    assert_eq!(local, at);
    let utc = SignerTime::parse("202611191510Z")
        .unwrap()
        .instant(&at)
        .unwrap();
    assert_eq!(utc, at);
}

#[test]
fn allowed_signers_options() {
    let text = format!(
        "# comment\n\n\"dana@x\",dr@x namespaces=\"relpack,git\",Valid-After=\"20260101\",valid-before=\"20270101Z\" {KEY} dana\nca@x cert-authority {KEY}\nplain@x {KEY}\n"
    );
    let (signers, errors) = parse_allowed_signers(&text);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(signers.len(), 3);
    assert_eq!(signers[0].principals, ["dana@x", "dr@x"]);
    assert_eq!(
        signers[0].namespaces.as_deref(),
        Some(&["relpack".to_string(), "git".to_string()][..])
    );
    assert_eq!(signers[0].valid_after.as_ref().unwrap().text, "20260101");
    assert!(signers[0].valid_before.as_ref().unwrap().utc);
    assert_eq!(signers[0].line, 3);
    assert!(signers[1].cert_authority);
    assert!(!signers[2].cert_authority && signers[2].valid_after.is_none());

    for (options, needle) in [
        ("valid-after=20260101", "quoted"),
        ("valid-after=\"2026\"", "invalid `valid-after` time"),
        (
            "valid-after=\"20270101\",valid-before=\"20260101\"",
            "not after",
        ),
        ("namespaces=\"a\",namespaces=\"b\"", "more than one"),
        ("no-touch-required", "unknown option"),
        ("cert-authority=\"yes\"", "unknown option"),
    ] {
        let (signers, errors) = parse_allowed_signers(&format!("p@x {options} {KEY}\n"));
        assert!(signers.is_empty(), "{options}");
        assert!(
            errors.len() == 1 && errors[0].line == Some(1) && errors[0].message.contains(needle),
            "{options}: {errors:?}"
        );
    }
}

#[test]
fn principal_patterns_as_openssh() {
    let (signers, _) = parse_allowed_signers(&format!("*@acme.example,!eve@acme.example {KEY}\n"));
    assert!(principal_matches(&signers[0], "dana@acme.example"));
    assert!(!principal_matches(&signers[0], "eve@acme.example"));
    assert!(!principal_matches(&signers[0], "dana@evil.example"));
}

#[test]
fn certificate_signatures_are_recognised() {
    // The base64 of a blob holding "ssh-ed25519-cert-v01@openssh.com".
    let blob = b"SSHSIG\x00\x00\x00\x01\x00\x00\x00\x20ssh-ed25519-cert-v01@openssh.com";
    let b64 = base64_for_test(blob);
    let armored = format!("-----BEGIN SSH SIGNATURE-----\n{b64}\n-----END SSH SIGNATURE-----\n");
    assert!(made_with_certificate(&armored));
    let err = verify_at(b"m", &armored, "p", &[], None).unwrap_err();
    assert!(err.contains("certificate"), "{err}");
    let plain = format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
        base64_for_test(b"SSHSIG ssh-ed25519")
    );
    assert!(!made_with_certificate(&plain));
}

fn base64_for_test(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
