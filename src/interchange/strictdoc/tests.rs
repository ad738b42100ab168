use super::*;

const OLD_STYLE: &str = "[DOCUMENT]
TITLE: Old style
OPTIONS:
  MARKUP: RST

[SECTION]
TITLE: Top

[REQUIREMENT]
UID: A-1
TITLE: First
STATEMENT: >>>
Line one.

Line three.
<<<
RELATIONS:
- TYPE: Parent
  VALUE: N-1
  ROLE: Refines
- TYPE: File
  VALUE: src/a.c

[SECTION]
TITLE: Inner

[REQUIREMENT]
STATEMENT: No uid here.

[/SECTION]

[/SECTION]
";

#[test]
fn old_sections_and_multiline_fields() {
    let (title, nodes) = parse(OLD_STYLE).unwrap();
    assert_eq!(title, "Old style");
    assert_eq!(nodes.len(), 2);
    let a = &nodes[0];
    assert_eq!(a.section, "1 Top");
    assert_eq!(
        a.fields[2],
        ("STATEMENT".into(), "Line one.\n\nLine three.".into())
    );
    assert_eq!(a.relations.len(), 2);
    assert_eq!(a.relations[0].role.as_deref(), Some("Refines"));
    assert_eq!(nodes[1].section, "1.1 Inner");
    assert_eq!(nodes[1].line, 27);
}

#[test]
fn problems_have_lines() {
    let bad = "[DOCUMENT]\nTITLE: x\n\n[REQUIREMENT]\nUID: A\nSTATEMENT: >>>\nnever closed\n";
    let errs = parse(bad).unwrap_err();
    assert_eq!(errs[0].0, 6, "{errs:?}");
    let unclosed = "[DOCUMENT]\nTITLE: x\n\n[[SECTION]]\nTITLE: s\n";
    let errs = parse(unclosed).unwrap_err();
    assert!(errs[0].1.contains("not closed"), "{errs:?}");
    assert!(parse("TITLE: no document").is_err());
    let stray = "[DOCUMENT]\nTITLE: x\n\nstray text\n";
    assert_eq!(parse(stray).unwrap_err()[0].0, 4);
}

#[test]
fn statuses() {
    assert_eq!(status(Kind::Requirement, "Active"), Some("approved"));
    assert_eq!(status(Kind::Requirement, "Deleted"), Some("obsolete"));
    assert_eq!(status(Kind::Test, "Draft"), None);
}
