//! packet.pdf, checked with poppler-utils and qpdf as an auditor's tools would.

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use assert_fs::TempDir;

use super::build::pdf_pages;
use super::*;

fn tool(name: &str, args: &[&str], pdf: &Path) -> String {
    require_tool(name);
    let o = Std::new(name).args(args).arg(pdf).output().unwrap();
    assert!(
        o.status.success() || name == "qpdf",
        "{name} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

fn build_pdf(root: &Path) -> (TempDir, PathBuf, String) {
    let (out, folder, _, stderr) = build_packet(root, &[]);
    (out, folder.join("packet.pdf"), stderr)
}

#[test]
fn the_sample_pdf_has_sections_metadata_fonts_and_outline() {
    let (_out, pdf, _) = build_pdf(&repo_path("sample-evidence"));
    let text = pdf_pages(&pdf).join("\n");
    for section in [
        "Release identification",
        "Release gates",
        "Documents",
        "Changes",
        "Requirements",
        "Risk management",
        "Trace matrix",
        "Verification summary",
        "Unresolved anomalies",
        "Deviations",
        "SOUP",
        "Approvals",
        "Evidence index",
        "Contents",
    ] {
        assert!(text.contains(section), "no section {section}");
    }
    for id in [
        "REQ-MAX-1",
        "HAZ-3",
        "TC-MAX-1",
        "ANOM-12",
        "DEV-1",
        "APR-QA-1",
        "NEED-3",
        "RES-UI-1",
    ] {
        assert!(text.contains(id), "no item {id}");
    }
    let info = tool("pdfinfo", &[], &pdf);
    assert!(
        info.contains("Title:           BolusCalc 2.4.0 release packet"),
        "{info}"
    );
    assert!(info.contains("Author:          Acme Medical"), "{info}");
    assert!(info.contains("CreationDate:    Fri Nov 20"), "{info}");
    assert!(info.contains("Encrypted:       no"), "{info}");
    assert!(info.contains("(A4)"), "{info}");
    let pages: usize = info.lines().find(|l| l.starts_with("Pages:")).unwrap()[6..]
        .trim()
        .parse()
        .unwrap();
    assert!(
        text.contains(&format!("Page 2 of {pages}")),
        "page numbers n of N"
    );
    let fonts = tool("pdffonts", &[], &pdf);
    for line in fonts.lines().skip(2) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "font not embedded: {line}");
    }
    let check = tool("qpdf", &["--check"], &pdf);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    let outline = tool("qpdf", &["--json", "--json-key=outlines"], &pdf);
    for s in ["Release gates", "Trace matrix", "Approvals"] {
        assert!(outline.contains(s), "outline lacks {s}");
    }
    let raw = std::fs::read(&pdf).unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        raw.contains("<pdfaid:part>2</pdfaid:part>")
            && raw.contains("<pdfaid:conformance>B</pdfaid:conformance>")
    );
    // Every id links to its item: each link annotation goes to a place in
    // the document (the unit test in src/render/pdf checks which place),
    // none is left as the template's `anchor:` URL.
    let objects: serde_json::Value =
        serde_json::from_str(&tool("qpdf", &["--json", "--json-key=qpdf"], &pdf)).unwrap();
    let links: Vec<&serde_json::Value> = objects["qpdf"][1]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|o| o.get("value"))
        .filter(|v| v["/Subtype"] == "/Link")
        .collect();
    assert!(links.len() > 300, "only {} links", links.len());
    for link in &links {
        let external = link["/A"]["/URI"]
            .as_str()
            .is_some_and(|u| u.starts_with("u:http"));
        assert!(link.get("/Dest").is_some() || external, "link {link}");
    }
    assert!(!raw.contains("anchor:"), "an unresolved link is left");
}

#[test]
fn hostile_strings_print_literally() {
    let title = r#"#read("/etc/passwd") $x^2$ *b* [l] \ #panic("boom")"#;
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("x.toml", &format!("[[requirement]]\nid = \"REQ-H\"\ntitle = '{title}'\ntext = '''\n# heading\n\n`#panic()` and #eval(\"1\") and ```raw```\n\n- [x] *em* **strong** ~~del~~\n\n| a | b |\n|---|---|\n| #set | ] |\n'''\n")),
    ]);
    let (_out, pdf, _) = build_pdf(t.path());
    let text = pdf_pages(&pdf).join("\n").replace('\u{200b}', "");
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(r#"#read("/etc/passwd") $x^2$ *b* [l] \ #panic("boom")"#),
        "{flat}"
    );
    assert!(!text.contains("root:x:0"), "a file was read");
    assert!(
        flat.contains("#eval(\"1\")") && flat.contains("#panic()"),
        "{flat}"
    );
}

#[test]
fn any_script_survives_and_undrawable_characters_are_named() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("x.toml", "[[need]]\nid = \"N-JA\"\ntitle = \"インスリン投与量を確認してください\"\n\n[[need]]\nid = \"N-EL\"\ntitle = \"Δόση ινσουλίνης μg\"\n\n[[need]]\nid = \"N-AR\"\ntitle = \"جرعة الأنسولين\"\n\n[[need]]\nid = \"N-EMOJI\"\ntitle = \"Syringe 💉 ok\"\n\n[[need]]\nid = \"N-HIERO\"\ntitle = \"Hieroglyph \u{13000} here\"\n"),
    ]);
    let (_out, pdf, stderr) = build_pdf(t.path());
    let text = pdf_pages(&pdf).join("\n").replace('\u{200b}', "");
    assert!(
        text.contains("インスリン投与量を確認してください"),
        "Japanese lost"
    );
    assert!(text.contains("Δόση ινσουλίνης μg"), "Greek lost");
    assert!(
        text.contains("الأنسولين") || text.contains("جرعة"),
        "Arabic lost"
    );
    assert!(text.contains('💉'), "emoji lost");
    assert!(
        stderr.contains("N-HIERO") && stderr.contains("U+13000"),
        "no warning naming the item: {stderr}"
    );
    assert!(
        !stderr.contains("N-JA:") && !stderr.contains("N-EMOJI:"),
        "{stderr}"
    );
}

#[test]
fn nothing_is_clipped_long_ids_cells_and_requirements_flow() {
    let long_id = format!("REQ-{}", "X".repeat(296));
    let url = format!("https://example.com/{}", "a".repeat(280));
    let mut long_text = String::new();
    for i in 0..220 {
        long_text.push_str(&format!(
            "Sentence number {i} of a requirement that is longer than one page. "
        ));
    }
    long_text.push_str("THE-LAST-WORDS.");
    let mut items = format!(
        "[[need]]\nid = \"N-1\"\ntitle = \"n\"\n\n[[requirement]]\nid = \"{long_id}\"\ntitle = \"Long id, path {url}\"\ntext = \"{long_text}\"\nderives_from = [\"N-1\"]\n\n"
    );
    for i in 0..150 {
        items.push_str(&format!("[[requirement]]\nid = \"REQ-{i:03}\"\ntitle = \"Requirement {i} with a title long enough to wrap inside its cell of the trace matrix table\"\ntext = \"t\"\nderives_from = [\"N-1\"]\n\n"));
    }
    let t = tree(&[("relpack.toml", CONFIG), ("x.toml", &items)]);
    let (_out, pdf, _) = build_pdf(t.path());
    let pages = pdf_pages(&pdf);
    let all: String = pages.join("\n");
    assert!(!all.contains('\u{200b}'), "the PDF's text has U+200B in it");
    let squeezed: String = all.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(squeezed.contains(&long_id), "the 300-character id was cut");
    assert!(squeezed.contains(&url), "the long URL was cut");
    assert!(
        all.contains("THE-LAST-WORDS."),
        "a long requirement lost its end"
    );
    assert!(
        all.contains("Requirement 149 with a title long enough"),
        "a row is missing"
    );
    // The trace matrix spans pages and repeats its header row on each.
    let matrix: Vec<&String> = pages
        .iter()
        .filter(|p| p.contains("REQ-1") && p.contains("Latest result"))
        .collect();
    assert!(
        matrix.len() >= 3,
        "trace matrix header not repeated: {} pages",
        matrix.len()
    );
}

#[test]
fn paper_size_follows_relpack_toml() {
    let t = tree(&[
        (
            "relpack.toml",
            &format!("{CONFIG}\n[packet]\npaper = \"us-letter\"\n"),
        ),
        ("n.toml", "[[need]]\nid = \"N\"\ntitle = \"n\"\n"),
    ]);
    let (_out, pdf, _) = build_pdf(t.path());
    let info = tool("pdfinfo", &[], &pdf);
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
}

#[test]
fn packet_fonts_are_checked_and_honoured() {
    let font = std::fs::read(repo_path("assets/fonts/NotoSansMono-Regular.ttf")).unwrap();
    let config = format!("{CONFIG}\n[packet]\nfonts = [\"fonts/extra.ttf\"]\n");
    // Not a font, missing, or outside the root: invalid configuration, exit 2.
    let outside = format!("{CONFIG}\n[packet]\nfonts = [\"../x.ttf\"]\n");
    for (bad, config, font) in [
        ("not a font file", &config, Some("plain text")),
        ("cannot read", &config, None),
        ("outside the evidence root", &outside, None),
    ] {
        let mut all = vec![
            ("relpack.toml", config.as_str()),
            ("n.toml", "[[need]]\nid = \"N\"\ntitle = \"n\"\n"),
        ];
        all.extend(font.map(|text| ("fonts/extra.ttf", text)));
        check_refuses(tree(&all).path(), bad);
    }
    // A real font is loaded and the PDF builds.
    let t = tree(&[
        ("relpack.toml", &config),
        ("n.toml", "[[need]]\nid = \"N\"\ntitle = \"n\"\n"),
    ]);
    std::fs::create_dir_all(t.path().join("fonts")).unwrap();
    std::fs::write(t.path().join("fonts/extra.ttf"), font).unwrap();
    let (_out, pdf, _) = build_pdf(t.path());
    assert!(pdf.is_file());
}

#[test]
fn the_contents_give_each_section_its_page() {
    let (_out, pdf, _) = build_pdf(&repo_path("sample-evidence"));
    let pages = pdf_pages(&pdf);
    let contents = pages
        .iter()
        .find(|p| p.contains("Contents"))
        .expect("a contents page");
    let mut entries = 0;
    for line in contents.lines().filter(|l| l.contains(" . . ")) {
        let title = line[..line.find(" . ").unwrap()].trim();
        // "7.1 From tests": the title without its number.
        let title = title
            .split_once(' ')
            .filter(|(n, _)| n.chars().all(|c| c.is_ascii_digit() || c == '.'))
            .map_or(title, |(_, t)| t.trim());
        let page: usize = line
            .split_whitespace()
            .last()
            .unwrap()
            .trim_start_matches('\u{2060}')
            .parse()
            .unwrap_or_else(|_| panic!("no page number in {line:?}"));
        assert!(
            pages[page - 1].contains(title),
            "contents put {title:?} on page {page}, which does not have it"
        );
        entries += 1;
    }
    assert!(entries >= 20, "only {entries} contents lines");
}

/// One unbroken run far longer than a line (a base64 dump in a result's
/// notes, a long word in a requirement's Markdown, a long id in code) is
/// laid out whole: relpack's break opportunities in it once made typst
/// give up past 512 of them ("maximum grouping depth exceeded", exit 3).
#[test]
fn a_very_long_unbroken_string_is_laid_out_whole() {
    let dump: String = (0..6144)
        .map(|i| (b'A' + (i * 7 % 26) as u8) as char)
        .collect();
    let word = "w".repeat(9000);
    let items = format!(
        "[[need]]\nid = \"N-1\"\ntitle = \"n\"\n\n[[requirement]]\nid = \"REQ-1\"\ntitle = \"Dump\"\ntext = \"Before `{word}` and {word} after.\"\nderives_from = [\"N-1\"]\n\n[[test]]\nid = \"T-1\"\ntitle = \"t\"\nmethod = \"manual\"\nverifies = [\"REQ-1\"]\n\n[[result]]\nid = \"R-1\"\ntest = \"T-1\"\noutcome = \"pass\"\nexecuted_by = \"ci\"\nexecuted_at = 2026-11-19T10:00:00+01:00\nversion = \"1.0.0\"\nnotes = \"Raw device dump (base64): {dump}\"\n"
    );
    let t = tree(&[("relpack.toml", CONFIG), ("x.toml", &items)]);
    let (_out, pdf, stderr) = build_pdf(t.path());
    let all: String = pdf_pages(&pdf).join("\n");
    let squeezed: String = all.chars().filter(|c| !c.is_whitespace()).collect();
    // Each runs over pages: in order, with the pages' headers and footers
    // between its lines.
    let whole = |run: &str, after: &str| {
        let start = squeezed
            .find(after)
            .unwrap_or_else(|| panic!("no {after:?}: {stderr}"));
        let mut rest = squeezed[start + after.len()..].chars();
        run.chars().all(|c| rest.any(|r| r == c))
    };
    assert!(whole(&dump, "(base64):"), "the dump was cut");
    assert!(
        squeezed.contains(&dump[..2000]),
        "the dump's first lines are not together"
    );
    assert!(whole(&word, "Before"), "the long word was cut");
    assert!(!all.contains('\u{200b}'), "the PDF's text has U+200B in it");
}

/// A Markdown link whose URL is longer than typst takes (8000 bytes) and a
/// document whose title is longer than a PDF/A string (32767 characters,
/// its bookmark) are valid evidence: the PDF is written, the link's text
/// and the title kept. Both once failed the build (exit 3).
#[test]
fn an_overlong_link_or_document_title_still_makes_the_pdf() {
    let url = format!("https://wiki.example.com/dose?rows={}", "a".repeat(9000));
    let title = "T".repeat(33_000);
    let items = format!(
        "[[document]]\nid = \"DOC-1\"\ntitle = \"{title}\"\ntext = \"See the [dose table]({url}) for limits.\"\n"
    );
    let t = tree(&[("relpack.toml", CONFIG), ("x.toml", &items)]);
    let (_out, pdf, stderr) = build_pdf(t.path());
    assert!(pdf.is_file(), "{stderr}");
    let all: String = pdf_pages(&pdf).join("\n");
    assert!(
        all.contains("See the dose table"),
        "the link's text is gone"
    );
    let squeezed: String = all.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(squeezed.contains(&"T".repeat(2000)), "the title is gone");
}

/// A list nested deeper than the PDF draws as lists keeps each item on a
/// line of its own: "Maximum bolus", "1" and "0 units per kg" once ran
/// together as "Maximum bolus10 units per kg", changing the requirement.
#[test]
fn items_of_a_deeply_nested_list_never_run_together() {
    let mut list = String::new();
    for (depth, item) in [
        "Adults",
        "Weight band A",
        "Mode 1",
        "Maximum bolus",
        "1",
        "0 units per kg",
    ]
    .iter()
    .enumerate()
    {
        let depth = depth.min(4);
        list.push_str(&format!("{}- {item}\n", "  ".repeat(depth)));
    }
    let items = format!("[[requirement]]\nid = \"REQ-1\"\ntitle = \"Bolus limits\"\ntext = \"\"\"\nLimits:\n\n{list}\"\"\"\n");
    let t = tree(&[("relpack.toml", CONFIG), ("x.toml", &items)]);
    let (_out, pdf, stderr) = build_pdf(t.path());
    let all: String = pdf_pages(&pdf).join("\n");
    assert!(
        !all.contains("bolus1") && !all.contains("bolus 1"),
        "items ran together: {stderr}\n{all}"
    );
    let lines: Vec<&str> = all.lines().map(str::trim).collect();
    assert!(lines.iter().any(|l| l.ends_with("Maximum bolus")), "{all}");
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("0 units per kg") && !l.contains("bolus")),
        "{all}"
    );
}

/// An explicit bidi override in evidence (here the product's name) is
/// shown as its code point and reorders nothing: "NOT RELEASABLE" in the
/// running header once read "ELBASAELER TON".
#[test]
fn a_bidi_override_reorders_nothing_in_the_pdf() {
    let config = CONFIG.replace("name = \"Test Pump\"", "name = \"Pump \u{202E}\"");
    let items = "[[requirement]]\nid = \"REQ-1\"\ntitle = \"r \u{202E}gnol\"\ntext = \"t\"\n";
    let t = tree(&[("relpack.toml", &config), ("x.toml", items)]);
    let (_out, pdf, stderr) = build_pdf(t.path());
    let all: String = pdf_pages(&pdf).join("\n");
    assert!(all.contains("NOT RELEASABLE"), "{stderr}");
    assert!(!all.contains("ELBASAELER"), "the header was reversed");
    assert!(all.contains("Pump [U+202E]"), "{all}");
    // The site shows it as the PDF does, in a template's value and in
    // Markdown (written, or as an entity).
    let folder = pdf.parent().unwrap();
    for page in ["index.html", "items/REQ-1.html"] {
        let html = std::fs::read_to_string(folder.join(page)).unwrap();
        assert!(!html.contains('\u{202E}'), "{page} holds the override");
        assert!(html.contains("[U+202E]"), "{page}");
    }
}

/// Valid evidence that made the PDF fail (exit 3) or lose text: a CI log's
/// ESC in a code block (PDF/A refuses the character: it is named in a
/// warning and shown as its code point), tabs (typst drew them as
/// nothing), a list deep in a quote and a table deep in a list (flattened
/// whole rather than by halves), and an image not drawn (its alt text).
#[test]
fn control_characters_tabs_deep_lists_and_tables_and_image_alt_text_reach_the_pdf() {
    let items = r#"[[requirement]]
id = "REQ-1"
title = "Log"
text = """
Columns: rate\tlimit\tunit

```
basal\t0.85\tU/h
\u001B[31mFAILED\u001B[0m test_round
```
"""

[[requirement]]
id = "REQ-2"
title = "Deep list"
text = """
> - Alpha
>   - Bravo
>     - Charlie
>       - Delta
>         - Echo
"""

[[requirement]]
id = "REQ-3"
title = "Deep table"
text = """
> - one
>   - two
>     - three
>
>       | Setting | Limit |
>       |---|---|
>       | Maxbolus | 25 |
"""

[[requirement]]
id = "REQ-4"
title = "Label"
text = "See ![Warning label: do not exceed 25 U](https://labels.example.com/warn.png) on the housing."
"#;
    let t = tree(&[("relpack.toml", CONFIG), ("x.toml", items)]);
    let (_out, pdf, stderr) = build_pdf(t.path());
    let all: String = pdf_pages(&pdf).join("\n");
    assert!(
        stderr.contains("REQ-1: no font can draw") && stderr.contains("U+001B"),
        "{stderr}"
    );
    assert!(all.contains("[U+001B][31mFAILED"), "{all}");
    for words in [["rate", "limit"], ["basal", "0.85"]] {
        let joined = words.concat();
        assert!(
            !all.contains(&joined),
            "a tab ran {joined} together:\n{all}"
        );
        assert!(all.contains(words[0]) && all.contains(words[1]), "{all}");
    }
    for word in ["Alpha", "Delta", "Echo", "Setting", "Maxbolus", "25"] {
        assert!(all.contains(word), "{word} is missing:\n{all}");
    }
    assert!(all.contains("Warning label: do not exceed 25 U"), "{all}");
}
