//! Valid evidence never breaks the packet or makes it contradict itself:
//! the shapes that once did, each through the real binary.

use assert_fs::TempDir;

use super::{build_packet, check_json, gate, git, packet_json, pdf_text, relpack, tree, CONFIG};

/// A fresh `relpack init` tree, in a git repository whose last commit has a
/// `Refs:` trailer, builds whole: site and PDF. (The init tree's change
/// record has no `text`, which once crashed the PDF, and the traced commit's
/// hash was cut inside a break character.)
#[test]
fn an_init_tree_in_a_git_repository_with_trailers_builds_site_and_pdf() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("ev");
    relpack().arg("init").arg(&root).assert().success();
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-qm", "Start"]);
    git(
        &root,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "Tighten it\n\nRefs: REQ-1",
        ],
    );
    let (_out, folder, _, stderr) = build_packet(&root, &[]);
    assert!(folder.join("packet.pdf").is_file(), "{stderr}");
    assert!(folder.join("index.html").is_file());
    let packet = packet_json(&folder);
    let commit = packet["release"]["source"]["commit"]
        .as_str()
        .unwrap()
        .to_string();
    let text = pdf_text(&folder.join("packet.pdf"));
    // The commit and its short form, exactly as git wrote them.
    assert!(text.contains(&commit), "the PDF lacks the commit {commit}");
    assert!(text.contains(&commit[..12]));
    assert!(text.contains("Tighten it"));
}

/// A risk control with one passing and one failing test is not verified:
/// the gate, packet.json, the site and the PDF all say so.
#[test]
fn a_control_with_a_passing_and_a_failing_test_is_not_verified_anywhere() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "e.toml",
            r#"
[[need]]
id = "N-1"
title = "n"

[[requirement]]
id = "REQ-1"
title = "Limit the bolus"
text = "t"
derives_from = ["N-1"]

[[hazard]]
id = "HAZ-1"
title = "Overdose"
harm = "hypoglycaemia"
severity = 2
probability = 2
controls = ["REQ-1"]

[[test]]
id = "TC-1"
title = "passes"
method = "manual"
verifies = ["REQ-1"]

[[test]]
id = "TC-2"
title = "fails"
method = "manual"
verifies = ["REQ-1"]

[[result]]
id = "RES-1"
test = "TC-1"
outcome = "pass"
executed_by = "T"
executed_at = 2026-11-19T10:00:00+01:00
version = "1.0.0"

[[result]]
id = "RES-2"
test = "TC-2"
outcome = "blocked"
executed_by = "T"
executed_at = 2026-11-19T11:00:00+01:00
version = "1.0.0"
"#,
        ),
    ]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1);
    let hazard = gate(&v, "hazard-controlled");
    assert_eq!(hazard["status"], "failed", "{hazard}");
    assert!(hazard["findings"]
        .to_string()
        .contains("control REQ-1 is not a verified requirement"));

    let (_out, folder, _, _) = build_packet(t.path(), &[]);
    let packet = packet_json(&folder);
    assert_eq!(packet["requirements"][0]["verified"], false);
    assert_eq!(packet["hazards"][0]["controls"][0]["verified"], false);
    assert_eq!(packet["hazards"][0]["controlled"], false);
    let page = std::fs::read_to_string(folder.join("items/HAZ-1.html")).unwrap();
    assert!(page.contains("control\">not verified<"), "{page}");
    assert!(page.contains("verdict\">not controlled<"));
    let page = std::fs::read_to_string(folder.join("items/REQ-1.html")).unwrap();
    assert!(page.contains("verdict\">not verified<"));
    let text = pdf_text(&folder.join("packet.pdf"));
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // The requirement's badge and the control's.
    assert_eq!(flat.matches("NOT VERIFIED").count(), 2, "{flat}");
    assert_eq!(flat.matches("NOT CONTROLLED").count(), 1);
}

/// A blank benefit-risk text justifies nothing, on the site as in the gate.
#[test]
fn a_blank_benefit_risk_does_not_justify_a_residual_risk() {
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "e.toml",
            "[[hazard]]\nid = \"HAZ-1\"\ntitle = \"h\"\nharm = \"x\"\nseverity = 5\nprobability = 5\nbenefit_risk = \"   \"\n",
        ),
    ]);
    let (_out, folder, code, _) = build_packet(t.path(), &[]);
    assert_eq!(code, 1);
    let packet = packet_json(&folder);
    assert_eq!(packet["hazards"][0]["justified"], false);
    let page = std::fs::read_to_string(folder.join("items/HAZ-1.html")).unwrap();
    assert!(page.contains("not acceptable"), "{page}");
    assert!(!page.contains("benefit outweighs risk"));
}

/// Digests, ids and URLs copied from the PDF are the evidence's, character
/// for character: relpack's break opportunities put nothing in the text.
#[test]
fn the_pdf_text_carries_digests_and_long_ids_exactly() {
    let long_id = format!("REQ-{}", "LONG".repeat(20));
    let t = tree(&[
        ("relpack.toml", CONFIG),
        (
            "e.toml",
            &format!(
                "[[need]]\nid = \"N-1\"\ntitle = \"n\"\n\n[[requirement]]\nid = \"{long_id}\"\ntitle = \"see https://example.com/{}\"\ntext = \"t\"\nderives_from = [\"N-1\"]\n",
                "path".repeat(20)
            ),
        ),
    ]);
    let (_out, folder, _, _) = build_packet(t.path(), &[]);
    let packet = packet_json(&folder);
    let text = pdf_text(&folder.join("packet.pdf"));
    assert!(!text.contains('\u{200B}'), "U+200B in the PDF text");
    let digest = packet["release"]["digest"].as_str().unwrap();
    // The cover has the whole release digest on one line.
    assert!(
        text.lines().any(|l| l.trim() == digest),
        "no line is the digest"
    );
    let squeezed: String = text.split_whitespace().collect();
    assert!(squeezed.contains(&long_id));
    // The evidence index's SHA-256s, wrapped in their cells, but whole.
    for file in packet["evidence"].as_array().unwrap() {
        assert!(
            squeezed.contains(file["sha256"].as_str().unwrap()),
            "{}",
            file["path"]
        );
    }
}

/// Found by the generated-evidence property test: a Markdown requirement
/// with an empty body is a requirement with an empty text (it was a schema
/// error), and ids that break at a hyphen in a narrow column read back from
/// the PDF whole (pdftotext drops a hyphen that ends a line, so relpack
/// breaks before hyphens only, before the first of a run).
#[test]
fn empty_bodies_and_hyphenated_ids_found_by_generated_trees() {
    let names = [
        "mjf0-0mn3-9",
        "wyln2n6vb--g",
        "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p",
    ];
    let mut soup = String::new();
    for n in names {
        soup += &format!(
            "[[soup]]\nid = \"SOUP-{n}@7.7\"\nname = \"{n}\"\nversion = \"7.7\"\nsupplier = \"s\"\nrequirements = [\"REQ-1\"]\n\n"
        );
    }
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("soup.toml", &soup),
        (
            "REQ-1.md",
            "+++\nkind = \"requirement\"\nid = \"REQ-1\"\ntitle = \"t\"\n+++\n",
        ),
    ]);
    let (_out, folder, _, _) = build_packet(t.path(), &[]);
    let packet = packet_json(&folder);
    assert_eq!(packet["items"][0]["fields"]["text"], "");
    let text = pdf_text(&folder.join("packet.pdf"));
    let squeezed: String = text.split_whitespace().collect();
    for n in names {
        assert!(
            squeezed.contains(&format!("SOUP-{n}@7.7")),
            "SOUP-{n}@7.7 in {text}"
        );
    }
}
