//! Shared by the parser targets: diagnostics are rendered as `relpack check`
//! renders them (terminal, JSON, SARIF), so a span a parser got wrong panics
//! here rather than in front of a user.

use codespan_reporting::term::termcolor::NoColor;
use relpack::diag::{self, Diagnostic, Sources};
use relpack::report;

pub fn emit(sources: &Sources, mut diags: Vec<Diagnostic>) {
    diag::sort(&mut diags, sources);
    let _ = report::emit_diagnostics(&mut NoColor::new(std::io::sink()), sources, &diags);
    let _ = report::invalid_json(sources, &diags);
    let _ = report::sarif(None, sources, &diags);
}
