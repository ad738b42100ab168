//! Generate a large synthetic evidence tree for benchmarks.
//!
//! ```text
//! cargo run --release --example gen_tree -- /tmp/big                # 100k items
//! cargo run --release --example gen_tree -- /tmp/pdf --requirements 5000 --tests 15000 --results 5000 --hazards 250
//! ```
//!
//! Shape: requirements derive from needs (and every tenth from another
//! requirement); each requirement is verified by tests/requirements tests;
//! automated tests bind two JUnit cases each with a `*` pattern, spread over
//! `--junit-files` files; manual tests get result records; hazards control
//! three requirements each. Every gate holds, so the tree builds with exit 0.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

struct Shape {
    requirements: usize,
    tests: usize,
    results: usize,
    hazards: usize,
    junit_files: usize,
    per_file: usize,
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(out) = args.get(1).filter(|a| !a.starts_with("--")) else {
        eprintln!("usage: gen_tree OUT [--requirements N] [--tests N] [--results N] [--hazards N] [--junit-files N]");
        std::process::exit(2);
    };
    let shape = Shape {
        requirements: arg(&args, "--requirements", 20_000),
        tests: arg(&args, "--tests", 60_000),
        results: arg(&args, "--results", 20_000),
        hazards: arg(&args, "--hazards", 1_000),
        junit_files: arg(&args, "--junit-files", 50),
        per_file: 200,
    };
    generate(Path::new(out), &shape).expect("write tree");
}

fn generate(root: &Path, s: &Shape) -> std::io::Result<()> {
    let _ = fs::remove_dir_all(root);
    for d in ["needs", "requirements", "tests", "results", "risk", "junit"] {
        fs::create_dir_all(root.join(d))?;
    }
    fs::write(
        root.join("relpack.toml"),
        "[product]\nname = \"Synthetic Pump\"\nid = \"SYN\"\nmanufacturer = \"Bench Medical\"\nsafety_class = \"B\"\n\n\
         [release]\nversion = \"1.0.0\"\ndate = 2026-11-20\n\n[risk]\nacceptable_score = 6\n\n\
         [gates]\napprovals = []\nmin_approvals = { A = 0, B = 0, C = 0 }\nmax_open_anomaly = \"minor\"\n",
    )?;
    let needs = (s.requirements / 100).max(1);
    let mut t = String::new();
    for n in 0..needs {
        writeln!(t, "[[need]]\nid = \"NEED-{n}\"\ntitle = \"User need {n}\"\ntext = \"The user needs capability {n}.\"\n").ok();
    }
    fs::write(root.join("needs/needs.toml"), t)?;

    for chunk in 0..s.requirements.div_ceil(s.per_file) {
        let mut t = String::new();
        for r in chunk * s.per_file..((chunk + 1) * s.per_file).min(s.requirements) {
            let parent = if r % 10 == 9 {
                format!("\"REQ-{}\"", r - 1)
            } else {
                format!("\"NEED-{}\"", r % needs)
            };
            writeln!(
                t,
                "[[requirement]]\nid = \"REQ-{r}\"\ntitle = \"The pump shall handle condition {r}\"\n\
                 text = \"\"\"\nWhen condition **{r}** occurs the pump shall respond within {} ms.\n\n- log the event\n- raise alarm level {}\n\"\"\"\n\
                 derives_from = [{parent}]\n",
                r % 500 + 10,
                r % 3
            )
            .ok();
        }
        fs::write(root.join(format!("requirements/req-{chunk:04}.toml")), t)?;
    }

    // Tests: the first `automated` bind JUnit cases, the rest are manual.
    let manual = s.results.min(s.tests);
    let automated = s.tests - manual;
    let per_file_cases = (automated * 2).div_ceil(s.junit_files.max(1));
    for chunk in 0..s.tests.div_ceil(s.per_file) {
        let mut t = String::new();
        for k in chunk * s.per_file..((chunk + 1) * s.per_file).min(s.tests) {
            let req = k % s.requirements.max(1);
            if k < automated {
                let file = (k * 2) / per_file_cases.max(1);
                writeln!(
                    t,
                    "[[test]]\nid = \"TC-{k}\"\ntitle = \"Check condition {req}\"\nverifies = [\"REQ-{req}\"]\njunit = [\"suite_{file}.module::t{k}_*\"]\n"
                )
                .ok();
            } else {
                writeln!(
                    t,
                    "[[test]]\nid = \"TC-{k}\"\ntitle = \"Manually check condition {req}\"\nmethod = \"manual\"\nverifies = [\"REQ-{req}\"]\ntext = \"1. Set up condition {req}.\\n2. Observe the response.\"\n"
                )
                .ok();
            }
        }
        fs::write(root.join(format!("tests/tests-{chunk:04}.toml")), t)?;
    }
    for chunk in 0..manual.div_ceil(s.per_file) {
        let mut t = String::new();
        for m in chunk * s.per_file..((chunk + 1) * s.per_file).min(manual) {
            let test = automated + m;
            writeln!(
                t,
                "[[result]]\nid = \"RES-{m}\"\ntest = \"TC-{test}\"\noutcome = \"pass\"\nexecuted_by = \"Tester {}\"\nexecuted_at = 2026-11-{:02}T10:00:00+01:00\nversion = \"1.0.0\"\n",
                m % 7,
                m % 18 + 1
            )
            .ok();
        }
        fs::write(root.join(format!("results/results-{chunk:04}.toml")), t)?;
    }
    for f in 0..s.junit_files {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
        writeln!(
            x,
            "<testsuite name=\"suite_{f}\" tests=\"{per_file_cases}\">"
        )
        .ok();
        for case in f * per_file_cases..((f + 1) * per_file_cases).min(automated * 2) {
            let k = case / 2;
            let v = if case % 2 == 0 { "a" } else { "b" };
            writeln!(
                x,
                "  <testcase classname=\"suite_{f}.module\" name=\"t{k}_{v}\" time=\"0.001\"/>"
            )
            .ok();
        }
        x.push_str("</testsuite>\n</testsuites>\n");
        fs::write(root.join(format!("junit/junit-{f:03}.xml")), x)?;
    }
    let mut t = String::new();
    for h in 0..s.hazards {
        let c = |i: usize| (h * 3 + i) % s.requirements.max(1);
        writeln!(
            t,
            "[[hazard]]\nid = \"HAZ-{h}\"\ntitle = \"Hazard {h}\"\nharm = \"Injury {h}\"\nseverity = 4\nprobability = 3\nresidual_severity = 2\nresidual_probability = 2\ncontrols = [\"REQ-{}\", \"REQ-{}\", \"REQ-{}\"]\n",
            c(0),
            c(1),
            c(2)
        )
        .ok();
    }
    fs::write(root.join("risk/hazards.toml"), t)?;
    Ok(())
}
