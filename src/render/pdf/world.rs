//! The typst [`World`] of one compilation (after typst-cli's `SystemWorld`,
//! reduced to what a packet needs): the template built into the binary, one
//! JSON file of data, the watermark, the packet's figures (as bytes, under
//! their packet paths), the fonts, and `today()` fixed to the release date.
//! No other file is served, so nothing on disk or the network is reachable.

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

const TEMPLATE: &str = include_str!("../../../templates/pdf/packet.typ");
/// The NOT RELEASABLE watermark as outlines (scripts/make-watermark.py), so
/// it stays out of the PDF's text layer.
const WATERMARK: &[u8] = include_bytes!("../../../assets/pdf/not-releasable.svg");

pub struct PacketWorld<'a> {
    library: LazyHash<Library>,
    book: &'a LazyHash<FontBook>,
    fonts: &'a [Font],
    main: Source,
    data_id: FileId,
    data: Bytes,
    watermark_id: FileId,
    today: Datetime,
    /// The packet's figures (images of attachments), by their packet path.
    figures: &'a [(FileId, Bytes)],
}

pub(super) fn file_id(path: &str) -> Result<FileId, String> {
    let vpath = VirtualPath::new(path).map_err(|e| format!("{e:?}"))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

impl<'a> PacketWorld<'a> {
    /// `data` is served as /packet.json; `date` (YYYY-MM-DD) is `today()`.
    pub fn new(
        fonts: &'a [Font],
        book: &'a LazyHash<FontBook>,
        data: Vec<u8>,
        date: &str,
        figures: &'a [(FileId, Bytes)],
    ) -> Result<Self, String> {
        let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|e| format!("release date {date}: {e}"))?;
        use chrono::Datelike;
        let today = Datetime::from_ymd(d.year(), d.month() as u8, d.day() as u8)
            .ok_or("release date out of range")?;
        Ok(PacketWorld {
            library: LazyHash::new(Library::builder().build()),
            book,
            fonts,
            main: Source::new(file_id("/packet.typ")?, TEMPLATE.to_string()),
            data_id: file_id("/packet.json")?,
            watermark_id: file_id("/not-releasable.svg")?,
            data: Bytes::new(data),
            today,
            figures,
        })
    }
}

impl PacketWorld<'_> {
    /// The template line (1-based) a span points at, if it is in the template.
    pub fn template_line(&self, span: impl Into<typst::syntax::DiagSpan>) -> Option<usize> {
        use typst::WorldExt;
        // The template is the only source a span can point into.
        let range = self.range(span)?;
        Some(TEMPLATE.get(..range.start)?.matches('\n').count() + 1)
    }
}

impl World for PacketWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.watermark_id {
            Ok(Bytes::new(WATERMARK))
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else if let Some((_, bytes)) = self.figures.iter().find(|(f, _)| *f == id) {
            // A figure: bytes relpack read through fsroot and checked.
            Ok(bytes.clone())
        } else {
            // No evidence path, /etc/passwd or package is ever served.
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}
