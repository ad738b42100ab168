//! Checked evidence -> one ReqIF 1.2 file. Deterministic: identifiers are
//! derived from item ids (`SO-<id>`, `SH-<id>`; relations numbered in id
//! order), every LAST-CHANGE and the CREATION-TIME is the one timestamp
//! given (from SOURCE_DATE_EPOCH, else the release date).

use std::collections::HashSet;
use std::io;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::Writer;
use serde_json::Value;

use super::xhtml::markdown_to_xhtml;
use super::{attributes, AttrType, KINDS, LINKS, NS, XHTML_NS};
use crate::evidence::Evidence;
use crate::item::{Item, Kind};

type W = Writer<Vec<u8>>;

/// Counts of what was written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Exported {
    pub objects: usize,
    pub relations: usize,
}

/// The ReqIF file of `ev`, with `time` (an xsd:dateTime) as every date.
pub fn export(ev: &Evidence, time: &str) -> io::Result<(Vec<u8>, Exported)> {
    let items: Vec<&Item> = ev
        .items
        .iter()
        .filter(|i| KINDS.contains(&i.kind))
        .collect();
    let ids: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let relations: Vec<(&str, &str, &str)> = items
        .iter()
        .flat_map(|i| {
            LINKS
                .iter()
                .flat_map(move |f| i.links(f).into_iter().map(move |t| (i.id.as_str(), *f, t)))
        })
        .filter(|(_, _, t)| ids.contains(t))
        .collect();
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("REQ-IF")
        .with_attribute(("xmlns", NS))
        .with_attribute(("xmlns:xhtml", XHTML_NS))
        .write_inner_content(|w| {
            header(w, ev, time)?;
            w.create_element("CORE-CONTENT").write_inner_content(|w| {
                w.create_element("REQ-IF-CONTENT")
                    .write_inner_content(|w| {
                        datatypes(w, time)?;
                        spec_types(w, time)?;
                        spec_objects(w, &items, time)?;
                        spec_relations(w, &relations, time)?;
                        specifications(w, &items, time)?;
                        Ok(())
                    })?;
                Ok(())
            })?;
            Ok(())
        })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    let counts = Exported {
        objects: items.len(),
        relations: relations.len(),
    };
    Ok((bytes, counts))
}

fn text_element(w: &mut W, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

/// An NCName for an IDENTIFIER: relpack ids already are one.
fn ident(prefix: &str, id: &str) -> String {
    format!("{prefix}-{id}")
}

fn header(w: &mut W, ev: &Evidence, time: &str) -> io::Result<()> {
    let product = &ev.config.product.name;
    w.create_element("THE-HEADER").write_inner_content(|w| {
        w.create_element("REQ-IF-HEADER")
            .with_attribute((
                "IDENTIFIER",
                ident(
                    "HEADER",
                    &crate::interchange::relpack_id(&ev.config.product_slug()),
                )
                .as_str(),
            ))
            .write_inner_content(|w| {
                text_element(
                    w,
                    "COMMENT",
                    "Exported by relpack from the evidence of this release",
                )?;
                text_element(w, "CREATION-TIME", time)?;
                text_element(w, "REQ-IF-TOOL-ID", "relpack")?;
                text_element(w, "REQ-IF-VERSION", "1.0")?;
                text_element(
                    w,
                    "SOURCE-TOOL-ID",
                    &format!("relpack {}", env!("CARGO_PKG_VERSION")),
                )?;
                text_element(w, "TITLE", &format!("{product} {}", ev.version))
            })?;
        Ok(())
    })?;
    Ok(())
}

fn datatypes(w: &mut W, time: &str) -> io::Result<()> {
    w.create_element("DATATYPES").write_inner_content(|w| {
        w.create_element("DATATYPE-DEFINITION-STRING")
            .with_attributes([
                ("IDENTIFIER", "DT-string"),
                ("LAST-CHANGE", time),
                ("LONG-NAME", "String"),
                ("MAX-LENGTH", "1000000"),
            ])
            .write_empty()?;
        w.create_element("DATATYPE-DEFINITION-XHTML")
            .with_attributes([
                ("IDENTIFIER", "DT-xhtml"),
                ("LAST-CHANGE", time),
                ("LONG-NAME", "XHTML"),
            ])
            .write_empty()?;
        w.create_element("DATATYPE-DEFINITION-INTEGER")
            .with_attributes([
                ("IDENTIFIER", "DT-score"),
                ("LAST-CHANGE", time),
                ("LONG-NAME", "Score 1-5"),
                ("MAX", "5"),
                ("MIN", "1"),
            ])
            .write_empty()?;
        for (id, values) in [
            ("DT-status", super::STATUS),
            ("DT-safety_class", super::CLASSES),
            ("DT-method", super::METHODS),
        ] {
            enumeration(w, id, values, time)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn enumeration(w: &mut W, id: &str, values: &[&str], time: &str) -> io::Result<()> {
    w.create_element("DATATYPE-DEFINITION-ENUMERATION")
        .with_attributes([
            ("IDENTIFIER", id),
            ("LAST-CHANGE", time),
            ("LONG-NAME", &id[3..]),
        ])
        .write_inner_content(|w| {
            w.create_element("SPECIFIED-VALUES")
                .write_inner_content(|w| {
                    for (n, v) in values.iter().enumerate() {
                        w.create_element("ENUM-VALUE")
                            .with_attributes([
                                ("IDENTIFIER", format!("{id}-{v}").as_str()),
                                ("LAST-CHANGE", time),
                                ("LONG-NAME", v),
                            ])
                            .write_inner_content(|w| {
                                w.create_element("PROPERTIES").write_inner_content(|w| {
                                    w.create_element("EMBEDDED-VALUE")
                                        .with_attributes([
                                            ("KEY", n.to_string().as_str()),
                                            ("OTHER-CONTENT", *v),
                                        ])
                                        .write_empty()?;
                                    Ok(())
                                })?;
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

/// `DATATYPE-DEFINITION-x` / `ATTRIBUTE-x` suffix and datatype id.
fn type_names(t: AttrType) -> (&'static str, &'static str) {
    match t {
        AttrType::String => ("STRING", "DT-string"),
        AttrType::Xhtml => ("XHTML", "DT-xhtml"),
        AttrType::Enum(id, _) => ("ENUMERATION", id),
        AttrType::Score => ("INTEGER", "DT-score"),
    }
}

fn attr_ident(kind: Kind, name: &str) -> String {
    format!("AD-{kind}-{name}")
}

fn spec_types(w: &mut W, time: &str) -> io::Result<()> {
    w.create_element("SPEC-TYPES").write_inner_content(|w| {
        for kind in KINDS {
            w.create_element("SPEC-OBJECT-TYPE")
                .with_attributes([
                    ("IDENTIFIER", format!("ST-{kind}").as_str()),
                    ("LAST-CHANGE", time),
                    ("LONG-NAME", kind.name()),
                ])
                .write_inner_content(|w| {
                    w.create_element("SPEC-ATTRIBUTES")
                        .write_inner_content(|w| {
                            for (name, _, t) in attributes(kind) {
                                attribute_definition(w, kind, name, t, time)?;
                            }
                            Ok(())
                        })?;
                    Ok(())
                })?;
        }
        for field in LINKS {
            w.create_element("SPEC-RELATION-TYPE")
                .with_attributes([
                    ("IDENTIFIER", format!("RT-{field}").as_str()),
                    ("LAST-CHANGE", time),
                    ("LONG-NAME", field),
                ])
                .write_empty()?;
        }
        w.create_element("SPECIFICATION-TYPE")
            .with_attributes([
                ("IDENTIFIER", "SPT-relpack"),
                ("LAST-CHANGE", time),
                ("LONG-NAME", "relpack evidence"),
            ])
            .write_empty()?;
        Ok(())
    })?;
    Ok(())
}

fn attribute_definition(
    w: &mut W,
    kind: Kind,
    name: &str,
    t: AttrType,
    time: &str,
) -> io::Result<()> {
    let (suffix, datatype) = type_names(t);
    let id = attr_ident(kind, name);
    let mut el = w
        .create_element(format!("ATTRIBUTE-DEFINITION-{suffix}"))
        .with_attributes([
            ("IDENTIFIER", id.as_str()),
            ("LAST-CHANGE", time),
            ("LONG-NAME", name),
        ]);
    if suffix == "ENUMERATION" {
        el = el.with_attribute(("MULTI-VALUED", "false"));
    }
    el.write_inner_content(|w| {
        w.create_element("TYPE").write_inner_content(|w| {
            text_element(w, &format!("DATATYPE-DEFINITION-{suffix}-REF"), datatype)
        })?;
        Ok(())
    })?;
    Ok(())
}

fn spec_objects(w: &mut W, items: &[&Item], time: &str) -> io::Result<()> {
    w.create_element("SPEC-OBJECTS").write_inner_content(|w| {
        for item in items {
            w.create_element("SPEC-OBJECT")
                .with_attributes([
                    ("IDENTIFIER", ident("SO", &item.id).as_str()),
                    ("LAST-CHANGE", time),
                ])
                .write_inner_content(|w| {
                    w.create_element("VALUES").write_inner_content(|w| {
                        for (name, field, t) in attributes(item.kind) {
                            attribute_value(w, item, name, field, t)?;
                        }
                        Ok(())
                    })?;
                    w.create_element("TYPE").write_inner_content(|w| {
                        text_element(w, "SPEC-OBJECT-TYPE-REF", &format!("ST-{}", item.kind))
                    })?;
                    Ok(())
                })?;
        }
        Ok(())
    })?;
    Ok(())
}

fn attribute_value(w: &mut W, item: &Item, name: &str, field: &str, t: AttrType) -> io::Result<()> {
    let value = if field == "id" {
        Some(Value::String(item.id.clone()))
    } else {
        item.fields.get(field).cloned()
    };
    let Some(value) = value else { return Ok(()) };
    let (suffix, _) = type_names(t);
    let def = attr_ident(item.kind, name);
    let definition = |w: &mut W| -> io::Result<()> {
        w.create_element("DEFINITION").write_inner_content(|w| {
            text_element(w, &format!("ATTRIBUTE-DEFINITION-{suffix}-REF"), &def)
        })?;
        Ok(())
    };
    let el = format!("ATTRIBUTE-VALUE-{suffix}");
    match (t, &value) {
        (AttrType::String, Value::String(s)) => {
            w.create_element(el)
                .with_attribute(the_value(s))
                .write_inner_content(definition)?;
        }
        (AttrType::Score, Value::Number(n)) => {
            w.create_element(el)
                .with_attribute(("THE-VALUE", n.to_string().as_str()))
                .write_inner_content(definition)?;
        }
        (AttrType::Xhtml, Value::String(s)) => {
            let xhtml = markdown_to_xhtml(s);
            w.create_element(el).write_inner_content(|w| {
                definition(w)?;
                w.create_element("THE-VALUE").write_inner_content(|w| {
                    w.write_event(Event::Text(BytesText::from_escaped(xhtml.as_str())))
                })?;
                Ok(())
            })?;
        }
        (AttrType::Enum(dt, values), Value::String(s)) if values.contains(&s.as_str()) => {
            w.create_element(el).write_inner_content(|w| {
                definition(w)?;
                w.create_element("VALUES").write_inner_content(|w| {
                    text_element(w, "ENUM-VALUE-REF", &format!("{dt}-{s}"))
                })?;
                Ok(())
            })?;
        }
        _ => {}
    }
    Ok(())
}

/// `THE-VALUE="..."` keeping line breaks and tabs (attribute values are
/// normalized by XML parsers: a raw newline would come back a space) and
/// dropping the control characters XML 1.0 cannot carry.
fn the_value(s: &str) -> Attribute<'static> {
    let mut v = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => v.push_str("&amp;"),
            '<' => v.push_str("&lt;"),
            '>' => v.push_str("&gt;"),
            '"' => v.push_str("&quot;"),
            '\n' => v.push_str("&#10;"),
            '\r' => v.push_str("&#13;"),
            '\t' => v.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => v.push(c),
        }
    }
    Attribute {
        key: QName(b"THE-VALUE"),
        value: v.into_bytes().into(),
    }
}

fn spec_relations(w: &mut W, rels: &[(&str, &str, &str)], time: &str) -> io::Result<()> {
    w.create_element("SPEC-RELATIONS")
        .write_inner_content(|w| {
            for (n, (source, field, target)) in rels.iter().enumerate() {
                w.create_element("SPEC-RELATION")
                    .with_attributes([
                        ("IDENTIFIER", format!("SR-{}", n + 1).as_str()),
                        ("LAST-CHANGE", time),
                    ])
                    .write_inner_content(|w| {
                        w.create_element("SOURCE").write_inner_content(|w| {
                            text_element(w, "SPEC-OBJECT-REF", &ident("SO", source))
                        })?;
                        w.create_element("TARGET").write_inner_content(|w| {
                            text_element(w, "SPEC-OBJECT-REF", &ident("SO", target))
                        })?;
                        w.create_element("TYPE").write_inner_content(|w| {
                            text_element(w, "SPEC-RELATION-TYPE-REF", &format!("RT-{field}"))
                        })?;
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

fn specifications(w: &mut W, items: &[&Item], time: &str) -> io::Result<()> {
    w.create_element("SPECIFICATIONS")
        .write_inner_content(|w| {
            for kind in KINDS {
                let of_kind: Vec<&&Item> = items.iter().filter(|i| i.kind == kind).collect();
                if of_kind.is_empty() {
                    continue;
                }
                w.create_element("SPECIFICATION")
                    .with_attributes([
                        ("IDENTIFIER", format!("SPEC-{kind}").as_str()),
                        ("LAST-CHANGE", time),
                        ("LONG-NAME", kind.name()),
                    ])
                    .write_inner_content(|w| {
                        w.create_element("TYPE").write_inner_content(|w| {
                            text_element(w, "SPECIFICATION-TYPE-REF", "SPT-relpack")
                        })?;
                        w.create_element("CHILDREN").write_inner_content(|w| {
                            for item in &of_kind {
                                hierarchy(w, item, time)?;
                            }
                            Ok(())
                        })?;
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

fn hierarchy(w: &mut W, item: &Item, time: &str) -> io::Result<()> {
    w.create_element("SPEC-HIERARCHY")
        .with_attributes([
            ("IDENTIFIER", ident("SH", &item.id).as_str()),
            ("LAST-CHANGE", time),
        ])
        .write_inner_content(|w| {
            w.create_element("OBJECT").write_inner_content(|w| {
                text_element(w, "SPEC-OBJECT-REF", &ident("SO", &item.id))
            })?;
            Ok(())
        })?;
    Ok(())
}
