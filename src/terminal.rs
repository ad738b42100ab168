//! Text from the evidence on its way to a terminal: every control character
//! is shown, never obeyed. A leaf module: diagnostics and reports both
//! write through it.

use std::borrow::Cow;
use std::io::Write;

use codespan_reporting::term::termcolor::{ColorSpec, WriteColor};

/// Whether a character may not reach a terminal as it is: control
/// characters (C0 but newline and tab, DEL, C1: escape sequences start with
/// them) and the bidirectional controls (they reorder what is shown).
fn unprintable(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text made safe for a terminal: each unprintable character is shown as
/// Rust writes it, `\u{1b}`, so an escape sequence in a JUnit case name
/// cannot redraw a FAILED gate as held.
pub fn escape_terminal(s: &str) -> Cow<'_, str> {
    crate::text::show_chars(s, unprintable, |c| format!("\\u{{{:x}}}", c as u32))
}

/// A writer to a terminal that escapes what is written through it
/// ([`escape_terminal`]); colours set through [`WriteColor`] pass.
pub struct Escaped<'w, W: ?Sized>(pub &'w mut W);

impl<W: Write + ?Sized> Write for Escaped<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // `write!` hands over whole `str` pieces: no character is split.
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(escape_terminal(text).as_bytes())?,
            Err(_) => {
                let text = String::from_utf8_lossy(buf);
                self.0.write_all(escape_terminal(&text).as_bytes())?
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<W: WriteColor + ?Sized> WriteColor for Escaped<'_, W> {
    fn supports_color(&self) -> bool {
        self.0.supports_color()
    }

    fn set_color(&mut self, spec: &ColorSpec) -> std::io::Result<()> {
        self.0.set_color(spec)
    }

    fn reset(&mut self) -> std::io::Result<()> {
        self.0.reset()
    }

    fn is_synchronous(&self) -> bool {
        self.0.is_synchronous()
    }
}
