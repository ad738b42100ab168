//! Canonical forms and digests (EVIDENCE.md, "Digests and signatures"):
//! an item's canonical form is its fields plus `kind`, without `signature`,
//! plus `attachment_digests` (each attachment as written -> `sha256:<hex>`
//! of its bytes) when it has attachments, serialized by RFC 8785 (JCS); its
//! digest is `sha256:` + hex SHA-256.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::item::{Item, Kind};
use crate::parse::junit::JunitFile;

/// The exact bytes that are hashed (and, for approvals, signed).
/// `attachments`: (path as written in `attachments`, `sha256:<hex>`), as
/// link found them (`Evidence::attachment_digests`).
pub fn canonical_form(item: &Item, attachments: &[(String, String)]) -> String {
    canonical_fields(item.kind, &item.fields, attachments)
}

pub fn canonical_fields(
    kind: Kind,
    fields: &Map<String, Value>,
    attachments: &[(String, String)],
) -> String {
    let mut obj = Map::new();
    for (k, v) in fields {
        if k == "signature" {
            continue;
        }
        let v = if k == "text" {
            match v {
                Value::String(s) => Value::String(normalize(s).trim().to_string()),
                other => normalize_value(other),
            }
        } else {
            normalize_value(v)
        };
        obj.insert(k.clone(), v);
    }
    obj.insert("kind".into(), Value::String(kind.name().into()));
    if !attachments.is_empty() {
        // Changing an attached file changes the item's digest, so an
        // approval of the item goes stale.
        let digests: Map<String, Value> = attachments
            .iter()
            .map(|(path, sha)| (path.clone(), Value::String(sha.clone())))
            .collect();
        obj.insert("attachment_digests".into(), Value::Object(digests));
    }
    // JCS of a serde_json value cannot fail: numbers are finite (parse
    // refuses inf and nan) and keys are strings.
    serde_json_canonicalizer::to_string(&Value::Object(obj)).unwrap_or_default()
}

fn normalize(s: &str) -> String {
    s.replace("\r\n", "\n")
}

fn normalize_value(v: &Value) -> Value {
    match v {
        Value::String(s) if s.contains("\r\n") => Value::String(normalize(s)),
        Value::Array(a) => Value::Array(a.iter().map(normalize_value).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), normalize_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub fn sha256_prefixed(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

pub fn item_digest(item: &Item, attachments: &[(String, String)]) -> String {
    sha256_prefixed(canonical_form(item, attachments).as_bytes())
}

/// The release digest: `<id> <digest>\n` for every item that is not an
/// approval, sorted by id, then `junit:<path> sha256:<hex>\n` per JUnit
/// file sorted by path. `digests` holds (id, digest) of every item.
pub fn release_digest<'a>(
    items: impl IntoIterator<Item = (&'a Item, &'a str)>,
    junit: &[JunitFile],
    sources: &[crate::markers::SourceFile],
    policies: &[crate::policy::PolicyFile],
) -> String {
    release_digest_of(
        items
            .into_iter()
            .filter(|(i, _)| i.kind != Kind::Approval)
            .map(|(i, d)| (i.id.as_str(), d)),
        junit.iter().map(|f| (f.path.as_str(), f.sha256.as_str())),
        sources.iter().map(|f| (f.path.as_str(), f.sha256.as_str())),
        policies
            .iter()
            .map(|p| (p.path.as_str(), p.sha256.as_str())),
    )
}

/// The release digest's one formula, over (id, digest) of the items that
/// count (approvals left out by the caller) and (path, hex SHA-256) of the
/// JUnit files, then of the source files holding trace markers
/// (`source:<path> sha256:<hex>\n`, sorted by path; none without `[trace]
/// sources`, so such a release's digest is as before), then of the Rego
/// policies (`policy:<path> sha256:<hex>\n`, sorted; none without
/// policies): `build` computes it from the evidence, `verify` from
/// packet.json.
pub fn release_digest_of<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a str)>,
    junit: impl IntoIterator<Item = (&'a str, &'a str)>,
    sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    policies: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut lines: Vec<(&str, &str)> = items.into_iter().collect();
    lines.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut h = Sha256::new();
    for (id, d) in lines {
        h.update(id.as_bytes());
        h.update(b" ");
        h.update(d.as_bytes());
        h.update(b"\n");
    }
    let mut files: Vec<(&str, &str)> = junit.into_iter().collect();
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (path, sha) in files {
        h.update(format!("junit:{path} sha256:{sha}\n").as_bytes());
    }
    let mut sources: Vec<(&str, &str)> = sources.into_iter().collect();
    sources.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (path, sha) in sources {
        h.update(format!("source:{path} sha256:{sha}\n").as_bytes());
    }
    let mut files: Vec<(&str, &str)> = policies.into_iter().collect();
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (path, sha) in files {
        h.update(format!("policy:{path} sha256:{sha}\n").as_bytes());
    }
    format!("sha256:{:x}", h.finalize())
}

/// The digest an approval scoped to a list of ids approves: the same lines,
/// for just those items, and no JUnit lines.
pub fn scope_digest<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut lines: Vec<(&str, &str)> = items.into_iter().collect();
    lines.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    lines.dedup();
    let mut h = Sha256::new();
    for (id, d) in lines {
        h.update(format!("{id} {d}\n").as_bytes());
    }
    format!("sha256:{:x}", h.finalize())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    // RFC 8785 section 3.2.2 / appendix examples: key order by UTF-16 code
    // units, numbers in ECMAScript form, minimal string escapes.
    // The RFC's own literals, digits and all.
    #[allow(clippy::excessive_precision)]
    #[test]
    fn jcs_matches_rfc8785_examples() {
        let v = json!({
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u{20ac}$\u{000F}\u{000a}A'\u{0042}\u{0022}\u{005c}\\\"/",
            "literals": [null, true, false]
        });
        assert_eq!(
            serde_json_canonicalizer::to_string(&v).unwrap(),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
        let sorted = json!({"\u{20ac}": "Euro Sign", "\r": "Carriage Return", "\u{fb33}": "Hebrew Letter Dalet With Dagesh", "1": "One", "\u{1f600}": "Emoji: Grinning Face", "\u{0080}": "Control", "\u{00f6}": "Latin Small Letter O With Diaeresis"});
        assert_eq!(
            serde_json_canonicalizer::to_string(&sorted).unwrap(),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{0080}\":\"Control\",\"\u{00f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
    }

    /// RFC 8785 appendix B: IEEE 754 doubles and their canonical text.
    #[test]
    fn jcs_numbers_match_rfc8785_appendix_b() {
        let cases: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for &(bits, text) in cases {
            let v = serde_json::Value::from(f64::from_bits(bits));
            assert_eq!(
                serde_json_canonicalizer::to_string(&v).unwrap(),
                text,
                "{bits:#018x}"
            );
        }
        // Integers, as TOML gives them, print as integers.
        assert_eq!(
            serde_json_canonicalizer::to_string(&json!([0, -1, 5, 9007199254740991_i64])).unwrap(),
            "[0,-1,5,9007199254740991]"
        );
        // A float with an integral value is that integer (TOML `5.0` == `5`).
        assert_eq!(
            serde_json_canonicalizer::to_string(&json!(5.0)).unwrap(),
            "5"
        );
    }

    /// The canonical form: fields plus kind, no signature, CRLF -> LF in
    /// every string (nested ones too), `text` trimmed, JCS.
    #[test]
    fn canonical_form_of_fields() {
        use super::canonical_fields;
        use crate::item::Kind;
        let fields = json!({
            "title": "A\r\nB ",
            "id": "APR-1",
            "signature": "-----BEGIN SSH SIGNATURE-----",
            "text": "\r\n  Body\r\nline  \n\t",
            "list": ["x\r\ny", {"k": "a\r\n"}],
            "n": 3,
        });
        let serde_json::Value::Object(map) = fields else {
            unreachable!()
        };
        assert_eq!(
            canonical_fields(Kind::Approval, &map, &[]),
            r#"{"id":"APR-1","kind":"approval","list":["x\ny",{"k":"a\n"}],"n":3,"text":"Body\nline","title":"A\nB "}"#
        );
        // Attachments add one member, sorted among the others by JCS.
        let fields = json!({"id": "R-1", "attachments": ["logs/a.txt"]});
        let serde_json::Value::Object(map) = fields else {
            unreachable!()
        };
        assert_eq!(
            canonical_fields(
                Kind::Result,
                &map,
                &[("logs/a.txt".into(), "sha256:ab".into())]
            ),
            r#"{"attachment_digests":{"logs/a.txt":"sha256:ab"},"attachments":["logs/a.txt"],"id":"R-1","kind":"result"}"#
        );
    }
}
