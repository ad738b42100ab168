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
    // The members, borrowed: `kind` and (with attachments)
    // `attachment_digests` replace fields of those names.
    let digests: Option<Value> = (!attachments.is_empty()).then(|| {
        // Changing an attached file changes the item's digest, so an
        // approval of the item goes stale.
        Value::Object(
            attachments
                .iter()
                .map(|(path, sha)| (path.clone(), Value::String(sha.clone())))
                .collect(),
        )
    });
    let kind_value = Value::String(kind.name().into());
    let mut members: Vec<(&str, Member<'_>)> = fields
        .iter()
        .filter(|(k, _)| {
            !(k.as_str() == "signature"
                || k.as_str() == "kind"
                || (digests.is_some() && k.as_str() == "attachment_digests"))
        })
        .map(|(k, v)| {
            let m = match v {
                Value::String(s) if k == "text" => Member::Text(s),
                other => Member::Value(other),
            };
            (k.as_str(), m)
        })
        .collect();
    members.push(("kind", Member::Value(&kind_value)));
    if let Some(d) = &digests {
        members.push(("attachment_digests", Member::Value(d)));
    }
    members.sort_by(|a, b| jcs_key_order(a.0, b.0));
    let mut out = Vec::with_capacity(512);
    out.push(b'{');
    for (n, (k, m)) in members.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let written = jcs_str(&mut out, k).and_then(|()| {
            out.push(b':');
            match m {
                Member::Text(s) => jcs_str(&mut out, normalize(s).trim()),
                Member::Value(v) => jcs(&mut out, v),
            }
        });
        // JCS of a serde_json value cannot fail: numbers are finite (parse
        // refuses inf and nan) and keys are strings.
        if written.is_err() {
            return String::new();
        }
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

/// A member of an item's canonical form: a field as it is, or the text,
/// whose line ends are normalized and whose ends are trimmed.
enum Member<'a> {
    Value(&'a Value),
    Text(&'a str),
}

/// RFC 8785 (JCS) of `v`, with every string's CRLF made LF, written from
/// the borrowed value. serde_json_canonicalizer gives the same bytes (a
/// property test holds them equal) but re-parses each key to sort it, which
/// was a fifth of `check` on 100k items; numbers still go through it.
fn jcs(out: &mut Vec<u8>, v: &Value) -> serde_json::Result<()> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend(serde_json_canonicalizer::to_vec(n)?),
        Value::String(s) => jcs_str(out, &normalize(s))?,
        Value::Array(a) => {
            out.push(b'[');
            for (n, x) in a.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                jcs(out, x)?;
            }
            out.push(b']');
        }
        Value::Object(o) => {
            let mut members: Vec<(&String, &Value)> = o.iter().collect();
            members.sort_by(|a, b| jcs_key_order(a.0, b.0));
            out.push(b'{');
            for (n, (k, x)) in members.into_iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                jcs_str(out, k)?;
                out.push(b':');
                jcs(out, x)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// A JCS string: serde_json escapes exactly what RFC 8785 does (`"`, `\\`,
/// control characters, the short forms where there are some, `\u00xx`
/// lowercase otherwise).
fn jcs_str(out: &mut Vec<u8>, s: &str) -> serde_json::Result<()> {
    serde_json::to_writer(out, s)
}

/// JCS orders members by their names' UTF-16 code units.
fn jcs_key_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

fn normalize(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains("\r\n") {
        std::borrow::Cow::Owned(s.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

pub fn sha256_prefixed(bytes: &[u8]) -> String {
    prefixed(&Sha256::digest(bytes).into())
}

/// `sha256:` + the hex of a SHA-256.
pub fn prefixed(sha256: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in sha256 {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

/// The SHA-256 of an item's canonical form (its digest without the prefix).
pub fn item_sha256(item: &Item, attachments: &[(String, String)]) -> [u8; 32] {
    Sha256::digest(canonical_form(item, attachments).as_bytes()).into()
}

pub fn item_digest(item: &Item, attachments: &[(String, String)]) -> String {
    prefixed(&item_sha256(item, attachments))
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

    use super::*;

    /// The canonical form as it was written first: the fields copied and
    /// normalized into a new map, serialized by serde_json_canonicalizer.
    /// The oracle for the borrowed writer.
    fn reference_canonical_fields(
        kind: Kind,
        fields: &Map<String, Value>,
        attachments: &[(String, String)],
    ) -> String {
        fn normalize_value(v: &Value) -> Value {
            match v {
                Value::String(s) => Value::String(s.replace("\r\n", "\n")),
                Value::Array(a) => Value::Array(a.iter().map(normalize_value).collect()),
                Value::Object(o) => Value::Object(
                    o.iter()
                        .map(|(k, v)| (k.clone(), normalize_value(v)))
                        .collect(),
                ),
                other => other.clone(),
            }
        }
        let mut obj = Map::new();
        for (k, v) in fields {
            if k == "signature" {
                continue;
            }
            let v = match v {
                Value::String(s) if k == "text" => {
                    Value::String(s.replace("\r\n", "\n").trim().to_string())
                }
                other => normalize_value(other),
            };
            obj.insert(k.clone(), v);
        }
        obj.insert("kind".into(), Value::String(kind.name().into()));
        if !attachments.is_empty() {
            let digests: Map<String, Value> = attachments
                .iter()
                .map(|(path, sha)| (path.clone(), Value::String(sha.clone())))
                .collect();
            obj.insert("attachment_digests".into(), Value::Object(digests));
        }
        serde_json_canonicalizer::to_string(&Value::Object(obj)).unwrap()
    }

    fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let text = prop_oneof![
            Just(String::new()),
            "[a-zA-Z0-9 _-]{0,12}",
            "\\PC{0,8}",
            prop::collection::vec(
                prop_oneof![
                    Just("\r\n"),
                    Just("\n"),
                    Just(" "),
                    Just("\u{1f600}"),
                    Just("\u{fb33}"),
                    Just("\u{7f}\u{1}\""),
                    Just("\\"),
                    Just("é"),
                    Just("a")
                ],
                0..6
            )
            .prop_map(|v| v.concat()),
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            text.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("\\PC{0,6}", inner), 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// The borrowed writer and the library agree on every item shape,
        /// with the fields relpack treats apart (text, kind, signature,
        /// attachment_digests) among them.
        #[test]
        fn the_canonical_form_equals_the_librarys(
            fields in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        proptest::strategy::Just("text".to_string()),
                        proptest::strategy::Just("kind".to_string()),
                        proptest::strategy::Just("signature".to_string()),
                        proptest::strategy::Just("attachment_digests".to_string()),
                        "[a-z_]{1,10}",
                        "\\PC{1,4}",
                    ],
                    any_value(),
                ),
                0..8,
            ),
            attachments in proptest::collection::vec(("\\PC{1,8}", "[0-9a-f]{4}"), 0..3),
        ) {
            let fields: Map<String, Value> = fields.into_iter().collect();
            for kind in [Kind::Requirement, Kind::Approval] {
                proptest::prop_assert_eq!(
                    canonical_fields(kind, &fields, &attachments),
                    reference_canonical_fields(kind, &fields, &attachments)
                );
            }
        }
    }

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
