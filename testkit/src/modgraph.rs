//! The layering of a crate's modules, read from its source text: which
//! top-level module refers to which, through `crate::` (and `$crate::`) and
//! `super::` paths in `use` trees and expressions. Test code is left out
//! (the item after each `#[cfg(test)]`, and files declared under it), as is
//! the crate root and its `__private` / `private` facade, which only
//! re-export.
//!
//! [`check`] finds two kinds of [`Problem`]: a cycle among top-level modules,
//! and a wire format importing another (a directory `provider/formats/<a>/`
//! whose files refer into another format directory `provider/formats/<b>/`;
//! single files directly in `formats/` are shared helpers, not formats).
//! The test of the runtime's own tree (`llm_trace_modules_form_layers`)
//! runs in CI through `cargo test --workspace`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// A module path from the crate root (`["provider", "openai"]`); the root
/// itself is empty.
pub type ModPath = Vec<String>;

/// What [`check`] found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Top-level modules that reach each other, with the references that tie
    /// them: `(from, to, file, path as written)`, one per module pair.
    Cycle {
        modules: Vec<String>,
        ties: Vec<(String, String, String, String)>,
    },
    /// A file of format `from` refers to format `to`.
    CrossFormat {
        file: String,
        from: String,
        to: String,
        path: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Cycle { modules, ties } => {
                write!(f, "cycle among top-level modules {}:", modules.join(", "))?;
                for (from, to, file, path) in ties {
                    write!(f, "\n  {from} -> {to}  ({file}: {path})")?;
                }
                Ok(())
            }
            Problem::CrossFormat {
                file,
                from,
                to,
                path,
            } => write!(
                f,
                "format {from} imports format {to}: {file} refers to {path}"
            ),
        }
    }
}

/// The modules named by the paths in one file's source text, as written
/// (`crate::a::b` gives `["crate", "a", "b"]`, `super::x` gives
/// `["super", "x"]`), test code left out.
pub fn references(source: &str) -> Vec<Vec<String>> {
    let tokens = without_test_items(&tokenize(source));
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        // `pub(crate)` is not followed by `::`; a path that only continues
        // here (`x::super`) does not start here.
        let starts = matches!(tokens[i].as_str(), "crate" | "$crate" | "super")
            && tokens.get(i + 1).map(String::as_str) == Some("::")
            && !(i > 0 && tokens[i - 1] == "::");
        if starts {
            let head = if tokens[i] == "$crate" {
                "crate".to_owned()
            } else {
                tokens[i].clone()
            };
            i = use_tree(&tokens, i + 1, vec![head], &mut found);
        } else {
            i += 1;
        }
    }
    found
}

/// Parses a use tree (or a plain path) at `tokens[i]`, which follows the
/// segments in `prefix`; pushes each complete path and returns the index
/// after the tree.
fn use_tree(
    tokens: &[String],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        if tokens.get(i).map(String::as_str) != Some("::") {
            out.push(prefix);
            return i;
        }
        i += 1;
        match tokens.get(i).map(String::as_str) {
            Some("{") => {
                i += 1;
                loop {
                    match tokens.get(i).map(String::as_str) {
                        None => return i,
                        Some("}") => return i + 1,
                        Some(",") => i += 1,
                        Some("self") => {
                            out.push(prefix.clone());
                            i += 1;
                        }
                        Some("{") => {
                            // `a::{{b, c}}` is legal, if odd: a group in a group.
                            i = use_tree(tokens, i - 1, prefix.clone(), out);
                        }
                        Some(t) if is_ident(t) => {
                            let mut path = prefix.clone();
                            path.push(t.to_owned());
                            i = use_tree(tokens, i + 1, path, out);
                            if tokens.get(i).map(String::as_str) == Some("as") {
                                i += 2;
                            }
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            Some("*") => {
                out.push(prefix);
                return i + 1;
            }
            Some(t) if is_ident(t) => {
                prefix.push(t.to_owned());
                i += 1;
            }
            // `crate::<T>`-like oddities and turbofish: the path ends here.
            _ => {
                out.push(prefix);
                return i;
            }
        }
    }
}

fn is_ident(t: &str) -> bool {
    let mut chars = t.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// Identifiers, `::`, and single punctuation characters; comments, string
/// and character literals dropped.
fn tokenize(source: &str) -> Vec<String> {
    let s: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Block comments nest.
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_string(&s, i + 1);
        } else if (c == 'r' || c == 'b')
            && raw_string_start(&s, i).is_some()
            && (i == 0 || !(s[i - 1] == '_' || s[i - 1].is_alphanumeric()))
        {
            let (hashes, body) = raw_string_start(&s, i).unwrap();
            i = body;
            if hashes == usize::MAX {
                // b"...": an ordinary string with escapes.
                i = skip_string(&s, i);
                continue;
            }
            loop {
                if i >= s.len() {
                    break;
                }
                if s[i] == '"' && (0..hashes).all(|k| s.get(i + 1 + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}', '"') or a lifetime.
            if next == Some('\\') {
                i += 2;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if s.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c == ':' && next == Some(':') {
            tokens.push("::".to_owned());
            i += 2;
        } else if c == '$' || c == '_' || c.is_alphanumeric() {
            let start = i;
            i += 1;
            while i < s.len() && (s[i] == '_' || s[i].is_alphanumeric()) {
                i += 1;
            }
            // `r#type`: a raw identifier is the identifier.
            let word: String = s[start..i].iter().collect();
            if word == "r" && s.get(i) == Some(&'#') {
                i += 1;
                continue;
            }
            tokens.push(word);
        } else {
            tokens.push(c.to_string());
            i += 1;
        }
    }
    tokens
}

/// Skips an ordinary string's body from `i` (after the opening quote).
fn skip_string(s: &[char], mut i: usize) -> usize {
    while i < s.len() {
        match s[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// At `r"`, `r#"`, `br"`, `br#"` or `b"`: the number of `#`s (`usize::MAX`
/// for `b"`, which has escapes) and the index after the opening quote.
fn raw_string_start(s: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if s.get(j) == Some(&'b') {
        j += 1;
        if s.get(j) == Some(&'"') {
            return Some((usize::MAX, j + 1));
        }
    }
    if s.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while s.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (s.get(j) == Some(&'"')).then_some((hashes, j + 1))
}

/// The tokens with every item under `#[cfg(test)]` removed: a `mod x { .. }`
/// or any other braced item through its closing brace, a `mod x;` or `use
/// ..;` through its semicolon.
fn without_test_items(tokens: &[String]) -> Vec<String> {
    let is = |i: usize, t: &str| tokens.get(i).map(String::as_str) == Some(t);
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let cfg_test = is(i, "#")
            && is(i + 1, "[")
            && is(i + 2, "cfg")
            && is(i + 3, "(")
            && is(i + 4, "test")
            && is(i + 5, ")")
            && is(i + 6, "]");
        if !cfg_test {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        }
        i += 7;
        // The item ends at its first `;` outside brackets, or at the brace
        // that closes its first `{`.
        let mut depth = 0usize;
        while i < tokens.len() {
            match tokens[i].as_str() {
                "{" | "(" | "[" => depth += 1,
                "}" | ")" | "]" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 && tokens[i] == "}" {
                        i += 1;
                        break;
                    }
                }
                ";" if depth == 0 => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

/// The names of the modules declared `#[cfg(test)] mod x;` in a file.
fn test_modules(source: &str) -> BTreeSet<String> {
    let tokens = tokenize(source);
    let at = |i: usize| tokens.get(i).map(String::as_str).unwrap_or("");
    let attr = ["#", "[", "cfg", "(", "test", ")", "]"];
    let mut found = BTreeSet::new();
    for i in 0..tokens.len() {
        if (0..attr.len()).all(|k| at(i + k) == attr[k]) {
            let j = if at(i + 7) == "pub" { i + 8 } else { i + 7 };
            if at(j) == "mod" && at(j + 2) == ";" {
                found.insert(at(j + 1).to_owned());
            }
        }
    }
    found
}

/// A crate's source files by module path, read from its `src/` directory.
pub fn read_tree(src: &Path) -> std::io::Result<BTreeMap<ModPath, (String, String)>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path: PathBuf = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).expect("under src");
                let rel_text = rel.to_string_lossy().replace('\\', "/");
                files.insert(
                    module_path(&rel_text),
                    (rel_text, std::fs::read_to_string(&path)?),
                );
            }
        }
    }
    Ok(files)
}

/// `provider/openai.rs` → `["provider", "openai"]`; `provider/mod.rs` →
/// `["provider"]`; `lib.rs` → `[]`.
pub fn module_path(rel: &str) -> ModPath {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

const FACADE: [&str; 2] = ["__private", "private"];

/// Checks a crate given as `(relative file name, source)` pairs: cycles
/// among its top-level modules, and formats importing formats.
pub fn check_files(files: &BTreeMap<ModPath, (String, String)>) -> Vec<Problem> {
    // Files declared under `#[cfg(test)]` (and everything below them).
    let mut test_only: Vec<ModPath> = Vec::new();
    for (module, (_, source)) in files {
        for name in test_modules(source) {
            let mut child = module.clone();
            child.push(name);
            test_only.push(child);
        }
    }
    let is_test = |m: &ModPath| test_only.iter().any(|t| m.starts_with(t));
    let resolve = |path: &[String]| -> ModPath {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| files.contains_key(p))
            .unwrap_or_default()
    };
    // The format directories: `provider/formats/<a>/` holding files.
    let formats: BTreeSet<String> = files
        .values()
        .filter_map(|(rel, _)| {
            let parts: Vec<&str> = rel.split('/').collect();
            (parts.len() >= 4 && parts[0] == "provider" && parts[1] == "formats")
                .then(|| parts[2].to_owned())
        })
        .collect();
    let format_of = |m: &ModPath| -> Option<String> {
        (m.len() >= 3 && m[0] == "provider" && m[1] == "formats" && formats.contains(&m[2]))
            .then(|| m[2].clone())
    };

    let mut problems = Vec::new();
    // Top-level edges, each with the first reference that makes it.
    let mut edges: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for (module, (rel, source)) in files {
        if is_test(module) {
            continue;
        }
        for reference in references(source) {
            let mut base: ModPath = if reference[0] == "crate" {
                Vec::new()
            } else {
                // `super` of `a/b.rs` (module a::b) is a; of `a/mod.rs` (a), the root.
                module[..module.len().saturating_sub(1)].to_vec()
            };
            let mut rest = &reference[1..];
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            let target = resolve(&base);
            let written = reference.join("::");
            if let (Some(from), Some(to)) = (format_of(module), format_of(&target)) {
                if from != to {
                    problems.push(Problem::CrossFormat {
                        file: rel.clone(),
                        from,
                        to,
                        path: written.clone(),
                    });
                }
            }
            let (Some(a), Some(b)) = (module.first(), target.first()) else {
                continue;
            };
            if a == b || FACADE.contains(&a.as_str()) || FACADE.contains(&b.as_str()) {
                continue;
            }
            edges
                .entry((a.clone(), b.clone()))
                .or_insert((rel.clone(), written));
        }
    }
    for component in strongly_connected(&edges) {
        if component.len() < 2 {
            continue;
        }
        let ties = edges
            .iter()
            .filter(|((a, b), _)| component.contains(a) && component.contains(b))
            .map(|((a, b), (file, path))| (a.clone(), b.clone(), file.clone(), path.clone()))
            .collect();
        problems.push(Problem::Cycle {
            modules: component,
            ties,
        });
    }
    problems
}

/// The strongly connected components of a graph given by its edges (Tarjan),
/// each sorted.
fn strongly_connected<V>(edges: &BTreeMap<(String, String), V>) -> Vec<Vec<String>> {
    struct State<'a> {
        next: BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        components: Vec<Vec<String>>,
    }
    fn visit<'a>(v: &'a str, st: &mut State<'a>) {
        let n = st.index.len();
        st.index.insert(v, n);
        st.low.insert(v, n);
        st.stack.push(v);
        st.on_stack.insert(v);
        for w in st.next.get(v).cloned().unwrap_or_default() {
            if !st.index.contains_key(w) {
                visit(w, st);
                let low = st.low[v].min(st.low[w]);
                st.low.insert(v, low);
            } else if st.on_stack.contains(w) {
                let low = st.low[v].min(st.index[w]);
                st.low.insert(v, low);
            }
        }
        if st.low[v] == st.index[v] {
            let mut component = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            component.sort();
            st.components.push(component);
        }
    }
    let mut st = State {
        next: BTreeMap::new(),
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    let mut nodes = BTreeSet::new();
    for (a, b) in edges.keys() {
        st.next.entry(a.as_str()).or_default().push(b.as_str());
        nodes.insert(a.as_str());
        nodes.insert(b.as_str());
    }
    for v in nodes {
        if !st.index.contains_key(v) {
            visit(v, &mut st);
        }
    }
    st.components
}

/// Reads `src` and checks it (see [`check_files`]).
pub fn check(src: &Path) -> std::io::Result<Vec<Problem>> {
    Ok(check_files(&read_tree(src)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> BTreeMap<ModPath, (String, String)> {
        files
            .iter()
            .map(|(rel, source)| (module_path(rel), (rel.to_string(), source.to_string())))
            .collect()
    }

    fn paths(source: &str) -> Vec<String> {
        references(source).iter().map(|p| p.join("::")).collect()
    }

    #[test]
    fn use_trees_paths_and_test_code_are_read_as_written() {
        let source = r##"
            use crate::{call::{scope, Call as C}, content, self};
            use super::super::wire::*;
            pub(crate) fn f() -> crate::cost::Usd { $crate::metrics::record(); g::<crate::x::Y>() }
            // use crate::commented;
            const S: &str = "crate::in_a_string";
            const R: &str = r#"crate::raw"#;
            const Q: char = '"';
            fn h<'a>(x: &'a str) -> &'a str { let _ = crate::after_char; x }
            #[cfg(test)]
            mod tests { use crate::only_in_tests; }
            #[cfg(test)]
            use crate::test_import;
            pub(in crate::outer) fn v() {}
        "##;
        assert_eq!(
            paths(source),
            [
                "crate::call::scope",
                "crate::call::Call",
                "crate::content",
                "crate",
                "super::super::wire",
                "crate::cost::Usd",
                "crate::metrics::record",
                "crate::x::Y",
                "crate::after_char",
                "crate::outer",
            ]
        );
    }

    #[test]
    fn a_cycle_through_three_modules_is_found_with_its_ties() {
        let problems = check_files(&tree(&[
            (
                "lib.rs",
                "pub mod a; pub mod b; pub mod c; pub mod d; pub use crate::a::A;",
            ),
            ("a.rs", "use crate::b::B; pub struct A;"),
            ("b/mod.rs", "mod inner; pub struct B;"),
            ("b/inner.rs", "use crate::{c::C, d};"),
            ("c.rs", "pub fn f() { super::a::A; }"),
            ("d.rs", "use crate::a::A;"),
        ]));
        assert_eq!(
            problems,
            [Problem::Cycle {
                modules: vec!["a".into(), "b".into(), "c".into(), "d".into()],
                ties: vec![
                    ("a".into(), "b".into(), "a.rs".into(), "crate::b::B".into()),
                    (
                        "b".into(),
                        "c".into(),
                        "b/inner.rs".into(),
                        "crate::c::C".into()
                    ),
                    (
                        "b".into(),
                        "d".into(),
                        "b/inner.rs".into(),
                        "crate::d".into()
                    ),
                    ("c".into(), "a".into(), "c.rs".into(), "super::a::A".into()),
                    ("d".into(), "a".into(), "d.rs".into(), "crate::a::A".into()),
                ],
            }]
        );
    }

    #[test]
    fn layers_pass_and_tests_facade_and_root_do_not_count() {
        let problems = check_files(&tree(&[
            (
                "lib.rs",
                "pub mod a; pub mod b; use crate::b::B; use crate::a::A;",
            ),
            ("private.rs", "pub use crate::b::B; pub use crate::a::A;"),
            (
                "a.rs",
                "pub struct A; #[cfg(test)] mod tests { use crate::b::B; } #[cfg(test)] mod more;",
            ),
            ("a/more.rs", "use crate::b::B;"),
            (
                "b.rs",
                "use crate::a::A; use crate::private::Anything; pub struct B;",
            ),
        ]));
        assert_eq!(problems, []);
    }

    #[test]
    fn a_format_importing_another_format_is_found_and_shared_helpers_are_not() {
        let problems = check_files(&tree(&[
            ("lib.rs", "pub mod provider;"),
            ("provider/mod.rs", "pub mod formats;"),
            (
                "provider/formats/mod.rs",
                "pub mod chat; pub mod messages; pub mod wire;",
            ),
            ("provider/formats/wire.rs", "pub fn strict() {}"),
            (
                "provider/formats/chat/mod.rs",
                "mod facts; use super::wire::strict;",
            ),
            (
                "provider/formats/chat/facts.rs",
                "use super::super::messages::types::Usage;",
            ),
            (
                "provider/formats/messages/mod.rs",
                "pub mod types; use crate::provider::formats::wire;",
            ),
            (
                "provider/formats/messages/types.rs",
                "use crate::provider::formats::{chat, wire};",
            ),
        ]));
        assert_eq!(
            problems,
            [
                Problem::CrossFormat {
                    file: "provider/formats/chat/facts.rs".into(),
                    from: "chat".into(),
                    to: "messages".into(),
                    path: "super::super::messages::types::Usage".into(),
                },
                Problem::CrossFormat {
                    file: "provider/formats/messages/types.rs".into(),
                    from: "messages".into(),
                    to: "chat".into(),
                    path: "crate::provider::formats::chat".into(),
                },
            ]
        );
    }

    /// The runtime crate's layering: no cycle among its top-level modules,
    /// no wire format importing another.
    #[test]
    fn llm_trace_modules_form_layers() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../llm-trace/src");
        let problems = check(&src).expect("llm-trace/src is readable");
        let report: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(problems.is_empty(), "{}", report.join("\n"));
    }
}
