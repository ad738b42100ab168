//! `relpack man`, and the sections every page and `--help` end with:
//! ENVIRONMENT, EXIT STATUS and FILES, written once here for both.

use std::io::Write;
use std::path::PathBuf;

use super::Ctx;

#[derive(clap::Args)]
pub struct Args {
    /// Write one page per command (relpack.1, relpack-check.1,
    /// relpack-build.1, ...) into DIR; without it, print relpack.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// (title in a man page, title in --help, entries).
type Section = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const SECTIONS: &[Section] = &[
    (
        "ENVIRONMENT",
        "Environment",
        &[
            ("SOURCE_DATE_EPOCH", "The release date when relpack.toml has no [release] date: whole seconds since 1970-01-01T00:00:00Z (reproducible builds). Anything else is an error (exit 2)."),
            ("NO_COLOR", "When set and not empty, no colour (as --color never)."),
            ("RELPACK_TIMINGS", "When set, print when each stage of a build starts and how long it took, in seconds, with the CPU time spent."),
            ("RELPACK_KEY_PASSPHRASE", "The passphrase of an encrypted private key given to `relpack approve --key`, `build --sign` or `sign --key`."),
            ("RELPACK_POLICY_TIMEOUT", "How long, in seconds, one evaluation of the Rego policies may run (60 unless set); a policy that runs longer makes the evidence invalid (exit 2)."),
            ("CI", "When set, no progress spinner."),
        ],
    ),
    (
        "EXIT STATUS",
        "Exit status",
        &[
            ("0", "Releasable: every gate holds or is waived."),
            ("1", "The evidence is valid but a gate fails; `build` still writes the packet, marked NOT RELEASABLE."),
            ("2", "The evidence, relpack.toml or the command line is invalid (with --deny-warnings, also a warning); nothing is written."),
            ("3", "Anything else (I/O); earlier output is left as it was."),
        ],
    ),
    (
        "FILES",
        "Files",
        &[
            ("relpack.toml", "At the evidence root: the product, the release and the policy."),
            ("*.toml, *.md, *.xml, *.json", "Evidence items, JUnit XML results and CycloneDX BOMs anywhere under the root (hidden files and [exclude] globs aside)."),
            ("OUT/<id>-<version>/", "The release packet `build` writes: index.html and the site, the PDF, packet.json, trace-matrix.csv, SHA256SUMS (and SHA256SUMS.sig when signed)."),
            ("OUT/index.html", "The list of the releases in OUT, refreshed by every build."),
            ("approvals/<ID>.toml", "Where `approve` writes an approval record (--file elsewhere)."),
            ("[gates] allowed_signers", "The file (git's allowed_signers format) approval signatures are checked against."),
        ],
    ),
];

/// The plain-text form, ending every command's `--help`.
pub fn help_tail() -> String {
    let mut out = String::new();
    for (_, title, entries) in SECTIONS {
        out.push_str(&format!("{title}:\n"));
        for (name, text) in *entries {
            out.push_str(&format!("  {name}\n      {text}\n"));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// Text for roff: backslashes doubled, a leading dot or quote escaped.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

fn roff_sections(w: &mut dyn Write, see_also: &[String]) -> std::io::Result<()> {
    for (title, _, entries) in SECTIONS {
        writeln!(w, ".SH \"{title}\"")?;
        for (name, text) in *entries {
            writeln!(w, ".TP\n\\fB{}\\fR\n{}", roff(name), roff(text))?;
        }
    }
    if !see_also.is_empty() {
        writeln!(w, ".SH \"SEE ALSO\"")?;
        let refs: Vec<String> = see_also
            .iter()
            .map(|p| format!("\\fB{}\\fR(1)", roff(p)))
            .collect();
        writeln!(w, "{}", refs.join(", "))?;
    }
    Ok(())
}

/// One page: clap's sections (no EXTRA: the sections above replace it),
/// then ours, SEE ALSO and the version.
fn render(cmd: &clap::Command, see_also: &[String], w: &mut dyn Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("relpack {}", env!("CARGO_PKG_VERSION")))
        .manual("relpack manual");
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(w)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(w)?;
    }
    roff_sections(w, see_also)?;
    if cmd.get_version().is_some() {
        man.render_version_section(w)?;
    }
    Ok(())
}

pub fn run(args: Args, ctx: &Ctx) -> u8 {
    let mut cmd = super::command().disable_help_subcommand(true);
    cmd.build();
    let subs: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    let page_name = |c: &clap::Command| c.get_display_name().unwrap_or(c.get_name()).to_string();
    let sub_names: Vec<String> = subs.iter().map(page_name).collect();
    let Some(dir) = args.out else {
        let mut out = std::io::stdout().lock();
        return match render(&cmd, &sub_names, &mut out) {
            Ok(()) => 0,
            Err(_) => 3,
        };
    };
    let write = |c: &clap::Command, see_also: &[String]| -> std::io::Result<PathBuf> {
        let path = dir.join(format!("{}.1", page_name(c)));
        let mut text = Vec::new();
        render(c, see_also, &mut text)?;
        std::fs::write(&path, text)?;
        Ok(path)
    };
    let result = std::fs::create_dir_all(&dir).and_then(|()| {
        let mut n = 1;
        write(&cmd, &sub_names)?;
        for s in &subs {
            write(s, &[page_name(&cmd)])?;
            n += 1;
        }
        Ok(n)
    });
    match result {
        Ok(n) => {
            if !ctx.quiet {
                eprintln!("wrote {n} man pages to {}", dir.display());
            }
            0
        }
        Err(e) => {
            eprintln!("error: {}: {e}", dir.display());
            3
        }
    }
}
