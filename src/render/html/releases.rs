//! OUT/index.html: the list of every release packet in OUT.

use serde::Serialize;

use super::templates;
use crate::model::ReleaseEntry;
use crate::render::RenderError;

/// The list page, newest first as given.
pub fn release_list(entries: &[ReleaseEntry]) -> Result<Vec<u8>, RenderError> {
    #[derive(Serialize)]
    struct Page<'a> {
        releases: &'a [ReleaseEntry],
    }
    templates::render("releases.html", &Page { releases: entries }, None)
}
