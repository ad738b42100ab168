//! The packet's signature: `SHA256SUMS.sig`, an SSH signature over
//! SHA256SUMS in the namespace `relpack-packet` (`relpack build --sign`),
//! checked against allowed_signers. With it, `verify` knows who vouched for
//! the folder, which SHA256SUMS alone cannot say.

use std::path::Path;

use super::{read_regular, Verdict};
use crate::sign::{self, AllowedSigner};
use crate::write::SIGNATURE_FILE;

/// Check the signature, if the packet has one, and say so in `verdict`: a
/// signature that does not verify is a problem; one given allowed_signers
/// with no signature to check is too (the reader asked for a signed packet).
pub fn check(folder: &Path, root: Option<&Path>, given: Option<&Path>, verdict: &mut Verdict) {
    let present = std::fs::symlink_metadata(folder.join(SIGNATURE_FILE)).is_ok();
    if !present {
        if let Some(file) = given {
            verdict.problems.push(format!(
                "{SIGNATURE_FILE}: the packet is not signed (checked against {}); sign it with \
                 `relpack build --sign KEY` or `relpack sign FOLDER --key KEY`",
                file.display()
            ));
        }
        return;
    }
    let signers = match signers(root, given) {
        Ok(Some(s)) => s,
        Ok(None) => {
            verdict.unchecked.push(format!(
                "{SIGNATURE_FILE}: who signed the packet: give --allowed-signers FILE, or --root \
                 with [gates] allowed_signers in relpack.toml"
            ));
            return;
        }
        Err(e) => {
            verdict.problems.push(format!("{SIGNATURE_FILE}: {e}"));
            return;
        }
    };
    let outcome = read_regular(folder, SIGNATURE_FILE)
        .and_then(|sig| String::from_utf8(sig).map_err(|_| "the signature is not text".to_string()))
        .and_then(|armored| {
            let sums = read_regular(folder, "SHA256SUMS")?;
            sign::verify_packet(&sums, &armored, &signers)
        });
    match outcome {
        Ok(who) => verdict.checked.push(format!(
            "{SIGNATURE_FILE}: SHA256SUMS is signed by {} (key {}, allowed_signers line {})",
            who.principals, who.fingerprint, who.line
        )),
        Err(e) => verdict
            .problems
            .push(format!("{SIGNATURE_FILE}: signature not valid: {e}")),
    }
}

/// The allowed signers: the file given, else relpack.toml's `[gates]
/// allowed_signers` in the evidence root; `None` where there is neither.
fn signers(
    root: Option<&Path>,
    given: Option<&Path>,
) -> Result<Option<Vec<AllowedSigner>>, String> {
    let (text, name) = match (given, root) {
        (Some(file), _) => (
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?,
            file.display().to_string(),
        ),
        (None, Some(root)) => {
            let Some((bytes, rel)) = from_config(root)? else {
                return Ok(None);
            };
            (bytes, rel)
        }
        (None, None) => return Ok(None),
    };
    let text = String::from_utf8(text).map_err(|_| format!("{name}: not valid UTF-8"))?;
    let (signers, problems) = sign::parse_allowed_signers(&text);
    if let Some(p) = problems.first() {
        return Err(format!("{name}: {p}"));
    }
    Ok(Some(signers))
}

/// The allowed_signers relpack.toml names, read inside the evidence root.
fn from_config(root: &Path) -> Result<Option<(Vec<u8>, String)>, String> {
    use crate::fsroot::{EvidenceRoot, FileRole};
    let fsroot = EvidenceRoot::new(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let toml = fsroot
        .read("relpack.toml", FileRole::Config)
        .map_err(|e| format!("relpack.toml: {e}"))?;
    let text = String::from_utf8_lossy(&toml);
    let config = crate::config::Config::parse(&text, 0)
        .map_err(|_| "relpack.toml does not parse: run `relpack check`".to_string())?;
    let Some(rel) = config.gates.allowed_signers else {
        return Ok(None);
    };
    let bytes = fsroot
        .read(&rel, FileRole::AllowedSigners)
        .map_err(|e| format!("{rel}: {e}"))?;
    Ok(Some((bytes, rel)))
}
