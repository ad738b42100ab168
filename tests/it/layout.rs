//! The code's layout: data flows one way. The top-level modules of src/
//! (and lib.rs, the pipeline that runs them) form no cycle: a stage never
//! reaches back into a later one. Read from the source text: every
//! `crate::module` a module names, and every module lib.rs calls. Tests
//! inside a module (after its `#[cfg(test)]`) may use anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::repo_path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Identifiers that follow `prefix` in `text`, including those in a
/// `prefix{a, b::c}` group.
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in text.match_indices(prefix) {
        // Only whole paths: `crate::x`, not `foo_crate::x`.
        if text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        {
            continue;
        }
        let rest = &text[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for part in group.split(',') {
                let name = ident(part.trim());
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    out
}

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo_path("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let module_of = |p: &Path| -> String {
        let rel = p.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let modules: BTreeSet<String> = files
        .iter()
        .map(|p| module_of(p))
        // main.rs and cli/ are the binary, not the library.
        .filter(|m| m != "main" && m != "cli")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &files {
        let module = module_of(p);
        if module == "main" || module == "cli" {
            continue;
        }
        let text = std::fs::read_to_string(p).unwrap();
        let text = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
        let edges = graph.entry(module.clone()).or_default();
        for name in names_after(text, "crate::") {
            // Anything at the crate root that is not a module is lib.rs's.
            let target = if modules.contains(&name) {
                name
            } else {
                "lib".into()
            };
            if target != module {
                edges.insert(target);
            }
        }
        if module == "lib" {
            for m in &modules {
                if m != "lib"
                    && (text.contains(&format!(" {m}::")) || text.contains(&format!("({m}::")))
                {
                    edges.insert(m.clone());
                }
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == next).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn the_modules_form_no_cycle() {
    let graph = module_graph();
    // The reader itself must see the edges it is meant to see.
    assert!(graph["link"].contains("names"), "{graph:?}");
    assert!(graph["lib"].contains("render"), "{graph:?}");
    assert!(graph["model"].contains("stages"), "{graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("the modules form a cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    graph.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&graph), None);
    assert_eq!(
        names_after(
            "use crate::{diag::X, item};\nfoo_crate::no; crate::gate::y",
            "crate::"
        ),
        vec!["diag", "item", "gate"]
    );
}
