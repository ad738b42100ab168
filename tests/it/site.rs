//! The audit site in a real headless Chromium, opened from file://.

use std::process::Command as Std;

use assert_fs::TempDir;

use super::*;

#[test]
fn site_works_from_file_in_chromium_and_passes_axe() {
    require_tool("chromium");
    require_tool("node");
    let browser_dir = repo_path("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir(),
        "tests/browser/node_modules is missing: run the tests with `bash scripts/test.sh`, which installs it"
    );
    let out = TempDir::new().unwrap();
    relpack()
        .arg("build")
        .arg(repo_path("sample-evidence"))
        .arg("--out")
        .arg(out.path())
        .arg("--no-pdf")
        .assert()
        .success();
    let folder = out.path().join("BC-2.4.0");
    let o = Std::new("node")
        .arg(browser_dir.join("site.mjs"))
        .arg(&folder)
        .arg("REQ-MAX-1")
        .arg("clinician")
        .env("FIGURE_PAGE", "items/DOC-ARCHITECTURE.html")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "browser run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let by_id = r["searchById"].to_string();
    assert!(by_id.contains("REQ-MAX-1"), "search by id: {r:#}");
    let by_word = r["searchByWord"].as_array().unwrap();
    assert!(
        !by_word.is_empty(),
        "search by a word of the text found nothing: {r:#}"
    );
    assert!(
        r["traceLinkTarget"]["url"]
            .as_str()
            .unwrap()
            .ends_with("items/REQ-MAX-1.html"),
        "{r:#}"
    );
    assert!(
        r["traceLinkTarget"]["h1"]
            .as_str()
            .unwrap()
            .starts_with("REQ-MAX-1"),
        "{r:#}"
    );
    // The sample's architecture chart (an SVG attachment) loaded as an image.
    let figures = r["figures"].as_array().unwrap();
    assert_eq!(figures.len(), 1, "{r:#}");
    assert!(
        figures[0]["src"]
            .as_str()
            .unwrap()
            .starts_with("../attachments/"),
        "{r:#}"
    );
    assert_eq!(figures[0]["complete"], true, "{r:#}");
    assert!(figures[0]["naturalWidth"].as_f64().unwrap() > 0.0, "{r:#}");
    assert!(figures[0]["shownWidth"].as_f64().unwrap() > 0.0, "{r:#}");
    assert_eq!(r["consoleErrors"], serde_json::json!([]), "{r:#}");
    assert_eq!(
        r["requests"],
        serde_json::json!([]),
        "the site asked the network: {r:#}"
    );
    for (page, violations) in r["axe"].as_object().unwrap() {
        let bad: Vec<&serde_json::Value> = violations
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["impact"] == "serious" || v["impact"] == "critical")
            .collect();
        assert!(bad.is_empty(), "{page}: {bad:#?}");
    }
}

#[test]
fn xss_payloads_stay_inert_in_the_browser() {
    require_tool("chromium");
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("x.toml", "[[requirement]]\nid = \"REQ-X\"\ntitle = \"<img src=x onerror=alert(1)>\"\ntext = \"<script>alert(2)</script><img src=y onerror=alert(3)> [a](javascript:alert(4))\"\n"),
    ]);
    let out = TempDir::new().unwrap();
    relpack()
        .arg("build")
        .arg(t.path())
        .arg("--out")
        .arg(out.path())
        .arg("--no-pdf")
        .assert()
        .code(1);
    let folder = out.path().join("TP-1.0.0");
    let o = Std::new("node")
        .arg(repo_path("tests/browser/site.mjs"))
        .arg(&folder)
        .arg("REQ-X")
        .arg("alert")
        .env(
            "VISIT_ALL",
            "items/REQ-X.html,requirements.html,trace-matrix.html",
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(r["xssDialogs"], 0, "a payload ran: {r:#}");
}
