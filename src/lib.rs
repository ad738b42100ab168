//! relpack: evidence in, release packet out.
//!
//! The pipeline, one stage per module, data flowing one way:
//!
//! ```text
//! discover -> parse -> validate -> link -> gate -> model -> render (html, pdf, json, csv) -> write
//! ```
//!
//! [`check`] runs everything up to the gates; [`build`] goes on to render
//! and write the packet. Every problem in the evidence is collected as a
//! [`diag::Diagnostic`] and reported at the end, all at once.

pub mod approve;
pub mod changes;
pub mod config;
pub mod destination;
pub mod diag;
pub mod digest;
pub mod discover;
pub mod durable;
pub mod enforce;
pub mod evidence;
pub mod fasthash;
pub mod fonts;
pub mod fsroot;
pub mod gate;
pub mod git;
pub mod guard;
pub mod history;
pub mod images;
pub mod init;
pub mod interchange;
pub mod item;
pub mod kinds;
pub mod link;
pub mod markers;
pub mod model;
pub mod names;
pub mod packet_file;
pub mod parse;
pub mod parts;
pub mod policy;
pub mod previous;
pub mod progress;
pub mod regulatory;
pub mod release;
pub mod render;
pub mod report;
pub mod results;
pub mod reuse;
pub mod serve;
pub mod sign;
pub mod stages;
pub mod suggest;
pub mod terminal;
pub mod text;
pub mod validate;
pub mod verdict;
pub mod verify;
pub mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use stages::{BuildOptions, Built, Checked, Failure, FailureKind, Loaded, Options};

use config::Config;
use diag::{Diagnostic, Severity, Sources};
use evidence::Evidence;
use fsroot::{EvidenceRoot, FileRole};
use gate::GateInput;
use item::Kind;
use results::TestResults;

/// Stages discover -> parse -> validate -> link.
pub fn load(root: &Path, opts: &Options) -> Result<Loaded, Failure> {
    let mut sources = Sources::default();
    let fsroot = open_root(root)?;
    let (config, config_id) = read_config(&fsroot, &mut sources)?;
    let excludes = discover::build_excludes(&config.exclude)
        .map_err(|d| Failure::invalid(Sources::default(), vec![d]))?;

    let (mut files, mut diags) =
        progress::timed("discover", || discover::discover(root, &excludes));
    if let Some(out) = &opts.output {
        files.retain(|f| !out.holds(&f.rel, &f.abs));
    }
    let counters = opts.counters.clone().unwrap_or_default();
    counters.files_read.set_total(files.len());
    let cache = match parse_cache(&fsroot, &config, opts) {
        Ok(cache) => cache,
        Err(message) => {
            let at = config::span_of(&sources.get(config_id).text, &["cache", "folder"]);
            diags.push(Diagnostic::error(message).at(config_id, at));
            None
        }
    };
    let tree = progress::timed("parse", || {
        parse::parse_files(
            &fsroot,
            &files,
            config_id + 1,
            &mut sources,
            &counters,
            cache.as_ref(),
        )
    });
    diags.extend(tree.diags);
    let (mut items, soup_diags) = parse::merge_soup(tree.items, &sources);
    diags.extend(soup_diags);
    items.sort_by(|a, b| {
        a.id.as_bytes()
            .cmp(b.id.as_bytes())
            .then(a.origin.file.cmp(&b.origin.file))
    });
    diags.extend(progress::timed("validate", || {
        validate::validate(&items, &config.fields)
    }));
    diags.extend(validate::risk(&items, &config.risk));
    diags.extend(gate::check_waives(&items));
    diags.extend(regulatory::check_fulfils(&items));
    let (links, link_diags) = progress::timed("link", || {
        link::link(
            &items,
            &tree.junit,
            &tree.other_files,
            &tree.evidence_files,
            &sources,
            &fsroot,
        )
    });
    diags.extend(link_diags);
    let (figures, figure_diags) = progress::timed("images", || {
        images::check(&items, &links, &sources, &fsroot)
    });
    diags.extend(figure_diags);

    let previous = previous::read(&fsroot, &config).unwrap_or_else(|d| {
        diags.push(d);
        None
    });
    let git = git::read(
        root,
        previous
            .as_ref()
            .and_then(|p| p.release.source.as_ref()?.commit.as_deref()),
        opts.output.as_ref().map(|o| o.out.as_path()),
    );
    diags.extend(git::unknown_trailer_ids(git.as_ref(), &links));
    let markers = markers::scan(&fsroot, &config.trace.sources);
    diags.extend(markers::diagnostics(&markers, &links));
    let (policies, policy_diags) = policy::load(&fsroot, &config.policy, &mut sources);
    diags.extend(policy_diags);
    let version = release::version(opts, &config, git.as_ref());
    // A version that shows nothing names no release (and no folder).
    if version.as_deref().is_some_and(text::shows_nothing) {
        diags.push(
            Diagnostic::error("the release's version is empty")
                .at(config_id, 0..0)
                .note("set [release] version in relpack.toml or pass --version with the version's text"),
        );
    } else if version.is_none() {
        diags.push(
            Diagnostic::error("the release has no version")
                .at(config_id, 0..0)
                .note("set [release] version in relpack.toml, pass --version, or tag the commit (v1.2.3)"),
        );
    }
    // The previous release is an earlier one: this release's own packet
    // (of a build before) would show no change and clear every suspect.
    if let (Some(p), Some(v)) = (&previous, &version) {
        if p.release.version == *v {
            diags.push(
                Diagnostic::error(format!(
                    "release.previous is a packet of version {v}, this release's own: it must be the release before this one"
                ))
                .at(config_id, 0..0)
                .note("point release.previous at the packet.json of the last release"),
            );
        }
    }
    validate::deny(&mut diags, &config.check, opts.deny_warnings);
    diag::sort(&mut diags, &sources);
    let (Some(version), false) = (version, diags.iter().any(|d| d.severity == Severity::Error))
    else {
        return Err(Failure::invalid(sources, diags));
    };
    let date = release::date(&config, opts);
    let folder = release::folder_name(&config, &version);
    let (history, history_diags) = progress::timed("history", || {
        history::collect(
            &fsroot,
            config.release.previous.as_deref(),
            &history::Here {
                product: &config.product.name,
                version: &version,
                out: opts
                    .output
                    .as_ref()
                    .map(|d| (d.out.as_path(), folder.as_str())),
            },
        )
    });
    let mut warnings = diags;
    warnings.extend(history_diags);
    let mut evidence_files = tree.evidence_files;
    evidence_files.extend(links.attachments.iter().cloned());
    evidence_files.sort_by(|a, b| a.path.cmp(&b.path));
    evidence_files.dedup_by(|a, b| a.path == b.path);
    let views = match progress::timed("typed views", || kinds::Views::build(&items)) {
        Ok(v) => v,
        Err(d) => return Err(Failure::invalid(sources, vec![d])),
    };
    Ok(Loaded {
        parse_cache: cache,
        evidence: Evidence {
            root: root.to_path_buf(),
            fsroot,
            config,
            version,
            date,
            sources,
            items,
            views,
            previous,
            junit: tree.junit,
            links,
            evidence_files,
            git,
            markers,
            policies,
            figures,
            history,
        },
        warnings,
    })
}

/// The evidence root, which must be a folder.
fn open_root(root: &Path) -> Result<EvidenceRoot, Failure> {
    let not_a_folder = || {
        Failure::invalid(
            Sources::default(),
            vec![Diagnostic::error(format!(
                "{} is not a folder: give the evidence root",
                root.display()
            ))],
        )
    };
    if !root.is_dir() {
        return Err(not_a_folder());
    }
    EvidenceRoot::new(root).map_err(|_| not_a_folder())
}

/// Read and parse `relpack.toml`, and check the fonts it names.
fn read_config(
    root: &EvidenceRoot,
    sources: &mut Sources,
) -> Result<(Config, diag::FileId), Failure> {
    let bytes = match root.read("relpack.toml", FileRole::Config) {
        Ok(b) => b,
        Err(e) if e.is_not_found() => {
            return Err(Failure::invalid(
                Sources::default(),
                vec![Diagnostic::error(format!(
                    "no relpack.toml in {}: this is not an evidence root",
                    root.path().display()
                ))
                .note("`relpack init` writes a starting tree")],
            ))
        }
        Err(e @ fsroot::ReadError::Refused(_)) => {
            return Err(Failure::invalid(
                Sources::default(),
                vec![Diagnostic::error(e.to_string())],
            ))
        }
        Err(e) => return Err(Failure::io(e.to_string())),
    };
    let text = match parse::decode_text(bytes, "relpack.toml", 0) {
        Ok(t) => t,
        Err(e) => {
            let (d, lossy) = *e;
            sources.add("relpack.toml".into(), lossy);
            return Err(Failure::invalid(std::mem::take(sources), vec![d]));
        }
    };
    let id = sources.add("relpack.toml".into(), text.clone());
    let config =
        Config::parse(&text, id).map_err(|d| Failure::invalid(std::mem::take(sources), d))?;
    let mut font_errors: Vec<Diagnostic> = config
        .packet
        .fonts
        .iter()
        .filter_map(|rel| fonts::check_font(root, rel).err())
        .map(|msg| Diagnostic::error(format!("relpack.toml: [packet] fonts: {msg}")).in_file(id))
        .collect();
    if let Err(msg) = guard::check_config(&config.guard) {
        font_errors.push(Diagnostic::error(format!("relpack.toml: {msg}")).in_file(id));
    }
    if !font_errors.is_empty() {
        return Err(Failure::invalid(std::mem::take(sources), font_errors));
    }
    Ok((config, id))
}

/// The policies of the evidence at `root` alone (`relpack policy test`):
/// relpack.toml read for `[policy]`, each policy checked to parse.
pub fn policy_files(root: &Path) -> Result<Vec<policy::PolicyFile>, Failure> {
    let mut sources = Sources::default();
    let fsroot = open_root(root)?;
    let (config, _) = read_config(&fsroot, &mut sources)?;
    let (files, diags) = policy::load(&fsroot, &config.policy, &mut sources);
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(Failure::invalid(sources, diags));
    }
    Ok(files)
}

/// The parse cache of this run: `[cache] folder` of relpack.toml, else a
/// build's OUT; `check` without the first has none. `Err`: the folder lies
/// inside the evidence root, where no cache may be.
fn parse_cache(
    fsroot: &EvidenceRoot,
    config: &Config,
    opts: &Options,
) -> Result<Option<parse::cache::ParseCache>, String> {
    let folder = match (&config.cache.folder, &opts.output) {
        (Some(folder), _) => {
            let resolved = destination::resolve(&fsroot.canonical().join(folder))
                .map_err(|e| format!("[cache] folder {folder}: {e}"))?;
            if resolved.starts_with(fsroot.canonical()) {
                return Err(format!(
                    "[cache] folder {folder} lies inside the evidence root; \
                     a cache is never kept among the evidence"
                ));
            }
            // A packet lists every file it holds: a cache in one would
            // make it fail `verify`.
            if let Some(packet) = resolved
                .ancestors()
                .find(|a| a.join("packet.json").is_file() && a.join("SHA256SUMS").is_file())
            {
                return Err(format!(
                    "[cache] folder {folder} lies inside the release packet {}; \
                     a cache is never kept in a packet",
                    packet.display()
                ));
            }
            resolved
        }
        (None, Some(dest)) => dest.out.join(reuse::CACHE_DIR),
        (None, None) => return Ok(None),
    };
    Ok(Some(
        parse::cache::ParseCache::new(&folder.join(parse::cache::SUBFOLDER), !opts.clean)
            .with_digest(|item| digest::item_sha256(item, &[])),
    ))
}

/// Stages discover .. gate: everything `relpack check` reports.
pub fn check(root: &Path, opts: &Options) -> Result<Checked, Failure> {
    let Loaded {
        evidence,
        warnings,
        parse_cache,
    } = progress::timed("load", || load(root, opts))?;
    // Results are computed beside the item digests and the PHI scan (all
    // three parallel): none needs another.
    let (results, (digests, guard)) = rayon::join(
        || progress::timed("results", || TestResults::compute(&evidence)),
        || {
            let digests: Vec<String> = progress::timed("item digests", || {
                use rayon::prelude::*;
                // Kept with the parse results: an unchanged item is not
                // hashed again, unless a BOM completed it or it attaches.
                let known = parse_cache
                    .as_ref()
                    .map(|c| c.take_digests())
                    .unwrap_or_default();
                evidence
                    .items
                    .par_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let attached = evidence.attachment_digests(i);
                        let as_parsed = || {
                            let at = (item.origin.file, item.origin.span.start);
                            known
                                .get(&at)
                                .filter(|_| !item.from_bom && attached.is_empty())
                        };
                        match as_parsed() {
                            Some(sha256) => digest::prefixed(sha256),
                            None => digest::item_digest(item, attached),
                        }
                    })
                    .collect()
            });
            (
                digests,
                progress::timed("phi scan", || guard::scan(&evidence)),
            )
        },
    );
    let guard =
        guard.map_err(|m| Failure::invalid(Sources::default(), vec![Diagnostic::error(m)]))?;
    let release_digest = digest::release_digest(
        evidence
            .items
            .iter()
            .zip(digests.iter().map(String::as_str)),
        &evidence.junit,
        &evidence.markers.files,
        &evidence.policies,
    );
    let (signers, signer_errors) = sign::load_allowed_signers(&evidence);
    let mut change_set = None;
    let (mut suspect, mut suspect_hazards) = (HashMap::new(), HashMap::new());
    if let Some(prev) = &evidence.previous {
        let current: Vec<changes::CurrentItem<'_>> = evidence
            .items
            .iter()
            .zip(&digests)
            .map(|(i, d)| changes::CurrentItem {
                id: &i.id,
                kind: i.kind.name(),
                title: i.title(),
                digest: d,
                fields: &i.fields,
            })
            .collect();
        let mut set = changes::compare(prev, &current);
        (suspect, suspect_hazards) = changes::suspects(&evidence, &results, &set, prev);
        let mut list: Vec<changes::Suspect> = suspect
            .iter()
            .chain(suspect_hazards.iter())
            .map(|(&i, reason)| changes::Suspect {
                id: evidence.items[i].id.clone(),
                kind: evidence.items[i].kind.name().into(),
                reason: reason.clone(),
            })
            .collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        set.suspect = list;
        change_set = Some(set);
    }
    let verdicts = verdict::Verdicts::decide(&evidence, &results, &suspect, &suspect_hazards);
    let report = progress::timed("gates", || {
        gate::evaluate(&GateInput {
            ev: &evidence,
            results: &results,
            digests: &digests,
            release_digest: &release_digest,
            signers: &signers,
            signer_errors: &signer_errors,
            suspect: &suspect,
            verdicts: &verdicts,
            previous: evidence.previous.as_ref(),
            changes: change_set.as_ref(),
            guard: &guard.hits,
            policy: &[],
        })
    });
    let mut warnings = warnings;
    // Found only now, so denied here as load denies the others.
    let mut missing = gate::regulatory::warnings(&report.regulatory);
    validate::deny(&mut missing, &evidence.config.check, opts.deny_warnings);
    if missing.iter().any(|d| d.severity == Severity::Error) {
        return Err(Failure::invalid(evidence.sources, missing));
    }
    warnings.extend(missing);
    let checked = Checked {
        evidence,
        results,
        digests,
        release_digest,
        report,
        warnings,
        suspect,
        changes: change_set,
        verdicts,
        guard,
        parse_cache: None,
    };
    let mut checked = enforce::finish_check(checked, &signers, &signer_errors)?;
    // Kept only when nothing refused the run: a refused one writes nothing.
    // A build keeps them once its destination is accepted.
    match (&opts.output, parse_cache) {
        (None, Some(cache)) => progress::timed("keep the parse cache", || cache.commit()),
        (Some(_), cache) => checked.parse_cache = cache,
        (None, None) => {}
    }
    Ok(checked)
}

pub use release::{folder as release_folder, source_date_epoch, MAX_SOURCE_DATE_EPOCH};

/// Resolve the evidence root the commands were given.
pub fn root_or_cwd(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| PathBuf::from("."))
}

/// The whole pipeline: check, model, render every output, write the
/// release folder atomically and refresh the list of releases.
pub fn build(
    root: &Path,
    opts: &Options,
    build: &BuildOptions,
    progress: &dyn Fn(&str),
) -> Result<Built, Failure> {
    destination::check_out_path(&build.out).map_err(Failure::io)?;
    progress("reading the evidence");
    // A root that is no folder is reported by `check`, in its usual words.
    let refuse = |m: String| Failure::invalid(Sources::default(), vec![Diagnostic::error(m)]);
    let dest = root
        .is_dir()
        .then(|| write::Destination::new(root, &build.out))
        .transpose()
        .map_err(refuse)?;
    let opts = Options {
        output: dest.clone(),
        clean: build.clean,
        ..opts.clone()
    };
    let mut checked = check(root, &opts)?;
    progress("checked");
    let dest = dest.ok_or_else(|| Failure::io(format!("{} went away", root.display())))?;
    let folder = release_folder(&checked.evidence);
    // Checked already when the tree was read: an error here is none.
    let excludes = discover::build_excludes(&checked.evidence.config.exclude).unwrap_or_default();
    write::check_destination(&dest, &folder, &checked.evidence.version, &excludes).map_err(
        |r| match r {
            write::Refusal::NotOurs(m) => refuse(m),
            write::Refusal::Io(m) => Failure::io(m),
        },
    )?;
    progress::timed("remove stale folders", || write::remove_stale(&dest));
    if let Some(cache) = checked.parse_cache.take() {
        progress::timed("keep the parse cache", || cache.commit());
    }
    // The earlier build's manifests are read while the model is built.
    progress("building the packet model");
    let (staging, packet) = rayon::join(
        || {
            progress::timed("staging folder", || {
                write::Staging::new(&build.out, &folder, !build.clean, build.spare)
            })
        },
        || packet_model(&checked),
    );
    let staging = staging.map_err(|e| Failure::io(e.to_string()))?;
    let counters = opts.counters.clone().unwrap_or_default();
    let (summary, packet) = render_model(
        &mut checked,
        packet,
        build.pdf,
        &staging,
        progress,
        &counters,
    )?;
    // Freeing a 100k-item model one allocation at a time takes a fifth of a
    // second the process (which exits after a build) gets back anyway, as
    // rustc does. `serve` and `verify` go through `render_packet`, which
    // frees it.
    std::mem::forget(packet);
    let (linked, unrendered) = staging.linked();
    progress(&format!(
        "writing the packet ({linked} unchanged files linked from the earlier build, \
         {unrendered} of them not rendered again)"
    ));
    let key = build.sign.as_deref();
    let signer =
        |sums: &[u8]| sign::sign_in(key.unwrap_or(Path::new("")), sign::PACKET_NAMESPACE, sums);
    let dest = staging
        .commit_signed(key.map(|_| &signer as write::Signer<'_>))
        .map_err(|e| match e {
            write::WriteError::Sign(_) => refuse(e.to_string()),
            e => Failure::io(e.to_string()),
        })?;
    progress::timed("list of releases", || {
        refresh_release_list(&build.out, Some((&folder, &summary)))
    })
    .map_err(Failure::io)?;
    progress("written");
    Ok(Built {
        checked,
        folder: dest,
    })
}

/// Stages model and render: every file of the packet but SHA256SUMS,
/// handed to `output` (the staging folder, or `verify` comparing them with
/// a packet on disk). Missing glyphs become warnings in `checked`. Returns
/// the packet's summary (for OUT's list of releases).
pub fn render_packet(
    checked: &mut Checked,
    pdf: bool,
    output: &dyn render::Output,
    progress: &dyn Fn(&str),
    counters: &std::sync::Arc<progress::Counters>,
) -> Result<packet_file::Summary, Failure> {
    progress("building the packet model");
    let packet = packet_model(checked);
    render_model(checked, packet, pdf, output, progress, counters).map(|(summary, _)| summary)
}

/// Stage model: the packet, the only thing renderers see.
fn packet_model(checked: &Checked) -> model::Packet {
    progress::timed("packet model", || {
        model::Packet::build(checked, checked.changes.clone())
    })
}

/// Stage render, from the packet model (see [`render_packet`]).
fn render_model(
    checked: &mut Checked,
    packet: model::Packet,
    pdf: bool,
    output: &dyn render::Output,
    progress: &dyn Fn(&str),
    counters: &std::sync::Arc<progress::Counters>,
) -> Result<(packet_file::Summary, model::Packet), Failure> {
    use render::Renderer;
    counters
        .pages_written
        .set_total(packet.items.len() + render::html::SECTIONS.len());
    let output = &render::Counting {
        inner: output,
        pages: &counters.pages_written,
    };
    let html = render::html::HtmlRenderer {
        with_pdf: pdf,
        remote_images: checked.evidence.config.packet.remote_images.clone(),
    };
    let pdf = if pdf {
        let mut pdf = pdf_renderer(checked, &packet)?;
        pdf.counters = std::sync::Arc::clone(counters);
        Some(pdf)
    } else {
        None
    };
    fn failed(name: &'static str) -> impl Fn(render::RenderError) -> Failure {
        move |e| Failure::io(format!("{name} renderer: {e}"))
    }
    // packet.json, its long lists on every thread, beside what needs none
    // of its digests (CSV, the site's texts and search index); then the
    // site's pages, keyed by those digests. typst (single-threaded) runs
    // beside all of it.
    progress("rendering");
    let json_and_site = || -> Result<(), Failure> {
        let (json, site) = rayon::join(
            || progress::timed("packet.json", || render::json::write(&packet, output)),
            || {
                progress::timed("csv renderer", || {
                    render::csv::CsvRenderer.render(&packet, output)
                })
                .map_err(failed("csv"))?;
                html.prepare(&packet, output).map_err(failed("html"))
            },
        );
        let json = json.map_err(failed("json"))?;
        let mut site = site?;
        site.json = Some(json);
        progress::timed("html renderer", || html.pages(&site, output)).map_err(failed("html"))
    };
    match &pdf {
        Some(pdf) => {
            let (site, pdf) = rayon::join(json_and_site, || {
                progress::timed("pdf renderer", || pdf.render(&packet, output))
                    .map_err(failed("pdf"))
            });
            site?;
            pdf?;
        }
        None => json_and_site()?,
    }
    let summary = progress::timed("summary", || packet.summary());
    Ok((summary, packet))
}

/// The PDF renderer with the packet's extra fonts; characters no font can
/// draw become warnings on their items.
fn pdf_renderer(
    checked: &mut Checked,
    packet: &model::Packet,
) -> Result<render::pdf::PdfRenderer, Failure> {
    let mut fonts = Vec::new();
    for rel in &checked.evidence.config.packet.fonts {
        // Checked when relpack.toml was read; read the same way again.
        let bytes = fonts::read_font(&checked.evidence.fsroot, rel)
            .map_err(|e| Failure::io(format!("packet.fonts: {e}")))?;
        fonts.push((rel.clone(), bytes));
    }
    let pdf = render::pdf::PdfRenderer::new(fonts, packet).map_err(Failure::io)?;
    for (id, chars) in pdf.missing_glyphs() {
        let list: Vec<String> = chars
            .iter()
            .map(|c| format!("{c} (U+{:04X})", *c as u32))
            .collect();
        let mut d = Diagnostic::warning(format!(
            "{id}: no font can draw {}; the PDF shows its code point instead",
            list.join(", ")
        ))
        .note("add a font that has them to [packet] fonts in relpack.toml");
        if let Some(item) = checked.evidence.item(id) {
            d = d.at(item.origin.file, item.origin.span.clone());
        }
        checked.warnings.push(d);
    }
    Ok(pdf)
}

/// Write every schema relpack ships (for editors): returns how many.
pub fn write_schemas(out: &Path) -> Result<usize, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut n = 0;
    for kind in Kind::ALL {
        let path = out.join(format!("{}.schema.json", kind.name()));
        std::fs::write(&path, validate::schema_text(kind))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        n += 1;
    }
    for (name, text) in validate::EXTRA_SCHEMAS {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        n += 1;
    }
    Ok(n)
}

/// Rewrite OUT/index.html: every release packet in OUT, newest first
/// (`fresh`: the release just written, with its summary).
fn refresh_release_list(
    out: &Path,
    fresh: Option<(&str, &packet_file::Summary)>,
) -> Result<(), String> {
    let entries = write::list_releases(out, fresh).map_err(|e| e.to_string())?;
    let html = render::html::release_list(&entries).map_err(|e| e.to_string())?;
    write::replace_file(out, "index.html", &html).map_err(|e| e.to_string())
}
