//! Properties over generated evidence: random *valid* trees of every kind,
//! every optional field present or absent, text of every Markdown construct
//! and several scripts, JUnit files with reruns, a git repository with
//! trailers, a previous release or none. Each tree is checked and built
//! (site and PDF) by the real binary, and the packet must agree with itself:
//! the exit code with the status and the gates, packet.json with its schema,
//! and each requirement's and hazard control's verification across the gate
//! findings, packet.json, the site and the PDF text.
//!
//! CI runs `RELPACK_GENERATED_CASES` cases (default 24); proptest shrinks a
//! failure to a minimal tree and stores its seed in
//! tests/it/generated.proptest-regressions, which every later run replays.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError};
use serde_json::Value;

use super::{relpack, repo_path, require_tool};

const VERSION: &str = "3.1.0";
/// 2026-11-20 12:00 UTC: the release date of every generated tree.
const EPOCH: &str = "1795176000";

// ---------------------------------------------------------------- the spec

#[derive(Debug, Clone)]
struct Spec {
    product: Product,
    needs: Vec<Need>,
    reqs: Vec<Req>,
    hazards: Vec<Hazard>,
    tests: Vec<Test>,
    results: Vec<ResultRec>,
    anomalies: Vec<Anomaly>,
    deviations: Vec<Deviation>,
    changes: Vec<Change>,
    documents: Vec<Doc>,
    soups: Vec<Soup>,
    approvals: Vec<Approval>,
    junit: Vec<Junit>,
    git: Option<Vec<Vec<usize>>>,
    previous: bool,
    /// Which items are written as Markdown files (by position).
    markdown: Vec<bool>,
}

#[derive(Debug, Clone)]
struct Product {
    name: String,
    id: Option<String>,
    manufacturer: Option<String>,
    class: &'static str,
    level: Option<&'static str>,
    acceptable: i64,
    max_open: Option<&'static str>,
    roles: bool,
    paper: &'static str,
}

#[derive(Debug, Clone)]
struct Need {
    title: String,
    text: Option<String>,
}

#[derive(Debug, Clone)]
struct Req {
    long_id: usize,
    title: String,
    text: String,
    status: Option<&'static str>,
    class: Option<&'static str>,
    /// Indexes into needs (`n`) and earlier requirements (`r`).
    needs: Vec<usize>,
    parents: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Hazard {
    title: String,
    harm: String,
    situation: Option<String>,
    severity: i64,
    probability: i64,
    residual: (Option<i64>, Option<i64>),
    benefit_risk: Option<String>,
    controls: Vec<usize>,
    text: Option<String>,
}

#[derive(Debug, Clone)]
struct Test {
    title: String,
    method: Option<&'static str>,
    verifies: Vec<usize>,
    /// JUnit patterns: (file, case) or a `*` pattern over a file's cases.
    junit: Vec<(usize, Option<usize>)>,
    text: Option<String>,
}

#[derive(Debug, Clone)]
struct ResultRec {
    test: usize,
    outcome: &'static str,
    day: u32,
    other_version: bool,
    notes: Option<String>,
}

#[derive(Debug, Clone)]
struct Anomaly {
    title: String,
    severity: &'static str,
    status: &'static str,
    rationale: Option<String>,
    affects: Vec<usize>,
    text: Option<String>,
}

#[derive(Debug, Clone)]
struct Deviation {
    waives: &'static str,
    items: Vec<usize>,
    expired: bool,
    reason: String,
}

#[derive(Debug, Clone)]
struct Change {
    title: String,
    reason: String,
    risk_impact: Option<String>,
    affects: Vec<usize>,
    text: Option<String>,
}

#[derive(Debug, Clone)]
struct Doc {
    title: String,
    text: String,
    order: Option<i64>,
}

#[derive(Debug, Clone)]
struct Soup {
    name: String,
    version: Option<String>,
    supplier: Option<String>,
    purpose: Option<String>,
    licenses: Vec<String>,
    requirements: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Approval {
    role: &'static str,
    meaning: &'static str,
    /// The release's current digest, or a stale one.
    current: bool,
    signer: String,
}

#[derive(Debug, Clone)]
struct Junit {
    /// Each case: outcome, reruns before it, the requirements it verifies
    /// by property.
    cases: Vec<(&'static str, u8, Vec<usize>)>,
}

// ---------------------------------------------------------- strategies

/// Text people write: empty, plain, long unbroken, several scripts, and
/// every construct pulldown-cmark knows (GFM tables, footnotes, task lists,
/// strikethrough, HTML, links, images, code).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 ,.]{1,60}",
        "[a-z]{60,200}",
        Just("Dosis-Überwachung · Ελληνικά κείμενα · 日本語のテキスト · نص عربي · 🚑💉".to_string()),
        Just("# Heading\n\nPara with *em*, **strong**, ~~del~~, `code` and a [link](https://example.com/a_very_long_path/that/keeps/going/without/any/break/at/all).\n\n> quote\n> > nested\n\n- a\n  - b\n    1. c\n\n- [ ] task\n- [x] done\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n\nFootnote[^1].\n\n[^1]: The note.\n\n---\n\n<b>raw</b> <script>alert(1)</script> ![img](https://example.com/nowhere.png \"t\")\n\nHard  \nbreak, &amp; entity, autolink <https://example.org>.".to_string()),
        Just("#let x = 1 #read(\"/etc/passwd\") $x^2$ #panic(\"boom\") [link](javascript:alert(1)) <img src=x onerror=alert(1)>".to_string()),
        Just("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef and https://example.com/?q=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_string()),
        Just("   \n\t  ".to_string()),
        Just("1. one\n2. two\n\n   indented code\n\n<details><summary>s</summary>x</details>\n\n***\n\nSetext\n======\n".to_string()),
    ]
}

fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][a-z]{2,12}( [a-z]{2,10}){0,5}",
        Just(String::new()),
        Just("Überdosis — 過量投与 — جرعة زائدة".to_string()),
        "[A-Za-z]{40,90}",
    ]
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

fn picks(max: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0..16usize, 0..=max)
}

fn product() -> impl Strategy<Value = Product> {
    (
        prop_oneof![
            Just("Pump".to_string()),
            title().prop_filter("named", |t| !t.is_empty())
        ],
        opt("[A-Z]{2,5}"),
        opt(title()),
        prop_oneof![Just("A"), Just("B"), Just("C")],
        opt(prop_oneof![Just("basic"), Just("enhanced")]),
        (
            1i64..=25,
            opt(prop_oneof![
                Just("critical"),
                Just("major"),
                Just("minor"),
                Just("cosmetic")
            ]),
        ),
        any::<bool>(),
        prop_oneof![Just("a4"), Just("us-letter")],
    )
        .prop_map(
            |(name, id, manufacturer, class, level, (acceptable, max_open), roles, paper)| {
                Product {
                    name,
                    id,
                    manufacturer,
                    class,
                    level,
                    acceptable,
                    max_open,
                    roles,
                    paper,
                }
            },
        )
}

fn outcome() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just("pass"), 1 => Just("fail"), 1 => Just("blocked"), 1 => Just("skipped")]
}

prop_compose! {
    fn req()(long_id in prop_oneof![4 => Just(0usize), 1 => 20..60usize], title in title(), text in text(),
             status in opt(prop_oneof![Just("draft"), Just("approved"), Just("obsolete")]),
             class in opt(prop_oneof![Just("A"), Just("B"), Just("C")]),
             needs in picks(2), parents in picks(2)) -> Req {
        Req { long_id, title, text, status, class, needs, parents }
    }
}

prop_compose! {
    fn hazard()(title in title(), harm in text(), situation in opt(text()), severity in 1i64..=5, probability in 1i64..=5,
                residual in (opt(1i64..=5), opt(1i64..=5)), benefit_risk in opt(text()), controls in picks(3), text in opt(text())) -> Hazard {
        Hazard { title, harm, situation, severity, probability, residual, benefit_risk, controls, text }
    }
}

prop_compose! {
    fn test()(title in title(), method in opt(prop_oneof![Just("automated"), Just("manual"), Just("inspection"), Just("analysis")]),
              verifies in picks(3), junit in proptest::collection::vec((0..4usize, opt(0..6usize)), 0..=2), text in opt(text())) -> Test {
        Test { title, method, verifies, junit, text }
    }
}

prop_compose! {
    fn result()(test in 0..16usize, outcome in outcome(), day in 1u32..=19, other_version in proptest::bool::weighted(0.15), notes in opt(text())) -> ResultRec {
        ResultRec { test, outcome, day, other_version, notes }
    }
}

prop_compose! {
    fn anomaly()(title in title(), severity in prop_oneof![Just("critical"), Just("major"), Just("minor"), Just("cosmetic")],
                 status in prop_oneof![Just("open"), Just("resolved"), Just("deferred")], rationale in opt(text()), affects in picks(2), text in opt(text())) -> Anomaly {
        Anomaly { title, severity, status, rationale, affects, text }
    }
}

prop_compose! {
    fn deviation()(waives in prop_oneof![Just("requirement-verified"), Just("test-passed"), Just("hazard-controlled"), Just("anomaly-open"), Just("soup")],
                   items in picks(3), expired in proptest::bool::weighted(0.3), reason in text()) -> Deviation {
        Deviation { waives, items, expired, reason }
    }
}

prop_compose! {
    fn change()(title in title(), reason in text(), risk_impact in opt(text()), affects in picks(2), text in opt(text())) -> Change {
        Change { title, reason, risk_impact, affects, text }
    }
}

prop_compose! {
    fn doc()(title in title(), text in text(), order in opt(-3i64..10)) -> Doc { Doc { title, text, order } }
}

prop_compose! {
    fn soup()(name in "[a-z][a-z0-9-]{0,12}", version in opt("[0-9]\\.[0-9]{1,2}"), supplier in opt(title()), purpose in opt(text()),
              licenses in proptest::collection::vec(prop_oneof![Just("MIT".to_string()), Just("Apache-2.0".to_string()), Just("GPL-3.0-only".to_string())], 0..=2),
              requirements in picks(2)) -> Soup {
        Soup { name, version, supplier, purpose, licenses, requirements }
    }
}

prop_compose! {
    fn approval()(role in prop_oneof![Just("engineering"), Just("quality")], meaning in prop_oneof![Just("approved"), Just("released"), Just("reviewed")],
                  current in proptest::bool::weighted(0.8), signer in title()) -> Approval {
        Approval { role, meaning, current, signer }
    }
}

prop_compose! {
    fn junit()(cases in proptest::collection::vec((outcome().prop_map(|o| if o == "blocked" { "error" } else { o }), 0u8..=2, picks(2)), 1..=6)) -> Junit {
        Junit { cases }
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    use proptest::collection::vec;
    (
        (
            product(),
            vec(
                (title(), opt(text())).prop_map(|(title, text)| Need { title, text }),
                0..=3,
            ),
            vec(req(), 1..=6),
            vec(hazard(), 0..=3),
        ),
        (
            vec(test(), 0..=6),
            vec(result(), 0..=6),
            vec(anomaly(), 0..=2),
            vec(deviation(), 0..=2),
        ),
        (
            vec(change(), 0..=2),
            vec(doc(), 0..=2),
            vec(soup(), 0..=2),
            vec(approval(), 0..=2),
        ),
        (
            vec(junit(), 0..=2),
            opt(vec(picks(2), 1..=3)),
            proptest::bool::weighted(0.3),
            vec(any::<bool>(), 40),
        ),
    )
        .prop_map(
            |(
                (product, needs, reqs, hazards),
                (tests, results, anomalies, deviations),
                (changes, documents, soups, approvals),
                (junit, git, previous, markdown),
            )| Spec {
                product,
                needs,
                reqs,
                hazards,
                tests,
                results,
                anomalies,
                deviations,
                changes,
                documents,
                soups,
                approvals,
                junit,
                git,
                previous,
                markdown,
            },
        )
}

// ------------------------------------------------------ writing the tree

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(ids: &[String]) -> String {
    format!(
        "[{}]",
        ids.iter().map(|i| q(i)).collect::<Vec<_>>().join(", ")
    )
}

/// One item: its kind, id and fields as TOML `key = value` lines, and its
/// Markdown text (written as `text` or as the body of a Markdown file).
struct Written {
    kind: &'static str,
    id: String,
    lines: Vec<String>,
    text: Option<String>,
}

impl Spec {
    fn req_id(&self, i: usize) -> String {
        let r = &self.reqs[i];
        if r.long_id > 0 {
            format!("REQ-{i}-{}", "L".repeat(r.long_id))
        } else {
            format!("REQ-{i}")
        }
    }

    fn soup_id(&self, i: usize) -> String {
        let s = &self.soups[i];
        format!("SOUP-{}@{}", s.name, s.version.as_deref().unwrap_or(""))
    }

    /// Ids of items that may be named by `affects` / deviation `items`.
    fn any_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = (0..self.reqs.len()).map(|i| self.req_id(i)).collect();
        ids.extend((0..self.tests.len()).map(|i| format!("TC-{i}")));
        ids.extend((0..self.hazards.len()).map(|i| format!("HAZ-{i}")));
        ids
    }

    fn pick<T: Clone + PartialEq>(from: &[T], picks: &[usize]) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        if from.is_empty() {
            return out;
        }
        for &p in picks {
            let x = from[p % from.len()].clone();
            if !out.contains(&x) {
                out.push(x);
            }
        }
        out
    }

    fn case_name(file: usize, case: usize) -> String {
        format!("suite{file}.Module::test_case_{case}")
    }

    fn items(&self) -> Vec<Written> {
        let mut out = Vec::new();
        let need_ids: Vec<String> = (0..self.needs.len()).map(|i| format!("N-{i}")).collect();
        for (i, n) in self.needs.iter().enumerate() {
            out.push(Written {
                kind: "need",
                id: need_ids[i].clone(),
                lines: vec![format!("title = {}", q(&n.title))],
                text: n.text.clone(),
            });
        }
        let req_ids: Vec<String> = (0..self.reqs.len()).map(|i| self.req_id(i)).collect();
        for (i, r) in self.reqs.iter().enumerate() {
            let mut lines = vec![format!("title = {}", q(&r.title))];
            if let Some(s) = r.status {
                lines.push(format!("status = {}", q(s)));
            }
            if let Some(c) = r.class {
                lines.push(format!("safety_class = {}", q(c)));
            }
            // Parents are earlier requirements only: no cycle.
            let mut from = Self::pick(&need_ids, &r.needs);
            from.extend(Self::pick(&req_ids[..i], &r.parents));
            if !from.is_empty() {
                lines.push(format!("derives_from = {}", list(&from)));
            }
            out.push(Written {
                kind: "requirement",
                id: req_ids[i].clone(),
                lines,
                text: Some(r.text.clone()),
            });
        }
        for (i, h) in self.hazards.iter().enumerate() {
            let mut lines = vec![
                format!("title = {}", q(&h.title)),
                format!("harm = {}", q(&h.harm)),
                format!("severity = {}", h.severity),
                format!("probability = {}", h.probability),
            ];
            if let Some(s) = &h.situation {
                lines.push(format!("situation = {}", q(s)));
            }
            if let Some(s) = h.residual.0 {
                lines.push(format!("residual_severity = {s}"));
            }
            if let Some(p) = h.residual.1 {
                lines.push(format!("residual_probability = {p}"));
            }
            if let Some(b) = &h.benefit_risk {
                lines.push(format!("benefit_risk = {}", q(b)));
            }
            let controls = Self::pick(&req_ids, &h.controls);
            if !controls.is_empty() {
                lines.push(format!("controls = {}", list(&controls)));
            }
            out.push(Written {
                kind: "hazard",
                id: format!("HAZ-{i}"),
                lines,
                text: h.text.clone(),
            });
        }
        for (i, t) in self.tests.iter().enumerate() {
            let mut lines = vec![format!("title = {}", q(&t.title))];
            if let Some(m) = t.method {
                lines.push(format!("method = {}", q(m)));
            }
            let verifies = Self::pick(&req_ids, &t.verifies);
            if !verifies.is_empty() {
                lines.push(format!("verifies = {}", list(&verifies)));
            }
            let patterns: Vec<String> = t
                .junit
                .iter()
                .filter(|(f, _)| *f < self.junit.len())
                .map(|&(f, c)| match c {
                    Some(c) if c < self.junit[f].cases.len() => Self::case_name(f, c),
                    _ => format!("suite{f}.Module::*"),
                })
                .collect();
            if !patterns.is_empty() {
                lines.push(format!("junit = {}", list(&patterns)));
            }
            out.push(Written {
                kind: "test",
                id: format!("TC-{i}"),
                lines,
                text: t.text.clone(),
            });
        }
        if !self.tests.is_empty() {
            for (i, r) in self.results.iter().enumerate() {
                let mut lines = vec![
                    format!("test = {}", q(&format!("TC-{}", r.test % self.tests.len()))),
                    format!("outcome = {}", q(r.outcome)),
                    "executed_by = \"Tess Tester\"".to_string(),
                    format!(
                        "executed_at = 2026-11-{:02}T10:{:02}:00+01:00",
                        r.day,
                        i % 60
                    ),
                ];
                lines.push(format!(
                    "version = {}",
                    q(if r.other_version { "0.9.0" } else { VERSION })
                ));
                if let Some(n) = &r.notes {
                    lines.push(format!("notes = {}", q(n)));
                }
                out.push(Written {
                    kind: "result",
                    id: format!("RES-{i}"),
                    lines,
                    text: None,
                });
            }
        }
        let any = self.any_ids();
        for (i, a) in self.anomalies.iter().enumerate() {
            let mut lines = vec![
                format!("title = {}", q(&a.title)),
                format!("severity = {}", q(a.severity)),
                format!("status = {}", q(a.status)),
            ];
            if let Some(r) = &a.rationale {
                lines.push(format!("rationale = {}", q(r)));
            }
            let affects = Self::pick(&any, &a.affects);
            if !affects.is_empty() {
                lines.push(format!("affects = {}", list(&affects)));
            }
            out.push(Written {
                kind: "anomaly",
                id: format!("AN-{i}"),
                lines,
                text: a.text.clone(),
            });
        }
        for (i, d) in self.deviations.iter().enumerate() {
            let mut items = Self::pick(&any, &d.items);
            items.extend((0..self.anomalies.len()).map(|a| format!("AN-{a}")).take(1));
            let lines = vec![
                format!("waives = {}", q(d.waives)),
                format!("reason = {}", q(&d.reason)),
                "owner = \"Quinn Quality\"".to_string(),
                format!(
                    "expires = {}",
                    if d.expired {
                        "2026-10-01"
                    } else {
                        "2027-06-30"
                    }
                ),
                format!("items = {}", list(&items)),
            ];
            out.push(Written {
                kind: "deviation",
                id: format!("DEV-{i}"),
                lines,
                text: None,
            });
        }
        for (i, c) in self.changes.iter().enumerate() {
            let mut lines = vec![
                format!("title = {}", q(&c.title)),
                format!("reason = {}", q(&c.reason)),
            ];
            if let Some(r) = &c.risk_impact {
                lines.push(format!("risk_impact = {}", q(r)));
            }
            let affects = Self::pick(&any, &c.affects);
            if !affects.is_empty() {
                lines.push(format!("affects = {}", list(&affects)));
            }
            out.push(Written {
                kind: "change",
                id: format!("CH-{i}"),
                lines,
                text: c.text.clone(),
            });
        }
        for (i, d) in self.documents.iter().enumerate() {
            let mut lines = vec![format!("title = {}", q(&d.title))];
            if let Some(o) = d.order {
                lines.push(format!("order = {o}"));
            }
            out.push(Written {
                kind: "document",
                id: format!("DOC-{i}"),
                lines,
                text: Some(d.text.clone()),
            });
        }
        let mut soup_seen = Vec::new();
        for (i, s) in self.soups.iter().enumerate() {
            let id = self.soup_id(i);
            if soup_seen.contains(&id) {
                continue;
            }
            soup_seen.push(id.clone());
            let mut lines = vec![format!("name = {}", q(&s.name))];
            for (k, v) in [
                ("version", &s.version),
                ("supplier", &s.supplier),
                ("purpose", &s.purpose),
            ] {
                if let Some(v) = v {
                    lines.push(format!("{k} = {}", q(v)));
                }
            }
            if !s.licenses.is_empty() {
                lines.push(format!("licenses = {}", list(&s.licenses)));
            }
            let reqs = Self::pick(&req_ids, &s.requirements);
            if !reqs.is_empty() {
                lines.push(format!("requirements = {}", list(&reqs)));
            }
            out.push(Written {
                kind: "soup",
                id,
                lines,
                text: None,
            });
        }
        out
    }

    fn relpack_toml(&self, previous: Option<&str>) -> String {
        let p = &self.product;
        let mut s = format!("[product]\nname = {}\n", q(&p.name));
        if let Some(id) = &p.id {
            s += &format!("id = {}\n", q(id));
        }
        if let Some(m) = &p.manufacturer {
            s += &format!("manufacturer = {}\n", q(m));
        }
        s += &format!("safety_class = \"{}\"\n", p.class);
        if let Some(l) = p.level {
            s += &format!("documentation_level = \"{l}\"\n");
        }
        s += &format!("\n[release]\nversion = \"{VERSION}\"\n");
        if let Some(prev) = previous {
            s += &format!("previous = {}\n", q(prev));
        }
        s += &format!("\n[packet]\npaper = \"{}\"\n", p.paper);
        s += &format!("\n[risk]\nacceptable_score = {}\n", p.acceptable);
        s += "\n[gates]\n";
        if p.roles {
            s += "approvals = [\"engineering\", \"quality\"]\nmin_approvals = { A = 1, B = 1, C = 2 }\n";
        } else {
            s += "approvals = []\nmin_approvals = { A = 0, B = 0, C = 0 }\n";
        }
        if let Some(m) = p.max_open {
            s += &format!("max_open_anomaly = \"{m}\"\n");
        }
        s
    }

    fn junit_xml(&self, f: usize, req_ids: &[String]) -> String {
        let j = &self.junit[f];
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites>\n");
        s += &format!(
            "<testsuite name=\"suite{f}\" tests=\"{}\" timestamp=\"2026-11-18T09:00:00\">\n",
            j.cases.len()
        );
        for (c, (outcome, reruns, verifies)) in j.cases.iter().enumerate() {
            let name = format!("test_case_{c}");
            s += &format!("<testcase classname=\"suite{f}.Module\" name=\"{name}\" time=\"0.01\">");
            let v = Self::pick(req_ids, verifies);
            if !v.is_empty() {
                s += &format!(
                    "<properties><property name=\"verifies\" value=\"{}\"/></properties>",
                    v.join(", ")
                );
            }
            match *outcome {
                "fail" => s += "<failure message=\"assert 1 == 2\">trace &lt;here&gt;</failure>",
                "error" => s += "<error message=\"boom\"/>",
                "skipped" => s += "<skipped/>",
                _ => {}
            }
            for _ in 0..*reruns {
                s += "<flakyFailure message=\"flaky\" type=\"AssertionError\"/>";
            }
            s += "</testcase>\n";
        }
        s += "</testsuite>\n</testsuites>\n";
        s
    }

    /// Write the tree below `root` (everything but the approvals, which
    /// need the release digest).
    fn write(&self, root: &Path, previous: Option<&str>) {
        std::fs::create_dir_all(root).unwrap();
        std::fs::write(root.join("relpack.toml"), self.relpack_toml(previous)).unwrap();
        let items = self.items();
        let mut toml_files: HashMap<&str, String> = HashMap::new();
        for (n, w) in items.iter().enumerate() {
            let as_md = w.text.is_some() && self.markdown.get(n % 40).copied().unwrap_or(false);
            if as_md {
                let mut s = format!("+++\nkind = \"{}\"\nid = {}\n", w.kind, q(&w.id));
                for l in &w.lines {
                    s += l;
                    s.push('\n');
                }
                s += "+++\n";
                s += w.text.as_deref().unwrap_or("");
                let dir = root.join("md").join(w.kind);
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(format!("{}.md", w.id)), s).unwrap();
            } else {
                let f = toml_files.entry(w.kind).or_default();
                *f += &format!("[[{}]]\nid = {}\n", w.kind, q(&w.id));
                for l in &w.lines {
                    *f += l;
                    f.push('\n');
                }
                if let Some(t) = &w.text {
                    *f += &format!("text = {}\n", q(t));
                }
                f.push('\n');
            }
        }
        for (kind, text) in toml_files {
            std::fs::write(root.join(format!("{kind}s.toml")), text).unwrap();
        }
        let req_ids: Vec<String> = (0..self.reqs.len()).map(|i| self.req_id(i)).collect();
        for f in 0..self.junit.len() {
            let dir = root.join("junit");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join(format!("suite{f}.xml")),
                self.junit_xml(f, &req_ids),
            )
            .unwrap();
        }
    }

    fn write_approvals(&self, root: &Path, digest: &str) {
        let mut s = String::new();
        for (i, a) in self.approvals.iter().enumerate() {
            let d = if a.current {
                digest.to_string()
            } else {
                format!("sha256:{}", "0".repeat(64))
            };
            s += &format!(
                "[[approval]]\nid = \"APR-{i}\"\nsigner = {}\nrole = \"{}\"\nmeaning = \"{}\"\nsigned_at = 2026-11-19T16:00:00+01:00\nscope = \"release\"\ndigest = \"{d}\"\n\n",
                q(&a.signer),
                a.role,
                a.meaning
            );
        }
        if !s.is_empty() {
            std::fs::write(root.join("approvals.toml"), s).unwrap();
        }
    }

    /// A git repository over the tree, one commit per entry of `git`, each
    /// with a `Refs:` trailer naming requirements (and one unknown id).
    fn commit(&self, root: &Path) -> Result<(), TestCaseError> {
        let Some(commits) = &self.git else {
            return Ok(());
        };
        let git = |args: &[&str]| {
            super::git(root, args);
        };
        git(&["init", "-q", "-b", "main"]);
        git(&["add", "-A"]);
        git(&["commit", "-qm", "Evidence"]);
        let req_ids: Vec<String> = (0..self.reqs.len()).map(|i| self.req_id(i)).collect();
        for (n, picks) in commits.iter().enumerate() {
            let mut refs = Self::pick(&req_ids, picks);
            if n == 0 {
                refs.push("REQ-UNKNOWN".into());
            }
            let msg = format!(
                "Change {n} — ünïcödé\n\nBody text.\n\nRefs: {}",
                refs.join(", ")
            );
            git(&["commit", "-q", "--allow-empty", "-m", &msg]);
        }
        Ok(())
    }
}

// ---------------------------------------------------------- the property

fn run(args: &[&str], root: &Path) -> std::process::Output {
    relpack()
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .current_dir(root)
        .output()
        .expect("relpack runs")
}

fn text_of(o: &std::process::Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn packet_schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("schemas/packet.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("packet schema compiles")
}

/// Build `spec` and check that everything the packet says agrees.
fn holds(spec: &Spec, schema: &jsonschema::Validator) -> Result<(), TestCaseError> {
    let tmp = tempfile_dir();
    // A failing case's tree stays on disk for a look; its path is in the message.
    holds_in(spec, schema, &tmp).map_err(|e| match e {
        TestCaseError::Fail(why) => {
            TestCaseError::fail(format!("{why} (tree in {})", tmp.display()))
        }
        other => other,
    })?;
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

fn holds_in(spec: &Spec, schema: &jsonschema::Validator, tmp: &Path) -> Result<(), TestCaseError> {
    let root = tmp.join("ev");
    let mut previous = None;
    if spec.previous {
        // An earlier release: the same tree with one requirement's text
        // different, built without the PDF; its packet.json is `previous`.
        let mut earlier = spec.clone();
        earlier.reqs[0].text.push_str(" (earlier wording)");
        let old_root = tmp.join("old");
        earlier.write(&old_root, None);
        let o = run(
            &[
                "build",
                ".",
                "--out",
                "../old-out",
                "--no-pdf",
                "-q",
                "--version",
                "3.0.0",
            ],
            &old_root,
        );
        prop_assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "earlier build: {}",
            text_of(&o)
        );
        let packet = std::fs::read_dir(tmp.join("old-out"))
            .unwrap()
            .flatten()
            .map(|e| e.path().join("packet.json"))
            .find(|p| p.exists())
            .expect("earlier packet.json");
        std::fs::copy(packet, tmp.join("previous.json")).unwrap();
        previous = Some("../previous.json");
    }
    spec.write(&root, previous);
    let o = run(&["digest", "--root", ".", "--release"], &root);
    prop_assert!(o.status.success(), "digest: {}", text_of(&o));
    let digest = String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .find(|w| w.starts_with("sha256:"))
        .expect("a digest")
        .to_string();
    spec.write_approvals(&root, &digest);
    spec.commit(&root)?;

    // check, then build: valid evidence is exit 0 or 1, never 2 or 3 and
    // never a panic; both agree.
    let check = run(&["check", ".", "--format", "json"], &root);
    let code = check.status.code();
    prop_assert!(
        matches!(code, Some(0 | 1)),
        "check exit {code:?}: {}",
        text_of(&check)
    );
    let checked: Value = serde_json::from_slice(&check.stdout).expect("check JSON");
    let out = tmp.join("out");
    let build = run(&["build", ".", "--out", out.to_str().unwrap(), "-q"], &root);
    prop_assert_eq!(build.status.code(), code, "build: {}", text_of(&build));
    let folder = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| super::is_release_folder(p))
        .expect("a release folder");
    let packet: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("packet.json")).unwrap())
            .unwrap();

    // packet.json is valid; status agrees with exit code, gates and check.
    if let Err(e) = schema.validate(&packet) {
        return Err(TestCaseError::fail(format!(
            "packet.json against its schema: {e}"
        )));
    }
    let failed = packet["gates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["status"] == "failed");
    let releasable = packet["status"] == "releasable";
    prop_assert_eq!(releasable, code == Some(0));
    prop_assert_eq!(releasable, !failed);
    prop_assert_eq!(&checked["status"], &packet["status"]);
    for (a, b) in checked["gates"]
        .as_array()
        .unwrap()
        .iter()
        .zip(packet["gates"].as_array().unwrap())
    {
        prop_assert_eq!(&a["status"], &b["status"], "gate {}", a["id"]);
    }

    // Each requirement's verification, by the rule, in packet.json.
    let reqs: HashMap<&str, &Value> = packet["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();
    for r in reqs.values() {
        let tests = r["tests"].as_array().unwrap();
        let cases = r["cases"].as_array().unwrap();
        let rule = r["status"] != "obsolete"
            && (!tests.is_empty() || !cases.is_empty())
            && tests
                .iter()
                .all(|t| t["outcome"] == "pass" && t["suspect"] == false)
            && cases.iter().all(|c| c["outcome"] == "pass");
        prop_assert_eq!(
            r["verified"].as_bool(),
            Some(rule),
            "requirement {}",
            r["id"]
        );
    }
    // Each hazard's controls agree with their requirements, and the gate
    // has a finding about the hazard exactly when it is not controlled.
    let gate_findings = |gate: &str| -> Vec<&Value> {
        packet["gates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["id"] == gate)
            .flat_map(|g| g["findings"].as_array().unwrap())
            .collect()
    };
    let hazard_findings = gate_findings("hazard-controlled");
    let mut not_verified = reqs
        .values()
        .filter(|r| r["verified"] == false && r["status"] != "obsolete")
        .count();
    let mut not_controlled = 0;
    for h in packet["hazards"].as_array().unwrap() {
        let id = h["id"].as_str().unwrap();
        for c in h["controls"].as_array().unwrap() {
            let req = reqs
                .get(c["id"].as_str().unwrap())
                .expect("control is a requirement");
            prop_assert_eq!(
                &c["verified"],
                &req["verified"],
                "control {} of {}",
                c["id"],
                id
            );
            if c["verified"] == false {
                not_verified += 1;
            }
        }
        let found = hazard_findings
            .iter()
            .any(|f| f["items"].as_array().unwrap().iter().any(|i| i == id));
        prop_assert_eq!(
            found,
            h["controlled"] == false,
            "hazard {} finding vs controlled",
            id
        );
        if h["controlled"] == false {
            not_controlled += 1;
        }
        // The site says the same.
        let page =
            std::fs::read_to_string(folder.join("items").join(format!("{id}.html"))).unwrap();
        let says_controlled = page.contains("verdict\">controlled<");
        prop_assert_eq!(
            says_controlled,
            h["controlled"] == true,
            "site page of {}",
            id
        );
        let verified_controls = page.matches("control\">verified<").count();
        let expected = h["controls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["verified"] == true)
            .count();
        prop_assert_eq!(
            verified_controls,
            expected,
            "site page of {}: verified controls",
            id
        );
    }
    for (id, r) in &reqs {
        let page =
            std::fs::read_to_string(folder.join("items").join(format!("{id}.html"))).unwrap();
        let says = page.contains("verdict\">verified<");
        prop_assert_eq!(says, r["verified"] == true, "site page of {}", id);
    }

    // The PDF: a whole document whose text carries ids and digests exactly,
    // and as many NOT VERIFIED / NOT CONTROLLED badges as packet.json says.
    let pdf = folder.join("packet.pdf");
    let o = Process::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    prop_assert!(o.status.success(), "pdftotext failed");
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    prop_assert!(!text.contains('\u{200B}'), "the PDF text has U+200B");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    prop_assert!(
        text.lines()
            .any(|l| l.contains(packet["release"]["digest"].as_str().unwrap())),
        "the release digest is on no one line of the PDF"
    );
    let joined: String = text.split_whitespace().collect();
    for item in packet["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        // Whitespace dropped on both sides: the PDF breaks lines anywhere,
        // and an id the PHI scan redacted says so in words.
        let id_joined: String = id.split_whitespace().collect();
        prop_assert!(joined.contains(&id_joined), "{} is not in the PDF text", id);
    }
    prop_assert_eq!(
        flat.matches("NOT VERIFIED").count(),
        not_verified,
        "NOT VERIFIED badges"
    );
    prop_assert_eq!(
        flat.matches("NOT CONTROLLED").count(),
        not_controlled,
        "NOT CONTROLLED badges"
    );
    Ok(())
}

fn tempfile_dir() -> PathBuf {
    let t = assert_fs::TempDir::new().unwrap().into_persistent();
    t.path().to_path_buf()
}

fn cases() -> u32 {
    std::env::var("RELPACK_GENERATED_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

#[test]
fn generated_trees_build_whole_packets_that_agree_with_themselves() {
    require_tool("pdftotext");
    require_tool("git");
    let schema = packet_schema();
    let config = Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/it/generated.proptest-regressions"
        )))),
        // Each case runs four processes and lays out a PDF; shrinking a
        // failure still finishes in minutes.
        max_shrink_iters: 200,
        ..Config::default()
    };
    proptest!(config, |(spec in spec())| {
        holds(&spec, &schema)?;
    });
}
