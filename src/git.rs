//! Where the evidence root is inside a git repository: the commit, the tag
//! on it and whether the work tree is dirty, read in-process with git2; and
//! the commits whose trailers trace code changes to items.

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GitInfo {
    pub commit: String,
    pub tag: Option<String>,
    pub dirty: bool,
    /// Commits traced to items by their `Refs:` / `Implements:` / `Fixes:`
    /// trailers, oldest first.
    pub traced: Vec<TracedCommit>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TracedCommit {
    pub commit: String,
    pub summary: String,
    pub author: String,
    pub time: String,
    pub items: Vec<String>,
}

/// How many commits are read back when there is no previous release.
pub const HISTORY_LIMIT: usize = 1000;

/// `output`: the build's OUT (resolved), whose packets do not make the work
/// tree dirty (else a second `relpack build . --out dist` would differ from
/// the first).
pub fn read(root: &Path, previous_commit: Option<&str>, output: Option<&Path>) -> Option<GitInfo> {
    let repo = git2::Repository::discover(root).ok()?;
    let head = repo.head().ok()?.peel_to_commit().ok()?;
    let commit = head.id().to_string();
    let tag = head_tag(&repo, head.id());
    let output_in_tree = output.and_then(|out| {
        let workdir = repo.workdir()?.canonicalize().ok()?;
        let rel = out.strip_prefix(&workdir).ok()?;
        Some(crate::discover::relative(Path::new(""), rel))
    });
    let is_output = |path: Option<&str>| match (&output_in_tree, path) {
        (Some(out), Some(p)) => p == out || p.starts_with(&format!("{out}/")),
        _ => false,
    };
    // A status that cannot be read is not proof of a clean tree.
    let dirty = repo
        .statuses(Some(
            git2::StatusOptions::new()
                .include_untracked(true)
                .include_ignored(false),
        ))
        .map(|s| s.iter().any(|e| !is_output(e.path())))
        .unwrap_or(true);
    let traced = traced_commits(&repo, head.id(), previous_commit);
    Some(GitInfo {
        commit,
        tag,
        dirty,
        traced,
    })
}

/// The tag on HEAD. With several, a version tag (`v1.2.3`, `1.2.3`) wins
/// over others (`deployed`, `rc`), then the first by name, so the release
/// version read from it does not depend on which tag was made first.
fn head_tag(repo: &git2::Repository, head: git2::Oid) -> Option<String> {
    let names = repo.tag_names(None).ok()?;
    let mut on_head: Vec<&str> = names
        .iter()
        .flatten()
        .filter(|name| {
            repo.revparse_single(&format!("refs/tags/{name}"))
                .and_then(|o| o.peel_to_commit())
                .map(|c| c.id())
                == Ok(head)
        })
        .collect();
    on_head.sort_by_key(|name| (!is_version_tag(name), *name));
    on_head.first().map(|s| s.to_string())
}

fn is_version_tag(name: &str) -> bool {
    name.strip_prefix('v')
        .unwrap_or(name)
        .starts_with(|c: char| c.is_ascii_digit())
}

fn traced_commits(
    repo: &git2::Repository,
    head: git2::Oid,
    previous: Option<&str>,
) -> Vec<TracedCommit> {
    let Ok(mut walk) = repo.revwalk() else {
        return Vec::new();
    };
    if walk.push(head).is_err() {
        return Vec::new();
    }
    let _ = walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME);
    if let Some(prev) = previous.and_then(|p| git2::Oid::from_str(p).ok()) {
        let _ = walk.hide(prev);
    }
    let mut out = Vec::new();
    for oid in walk.flatten().take(HISTORY_LIMIT) {
        let Ok(c) = repo.find_commit(oid) else {
            continue;
        };
        let message = c.message().unwrap_or_default();
        let items = trailer_ids(message);
        if items.is_empty() {
            continue;
        }
        let time = chrono::DateTime::from_timestamp(c.time().seconds(), 0)
            .map(|t| {
                t.with_timezone(
                    &chrono::FixedOffset::east_opt(c.time().offset_minutes() * 60)
                        .unwrap_or(chrono::FixedOffset::east_opt(0).expect("zero offset")),
                )
                .to_rfc3339()
            })
            .unwrap_or_default();
        out.push(TracedCommit {
            commit: oid.to_string(),
            summary: c.summary().unwrap_or_default().to_string(),
            author: c.author().name().unwrap_or_default().to_string(),
            time,
            items,
        });
    }
    out.reverse();
    out
}

/// Ids named by `Refs:`, `Implements:` and `Fixes:` trailers (keys in any
/// case, ids separated by commas or spaces) in the last paragraph of a commit
/// message. The subject is never a trailer paragraph, as in git.
pub fn trailer_ids(message: &str) -> Vec<String> {
    let message = message.replace("\r\n", "\n");
    let paragraphs: Vec<&str> = message
        .trim()
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if paragraphs.len() < 2 {
        return Vec::new();
    }
    let last = paragraphs[paragraphs.len() - 1];
    let mut ids: Vec<String> = Vec::new();
    for line in last.lines() {
        let Some((key, rest)) = line.trim().split_once(':') else {
            continue;
        };
        if !["refs", "implements", "fixes"].contains(&key.trim().to_ascii_lowercase().as_str()) {
            continue;
        }
        for id in rest.split(|c: char| c == ',' || c.is_whitespace()) {
            if !id.is_empty() && !ids.iter().any(|i| i == id) {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

/// A trailer naming an unknown id is worth a warning, not a failure: the
/// commit may predate the item's rename.
pub fn unknown_trailer_ids(
    git: Option<&GitInfo>,
    links: &crate::link::Links,
) -> Vec<crate::diag::Diagnostic> {
    let mut out = Vec::new();
    for c in git.map(|g| g.traced.as_slice()).unwrap_or_default() {
        for id in c.items.iter().filter(|id| !links.index.contains_key(*id)) {
            out.push(crate::diag::Diagnostic::warning(format!(
                "commit {} names `{id}` in a trailer, but no item has that id",
                &c.commit[..c.commit.len().min(12)]
            )));
        }
    }
    out
}
