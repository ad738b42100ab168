//! Answering one request of `relpack serve`.

use std::io::Write;
use std::sync::Arc;

use tiny_http::{Header, Request, Response};

use super::State;

const LIVE_JS: &str = include_str!("../../templates/serve/live.js");
const LIVE_CSS: &str = include_str!("../../templates/serve/live.css");

pub fn answer(request: Request, state: &Arc<State>) {
    if !matches!(
        request.method(),
        tiny_http::Method::Get | tiny_http::Method::Head
    ) {
        let _ = request.respond(text(405, "only GET and HEAD"));
        return;
    }
    let url = request.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let Some(path) = decode(path) else {
        let _ = request.respond(text(400, "bad path"));
        return;
    };
    match path.as_str() {
        "/__relpack/events" => {
            let since = url
                .split_once('?')
                .and_then(|(_, q)| q.split('&').find_map(|kv| kv.strip_prefix("since=")))
                .and_then(|g| g.parse().ok());
            events(request, state, since)
        }
        "/__relpack/live.js" => {
            let _ = request.respond(bytes(LIVE_JS.as_bytes().to_vec(), "text/javascript"));
        }
        "/__relpack/live.css" => {
            let _ = request.respond(bytes(LIVE_CSS.as_bytes().to_vec(), "text/css"));
        }
        "/__relpack/status" => {
            let _ = request.respond(bytes(status(state), "application/json"));
        }
        "/packet.pdf" => match state.pdf() {
            Some(pdf) => {
                let _ = request.respond(bytes(pdf, "application/pdf"));
            }
            None => {
                let _ = request.respond(text(
                    503,
                    "the evidence is invalid: no PDF until it is fixed",
                ));
            }
        },
        _ => {
            let _ = request.respond(page(&path, state));
        }
    }
}

/// A file of the packet, at the same path as in the packet folder (`/` is
/// index.html); HTML pages get the reload script and, while the evidence
/// is invalid, the overlay.
fn page(path: &str, state: &State) -> Response<std::io::Cursor<Vec<u8>>> {
    let rel = path.trim_start_matches('/');
    let rel = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    let Ok(site) = state.site.lock() else {
        return text(500, "the server's state is unavailable");
    };
    let file = site.built.files.get(&rel).cloned();
    let problems = site.problems.clone();
    let generation = site.generation;
    drop(site);
    match file {
        Some(body) if rel.ends_with(".html") => {
            let html = inject(
                &String::from_utf8_lossy(&body),
                problems.as_deref(),
                generation,
            );
            bytes(html.into_bytes(), "text/html; charset=utf-8")
        }
        Some(body) => bytes(body, content_type(&rel)),
        None => {
            // No packet yet (the first build failed), or no such file.
            let body = inject(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>relpack serve</title></head><body><main><h1>Not found</h1><p>The packet has no such page.</p></main></body></html>",
                problems.as_deref(),
                generation,
            );
            bytes(body.into_bytes(), "text/html; charset=utf-8").with_status_code(404)
        }
    }
}

/// Add the reload script (and the overlay) to a page, and let its CSP
/// allow the event stream. Only ever done here, never in a built packet.
/// The page carries the generation it was rendered from, so a rebuild
/// between this response and the script's connection still reloads it.
fn inject(html: &str, problems: Option<&str>, generation: u64) -> String {
    let mut out = html.replacen(
        "default-src 'none';",
        "default-src 'none'; connect-src 'self';",
        1,
    );
    out = out.replacen(
        "</head>",
        "<link rel=\"stylesheet\" href=\"/__relpack/live.css\">\n</head>",
        1,
    );
    let mut tail = String::new();
    if let Some(p) = problems {
        tail.push_str(
            "<div id=\"relpack-overlay\" role=\"alert\"><h2>The evidence is invalid: this is the last good packet</h2><pre>",
        );
        tail.push_str(&tera::escape_html(p));
        tail.push_str("</pre></div>\n");
    }
    tail.push_str(&format!(
        "<script src=\"/__relpack/live.js\" data-generation=\"{generation}\"></script>\n</body>"
    ));
    match out.rfind("</body>") {
        Some(at) => out.replace_range(at..at + "</body>".len(), &tail),
        None => out.push_str(&tail),
    }
    out
}

/// Server-sent events: one `reload` message per rebuild since generation
/// `since` (the page's own; without it, since now).
fn events(request: Request, state: &State, since: Option<u64>) {
    let Ok(now) = state.site.lock().map(|s| s.generation) else {
        return;
    };
    let mut seen = since.unwrap_or(now);
    let mut writer = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n";
    if writer
        .write_all(head.as_bytes())
        .and_then(|()| writer.flush())
        .is_err()
    {
        return;
    }
    loop {
        let Ok(site) = state.site.lock() else {
            return;
        };
        let Ok((site, _)) =
            state
                .rebuilt
                .wait_timeout_while(site, std::time::Duration::from_secs(15), |s| {
                    s.generation == seen
                })
        else {
            return;
        };
        let message = if site.generation == seen {
            // A comment keeps the connection open through proxies.
            ": still here\n\n".to_string()
        } else {
            seen = site.generation;
            format!("data: reload {seen}\n\n")
        };
        drop(site);
        if writer
            .write_all(message.as_bytes())
            .and_then(|()| writer.flush())
            .is_err()
        {
            return;
        }
    }
}

fn status(state: &State) -> Vec<u8> {
    let v = match state.site.lock() {
        Ok(s) => serde_json::json!({
            "generation": s.generation,
            "valid": s.problems.is_none(),
            "problems": s.problems,
        }),
        Err(_) => serde_json::json!({ "valid": false }),
    };
    v.to_string().into_bytes()
}

/// Percent-decoding of a URL path; None for a path that is not UTF-8.
fn decode(path: &str) -> Option<String> {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "js" => "text/javascript",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "pdf" => "application/pdf",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        _ => "text/plain; charset=utf-8",
    }
}

fn bytes(body: Vec<u8>, content_type: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let mut r = Response::from_data(body);
    if let Ok(h) = Header::from_bytes("Content-Type", content_type) {
        r.add_header(h);
    }
    if let Ok(h) = Header::from_bytes("Cache-Control", "no-store") {
        r.add_header(h);
    }
    r
}

fn text(code: u16, message: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    bytes(message.as_bytes().to_vec(), "text/plain; charset=utf-8").with_status_code(code)
}
