//! Wire formats, one directory each: the bodies' types, their facts (one
//! reading for the typed and the raw form), streaming and content. A format
//! knows no provider and never imports another format; what several share
//! lives in [`wire`](super::wire), and vendors bind formats to providers.

pub(crate) mod chat_completions;

pub(crate) mod cohere_chat;

pub(crate) mod converse;

pub(crate) mod embeddings;

pub(crate) mod generate_content;

pub(crate) mod messages;

pub(crate) mod ollama_chat;

pub mod responses;

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    /// The `.rs` files under `dir`, recursively.
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("a readable source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The names of `formats/`'s subdirectories and files: the formats.
    fn formats(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .expect("formats/")
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.file_name().is_some_and(|n| n != "mod.rs"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    /// Lines of a format's sources that name another format, by path from
    /// the crate (`formats::<b>`) or relatively (`super::<b>` from its
    /// `mod.rs`, `super::super::<b>` from its files).
    fn violations(root: &Path) -> Vec<String> {
        let names = formats(root);
        let mut found = Vec::new();
        for format in &names {
            let dir = root.join(format);
            let mut files = Vec::new();
            if dir.is_dir() {
                sources(&dir, &mut files);
            } else {
                files.push(root.join(format!("{format}.rs")));
            }
            for file in files {
                let text = fs::read_to_string(&file).expect("a readable source file");
                for (number, line) in text.lines().enumerate() {
                    for other in names.iter().filter(|o| *o != format) {
                        let named = [
                            format!("formats::{other}"),
                            format!("super::{other}"),
                            format!("super::super::{other}"),
                        ]
                        .iter()
                        .any(|path| {
                            line.match_indices(path.as_str()).any(|(at, _)| {
                                !line[at + path.len()..]
                                    .starts_with(|c: char| c.is_alphanumeric() || c == '_')
                            })
                        });
                        if named {
                            found.push(format!("{}:{}: {line}", file.display(), number + 1));
                        }
                    }
                }
            }
        }
        found
    }

    #[test]
    fn no_format_imports_another() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/provider/formats");
        assert!(formats(&root).len() >= 3, "the formats are found");
        let found = violations(&root);
        assert!(
            found.is_empty(),
            "a format names another format (shared code goes to `provider::wire`):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn a_format_naming_another_is_found() {
        let root = std::env::temp_dir().join(format!("llm-trace-formats-{}", std::process::id()));
        let a = root.join("alpha");
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(root.join("beta")).unwrap();
        fs::write(root.join("beta/mod.rs"), "//! beta\n").unwrap();
        fs::write(a.join("mod.rs"), "use super::beta_like;\n").unwrap();
        fs::write(a.join("facts.rs"), "use super::super::beta::x;\n").unwrap();
        let found = violations(&root);
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].ends_with("use super::super::beta::x;"),
            "{found:?}"
        );
    }
}
