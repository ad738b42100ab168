//! `relpack import doorstop|strictdoc|reqif`: another tool's requirements
//! written as a new evidence root.

use std::path::PathBuf;

use clap::Subcommand;
use relpack::interchange::{self, out, Imported, InterchangeError};
use relpack::report::escape_terminal;

use super::Ctx;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub from: From,
}

#[derive(Subcommand)]
pub enum From {
    /// A Doorstop tree (documents are folders with .doorstop.yml).
    /// Example: `relpack import doorstop reqs/ --out evidence --map SYS=need`
    Doorstop {
        /// The folder that holds the Doorstop documents.
        dir: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// StrictDoc .sdoc files.
    /// Example: `relpack import strictdoc docs/*.sdoc --out evidence`
    Strictdoc {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// A ReqIF file (relpack's own export, or another tool's).
    /// Example: `relpack import reqif supplier.reqif --out evidence`
    Reqif {
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(clap::Args)]
pub struct Common {
    /// The new evidence root; must be empty or missing unless --force.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Kinds by document prefix (Doorstop), element tag (StrictDoc) or
    /// SPEC-OBJECT-TYPE name (ReqIF): `REQ=requirement,TST=test,UN=need`.
    /// Kinds: need, requirement, test, document. Default: from the name
    /// (TST, TEST..., HLT, LLT: test; NEED, UN, UR: need; others: requirement).
    #[arg(long, value_name = "NAME=KIND")]
    pub map: Vec<String>,
    /// Write into a folder that is not empty (files of the same names are replaced).
    #[arg(long)]
    pub force: bool,
    /// `[product] name` of the relpack.toml written.
    #[arg(long, default_value = "Imported requirements")]
    pub product: String,
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let (common, source) = match &args.from {
        From::Doorstop { dir, common } => (common, dir.display().to_string()),
        From::Strictdoc { files, common } => (
            common,
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        From::Reqif { file, common } => (common, file.display().to_string()),
    };
    let map = match interchange::parse_map(&common.map) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {}", escape_terminal(&e));
            return 2;
        }
    };
    let imported = match &args.from {
        From::Doorstop { dir, .. } => interchange::doorstop::import(dir, &map),
        From::Strictdoc { files, .. } => {
            let files: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
            interchange::strictdoc::import(&files, &map)
        }
        From::Reqif { file, .. } => interchange::reqif::import(file, &map),
    };
    let written = imported.and_then(|imp| {
        let opts = out::OutOptions {
            out: &common.out,
            force: common.force,
            product: &common.product,
            source: &source,
        };
        out::write_evidence(&imp, &opts).map(|w| (imp, w))
    });
    match written {
        Ok((imp, files)) => {
            report(&imp, &files, common, ctx);
            0
        }
        Err(e) => failed(&e),
    }
}

fn report(imp: &Imported, files: &[String], common: &Common, ctx: &Ctx) {
    if ctx.quiet {
        return;
    }
    let shown = if ctx.verbose { imp.notes.len() } else { 20 };
    for n in imp.notes.iter().take(shown) {
        eprintln!("note: {}", escape_terminal(n));
    }
    if imp.notes.len() > shown {
        eprintln!(
            "note: ... {} more notes (-v shows all)",
            imp.notes.len() - shown
        );
    }
    eprintln!("{}", imp.counts);
    eprintln!(
        "wrote {} files into {}; next: relpack check {}",
        files.len(),
        escape_terminal(&common.out.display().to_string()),
        escape_terminal(&common.out.display().to_string())
    );
}

/// Print every problem; exit 2 (invalid input) or 3 (I/O).
pub fn failed(e: &InterchangeError) -> u8 {
    for p in &e.problems {
        eprintln!("error: {}", escape_terminal(p));
    }
    if e.io {
        3
    } else {
        2
    }
}
