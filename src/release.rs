//! The release's identity: its version, date and folder name, each from
//! the first source that gives it.

use chrono::NaiveDate;

use crate::config::Config;
use crate::evidence::Evidence;
use crate::git::GitInfo;
use crate::stages::Options;

/// `--version` wins, then `release.version`, then a tag on HEAD (`v1.2.3`
/// gives `1.2.3`).
pub fn version(opts: &Options, config: &Config, git: Option<&GitInfo>) -> Option<String> {
    opts.version
        .clone()
        .or_else(|| config.release.version.clone())
        .or_else(|| {
            git.and_then(|g| g.tag.as_deref())
                .map(|t| t.strip_prefix('v').unwrap_or(t).to_string())
        })
        .or_else(|| opts.fallback_version.clone())
}

/// The latest `SOURCE_DATE_EPOCH` relpack accepts: 9999-12-31T23:59:59Z, the
/// end of the years a PDF date and typst can hold.
pub const MAX_SOURCE_DATE_EPOCH: i64 = 253_402_300_799;

/// `SOURCE_DATE_EPOCH` as the reproducible-builds specification defines it:
/// whole seconds since 1970-01-01T00:00:00Z, written as a decimal integer.
/// Empty is unset; anything else that is not such an integer, or is out of
/// range, is an error: the release date must never fall back to today
/// silently.
pub fn source_date_epoch(raw: &str) -> Result<Option<i64>, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let n: i64 = text.parse().map_err(|_| {
        format!(
            "SOURCE_DATE_EPOCH=`{}` is not a whole number of seconds since 1970-01-01 (such as 1763600000)",
            text.escape_debug()
        )
    })?;
    if !(0..=MAX_SOURCE_DATE_EPOCH).contains(&n) {
        return Err(format!(
            "SOURCE_DATE_EPOCH={n} is out of range: it must be from 0 (1970-01-01) to {MAX_SOURCE_DATE_EPOCH} (9999-12-31)"
        ));
    }
    Ok(Some(n))
}

/// `release.date`, else `SOURCE_DATE_EPOCH`, else today.
pub fn date(config: &Config, opts: &Options) -> NaiveDate {
    if let Some(d) = config.release.date.as_ref().and_then(|d| d.date) {
        if let Some(date) = NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32) {
            return date;
        }
    }
    if let Some(epoch) = opts.source_date_epoch {
        if let Some(t) = chrono::DateTime::from_timestamp(epoch, 0) {
            return t.date_naive();
        }
    }
    // The build's own date, where the release engineer is.
    chrono::Local::now().date_naive()
}

/// The release folder's name: `<product id or name>-<version>`.
pub fn folder(ev: &Evidence) -> String {
    folder_name(&ev.config, &ev.version)
}

/// [`folder`] before the evidence is assembled.
pub fn folder_name(config: &Config, version: &str) -> String {
    format!("{}-{}", config.product_slug(), sanitize(version))
}

/// A version as a folder name: no path separators, no leading dot.
fn sanitize(version: &str) -> String {
    let s: String = version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+') {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.trim_start_matches('.').to_string()
}
