//! CycloneDX: every real tool's BOM becomes `soup` items exactly as the
//! contract maps them; BOMs merge with each other and with TOML `soup`
//! items; the soup gate; broken BOMs.

use serde_json::{json, Value};

use super::junit::{build, tree_with};
use super::*;

/// The `soup` items of packet.json: id -> fields.
fn soup_items(packet: &Value) -> std::collections::BTreeMap<String, Value> {
    packet["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "soup")
        .map(|i| (i["id"].as_str().unwrap().to_string(), i["fields"].clone()))
        .collect()
}

fn soup(
    id: &str,
    name: &str,
    version: &str,
    supplier: Option<&str>,
    licenses: &[&str],
    purl: &str,
) -> Value {
    let mut v = json!({ "id": id, "name": name, "version": version });
    if let Some(s) = supplier {
        v["supplier"] = json!(s);
    }
    if !licenses.is_empty() {
        v["licenses"] = json!(licenses);
    }
    v["purl"] = json!(purl);
    v
}

/// cyclonedx-py `environment`: flat, no supplier anywhere, SPDX id and
/// trove-classifier name both kept, in BOM order.
fn python_env() -> Vec<Value> {
    vec![
        soup(
            "SOUP-certifi@2024.8.30",
            "certifi",
            "2024.8.30",
            None,
            &[
                "MPL-2.0",
                "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)",
            ],
            "pkg:pypi/certifi@2024.8.30",
        ),
        soup(
            "SOUP-charset-normalizer@3.4.0",
            "charset-normalizer",
            "3.4.0",
            None,
            &["MIT"],
            "pkg:pypi/charset-normalizer@3.4.0",
        ),
        soup(
            "SOUP-idna@3.10",
            "idna",
            "3.10",
            None,
            &["License :: OSI Approved :: BSD License"],
            "pkg:pypi/idna@3.10",
        ),
        soup(
            "SOUP-pip@23.2.1",
            "pip",
            "23.2.1",
            None,
            &["MIT"],
            "pkg:pypi/pip@23.2.1",
        ),
        soup(
            "SOUP-requests@2.32.3",
            "requests",
            "2.32.3",
            None,
            &[
                "Apache-2.0",
                "License :: OSI Approved :: Apache Software License",
            ],
            "pkg:pypi/requests@2.32.3",
        ),
        soup(
            "SOUP-setuptools@65.5.0",
            "setuptools",
            "65.5.0",
            None,
            &["MIT"],
            "pkg:pypi/setuptools@65.5.0",
        ),
        soup(
            "SOUP-six@1.16.0",
            "six",
            "1.16.0",
            None,
            &["MIT"],
            "pkg:pypi/six@1.16.0",
        ),
        soup(
            "SOUP-urllib3@2.2.3",
            "urllib3",
            "2.2.3",
            None,
            &["MIT"],
            "pkg:pypi/urllib3@2.2.3",
        ),
    ]
}

/// cyclonedx-py `requirements`: purl and version, no licenses.
fn python_requirements() -> Vec<Value> {
    [
        ("certifi", "2024.8.30"),
        ("charset-normalizer", "3.4.0"),
        ("idna", "3.10"),
        ("requests", "2.32.3"),
        ("six", "1.16.0"),
        ("urllib3", "2.2.3"),
    ]
    .iter()
    .map(|(n, v)| {
        soup(
            &format!("SOUP-{n}@{v}"),
            n,
            v,
            None,
            &[],
            &format!("pkg:pypi/{n}@{v}"),
        )
    })
    .collect()
}

/// @cyclonedx/cyclonedx-npm: `group: "@types"`, `ms@2.0.0` nested in debug.
fn cyclonedx_npm() -> Vec<Value> {
    vec![
        soup(
            "SOUP-@types/ms@0.7.34",
            "ms",
            "0.7.34",
            None,
            &["MIT"],
            "pkg:npm/%40types/ms@0.7.34",
        ),
        soup(
            "SOUP-debug@2.6.9",
            "debug",
            "2.6.9",
            Some("TJ Holowaychuk"),
            &["MIT"],
            "pkg:npm/debug@2.6.9",
        ),
        soup(
            "SOUP-left-pad@1.3.0",
            "left-pad",
            "1.3.0",
            Some("azer"),
            &["WTFPL"],
            "pkg:npm/left-pad@1.3.0",
        ),
        soup(
            "SOUP-ms@2.0.0",
            "ms",
            "2.0.0",
            None,
            &["MIT"],
            "pkg:npm/ms@2.0.0",
        ),
        soup(
            "SOUP-ms@2.1.3",
            "ms",
            "2.1.3",
            None,
            &["MIT"],
            "pkg:npm/ms@2.1.3",
        ),
    ]
}

/// `npm sbom`: flat, the scoped package is `name: "@types/ms"` without a
/// group (so the same id as cyclonedx-npm's), `author` with an email.
fn npm_sbom() -> Vec<Value> {
    vec![
        soup(
            "SOUP-@types/ms@0.7.34",
            "@types/ms",
            "0.7.34",
            None,
            &["MIT"],
            "pkg:npm/%40types/ms@0.7.34",
        ),
        soup(
            "SOUP-debug@2.6.9",
            "debug",
            "2.6.9",
            Some("TJ Holowaychuk <tj@vision-media.ca>"),
            &["MIT"],
            "pkg:npm/debug@2.6.9",
        ),
        soup(
            "SOUP-left-pad@1.3.0",
            "left-pad",
            "1.3.0",
            Some("azer"),
            &["WTFPL"],
            "pkg:npm/left-pad@1.3.0",
        ),
        soup(
            "SOUP-ms@2.0.0",
            "ms",
            "2.0.0",
            None,
            &["MIT"],
            "pkg:npm/ms@2.0.0",
        ),
        soup(
            "SOUP-ms@2.1.3",
            "ms",
            "2.1.3",
            None,
            &["MIT"],
            "pkg:npm/ms@2.1.3",
        ),
    ]
}

/// cargo-cyclonedx: license expressions, `author` strings (several people in
/// one); the crate's own targets are under metadata.component: not SOUP.
fn cargo() -> Vec<Value> {
    vec![
        soup(
            "SOUP-aho-corasick@1.1.3",
            "aho-corasick",
            "1.1.3",
            Some("Andrew Gallant <jamslam@gmail.com>"),
            &["Unlicense OR MIT"],
            "pkg:cargo/aho-corasick@1.1.3",
        ),
        soup(
            "SOUP-itoa@1.0.11",
            "itoa",
            "1.0.11",
            Some("David Tolnay <dtolnay@gmail.com>"),
            &["MIT OR Apache-2.0"],
            "pkg:cargo/itoa@1.0.11",
        ),
        soup(
            "SOUP-memchr@2.8.3",
            "memchr",
            "2.8.3",
            Some("Andrew Gallant <jamslam@gmail.com>, bluss"),
            &["Unlicense OR MIT"],
            "pkg:cargo/memchr@2.8.3",
        ),
    ]
}

fn assert_maps(fixture: &str, expected: &[Value]) {
    let name = fixture.rsplit('/').next().unwrap();
    let t = tree_with(
        &[("relpack.toml", CONFIG)],
        &[(fixture, &format!("sbom/{name}"))],
    );
    let b = build(t.path());
    assert_ne!(b.code, 2, "{fixture}:\n{}", b.stderr);
    let got = soup_items(&b.packet);
    let want: std::collections::BTreeMap<String, Value> = expected
        .iter()
        .map(|v| (v["id"].as_str().unwrap().to_string(), v.clone()))
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{fixture}: which components are SOUP"
    );
    for (id, fields) in &want {
        // Exactly these fields, in this order of licenses, nothing more.
        assert_eq!(&got[id], fields, "{fixture}: {id}");
    }
    // Each item says which BOM it came from.
    for i in b.packet["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "soup")
    {
        assert_eq!(i["file"], format!("sbom/{name}").as_str(), "{fixture}");
    }
    // The BOM is in the evidence index with its items.
    let e = b.packet["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == format!("sbom/{name}").as_str())
        .unwrap_or_else(|| panic!("{fixture} not in the evidence index"));
    assert_eq!(
        e["items"].as_array().unwrap().len(),
        want.len(),
        "{fixture}"
    );
}

#[test]
fn cyclonedx_py_environment_boms_in_every_version_and_format() {
    for f in [
        "cyclonedx/cyclonedx-py/env-1.4.cdx.json",
        "cyclonedx/cyclonedx-py/env-1.5.cdx.json",
        "cyclonedx/cyclonedx-py/env-1.6.cdx.json",
        "cyclonedx/cyclonedx-py/env-1.6.cdx.xml",
        // Newer than the contract's 1.4 to 1.6: the fields relpack reads are
        // the same, so it is read, not refused.
        "cyclonedx/cyclonedx-py/env-1.7.cdx.json",
    ] {
        assert_maps(f, &python_env());
    }
}

#[test]
fn cyclonedx_py_requirements_bom_has_no_licenses() {
    assert_maps(
        "cyclonedx/cyclonedx-py/requirements-1.6.cdx.json",
        &python_requirements(),
    );
}

#[test]
fn cyclonedx_npm_nested_components_and_group() {
    for f in [
        "cyclonedx/cyclonedx-npm/bom-1.4.cdx.json",
        "cyclonedx/cyclonedx-npm/bom-1.5.cdx.json",
        "cyclonedx/cyclonedx-npm/bom-1.6.cdx.json",
        "cyclonedx/cyclonedx-npm/bom-1.6.cdx.xml",
    ] {
        assert_maps(f, &cyclonedx_npm());
    }
}

#[test]
fn npm_sbom_flat_scoped_name_without_group() {
    assert_maps("cyclonedx/npm-sbom/bom.cdx.json", &npm_sbom());
}

#[test]
fn cargo_cyclonedx_expressions_and_authors() {
    for f in [
        // Older than the contract's range, same fields: read.
        "cyclonedx/cargo-cyclonedx/bom-1.3.cdx.json",
        "cyclonedx/cargo-cyclonedx/bom-1.4.cdx.json",
        "cyclonedx/cargo-cyclonedx/bom-1.5.cdx.json",
        "cyclonedx/cargo-cyclonedx/bom-1.5.cdx.xml",
    ] {
        assert_maps(f, &cargo());
    }
}

#[test]
fn the_same_component_in_several_boms_is_one_item() {
    let t = tree_with(
        &[("relpack.toml", CONFIG)],
        &[
            (
                "cyclonedx/cyclonedx-npm/bom-1.4.cdx.json",
                "a/bom-1.4.cdx.json",
            ),
            (
                "cyclonedx/cyclonedx-npm/bom-1.6.cdx.xml",
                "a/bom-1.6.cdx.xml",
            ),
            ("cyclonedx/npm-sbom/bom.cdx.json", "b/bom.cdx.json"),
            ("cyclonedx/cyclonedx-py/env-1.6.cdx.json", "py/env.cdx.json"),
            (
                "cyclonedx/cyclonedx-py/requirements-1.6.cdx.json",
                "py/requirements.cdx.json",
            ),
            (
                "cyclonedx/cargo-cyclonedx/bom-1.5.cdx.json",
                "rust/bom.json",
            ),
            (
                "cyclonedx/cargo-cyclonedx/bom-1.5.cdx.xml",
                "rust/bom.cdx.xml",
            ),
        ],
    );
    let (code, v) = check_json(t.path());
    // Valid (no duplicate id), but components lack a supplier.
    assert_eq!(code, 1, "{v:#}");
    assert!(v["errors"].as_array().unwrap().is_empty(), "{v:#}");
    let b = build(t.path());
    let got = soup_items(&b.packet);
    let mut want: Vec<String> = python_env()
        .iter()
        .chain(cyclonedx_npm().iter())
        .chain(cargo().iter())
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    want.sort();
    assert_eq!(got.keys().cloned().collect::<Vec<_>>(), want);
    // The packet's SOUP list has each once too.
    assert_eq!(b.packet["soup"].as_array().unwrap().len(), want.len());
    // Never the BOMs' own components, nor the crate's Cargo targets.
    for i in b.packet["items"].as_array().unwrap() {
        let name = i["fields"]["name"].as_str().unwrap_or("");
        assert!(
            !name.starts_with("infusion") && name != "npm-sbom",
            "metadata.component became an item: {i}"
        );
    }
}

#[test]
fn a_toml_soup_item_completes_and_overrides_the_bom_component() {
    let t = tree_with(
        &[
            ("relpack.toml", CONFIG),
            (
                "soup.toml",
                r#"
[[requirement]]
id = "REQ-1"
title = "Timing"
text = "t"

[[soup]]
id = "SOUP-ms@2.1.3"
name = "ms (vercel)"
supplier = "Vercel"
purpose = "Parse durations"
known_anomalies_reviewed = "2026-11-01: none relevant"
requirements = ["REQ-1"]

[[soup]]
id = "SOUP-@types/ms@0.7.34"
supplier = "DefinitelyTyped"
licenses = ["MIT", "CC0-1.0"]

[[test]]
id = "T-1"
title = "t"
method = "inspection"
verifies = ["REQ-1"]

[[result]]
id = "R-1"
test = "T-1"
outcome = "pass"
executed_by = "me"
executed_at = 2026-11-19T10:00:00+01:00
version = "1.0.0"
"#,
            ),
        ],
        &[
            (
                "cyclonedx/cyclonedx-npm/bom-1.6.cdx.json",
                "sbom/ui.cdx.json",
            ),
            ("cyclonedx/npm-sbom/bom.cdx.json", "sbom/npm.cdx.json"),
        ],
    );
    let (code, v) = check_json(t.path());
    assert!(
        v["errors"].as_array().unwrap().is_empty(),
        "no duplicate id: {v:#}"
    );
    assert_eq!(code, 1, "ms@2.0.0 still has no supplier: {v:#}");
    let b = build(t.path());
    let items = soup_items(&b.packet);
    assert_eq!(items.len(), 5);
    assert_eq!(
        items["SOUP-ms@2.1.3"],
        json!({
            "id": "SOUP-ms@2.1.3",
            "name": "ms (vercel)",
            "version": "2.1.3",
            "supplier": "Vercel",
            "licenses": ["MIT"],
            "purl": "pkg:npm/ms@2.1.3",
            "purpose": "Parse durations",
            "known_anomalies_reviewed": "2026-11-01: none relevant",
            "requirements": ["REQ-1"],
        })
    );
    let types = &items["SOUP-@types/ms@0.7.34"];
    assert_eq!(types["supplier"], "DefinitelyTyped");
    assert_eq!(types["licenses"], json!(["MIT", "CC0-1.0"]));
    assert_eq!(types["version"], "0.7.34");
    let row = b.packet["soup"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "SOUP-ms@2.1.3")
        .unwrap();
    assert_eq!(row["requirements"], json!(["REQ-1"]));
    assert_eq!(row["purpose"], "Parse durations");
    let findings: Vec<&str> = gate(&v, "soup")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(findings, vec!["SOUP SOUP-ms@2.0.0 has no supplier"]);
}

#[test]
fn the_soup_gate_fails_without_a_supplier_unless_a_deviation_waives_it() {
    let bom = [("cyclonedx/cyclonedx-npm/bom-1.6.cdx.xml", "sbom/ui.cdx.xml")];
    let t = tree_with(&[("relpack.toml", CONFIG)], &bom);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    let g = gate(&v, "soup");
    assert_eq!(g["status"], "failed");
    let mut msgs: Vec<&str> = g["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    msgs.sort();
    assert_eq!(
        msgs,
        vec![
            "SOUP SOUP-@types/ms@0.7.34 has no supplier",
            "SOUP SOUP-ms@2.0.0 has no supplier",
            "SOUP SOUP-ms@2.1.3 has no supplier",
        ]
    );

    // A deviation for two of them: the third still fails the gate.
    let dev = |items: &str| {
        format!(
            "[[deviation]]\nid = \"DEV-1\"\nwaives = \"soup\"\nitems = [{items}]\nreason = \"npm metadata has no supplier; reviewed by hand\"\nowner = \"QA\"\nexpires = 2027-06-30\n"
        )
    };
    let partial = dev("\"SOUP-ms@2.0.0\", \"SOUP-ms@2.1.3\"");
    let t = tree_with(&[("relpack.toml", CONFIG), ("dev.toml", &partial)], &bom);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(gate(&v, "soup")["status"], "failed");

    let all = dev("\"SOUP-ms@2.0.0\", \"SOUP-ms@2.1.3\", \"SOUP-@types/ms@0.7.34\"");
    let t = tree_with(&[("relpack.toml", CONFIG), ("dev.toml", &all)], &bom);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 0, "{v:#}");
    let g = gate(&v, "soup");
    assert_eq!(g["status"], "waived", "{v:#}");
    assert_eq!(g["waived_by"], json!(["DEV-1"]));
}

#[test]
fn xml_and_json_read_the_same_fields_of_hand_made_edge_cases() {
    // 1.6 `authors` instead of the deprecated `author`; a license with both
    // an id and a name (the id wins); a pedigree ancestor and a service,
    // which are not components of the product.
    let json_bom = r#"{
  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "metadata": {"component": {"type": "application", "name": "me", "version": "1",
                             "components": [{"type": "library", "name": "own-target", "version": "1"}]}},
  "components": [
    {"type": "library", "group": "org.acme", "name": "pump-core", "version": "3.1",
     "authors": [{"name": "Ada"}, {"name": "Bob"}],
     "licenses": [{"license": {"id": "MIT", "name": "The MIT License"}}, {"license": {"name": "Custom"}}],
     "pedigree": {"ancestors": [{"type": "library", "name": "upstream", "version": "3.0"}]},
     "components": [{"type": "library", "name": "inner", "version": "0.1", "publisher": "Acme",
                     "supplier": {"name": "Acme Supply"}, "author": "Carol"}]}
  ],
  "services": [{"name": "api", "version": "1"}]
}"#;
    let xml_bom = r#"<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <metadata>
    <component type="application"><name>me</name><version>1</version>
      <components><component type="library"><name>own-target</name><version>1</version></component></components>
    </component>
  </metadata>
  <components>
    <component type="library">
      <authors><author><name>Ada</name></author><author><name>Bob</name></author></authors>
      <group>org.acme</group>
      <name>pump-core</name>
      <version>3.1</version>
      <licenses>
        <license><id>MIT</id><name>The MIT License</name></license>
        <license><name>Custom</name></license>
      </licenses>
      <pedigree><ancestors><component type="library"><name>upstream</name><version>3.0</version></component></ancestors></pedigree>
      <components>
        <component type="library">
          <supplier><name>Acme Supply</name></supplier>
          <author>Carol</author>
          <publisher>Acme</publisher>
          <name>inner</name>
          <version>0.1</version>
        </component>
      </components>
    </component>
  </components>
  <services><service><name>api</name><version>1</version></service></services>
</bom>
"#;
    let want = json!({
        "SOUP-inner@0.1": {"id": "SOUP-inner@0.1", "name": "inner", "version": "0.1", "supplier": "Acme Supply"},
        "SOUP-org.acme/pump-core@3.1": {"id": "SOUP-org.acme/pump-core@3.1", "name": "pump-core", "version": "3.1",
                                        "supplier": "Ada", "licenses": ["MIT", "Custom"]},
    });
    for (name, text) in [("a.cdx.json", json_bom), ("a.cdx.xml", xml_bom)] {
        let t = tree(&[("relpack.toml", CONFIG), (name, text)]);
        let b = build(t.path());
        assert_eq!(b.code, 0, "{name}: {}", b.stderr);
        let got = soup_items(&b.packet);
        assert_eq!(serde_json::to_value(&got).unwrap(), want, "{name}");
    }
}

#[test]
fn broken_boms_are_errors_with_file_and_line() {
    let xml = std::fs::read_to_string(super::junit::fixture(
        "cyclonedx/cyclonedx-npm/bom-1.6.cdx.xml",
    ))
    .unwrap();
    let cut: String = xml.lines().take(40).collect::<Vec<_>>().join("\n");
    let json =
        std::fs::read_to_string(super::junit::fixture("cyclonedx/npm-sbom/bom.cdx.json")).unwrap();
    let json_cut: String = json.lines().take(12).collect::<Vec<_>>().join("\n");
    for (name, text, starts) in [
        (
            "sbom/ui.cdx.xml",
            cut.as_str(),
            "sbom/ui.cdx.xml:40: invalid CycloneDX XML",
        ),
        (
            "sbom/ui.cdx.json",
            json_cut.as_str(),
            "sbom/ui.cdx.json:12:",
        ),
        (
            "sbom/other.cdx.xml",
            "<?xml version=\"1.0\"?>\n<project/>\n",
            "sbom/other.cdx.xml:2: not a CycloneDX BOM",
        ),
        (
            "sbom/bom.json",
            "{\"spdxVersion\": \"SPDX-2.3\"}",
            "sbom/bom.json: not a CycloneDX BOM",
        ),
    ] {
        let t = tree(&[("relpack.toml", CONFIG), (name, text)]);
        let (code, v) = check_json(t.path());
        assert_eq!(code, 2, "{name}: {v:#}");
        let e = &v["errors"][0];
        assert_eq!(e["file"], name, "{v:#}");
        assert!(
            e["message"].as_str().unwrap().starts_with(starts),
            "{name}: {e}"
        );
    }
}

/// A field relpack reads but of the wrong JSON type is an error at its
/// component, not read as missing (a SOUP without its version, silently);
/// components nested too deep to read make the BOM invalid.
#[test]
fn a_component_field_of_the_wrong_type_is_an_error_at_its_component() {
    let bom = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
  {"type": "library", "name": "ok", "version": "1.0"},
  {"type": "library", "name": "numeric", "version": 17},
  {"type": "library", "name": 42, "version": "2.0"},
  {"type": "library", "name": "sup", "version": "3.0", "supplier": {"name": ["x"]}},
  {"type": "library", "name": "lic", "version": "4.0", "licenses": [{"license": {"id": "MIT"}}, {"license": {"id": 5}}]}
]}"#;
    let t = tree(&[("relpack.toml", CONFIG), ("sbom/bom.cdx.json", bom)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    let errors: Vec<(String, u64)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["file"], "sbom/bom.cdx.json", "{e}");
            (
                e["message"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expect = [
        ("`version` is a number, not a string", 3),
        ("`name` is a number, not a string", 4),
        ("`supplier.name` is an array, not a string", 5),
        (
            "`licenses[]` is an object, not a license or an expression",
            6,
        ),
    ];
    assert_eq!(errors.len(), expect.len(), "{errors:?}");
    for ((msg, line), (want, at)) in errors.iter().zip(expect) {
        assert!(
            msg.contains(want) && *line == at,
            "{msg} at {line}: want {want} at {at}"
        );
    }

    // 70 levels of nested components: the ones below 64 cannot be read.
    let mut deep = r#"{"type": "library", "name": "leaf", "version": "1"}"#.to_string();
    for n in 0..70 {
        deep = format!(
            r#"{{"type": "library", "name": "n{n}", "version": "1", "components": [{deep}]}}"#
        );
    }
    let bom =
        format!(r#"{{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{deep}]}}"#);
    let t = tree(&[("relpack.toml", CONFIG), ("sbom/bom.cdx.json", &bom)]);
    let (code, v) = check_json(t.path());
    assert_eq!(code, 2, "{v:#}");
    // serde_json's own depth limit (128) is met first: the file is invalid.
    let msg = v["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("nested more than 64 levels") || msg.contains("recursion limit"),
        "{v:#}"
    );
}

/// A blank supplier in a BOM is none: the next of publisher and author
/// stands in, else the SOUP item has no supplier, and the gate's "has no
/// supplier" and the packet say the same.
#[test]
fn a_blank_bom_supplier_is_no_supplier_in_the_gate_and_the_packet() {
    let bom = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [
            { "type": "library", "name": "blank", "version": "1.0",
              "supplier": { "name": " \u{200B} " } },
            { "type": "library", "name": "published", "version": "2.0",
              "supplier": { "name": "  " }, "publisher": "Acme" }
        ]
    });
    let t = tree(&[
        ("relpack.toml", CONFIG),
        ("sbom/bom.cdx.json", &bom.to_string()),
    ]);
    let b = build(t.path());
    let items = soup_items(&b.packet);
    assert_eq!(items["SOUP-published@2.0"]["supplier"], "Acme");
    assert!(
        items["SOUP-blank@1.0"].get("supplier").is_none(),
        "{:#}",
        items["SOUP-blank@1.0"]
    );
    assert_eq!(b.code, 1, "{}", b.stderr);
    let (_, v) = check_json(t.path());
    let text = v.to_string();
    assert!(text.contains("SOUP-blank@1.0 has no supplier"), "{v:#}");
    assert!(
        !text.contains("SOUP-published@2.0 has no supplier"),
        "{v:#}"
    );
}
