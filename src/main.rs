//! The relpack command line: parse arguments, call the library, choose the
//! exit code in one place (0 releasable, 1 a gate fails, 2 invalid evidence
//! or command line, 3 anything else).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use relpack::gate::ReleaseStatus;

// Rendering 100k pages on two threads is allocation-bound; mimalloc halves
// the time glibc's allocator takes there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use relpack::{report, Failure, FailureKind, Options};

#[derive(Parser)]
#[command(
    name = "relpack",
    version,
    about = "Release packets for regulated software: evidence in, audit site, PDF and JSON out",
    long_about = "relpack reads the evidence kept in a repository (requirements, hazards, tests, \
results, anomalies, deviations, SOUP, approvals), validates and links it, applies the release \
gates and renders a versioned release packet.\n\nExit codes: 0 releasable, 1 a gate fails, \
2 the evidence or the command line is invalid, 3 anything else (I/O)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    color: ColorWhen,
    /// Print only errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Print more: every finding, also of held and waived gates.
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum DiffFormat {
    Text,
    Json,
}

#[derive(Args)]
struct ReleaseArgs {
    /// The release version; wins over relpack.toml and the git tag.
    #[arg(
        long = "version",
        visible_alias = "release-version",
        value_name = "VERSION"
    )]
    version: Option<String>,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Read, validate and link the evidence and apply the gates, without
    /// rendering. Example: `relpack check evidence/ --format json`
    Check {
        /// The evidence root (holds relpack.toml); default: this folder.
        dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        release: ReleaseArgs,
    },
    /// Build the release packet: site, PDF, packet.json, trace matrix, SHA256SUMS.
    /// Example: `relpack build evidence --out dist` (exit 1 still writes a packet,
    /// marked NOT RELEASABLE; exit 2 writes nothing).
    Build {
        /// The evidence root (holds relpack.toml); default: this folder.
        dir: Option<PathBuf>,
        /// The folder of all release packets; the packet goes in OUT/<id>-<version>/.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
        /// Build everything but the PDF (quick local looks).
        #[arg(long)]
        no_pdf: bool,
        #[command(flatten)]
        release: ReleaseArgs,
    },
    /// Compare two packet.json files: added, removed, modified items (with the
    /// fields that changed) and suspect tests. Example: `relpack diff dist/BC-2.3.0/packet.json dist/BC-2.4.0/packet.json`
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Check a packet folder: SHA256SUMS, its digests, and with --root that the
    /// evidence still gives the same release digest. Example: `relpack verify dist/BC-2.4.0 --root evidence`
    Verify {
        /// The release folder (OUT/<id>-<version>).
        packet: PathBuf,
        /// The evidence root to compare with.
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        #[command(flatten)]
        release: ReleaseArgs,
    },
    /// Write the JSON Schemas (one per kind, relpack.toml, a whole evidence
    /// file, packet.json) for editors. Example: `relpack schema --out .schemas`
    Schema {
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
    /// Write a small, valid evidence tree to start from: relpack.toml and one
    /// item of each kind, commented. Example: `relpack init evidence`
    Init {
        /// Where to write it; default: this folder.
        dir: Option<PathBuf>,
    },
    /// Print shell completions. Example: `relpack completions bash > /etc/bash_completion.d/relpack`
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff). Example: `relpack man > relpack.1`
    Man,
    /// Print the digest an approver signs: the release digest, or the digest
    /// of a list of items. Example: `relpack digest --root evidence --release`
    Digest {
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// The release digest (every item but approvals, and JUnit files).
        #[arg(long, conflicts_with = "ids")]
        release: bool,
        /// Item ids: print the digest of just these items.
        #[arg(required_unless_present = "release")]
        ids: Vec<String>,
        /// Also print each item's own digest.
        #[arg(long)]
        each: bool,
        /// Print each item's canonical form (the exact bytes hashed and signed).
        #[arg(long)]
        canonical: bool,
        #[command(flatten)]
        version_args: ReleaseArgs,
    },
    /// Write an approval record (and its SSH signature) into the tree.
    /// Example: `relpack approve --root evidence --id APR-7 --role quality
    /// --meaning approved --signer "Dana Reyes" --key ~/.ssh/id_ed25519 --principal dana@acme.example`
    Approve {
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// The approval's id.
        #[arg(long)]
        id: String,
        /// The signer's role, e.g. engineering, quality.
        #[arg(long)]
        role: String,
        /// authored, reviewed, approved or released.
        #[arg(long)]
        meaning: String,
        /// The signer's printed name.
        #[arg(long)]
        signer: String,
        /// Approve the whole release (the default).
        #[arg(long, value_parser = ["release"], conflicts_with = "items")]
        scope: Option<String>,
        /// Approve just these items (comma-separated ids).
        #[arg(long, value_delimiter = ',')]
        items: Option<Vec<String>>,
        /// OpenSSH private key to sign with (RELPACK_KEY_PASSPHRASE for an encrypted one).
        #[arg(long, requires = "principal")]
        key: Option<PathBuf>,
        /// The signer's identity in allowed_signers.
        #[arg(long, requires = "key")]
        principal: Option<String>,
        /// Signing time, RFC 3339 with offset; default: now.
        #[arg(long)]
        at: Option<String>,
        /// File to write, relative to the root; default approvals/<ID>.toml.
        #[arg(long)]
        file: Option<String>,
        #[command(flatten)]
        release: ReleaseArgs,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let colour = colour_choice(cli.color);
    ExitCode::from(run(cli, colour))
}

fn colour_choice(when: ColorWhen) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
                || !std::io::stderr().is_terminal()
            {
                ColorChoice::Never
            } else {
                ColorChoice::Auto
            }
        }
    }
}

/// The options of a command that reads the evidence; `Err` says why the
/// environment is wrong (`SOURCE_DATE_EPOCH`): exit 2, as a bad command
/// line is.
fn options(release: &ReleaseArgs) -> Result<Options, String> {
    let epoch = match std::env::var_os("SOURCE_DATE_EPOCH") {
        None => None,
        Some(raw) => relpack::source_date_epoch(&raw.to_string_lossy())?,
    };
    Ok(Options {
        version: release.version.clone(),
        source_date_epoch: epoch,
        fallback_version: None,
        output: None,
    })
}

/// The options, or exit 2 after saying why they are wrong.
macro_rules! options_or_exit {
    ($release:expr) => {
        match options($release) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    };
}

/// Report a failure on stderr and give its exit code.
fn fail(f: &Failure, colour: ColorChoice) -> u8 {
    let mut err = StandardStream::stderr(colour);
    let _ = report::emit_failure(
        &mut err,
        &f.sources,
        &f.diags,
        f.kind == FailureKind::Invalid,
    );
    match f.kind {
        FailureKind::Invalid => 2,
        FailureKind::Io => 3,
    }
}

fn status_code(s: ReleaseStatus) -> u8 {
    match s {
        ReleaseStatus::Releasable => 0,
        ReleaseStatus::NotReleasable => 1,
    }
}

fn run(cli: Cli, colour: ColorChoice) -> u8 {
    match cli.command {
        Command::Check {
            dir,
            format,
            release,
        } => {
            let root = relpack::root_or_cwd(dir);
            match relpack::check(&root, &options_or_exit!(&release)) {
                Ok(c) => {
                    if format == Format::Json {
                        println!("{}", report::check_json(&c));
                    } else if format == Format::Sarif {
                        println!(
                            "{}",
                            report::sarif(Some(&c), &c.evidence.sources, &c.warnings)
                        );
                    } else {
                        let mut err = StandardStream::stderr(colour);
                        if !cli.quiet {
                            let _ = report::emit_diagnostics(
                                &mut err,
                                &c.evidence.sources,
                                &c.warnings,
                            );
                        }
                        let mut out = StandardStream::stdout(if std::io::stdout().is_terminal() {
                            colour
                        } else {
                            ColorChoice::Never
                        });
                        if !cli.quiet || c.report.status == ReleaseStatus::NotReleasable {
                            let _ = report::gate_summary(&mut out, &c, cli.verbose);
                        }
                    }
                    status_code(c.report.status)
                }
                Err(f) => {
                    if format != Format::Text {
                        if format == Format::Json {
                            println!("{}", report::invalid_json(&f.sources, &f.diags));
                        } else {
                            println!("{}", report::sarif(None, &f.sources, &f.diags));
                        }
                        match f.kind {
                            FailureKind::Invalid => 2,
                            FailureKind::Io => 3,
                        }
                    } else {
                        fail(&f, colour)
                    }
                }
            }
        }
        Command::Build {
            dir,
            out,
            no_pdf,
            release,
        } => {
            let root = relpack::root_or_cwd(dir);
            let progress = Progress::new(cli.quiet);
            let opts = relpack::BuildOptions { out, pdf: !no_pdf };
            let options = options_or_exit!(&release);
            let result = relpack::build(&root, &options, &opts, &|stage| progress.stage(stage));
            progress.finish();
            match result {
                Ok(b) => {
                    let mut err = StandardStream::stderr(colour);
                    if !cli.quiet {
                        let _ = report::emit_diagnostics(
                            &mut err,
                            &b.checked.evidence.sources,
                            &b.checked.warnings,
                        );
                    }
                    let mut out = StandardStream::stdout(if std::io::stdout().is_terminal() {
                        colour
                    } else {
                        ColorChoice::Never
                    });
                    if !cli.quiet || b.checked.report.status == ReleaseStatus::NotReleasable {
                        let _ = report::gate_summary(&mut out, &b.checked, cli.verbose);
                    }
                    if !cli.quiet {
                        println!("packet written to {}", b.folder.display());
                    }
                    status_code(b.checked.report.status)
                }
                Err(f) => fail(&f, colour),
            }
        }
        Command::Diff { old, new, format } => {
            let read = |p: &PathBuf| -> Result<relpack::changes::PreviousPacket, String> {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                serde_json::from_str(&text)
                    .map_err(|e| format!("{} is not a packet.json: {e}", p.display()))
            };
            let (old, new) = match (read(&old), read(&new)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("error: {}", report::escape_terminal(&e));
                    return 2;
                }
            };
            let current: Vec<relpack::changes::CurrentItem<'_>> = new
                .items
                .iter()
                .map(|i| relpack::changes::CurrentItem {
                    id: &i.id,
                    kind: &i.kind,
                    title: &i.title,
                    digest: &i.digest,
                    fields: &i.fields,
                })
                .collect();
            let set = relpack::changes::compare(&old, &current);
            if format == DiffFormat::Json {
                println!("{}", serde_json::to_string_pretty(&set).unwrap_or_default());
            } else {
                let _ = report::change_set_text(
                    &mut std::io::stdout().lock(),
                    &set,
                    &new.release.version,
                );
            }
            0
        }
        Command::Verify {
            packet,
            root,
            release,
        } => {
            let verdict = match relpack::verify::verify(
                &packet,
                root.as_deref(),
                &options_or_exit!(&release),
            ) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("error: {}", report::escape_terminal(&e));
                    return 2;
                }
            };
            let mut out = std::io::stdout().lock();
            let out = &mut report::Escaped(&mut out);
            if !verdict.problems.is_empty() {
                // Evidence changed since the build can make every page
                // differ: the first hundred say enough.
                const SHOWN: usize = 100;
                for p in verdict.problems.iter().take(SHOWN) {
                    let _ = writeln!(out, "differs: {}", p.replace('\n', "\\n"));
                }
                if verdict.problems.len() > SHOWN {
                    let _ = writeln!(
                        out,
                        "differs: ... and {} more",
                        verdict.problems.len() - SHOWN
                    );
                }
                return 1;
            }
            if cli.quiet {
                return 0;
            }
            let word = if verdict.unchecked.is_empty() {
                "verified"
            } else {
                "consistent"
            };
            let _ = writeln!(out, "{word}: {}", packet.display());
            for c in &verdict.checked {
                let _ = writeln!(out, "  checked: {c}");
            }
            for c in &verdict.unchecked {
                let _ = writeln!(out, "  not checked: {c}");
            }
            0
        }
        Command::Schema { out } => match relpack::write_schemas(&out) {
            Ok(n) => {
                if !cli.quiet {
                    eprintln!("wrote {n} schemas to {}", out.display());
                }
                0
            }
            Err(e) => {
                eprintln!("error: {}", report::escape_terminal(&e));
                3
            }
        },
        Command::Init { dir } => {
            let dir = relpack::root_or_cwd(dir);
            let written = match relpack::init::init(&dir) {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("error: {}", report::escape_terminal(&e));
                    return 2;
                }
            };
            // The approval record needs the digest of what was just written.
            let approval = relpack::check(&dir, &Options::default())
                .map_err(|_| "the new tree does not check".to_string())
                .and_then(|c| {
                    relpack::approve::approve(
                        &dir,
                        &c,
                        &relpack::approve::ApproveRequest {
                            id: "APR-1".into(),
                            role: "quality".into(),
                            meaning: "approved".into(),
                            signer: "Q. Lead".into(),
                            items: None,
                            key: None,
                            principal: None,
                            at: Some("2026-01-15T09:00:00+01:00".into()),
                            file: None,
                        },
                    )
                });
            if !cli.quiet {
                for w in &written {
                    eprintln!("wrote {w}");
                }
                if let Ok(a) = &approval {
                    eprintln!("wrote {a} (with `relpack approve`)");
                }
                eprintln!(
                    "\nNext:\n  relpack check {d}            # validate, link and apply the gates\n  relpack build {d} --out dist # write the release packet\n\nReplace the examples with your evidence; after any change, approvals\nbecome stale: record new ones with `relpack approve --root {d} ...`.",
                    d = dir.display()
                );
            }
            if let Err(e) = approval {
                eprintln!("error: {}", report::escape_terminal(&e));
                return 2;
            }
            0
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "relpack", &mut std::io::stdout());
            0
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            match clap_mangen::Man::new(cmd).render(&mut std::io::stdout()) {
                Ok(()) => 0,
                Err(_) => 3,
            }
        }
        Command::Digest {
            root,
            release,
            ids,
            each,
            canonical,
            version_args,
        } => {
            let root = relpack::root_or_cwd(root);
            let opts = Options {
                fallback_version: Some("unversioned".into()),
                ..options_or_exit!(&version_args)
            };
            let c = match relpack::check(&root, &opts) {
                Ok(c) => c,
                Err(f) => return fail(&f, colour),
            };
            let ev = &c.evidence;
            let mut stdout = std::io::stdout().lock();
            // Ids from a BOM may carry anything: escaped for the terminal.
            let mut out = report::Escaped(&mut stdout);
            if release {
                let _ = writeln!(out, "{}", c.release_digest);
                if each {
                    for (i, item) in ev.items.iter().enumerate() {
                        if item.kind != relpack::item::Kind::Approval {
                            let _ = writeln!(out, "{} {}", item.id, c.digests[i]);
                        }
                    }
                }
                return 0;
            }
            let mut lines = Vec::new();
            for id in &ids {
                match ev.links.get(id) {
                    Some(i) => lines.push((ev.items[i].id.as_str(), c.digests[i].as_str())),
                    None => {
                        eprintln!("error: no item has id `{id}`");
                        return 2;
                    }
                }
            }
            if canonical {
                for id in &ids {
                    if let Some(i) = ev.links.get(id) {
                        let canonical =
                            relpack::digest::canonical_form(&ev.items[i], ev.attachment_digests(i));
                        let _ = writeln!(out, "{canonical}");
                    }
                }
                return 0;
            }
            let _ = writeln!(
                out,
                "{}",
                relpack::digest::scope_digest(lines.iter().copied())
            );
            if each {
                for (id, d) in lines {
                    let _ = writeln!(out, "{id} {d}");
                }
            }
            0
        }
        Command::Approve {
            root,
            id,
            role,
            meaning,
            signer,
            scope: _,
            items,
            key,
            principal,
            at,
            file,
            release,
        } => {
            let root = relpack::root_or_cwd(root);
            let c = match relpack::check(&root, &options_or_exit!(&release)) {
                Ok(c) => c,
                Err(f) => return fail(&f, colour),
            };
            let req = relpack::approve::ApproveRequest {
                id,
                role,
                meaning,
                signer,
                items,
                key,
                principal,
                at,
                file,
            };
            match relpack::approve::approve(&root, &c, &req) {
                Ok(path) => {
                    if !cli.quiet {
                        eprintln!("wrote {path}");
                    }
                    0
                }
                Err(e) => {
                    eprintln!("error: {}", report::escape_terminal(&e));
                    2
                }
            }
        }
    }
}

/// A spinner with the current stage on a terminal; silent in CI or piped.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        let show = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = show.then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            start: std::time::Instant::now(),
        }
    }

    fn stage(&self, name: &str) {
        if let Some(b) = &self.bar {
            b.set_message(name.to_string());
        }
        // RELPACK_TIMINGS=1 prints when each stage starts (for benchmarks).
        if std::env::var_os("RELPACK_TIMINGS").is_some() {
            eprintln!("[{:>8.3} s] {name}", self.start.elapsed().as_secs_f64());
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        self.stage("done");
    }
}
