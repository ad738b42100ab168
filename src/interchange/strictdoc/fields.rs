//! The fields of an SDoc node or document: `NAME: value`, `NAME: >>>` ..
//! `<<<`, `RELATIONS:` with its `- TYPE:` entries, and blocks of indented
//! lines (`OPTIONS:`, `METADATA:`, `VIEWS:`), which are skipped. A node
//! ends at a blank line outside a multi-line value.

use super::{shorten, Parser, Relation};

type Fields = Vec<(String, String)>;

impl Parser<'_> {
    /// Read fields from the current line up to the node's end.
    pub(super) fn fields(&mut self) -> (Fields, Vec<Relation>) {
        let mut fields = Vec::new();
        let mut relations = Vec::new();
        while self.at < self.lines.len() {
            let line = self.lines[self.at];
            let n = self.at + 1;
            if line.trim().is_empty() || line.starts_with('[') {
                break;
            }
            self.at += 1;
            let Some((name, value)) = line.split_once(':') else {
                self.problem(
                    n,
                    format!("expected `NAME: value`, found `{}`", shorten(line)),
                );
                continue;
            };
            let value = value.strip_prefix(' ').unwrap_or(value);
            if name == "RELATIONS" && value.is_empty() {
                relations = self.relations();
            } else if value.is_empty() {
                self.skip_indented();
            } else if value.trim_end() == ">>>" {
                let text = self.multiline(n);
                fields.push((name.to_string(), text));
            } else {
                fields.push((name.to_string(), value.to_string()));
            }
        }
        (fields, relations)
    }

    /// Lines up to `<<<`, joined.
    fn multiline(&mut self, start: usize) -> String {
        let from = self.at;
        while self.at < self.lines.len() && self.lines[self.at] != "<<<" {
            self.at += 1;
        }
        if self.at >= self.lines.len() {
            self.problem(start, "a `>>>` value without its closing `<<<`");
            return String::new();
        }
        let text = self.lines[from..self.at].join("\n");
        self.at += 1;
        text
    }

    fn skip_indented(&mut self) {
        while self.at < self.lines.len() {
            let l = self.lines[self.at];
            if l.starts_with(' ') || l.starts_with('-') {
                self.at += 1;
            } else {
                break;
            }
        }
    }

    /// `- TYPE: Parent` then `  VALUE: UID`, `  ROLE: ...` (File
    /// relations: `  PATH:`, `  FORMAT:` ...).
    fn relations(&mut self) -> Vec<Relation> {
        let mut out: Vec<Relation> = Vec::new();
        while self.at < self.lines.len() {
            let line = self.lines[self.at];
            let n = self.at + 1;
            let entry = if let Some(rest) = line.strip_prefix("- ") {
                out.push(Relation::default());
                rest
            } else if let Some(rest) = line.strip_prefix("  ") {
                rest
            } else {
                break;
            };
            self.at += 1;
            let (Some(r), Some((key, value))) = (out.last_mut(), entry.split_once(':')) else {
                self.problem(
                    n,
                    format!(
                        "expected `- TYPE: ...` in RELATIONS, found `{}`",
                        shorten(line)
                    ),
                );
                continue;
            };
            let value = value.trim().to_string();
            match key.trim() {
                "TYPE" => r.kind = value,
                "VALUE" => r.value = value,
                "ROLE" => r.role = Some(value),
                other => r.extra.push((other.to_string(), value)),
            }
        }
        for r in &out {
            if matches!(r.kind.as_str(), "Parent" | "Child") && r.value.is_empty() {
                let n = self.at;
                self.problem(n, format!("a {} relation without VALUE", r.kind));
            }
        }
        out
    }
}
