//! Figures, the software version history and the measures over releases
//! (issue 17): Markdown images of attachments in the site and the PDF,
//! every way an image can be wrong, earlier packets followed through
//! their own pointers, and each release's measures in OUT/index.html.

use std::collections::BTreeMap;

use assert_fs::prelude::*;

use super::*;

const PNG: &[u8] = include_bytes!("../fixtures/media/block.png");
const GIF: &[u8] = include_bytes!("../fixtures/media/dot.gif");
const SVG: &[u8] = include_bytes!("../fixtures/media/flow.svg");

const DESIGN: &str = r#"+++
kind = "document"
id = "DOC-DESIGN"
title = "Design"
attachments = ["figs/block.png", "figs/flow.svg", "figs/dot.gif"]
+++

The blocks of the design.

![Block diagram of the pump](figs/block.png)

Data flows ![flow chart](figs/flow.svg) left to right, ![](figs/dot.gif) and
the same block again: ![Block diagram of the pump](figs/block.png)
"#;

fn design_tree() -> assert_fs::TempDir {
    let t = tree(&[("relpack.toml", CONFIG), ("docs/design.md", DESIGN)]);
    t.child("docs/figs/block.png").write_binary(PNG).unwrap();
    t.child("docs/figs/flow.svg").write_binary(SVG).unwrap();
    t.child("docs/figs/dot.gif").write_binary(GIF).unwrap();
    t
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

#[test]
fn figures_are_copied_into_the_site_listed_in_sha256sums_and_shown() {
    let t = design_tree();
    let (_out, folder, code, stderr) = build_packet(t.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let files = files_of(&folder);
    let sums = String::from_utf8(files["SHA256SUMS"].clone()).unwrap();
    for (bytes, ext) in [(PNG, "png"), (SVG, "svg"), (GIF, "gif")] {
        let name = format!("attachments/{}.{ext}", sha256_hex(bytes));
        assert_eq!(files.get(&name).map(Vec::as_slice), Some(bytes), "{name}");
        assert!(
            sums.contains(&format!("{}  {name}", sha256_hex(bytes))),
            "{name} not in SHA256SUMS:\n{sums}"
        );
    }
    // One copy however often a text shows it.
    let copies = files
        .keys()
        .filter(|k| k.starts_with("attachments/"))
        .count();
    assert_eq!(copies, 3);

    let v = packet_json(&folder);
    let figures = v["figures"].as_array().unwrap();
    assert_eq!(figures.len(), 3, "{figures:#?}");
    assert_eq!(figures[0]["item"], "DOC-DESIGN");
    assert_eq!(figures[0]["target"], "figs/block.png");
    assert_eq!(figures[0]["source"], "docs/figs/block.png");
    assert_eq!(figures[0]["media_type"], "image/png");
    assert_eq!(
        (figures[0]["width"].as_u64(), figures[0]["height"].as_u64()),
        (Some(64), Some(32))
    );
    assert!(figures[1]["width"].is_null(), "an SVG has no pixel size");

    let page = String::from_utf8(files["items/DOC-DESIGN.html"].clone()).unwrap();
    let png = format!("../attachments/{}.png", sha256_hex(PNG));
    assert!(
        page.contains(&format!(
            "<img class=\"figure\" src=\"{png}\" alt=\"Block diagram of the pump\">"
        )),
        "{page}"
    );
    assert!(page.contains("<span class=\"caption\">Block diagram of the pump</span>"));
    let svg = format!("../attachments/{}.svg", sha256_hex(SVG));
    assert!(page.contains(&format!("src=\"{svg}\"")), "{page}");
    // SVG is an image, never markup in the page.
    assert!(!page.contains("<svg") && !page.contains("<path"), "{page}");
    let documents = String::from_utf8(files["documents.html"].clone()).unwrap();
    assert!(
        documents.contains(&format!("src=\"attachments/{}.png\"", sha256_hex(PNG))),
        "the section page, one level up, points at the same copy"
    );

    // The PDF embeds the PNG (and the GIF) as images, captioned.
    require_tool("pdfimages");
    let o = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(folder.join("packet.pdf"))
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(
        list.lines().any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.len() > 4 && w[3] == "64" && w[4] == "32"
        }),
        "no 64 x 32 image in the PDF:\n{list}"
    );
    let text = pdf_text(&folder.join("packet.pdf"));
    assert!(text.contains("Block diagram of the pump"), "{text}");
    assert!(text.contains("flow chart"), "{text}");
    assert!(!text.contains("[image:"), "{text}");
}

/// (target as written, what the error says): each one at its line.
const WRONG: &str = r#"+++
kind = "document"
id = "DOC-WRONG"
title = "Wrong figures"
attachments = ["figs/notes.png", "figs/escape.png"]
+++

Not attached: ![a](figs/other.png)

Missing: ![b](figs/gone.png)

Not an image: ![c](figs/notes.png)

Outside the root: ![d](../../../etc/passwd)

A link out of the root: ![e](figs/escape.png)

Remote images stay links: ![f](https://example.com/x.png)
"#;

#[test]
fn an_image_that_is_not_a_readable_image_attachment_is_an_error_at_its_line() {
    let t = tree(&[("relpack.toml", CONFIG), ("docs/wrong.md", WRONG)]);
    t.child("docs/figs/other.png").write_binary(PNG).unwrap();
    t.child("docs/figs/notes.png")
        .write_str("not a picture at all\n")
        .unwrap();
    let outside = assert_fs::TempDir::new().unwrap();
    outside.child("secret.png").write_binary(PNG).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.png"),
        t.path().join("docs/figs/escape.png"),
    )
    .unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    let errors: BTreeMap<u64, String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["file"] == "docs/wrong.md" && e["message"].as_str().unwrap().contains("image `")
        })
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = [
        (
            8,
            "image `figs/other.png` is not an attachment of document DOC-WRONG",
        ),
        (
            10,
            "image `figs/gone.png` does not exist (looked for docs/figs/gone.png)",
        ),
        (
            12,
            "image `figs/notes.png` (docs/figs/notes.png) is not an image (PNG, JPEG, GIF or SVG)",
        ),
        (
            14,
            "image `../../../etc/passwd` is outside the evidence root",
        ),
        (16, "image `figs/escape.png`"),
    ];
    for (line, needle) in expect {
        let got = errors
            .get(&line)
            .unwrap_or_else(|| panic!("no image error on line {line}: {errors:#?}"));
        assert!(got.contains(needle), "line {line}: {got}");
    }
    assert_eq!(errors.len(), 5, "{errors:#?}");
    // Located to the column of the image.
    let e = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["message"].as_str().unwrap().contains("figs/other.png"))
        .unwrap();
    assert_eq!(e["column"].as_u64(), Some(15), "{e}");

    // The same in a TOML `text`, and `check` prints file:line.
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "reqs.toml",
            "[[requirement]]\nid = \"REQ-1\"\ntitle = \"r\"\ntext = \"\"\"\nSee\n![x](pic.png)\n\"\"\"\n",
        ),
    ]);
    relpack()
        .arg("check")
        .arg(t.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("image `pic.png` does not exist"))
        .stderr(predicates::str::contains("reqs.toml:6:1"));
}

#[test]
fn a_huge_or_undecodable_image_is_refused() {
    // A PNG header that claims 100000 x 100000 pixels.
    let mut huge = PNG[..16].to_vec();
    huge.extend(100_000u32.to_be_bytes());
    huge.extend(100_000u32.to_be_bytes());
    huge.extend(&PNG[24..]);
    let cut = &PNG[..PNG.len() / 2];
    let doc = "+++\nkind = \"document\"\nid = \"DOC-1\"\ntitle = \"d\"\nattachments = [\"huge.png\", \"cut.png\"]\n+++\n\n![h](huge.png)\n\n![c](cut.png)\n";
    let t = tree(&[("relpack.toml", CONFIG), ("doc.md", doc)]);
    t.child("huge.png").write_binary(&huge).unwrap();
    t.child("cut.png").write_binary(cut).unwrap();
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2);
    let text = v["errors"].to_string();
    assert!(
        text.contains("is too large: 100000 x 100000 pixels"),
        "{text}"
    );
    assert!(
        text.contains("image `cut.png` (cut.png) cannot be decoded"),
        "{text}"
    );
}

fn history_config(version: &str, date: &str, previous: Option<&str>) -> String {
    let prev = previous
        .map(|p| format!("previous = {p:?}\n"))
        .unwrap_or_default();
    format!(
        "[product]\nname = \"Pump\"\nid = \"P\"\nsafety_class = \"B\"\n[release]\nversion = \"{version}\"\ndate = {date}\n{prev}[gates]\nmin_approvals = {{ A = 0, B = 0, C = 0 }}\n"
    )
}

const REQS: &str = "[[need]]\nid = \"N-1\"\ntitle = \"n\"\n\n[[requirement]]\nid = \"REQ-1\"\ntitle = \"one\"\ntext = \"x\"\nderives_from = [\"N-1\"]\n";

fn build_into(root: &std::path::Path, out: &std::path::Path) -> i32 {
    let o = relpack()
        .arg("build")
        .arg(root)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let code = o.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    code
}

#[test]
fn the_version_history_follows_each_packets_own_previous_pointer() {
    let root = assert_fs::TempDir::new().unwrap();
    let out = assert_fs::TempDir::new().unwrap();
    let prev = |v: &str| format!("{}/P-{v}/packet.json", out.path().display());
    let mut reqs = REQS.to_string();
    root.child("reqs.toml").write_str(&reqs).unwrap();
    root.child("relpack.toml")
        .write_str(&history_config("1.0.0", "2026-01-10", None))
        .unwrap();
    build_into(root.path(), out.path());

    reqs.push_str("\n[[requirement]]\nid = \"REQ-2\"\ntitle = \"two\"\ntext = \"y\"\nderives_from = [\"N-1\"]\n");
    root.child("reqs.toml").write_str(&reqs).unwrap();
    root.child("relpack.toml")
        .write_str(&history_config("1.1.0", "2026-02-10", Some(&prev("1.0.0"))))
        .unwrap();
    build_into(root.path(), out.path());

    reqs = reqs.replace("title = \"one\"", "title = \"one, reworded\"");
    root.child("reqs.toml").write_str(&reqs).unwrap();
    root.child("relpack.toml")
        .write_str(&history_config("1.2.0", "2026-03-10", Some(&prev("1.1.0"))))
        .unwrap();
    build_into(root.path(), out.path());

    let v11 = packet_json(&out.path().join("P-1.1.0"));
    assert_eq!(v11["history"]["previous"], "../P-1.0.0/packet.json");
    let v = packet_json(&out.path().join("P-1.2.0"));
    assert_eq!(v["history"]["previous"], "../P-1.1.0/packet.json");
    let releases = v["history"]["releases"].as_array().unwrap();
    let versions: Vec<&str> = releases
        .iter()
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.1.0", "1.0.0"], "{releases:#?}");
    assert_eq!(releases[0]["found"], "previous");
    assert_eq!(
        releases[1]["found"], "previous",
        "1.0.0 through 1.1.0's own pointer"
    );
    assert_eq!(releases[0]["digest"], v11["release"]["digest"]);
    assert_eq!(releases[0]["status"], v11["status"]);
    assert_eq!(releases[0]["status_label"], v11["release"]["status_label"]);
    assert_eq!(releases[0]["changes"]["added"], 1);
    assert_eq!(releases[0]["changes"]["modified"], 0);
    assert_eq!(releases[0]["changes"]["previous_version"], "1.0.0");
    assert!(
        releases[1]["changes"].is_null(),
        "1.0.0 names no previous release"
    );
    assert_eq!(
        v["changes"]["since_previous"]["modified"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let site = std::fs::read_to_string(out.path().join("P-1.2.0/changes.html")).unwrap();
    let history = &site[site
        .find("Software version history")
        .expect("history section")..];
    for needle in [
        "1.2.0",
        "1.1.0",
        "1.0.0",
        "2026-02-10",
        v11["release"]["digest"].as_str().unwrap(),
    ] {
        assert!(history.contains(needle), "{needle} not in {history}");
    }
    let text = pdf_text(&out.path().join("P-1.2.0/packet.pdf"));
    let at = text
        .find("Software version history")
        .expect("a history subsection");
    assert!(
        text[..at].contains("4.3"),
        "a subsection of Changes (section 4)"
    );
    let pdf_history = text[at..].replace('\u{200B}', "");
    for needle in ["1.1.0", "1.0.0", "2026-01-10", "first release"] {
        assert!(
            pdf_history.contains(needle),
            "{needle} not in {pdf_history}"
        );
    }
    // The numbering of the sections after Changes is unchanged.
    assert!(text.contains("5 Requirements"), "{text}");

    // A cycle of pointers or a missing packet ends the chain with a warning.
    let mut cyclic = packet_json(&out.path().join("P-1.0.0"));
    cyclic["history"]["previous"] = "../P-1.1.0/packet.json".into();
    std::fs::write(
        out.path().join("P-1.0.0/packet.json"),
        serde_json::to_vec(&cyclic).unwrap(),
    )
    .unwrap();
    let o = relpack().arg("check").arg(root.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("form a cycle"), "{stderr}");
    std::fs::remove_file(out.path().join("P-1.0.0/packet.json")).unwrap();
    let o = relpack().arg("check").arg(root.path()).output().unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("software version history"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn packets_in_out_are_listed_and_measures_charted() {
    let root = assert_fs::TempDir::new().unwrap();
    let out = assert_fs::TempDir::new().unwrap();
    let tests = "[[test]]\nid = \"T-1\"\ntitle = \"t\"\nmethod = \"inspection\"\nverifies = [\"REQ-1\"]\n\n[[result]]\nid = \"RES-1\"\ntest = \"T-1\"\noutcome = \"pass\"\nexecuted_by = \"Ann\"\nexecuted_at = 2026-01-05T10:00:00Z\n";
    let anomaly = "[[anomaly]]\nid = \"ANOM-1\"\ntitle = \"a\"\nseverity = \"minor\"\nstatus = \"open\"\nrationale = \"harmless\"\n";
    root.child("reqs.toml").write_str(REQS).unwrap();
    root.child("tests.toml").write_str(tests).unwrap();
    root.child("relpack.toml")
        .write_str(&history_config("1.0.0", "2026-01-10", None))
        .unwrap();
    build_into(root.path(), out.path());
    root.child("anomalies.toml").write_str(anomaly).unwrap();
    root.child("relpack.toml")
        .write_str(&history_config("1.1.0", "2026-02-10", None))
        .unwrap();
    build_into(root.path(), out.path());

    let v = packet_json(&out.path().join("P-1.1.0"));
    // Found in OUT, without any `previous`.
    assert_eq!(v["history"]["releases"][0]["version"], "1.0.0");
    assert_eq!(v["history"]["releases"][0]["found"], "out");
    let m = &v["measures"];
    assert_eq!(m["requirements"], 1);
    assert_eq!(m["requirements_traced"], 1, "{m}");
    assert_eq!(m["traced_percent"], 100.0);
    assert_eq!(m["deviations_in_force"], 0);
    assert_eq!(m["open_anomalies"]["minor"], 1);
    assert_eq!(m["open_anomalies"]["critical"], 0);
    assert_eq!(m["tests_by_outcome"]["pass"], 1);
    assert!(
        m["days_first_approval_to_release"].is_null(),
        "no approvals"
    );

    let index = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(index.contains("Measures over releases: Pump"), "{index}");
    assert_eq!(index.matches("<svg class=\"chart\"").count(), 5, "{index}");
    assert!(
        index.contains("<title>1.0.0: 0 critical, 0 major, 0 minor, 0 cosmetic</title>"),
        "{index}"
    );
    assert!(
        index.contains("<title>1.1.0: 0 critical, 0 major, 1 minor, 0 cosmetic</title>"),
        "{index}"
    );
    assert!(index.contains("100% (1 of 1)"), "{index}");
    assert!(
        index.contains("0 critical, 0 major, 1 minor, 0 cosmetic"),
        "{index}"
    );
    // Still nothing loaded, nothing run: the charts are inline SVG.
    assert!(index.contains("content=\"default-src 'none';"), "{index}");
    assert!(
        !index.contains("<script") && !index.contains("<img"),
        "{index}"
    );
}

/// An SVG figure whose `<image>` links a sibling file, a URL or a local
/// path is refused by `check` at the figure (exit 2), as the PDF can draw
/// only the packet's own files: before, `check` passed it and `build`
/// failed in typst (exit 3). One that embeds its image as a `data:` URI
/// builds, site and PDF.
#[test]
fn an_svg_figure_linking_another_file_is_refused_and_an_embedded_one_builds() {
    use base64ct::Encoding;
    let svg = |href: &str| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"100\" height=\"100\"><image xlink:href=\"{href}\" width=\"50\" height=\"50\"/></svg>"
        )
    };
    let doc = |file: &str| {
        format!("+++\nkind = \"document\"\nid = \"DOC-1\"\ntitle = \"d\"\nattachments = [\"{file}\", \"photo.png\"]\n+++\n\n![Architecture]({file})\n")
    };
    for href in [
        "photo.png",
        "https://example.com/p.png",
        "file:///etc/passwd",
    ] {
        let t = tree(&[
            ("relpack.toml", CONFIG),
            ("doc.md", &doc("fig.svg")),
            ("fig.svg", &svg(href)),
        ]);
        t.child("photo.png").write_binary(PNG).unwrap();
        let (code, v) = check_json(t.path());
        assert_eq!(code, 2, "{href}: {v:#}");
        let e = &v["errors"][0];
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("links another file or URL"),
            "{v:#}"
        );
        assert_eq!(
            (e["file"].as_str(), e["line"].as_u64()),
            (Some("doc.md"), Some(8)),
            "{v:#}"
        );
    }
    let embedded = svg(&format!(
        "data:image/png;base64,{}",
        base64ct::Base64::encode_string(PNG)
    ));
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("doc.md", &doc("fig.svg")),
        ("fig.svg", &embedded),
    ]);
    t.child("photo.png").write_binary(PNG).unwrap();
    let (_out, folder, code, stderr) = build_packet(t.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(folder.join("packet.pdf").is_file(), "{stderr}");
}
