//! The command line: clap's definitions, what every command shares
//! (options, progress, exit codes) and the dispatch to one module per
//! command (as cargo-deny keeps them: each with its `Args` and `run`).

/// The options, or exit 2 after saying why they are wrong.
macro_rules! options_or_exit {
    ($release:expr) => {
        match $crate::cli::options($release) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    };
}

mod approve;
mod build;
mod check;
mod completions;
mod diff;
mod digest;
mod export;
mod import;
mod init;
mod man;
mod policy;
mod schema;
mod serve;
mod sign;
mod verify;

use std::io::IsTerminal;

use clap::{Args, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use relpack::gate::ReleaseStatus;
use relpack::{report, Failure, FailureKind, Options};

/// What every command is told besides its own arguments.
pub struct Ctx {
    pub quiet: bool,
    pub verbose: bool,
    pub colour: ColorChoice,
}

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
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more: every finding, also of held and waived gates.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct ReleaseArgs {
    /// The release version; wins over relpack.toml and the git tag.
    #[arg(
        long = "version",
        visible_alias = "release-version",
        value_name = "VERSION"
    )]
    pub version: Option<String>,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Command {
    /// Read, validate and link the evidence and apply the gates, without
    /// rendering. Example: `relpack check evidence/ --format json`
    Check(check::Args),
    /// Build the release packet: site, PDF, packet.json, trace matrix, SHA256SUMS.
    /// Example: `relpack build evidence --out dist` (exit 1 still writes a packet,
    /// marked NOT RELEASABLE; exit 2 writes nothing).
    Build(build::Args),
    /// Compare two packet.json files: added, removed, modified items (with the
    /// fields that changed) and suspect tests. Example: `relpack diff dist/BC-2.3.0/packet.json dist/BC-2.4.0/packet.json`
    Diff(diff::Args),
    /// Check a packet folder: SHA256SUMS, its digests, and with --root that the
    /// evidence still gives the same release digest. Example: `relpack verify dist/BC-2.4.0 --root evidence`
    Verify(verify::Args),
    /// Sign a built packet: an SSH signature over its SHA256SUMS (namespace
    /// relpack-packet) in SHA256SUMS.sig. Example: `relpack sign dist/BC-2.4.0 --key ~/.ssh/id_ed25519`
    Sign(sign::Args),
    /// Write the JSON Schemas (one per kind, relpack.toml, a whole evidence
    /// file, packet.json) for editors. Example: `relpack schema --out .schemas`
    Schema(schema::Args),
    /// Write a small, valid evidence tree to start from: relpack.toml and one
    /// item of each kind, commented. Example: `relpack init evidence`
    Init(init::Args),
    /// Print shell completions. Example: `relpack completions bash > /etc/bash_completion.d/relpack`
    Completions(completions::Args),
    /// Print the man page (roff), or write one per command with --out.
    /// Example: `relpack man --out /usr/local/share/man/man1`
    Man(man::Args),
    /// Print the digest an approver signs: the release digest, or the digest
    /// of a list of items. Example: `relpack digest --root evidence --release`
    Digest(digest::Args),
    /// Write an approval record (and its SSH signature) into the tree.
    /// Example: `relpack approve --root evidence --id APR-7 --role quality
    /// --meaning approved --signer "Dana Reyes" --key ~/.ssh/id_ed25519 --principal dana@acme.example`
    Approve(approve::Args),
    /// Serve the packet's site over HTTP while you edit the evidence: it is
    /// rebuilt in memory on every change, open pages reload, and invalid
    /// evidence shows its diagnostics over the last good pages.
    /// Example: `relpack serve evidence --port 4517`
    Serve(serve::Args),
    /// Write a new evidence root from another tool's requirements: a
    /// Doorstop tree, StrictDoc files or a ReqIF file. Prints what it read
    /// and wrote. Example: `relpack import doorstop reqs/ --out evidence`
    Import(import::Args),
    /// Write the requirements, needs, hazards and tests with their links in
    /// another tool's format. Example: `relpack export reqif --root evidence --out pump.reqif`
    Export(export::Args),
    /// The team's Rego policies: `relpack policy test` runs their `test_`
    /// rules. Example: `relpack policy test evidence`
    Policy(policy::Args),
}

/// The command line as clap sees it: every command's `--help` ends with
/// the environment, exit status and files (as its man page does).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
        .after_long_help(man::help_tail())
        .mut_subcommands(|s| s.after_long_help(man::help_tail()))
}

/// Parse the arguments through [`command`].
pub fn parse() -> Result<Cli, clap::Error> {
    let matches = command().try_get_matches()?;
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches)
}

pub fn colour_choice(when: ColorWhen) -> ColorChoice {
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
pub fn options(release: &ReleaseArgs) -> Result<Options, String> {
    let epoch = match std::env::var_os("SOURCE_DATE_EPOCH") {
        None => None,
        Some(raw) => relpack::source_date_epoch(&raw.to_string_lossy())?,
    };
    Ok(Options {
        version: release.version.clone(),
        source_date_epoch: epoch,
        fallback_version: None,
        output: None,
        deny_warnings: false,
        counters: None,
        clean: false,
    })
}

/// Report a failure on stderr and give its exit code.
pub fn fail(f: &Failure, colour: ColorChoice) -> u8 {
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

pub fn status_code(s: ReleaseStatus) -> u8 {
    match s {
        ReleaseStatus::Releasable => 0,
        ReleaseStatus::NotReleasable => 1,
    }
}

/// Run one command: each lives in its own module with its `Args`.
pub fn run(cli: Cli, colour: ColorChoice) -> u8 {
    let ctx = Ctx {
        quiet: cli.quiet,
        verbose: cli.verbose,
        colour,
    };
    match cli.command {
        Command::Check(args) => check::run(args, &ctx),
        Command::Build(args) => build::run(args, &ctx),
        Command::Diff(args) => diff::run(args, &ctx),
        Command::Verify(args) => verify::run(args, &ctx),
        Command::Sign(args) => sign::run(args, &ctx),
        Command::Schema(args) => schema::run(args, &ctx),
        Command::Init(args) => init::run(args, &ctx),
        Command::Completions(args) => completions::run(args, &ctx),
        Command::Man(args) => man::run(args, &ctx),
        Command::Digest(args) => digest::run(args, &ctx),
        Command::Approve(args) => approve::run(args, &ctx),
        Command::Serve(args) => serve::run(args, &ctx),
        Command::Import(args) => import::run(args, &ctx),
        Command::Export(args) => export::run(args, &ctx),
        Command::Policy(args) => policy::run(args, &ctx),
    }
}

/// Running in CI (`CI` set, as GitHub Actions, GitLab and most others
/// do): no progress bar, and no spare packet kept for a next build.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// A spinner with the current stage and the counts of long work (files
/// read, pages, PDF parts) on a terminal; nothing in CI or when piped.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    stage: std::sync::Arc<std::sync::Mutex<String>>,
    pub counters: std::sync::Arc<relpack::progress::Counters>,
    start: std::time::Instant,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let show = !quiet && std::io::stderr().is_terminal() && !in_ci();
        let counters = std::sync::Arc::new(relpack::progress::Counters::default());
        let stage = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let bar = show.then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            // The counts move on rayon's threads: redraw them from here.
            let (b2, counters, stage) = (b.clone(), counters.clone(), stage.clone());
            std::thread::spawn(move || {
                while !b2.is_finished() {
                    let name = stage.lock().map(|s| s.clone()).unwrap_or_default();
                    let counts = counters.summary();
                    b2.set_message(if counts.is_empty() {
                        name
                    } else {
                        format!("{name} · {counts}")
                    });
                    std::thread::sleep(std::time::Duration::from_millis(150));
                }
            });
            b
        });
        Progress {
            bar,
            stage,
            counters,
            start: std::time::Instant::now(),
        }
    }

    pub fn stage(&self, name: &str) {
        if let Ok(mut s) = self.stage.lock() {
            *s = name.to_string();
        }
        // RELPACK_TIMINGS=1 prints when each stage starts (for benchmarks).
        if std::env::var_os("RELPACK_TIMINGS").is_some() {
            let cpu = relpack::progress::cpu()
                .map(|c| format!(" ({c:.2} s of CPU so far)"))
                .unwrap_or_default();
            eprintln!(
                "[{:>8.3} s] {name}{cpu}",
                self.start.elapsed().as_secs_f64()
            );
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        self.stage("done");
    }
}
