//! SSH signatures over approvals, as `ssh-keygen -Y sign -n relpack` makes
//! them and `ssh-keygen -Y verify -n relpack -I PRINCIPAL -f
//! allowed_signers` checks them, done in-process with ssh-key's SSHSIG.

use std::path::Path;

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The namespace every relpack approval signature is made in.
pub const NAMESPACE: &str = "relpack";

/// The namespace of a packet's signature over its SHA256SUMS: distinct, so
/// an approval's signature can never pass for a packet's, nor the reverse.
pub const PACKET_NAMESPACE: &str = "relpack-packet";

mod allowed;
mod verify;

pub use allowed::{
    load_allowed_signers, parse_allowed_signers, principal_matches, AllowedSigner, SignerTime,
    SignersProblem,
};
pub use verify::{verify, verify_at, verify_for_release, verify_packet, PacketSigner};

/// Sign `message` with an OpenSSH private key file, giving the armored
/// signature `ssh-keygen -Y sign -n relpack` would write.
pub fn sign_with_key(key_path: &Path, message: &[u8]) -> Result<String, String> {
    sign_in(key_path, NAMESPACE, message)
}

/// Sign `message` in `namespace` (`ssh-keygen -Y sign -n NAMESPACE`).
pub fn sign_in(key_path: &Path, namespace: &str, message: &[u8]) -> Result<String, String> {
    // ssh-key 0.6.7 refuses about half of all ECDSA P-521 private keys
    // ("length invalid": it wants the scalar zero-padded to 66 bytes, OpenSSH
    // writes it minimal). For a key it cannot read, ssh-keygen makes the
    // signature and relpack checks it; every other key signs in-process.
    let key = match PrivateKey::read_openssh_file(key_path) {
        Ok(key) => key,
        Err(e) => {
            return sign_with_ssh_keygen(key_path, None, namespace, message).map_err(|fallback| {
                format!(
                    "cannot read private key {}: {e}; {fallback}",
                    key_path.display()
                )
            });
        }
    };
    let key = if key.is_encrypted() {
        let pass = std::env::var("RELPACK_KEY_PASSPHRASE").map_err(|_| {
            "the key is encrypted: set RELPACK_KEY_PASSPHRASE (or use an unencrypted key)"
                .to_string()
        })?;
        key.decrypt(pass.as_bytes())
            .map_err(|e| format!("cannot decrypt key: {e}"))?
    } else {
        key
    };
    let sig = if key.algorithm().is_rsa() {
        sign_rsa(&key, namespace, message)?
    } else {
        key.sign(namespace, HashAlg::Sha512, message)
            .map_err(|e| format!("signing failed: {e}"))?
    };
    key.public_key()
        .verify(namespace, message, &sig)
        .map_err(|_| "the signature made does not verify with the key".to_string())?;
    sig.to_pem(LineEnding::LF)
        .map_err(|e| format!("cannot armor signature: {e}"))
}

/// RSA signatures made with the `rsa` crate (rsa-sha2-512, PKCS#1 v1.5 over
/// the SSHSIG signed data), since ssh-key 0.6.7's own RSA signing is broken.
fn sign_rsa(key: &PrivateKey, namespace: &str, message: &[u8]) -> Result<SshSig, String> {
    use rsa::BigUint;
    use sha2::Digest;
    let ssh_key::private::KeypairData::Rsa(pair) = key.key_data() else {
        return Err("not an RSA key".into());
    };
    let int =
        |m: &ssh_key::Mpint| BigUint::from_bytes_be(m.as_positive_bytes().unwrap_or(m.as_bytes()));
    let private = rsa::RsaPrivateKey::from_components(
        int(&pair.public.n),
        int(&pair.public.e),
        int(&pair.private.d),
        vec![int(&pair.private.p), int(&pair.private.q)],
    )
    .map_err(|e| format!("bad RSA key: {e}"))?;
    let data = SshSig::signed_data(namespace, HashAlg::Sha512, message)
        .map_err(|e| format!("signing failed: {e}"))?;
    let digest = sha2::Sha512::digest(&data);
    let raw = private
        .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), &digest)
        .map_err(|e| format!("RSA signing failed: {e}"))?;
    let signature = ssh_key::Signature::new(
        ssh_key::Algorithm::Rsa {
            hash: Some(HashAlg::Sha512),
        },
        raw,
    )
    .map_err(|e| format!("RSA signature: {e}"))?;
    SshSig::new(
        key.public_key().key_data().clone(),
        namespace,
        HashAlg::Sha512,
        signature,
    )
    .map_err(|e| format!("signing failed: {e}"))
}

/// `ssh-keygen -Y sign -n relpack -f KEY` over `message` (on stdin; the
/// signature comes back on stdout). ssh-keygen asks for an encrypted key's
/// passphrase itself, or uses the key from ssh-agent. The signature is
/// verified against the key's public half before it is returned.
fn sign_with_ssh_keygen(
    key_path: &Path,
    public: Option<&PublicKey>,
    namespace: &str,
    message: &[u8],
) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(key_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("signing with this key needs ssh-keygen (OpenSSH 8.1 or later), which did not run: {e}; or use an ed25519 or ECDSA P-256/P-384 key")
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(message)
            .map_err(|e| format!("cannot pass the record to ssh-keygen: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("ssh-keygen failed: {e}"))?;
    if !out.status.success() {
        let mut reason = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if std::env::var_os("RELPACK_KEY_PASSPHRASE").is_some() {
            reason.push_str(
                " (RELPACK_KEY_PASSPHRASE is not used for P-521 keys: ssh-keygen asks for the passphrase, or add the key to ssh-agent)",
            );
        }
        return Err(format!("ssh-keygen -Y sign failed: {reason}"));
    }
    let armored =
        String::from_utf8(out.stdout).map_err(|_| "ssh-keygen wrote no signature".to_string())?;
    let sig = SshSig::from_pem(armored.trim())
        .map_err(|e| format!("ssh-keygen wrote no SSH signature: {e}"))?;
    let own = PublicKey::from(sig.public_key().clone());
    if public.is_some_and(|p| p.key_data() != sig.public_key()) {
        return Err("ssh-keygen signed with another key than the one given".into());
    }
    public
        .unwrap_or(&own)
        .verify(namespace, message, &sig)
        .map_err(|_| "the signature ssh-keygen made does not verify with the key".to_string())?;
    sig.to_pem(LineEnding::LF)
        .map_err(|e| format!("cannot armor signature: {e}"))
}

#[cfg(test)]
mod tests;
