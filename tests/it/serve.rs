//! `relpack serve`: the site over HTTP, rebuilt on every edit, with the
//! diagnostics over the pages while the evidence is invalid.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::{relpack_process, tree, CONFIG};

/// The server, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &std::path::Path) -> Server {
    let mut child = relpack_process()
        .args(["serve", "--port", "0"])
        .arg(root)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start relpack serve");
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    Server { child, addr }
}

/// A raw GET (the path is sent exactly as given): status and body.
fn get(s: &Server, path: &str) -> (u16, String) {
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut text = String::new();
    c.read_to_string(&mut text).unwrap();
    let code = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_string();
    (code, body)
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "waited 30 s for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

const ITEMS: &str = "[[need]]\nid = \"N-1\"\ntitle = \"Dose safely\"\n\n[[requirement]]\nid = \"REQ-1\"\ntitle = \"Limit the bolus\"\ntext = \"t\"\nderives_from = [\"N-1\"]\n";

#[test]
fn serve_shows_edits_and_invalid_evidence_and_nothing_outside_the_site() {
    let t = tree(&[("relpack.toml", CONFIG), ("e.toml", ITEMS)]);
    let s = start(t.path());

    let (code, index) = get(&s, "/");
    assert_eq!(code, 200);
    assert!(index.contains("Test Pump"), "{index}");
    assert!(index.contains("/__relpack/live.js"));
    assert!(
        index.contains("connect-src 'self'"),
        "the CSP lets the page hear reloads"
    );
    let (code, page) = get(&s, "/items/REQ-1.html");
    assert_eq!(code, 200);
    assert!(page.contains("Limit the bolus"));

    // An edit appears (editors that save by rename: write beside, rename over).
    std::fs::write(
        t.path().join(".e.toml.swp"),
        ITEMS.replace("Limit the bolus", "Cap the bolus"),
    )
    .unwrap();
    std::fs::rename(t.path().join(".e.toml.swp"), t.path().join("e.toml")).unwrap();
    wait_for("the edit", || {
        get(&s, "/items/REQ-1.html").1.contains("Cap the bolus")
    });

    // Invalid evidence: the last good page, with the diagnostics over it.
    std::fs::write(
        t.path().join("e.toml"),
        format!("{ITEMS}\n[[test]]\nid = 5\n"),
    )
    .unwrap();
    wait_for("the overlay", || {
        get(&s, "/items/REQ-1.html").1.contains("relpack-overlay")
    });
    let (code, page) = get(&s, "/items/REQ-1.html");
    assert_eq!(code, 200);
    assert!(page.contains("Cap the bolus"));
    assert!(
        page.contains("e.toml:12"),
        "the overlay names file and line: {page}"
    );
    let (_, status) = get(&s, "/__relpack/status");
    assert!(status.contains("\"valid\":false"), "{status}");
    assert_eq!(get(&s, "/packet.pdf").0, 503);

    // Fixed: the overlay goes.
    std::fs::write(t.path().join("e.toml"), ITEMS).unwrap();
    wait_for("the fix", || !get(&s, "/").1.contains("relpack-overlay"));

    // Only the packet's files: no evidence, no listing, no way out.
    for path in [
        "/relpack.toml",
        "/e.toml",
        "/../relpack.toml",
        "/%2e%2e/relpack.toml",
        "/items/../../e.toml",
        "/items/",
        "/nope.html",
    ] {
        assert_eq!(get(&s, path).0, 404, "{path}");
    }
    let (code, pdf) = {
        let mut c = TcpStream::connect(&s.addr).unwrap();
        write!(c, "GET /packet.pdf HTTP/1.0\r\n\r\n").unwrap();
        let mut b = Vec::new();
        c.read_to_end(&mut b).unwrap();
        (String::from_utf8_lossy(&b[9..12]).to_string(), b)
    };
    assert_eq!(code, "200");
    assert!(
        pdf.windows(5).any(|w| w == b"%PDF-"),
        "the PDF is rendered on request"
    );
}

/// A page rendered before a rebuild reloads even when its event stream
/// opens after the rebuild: the stream starts from the page's generation.
#[test]
fn a_rebuild_before_the_page_listens_still_reloads_it() {
    let t = tree(&[("relpack.toml", CONFIG), ("e.toml", ITEMS)]);
    let s = start(t.path());
    let (_, page) = get(&s, "/items/REQ-1.html");
    let generation: u64 = page
        .split("data-generation=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .and_then(|g| g.parse().ok())
        .unwrap_or_else(|| panic!("no generation in the page: {page}"));
    std::fs::write(
        t.path().join("e.toml"),
        ITEMS.replace("Limit the bolus", "Cap the bolus"),
    )
    .unwrap();
    wait_for("the rebuild", || {
        get(&s, "/items/REQ-1.html").1.contains("Cap the bolus")
    });
    // Only now does the old page's script connect.
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        c,
        "GET /__relpack/events?since={generation} HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    .unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 512];
    while !seen.contains("data: reload") {
        match c.read(&mut buf) {
            Ok(n) if n > 0 => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            _ => panic!("no reload for a page of generation {generation}: {seen:?}"),
        }
    }
}

#[test]
fn the_reload_script_never_reaches_a_built_packet() {
    let t = tree(&[("relpack.toml", CONFIG), ("e.toml", ITEMS)]);
    let (_out, folder, _, _) = super::build_packet(t.path(), &["--no-pdf"]);
    for (path, bytes) in super::files_of(&folder) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("__relpack"),
            "{path} carries the serve script"
        );
        assert!(!text.contains("connect-src"), "{path} allows connections");
    }
}

#[test]
fn an_open_page_reloads_itself_in_chromium() {
    use super::{repo_path, require_tool};
    require_tool("chromium");
    require_tool("node");
    let browser_dir = repo_path("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir(),
        "tests/browser/node_modules is missing: run the tests with `bash scripts/test.sh`, which installs it"
    );
    let t = tree(&[("relpack.toml", CONFIG), ("e.toml", ITEMS)]);
    let s = start(t.path());
    let o = std::process::Command::new("node")
        .arg(browser_dir.join("serve.mjs"))
        .arg(format!("http://{}/", s.addr))
        .arg("REQ-1")
        .arg(t.path().join("e.toml"))
        .arg("Limit the bolus")
        .arg("Cap the bolus")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "browser run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["error"], serde_json::Value::Null, "{r:#}");
    assert!(
        r["first"].as_str().unwrap().contains("Limit the bolus"),
        "{r:#}"
    );
    assert_eq!(r["reloadedWithEdit"], true, "{r:#}");
    assert!(
        r["overlay"].as_str().unwrap().contains("e.toml:12"),
        "the overlay names file and line: {r:#}"
    );
    assert_eq!(r["consoleErrors"], serde_json::json!([]), "{r:#}");
}
