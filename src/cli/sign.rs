//! `relpack sign`: sign a packet built earlier (`build --sign` signs while
//! building).

use std::path::PathBuf;

use relpack::report;

use super::Ctx;

#[derive(clap::Args)]
pub struct Args {
    /// The release folder (OUT/<id>-<version>).
    pub packet: PathBuf,
    /// The OpenSSH private key to sign with (an encrypted key reads
    /// RELPACK_KEY_PASSPHRASE).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
}

/// Exit 1 when the folder is not intact (nothing is signed), 2 when the
/// folder or the key cannot be used, 3 when the signature cannot be written.
pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let Args { packet, key } = args;
    let say = |e: &str| eprintln!("error: {}", report::escape_terminal(e));
    // Only an intact packet is signed: the signature vouches for its files.
    let opts = relpack::Options::default();
    let verdict = match relpack::verify::verify(&packet, None, None, &opts) {
        Ok(v) => v,
        Err(e) => {
            say(&e);
            return 2;
        }
    };
    if let Some(p) = verdict.problems.first() {
        say(&format!(
            "{} is not intact, not signed: {p}",
            packet.display()
        ));
        return 1;
    }
    let sums = match std::fs::read(packet.join("SHA256SUMS")) {
        Ok(b) => b,
        Err(e) => {
            say(&format!("cannot read SHA256SUMS: {e}"));
            return 3;
        }
    };
    let armored = match relpack::sign::sign_in(&key, relpack::sign::PACKET_NAMESPACE, &sums) {
        Ok(a) => a,
        Err(e) => {
            say(&e);
            return 2;
        }
    };
    let file = relpack::write::SIGNATURE_FILE;
    if let Err(e) = relpack::write::replace_file(&packet, file, armored.as_bytes()) {
        say(&e.to_string());
        return 3;
    }
    if !ctx.quiet {
        println!("signed: {}", packet.join(file).display());
    }
    0
}
