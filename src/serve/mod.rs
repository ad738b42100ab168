//! `relpack serve`: the packet's site over HTTP while the evidence is
//! written. The release is built in memory (no file is written anywhere),
//! the evidence root is watched, and every change rebuilds it; open pages
//! reload themselves through server-sent events. When the evidence becomes
//! invalid, the last good site stays up and every page shows the
//! diagnostics in an overlay until they are fixed. The PDF is rendered
//! only when it is asked for.
//!
//! Only files the packet holds are served (they live in a map; nothing is
//! read from disk to answer a request), so no path can reach outside it.
//! The reload script and the overlay are added to pages as they are sent:
//! a built packet never contains them.

mod http;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use codespan_reporting::term::termcolor::NoColor;

use crate::render::{Output, OutputError};
use crate::stages::Options;

/// What `relpack serve` was asked for.
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub options: Options,
}

/// The site as last built, and why the evidence is invalid now (if it is).
#[derive(Default)]
pub struct Site {
    /// Bumped on every rebuild; open pages reload when it changes.
    pub generation: u64,
    /// Every file of the packet but the PDF, and the pages' input keys.
    pub built: Arc<Built>,
    /// The diagnostics (plain text) while the evidence is invalid.
    pub problems: Option<String>,
    /// The PDF of this generation, once asked for.
    pub pdf: Option<Vec<u8>>,
}

/// The files of one build by their path in the packet folder, and the
/// input keys of the pages among them (`render::input_key`).
#[derive(Default)]
pub struct Built {
    pub files: HashMap<String, Vec<u8>>,
    keys: HashMap<String, String>,
    /// Rendered rows of the big section pages, by key (see `parts.rs`).
    parts: HashMap<String, String>,
}

/// Shared by the watcher, the rebuilds and every request.
pub struct State {
    pub site: Mutex<Site>,
    pub rebuilt: Condvar,
    root: PathBuf,
    options: Options,
}

/// Files handed over by the renderers, kept in memory. A page whose inputs
/// have the key they had in the last build is copied from it, not rendered
/// again (after an edit, all pages but a few).
struct Memory {
    built: Mutex<Built>,
    last: Arc<Built>,
}

impl Output for Memory {
    fn put(&self, path: &str, bytes: Vec<u8>) -> Result<(), OutputError> {
        let mut built = self.built.lock().map_err(|_| OutputError::WritersStopped)?;
        built.files.insert(path.to_string(), bytes);
        Ok(())
    }

    fn reuse(&self, path: &str, key: &str) -> Result<bool, OutputError> {
        let Some(bytes) = self
            .last
            .keys
            .get(path)
            .filter(|k| *k == key)
            .and_then(|_| self.last.files.get(path))
        else {
            return Ok(false);
        };
        self.put_keyed(path, key, bytes.clone())?;
        Ok(true)
    }

    fn put_keyed(&self, path: &str, key: &str, bytes: Vec<u8>) -> Result<(), OutputError> {
        let mut built = self.built.lock().map_err(|_| OutputError::WritersStopped)?;
        built.files.insert(path.to_string(), bytes);
        built.keys.insert(path.to_string(), key.to_string());
        Ok(())
    }

    fn part(&self, key: &str) -> Option<String> {
        let html = self.last.parts.get(key)?.clone();
        self.keep_part(key, &html);
        Some(html)
    }

    fn keep_part(&self, key: &str, html: &str) {
        if let Ok(mut built) = self.built.lock() {
            built.parts.insert(key.to_string(), html.to_string());
        }
    }
}

/// Check and render the release into memory (pages unchanged since `last`
/// copied from it); the diagnostics as text when the evidence is invalid
/// (or rendering failed).
fn render(root: &Path, options: &Options, pdf: bool, last: Arc<Built>) -> Result<Built, String> {
    let mut checked = crate::check(root, options).map_err(|f| {
        let mut text = NoColor::new(Vec::new());
        let _ = crate::report::emit_failure(&mut text, &f.sources, &f.diags, true);
        String::from_utf8_lossy(&text.into_inner()).into_owned()
    })?;
    let memory = Memory {
        built: Mutex::default(),
        last,
    };
    crate::render_packet(&mut checked, pdf, &memory, &|_| {}, &Default::default()).map_err(
        |f| {
            let mut text = NoColor::new(Vec::new());
            let _ = crate::report::emit_failure(&mut text, &f.sources, &f.diags, false);
            String::from_utf8_lossy(&text.into_inner()).into_owned()
        },
    )?;
    memory
        .built
        .into_inner()
        .map_err(|_| "a renderer failed".to_string())
}

impl State {
    fn new(root: PathBuf, options: Options) -> State {
        State {
            site: Mutex::new(Site::default()),
            rebuilt: Condvar::new(),
            root,
            options,
        }
    }

    /// Rebuild the site from the evidence as it is now; a failure keeps the
    /// last good files and records why.
    pub fn rebuild(&self) {
        let Ok(last) = self.site.lock().map(|s| Arc::clone(&s.built)) else {
            return;
        };
        let result = render(&self.root, &self.options, false, last);
        let Ok(mut site) = self.site.lock() else {
            return;
        };
        match result {
            Ok(built) => {
                site.built = Arc::new(built);
                site.problems = None;
            }
            Err(problems) => site.problems = Some(problems),
        }
        site.pdf = None;
        site.generation += 1;
        self.rebuilt.notify_all();
    }

    /// The PDF of the current evidence, rendered on the first request after
    /// each rebuild (other pages are served meanwhile).
    pub fn pdf(&self) -> Option<Vec<u8>> {
        let generation = {
            let site = self.site.lock().ok()?;
            if let Some(pdf) = &site.pdf {
                return Some(pdf.clone());
            }
            if site.problems.is_some() {
                return None;
            }
            site.generation
        };
        let last = Arc::clone(&self.site.lock().ok()?.built);
        let mut built = render(&self.root, &self.options, true, last).ok()?;
        let pdf = built.files.remove("packet.pdf")?;
        let mut site = self.site.lock().ok()?;
        if site.generation == generation {
            site.pdf = Some(pdf.clone());
        }
        Some(pdf)
    }
}

/// Build, serve and watch until the process is stopped (Ctrl-C). `ready`
/// is called with the site's URL once it listens.
pub fn serve(o: ServeOptions, ready: &dyn Fn(&str)) -> Result<(), String> {
    let root = std::fs::canonicalize(&o.root)
        .map_err(|e| format!("cannot open {}: {e}", o.root.display()))?;
    let server = tiny_http::Server::http((o.bind, o.port))
        .map_err(|e| format!("cannot listen on {}:{}: {e}", o.bind, o.port))?;
    let state = Arc::new(State::new(root.clone(), o.options));
    state.rebuild();
    let watcher = watch(&root, Arc::clone(&state))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .unwrap_or(o.port);
    let host = match o.bind {
        IpAddr::V6(a) => format!("[{a}]"),
        IpAddr::V4(a) => a.to_string(),
    };
    ready(&format!("http://{host}:{port}/"));
    for request in server.incoming_requests() {
        let state = Arc::clone(&state);
        std::thread::spawn(move || http::answer(request, &state));
    }
    drop(watcher);
    Ok(())
}

/// Watch the evidence root; after each burst of changes (editors save in
/// several steps, some by rename) has been quiet for a moment, rebuild.
fn watch(root: &Path, state: Arc<State>) -> Result<notify::RecommendedWatcher, String> {
    use notify::Watcher;
    let (send, receive) = channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(send)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    watcher
        .watch(root, notify::RecursiveMode::Recursive)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        while let Ok(first) = receive.recv() {
            let mut relevant = is_relevant(&root, &first);
            loop {
                match receive.recv_timeout(Duration::from_millis(120)) {
                    Ok(e) => relevant |= is_relevant(&root, &e),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            if relevant {
                state.rebuild();
            }
        }
    });
    Ok(watcher)
}

/// A change the packet can depend on: not inside a hidden folder or file
/// (`.git`, editors' swap files), which discovery skips anyway.
fn is_relevant(root: &Path, event: &notify::Result<notify::Event>) -> bool {
    let Ok(event) = event else {
        return true;
    };
    if matches!(event.kind, notify::EventKind::Access(_)) {
        return false;
    }
    event.paths.iter().any(|p| {
        let rel = p.strip_prefix(root).unwrap_or(p);
        !rel.components().any(|c| {
            c.as_os_str()
                .to_str()
                .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
        })
    })
}
