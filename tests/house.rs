//! The size of the house: no Rust function over 80 lines, no file of `src/` over 700 lines,
//! no page module (`www/*.js`) over 350 lines, and every name a page module imports from
//! another is exported there. A long function or file is a place to split by job; the test
//! lists every one it finds, with its length, so the whole list can be read at once.

use std::fs;
use std::path::{Path, PathBuf};

const FN_MAX_LINES: usize = 80;
const SRC_FILE_MAX_LINES: usize = 700;
const WWW_FILE_MAX_LINES: usize = 350;

/// Over the limits and owned by work in progress elsewhere; the list shrinks as that work
/// lands (an entry that is no longer over fails the test, so it cannot go stale).
/// Each entry is a file and what in it is over (`fn name`, or `(file)` for its length).
const ALLOWED: &[(&str, &str)] = &[
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` whose name ends with `ext`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// The name of the function a line declares (`fn name`, after `pub`, `const`, ... ), if any.
fn declared_fn(line: &str) -> Option<&str> {
    let mut words = line.split_whitespace();
    let mut word = words.next()?;
    while matches!(word, "pub" | "const" | "async" | "unsafe" | "extern" | "default") || word.starts_with("pub(") || word.starts_with('"') {
        word = words.next()?;
    }
    if word != "fn" {
        return None;
    }
    let name = words.next()?;
    Some(name.split(['(', '<']).next().unwrap_or(name))
}

/// `(name, first line (1-based), lines)` of every function with a body: from its `fn` line
/// to the first closing brace at the same indentation (rustfmt's layout).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = declared_fn(line) else { continue };
        let indent = &line[..line.len() - line.trim_start().len()];
        if line.trim_end().ends_with(';') {
            continue;
        }
        for (j, later) in lines.iter().enumerate().skip(i + 1) {
            let rest = later.strip_prefix(indent).unwrap_or("");
            if rest.starts_with(')') && rest.trim_end().ends_with(';') {
                break; // a declaration without a body, its arguments on several lines
            }
            if later.trim_end() == format!("{indent}}}") {
                out.push((name.to_string(), i + 1, j - i + 1));
                break;
            }
        }
    }
    out
}

#[test]
fn the_scanner_measures_functions_from_fn_to_their_closing_brace() {
    let text = "pub fn a() {\n    x();\n}\n\nimpl T {\n    pub(crate) fn b<T>(\n        y: T,\n    ) -> u8 {\n        if y {\n        }\n    }\n    fn c();\n}\n";
    assert_eq!(functions(text), vec![("a".to_string(), 1, 3), ("b".to_string(), 6, 6)]);
    assert_eq!(declared_fn("    // fn not_code() {"), None);
}

/// What is over the limits in `src/` (Rust) and `www/` (the page), one line each.
fn over_the_limits() -> Vec<String> {
    let mut over = Vec::new();
    for path in files(&root().join("src"), ".rs") {
        let text = fs::read_to_string(&path).unwrap();
        let name = relative(&path);
        let n = text.lines().count();
        if n > SRC_FILE_MAX_LINES {
            over.push(format!("{name}: {n} lines (file)"));
        }
        for (f, at, len) in functions(&text) {
            if len > FN_MAX_LINES {
                over.push(format!("{name}:{at}: fn {f}: {len} lines"));
            }
        }
    }
    for path in files(&root().join("www"), ".js") {
        let name = relative(&path);
        if name.starts_with("www/pkg/") {
            continue;
        }
        let n = fs::read_to_string(&path).unwrap().lines().count();
        if n > WWW_FILE_MAX_LINES {
            over.push(format!("{name}: {n} lines (file)"));
        }
    }
    over
}

#[test]
fn no_function_over_80_lines_no_src_file_over_700_no_page_module_over_350() {
    let over = over_the_limits();
    let matches = |line: &String, (file, what): &(&str, &str)| line.starts_with(&format!("{file}:")) && line.contains(what);
    let allowed = |line: &String| ALLOWED.iter().any(|a| matches(line, a));
    let unexpected: Vec<&String> = over.iter().filter(|l| !allowed(l)).collect();
    assert!(unexpected.is_empty(), "over the limits:\n{}", unexpected.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"));
    for a in ALLOWED {
        assert!(over.iter().any(|l| matches(l, a)), "{a:?} is allowed to be over the limits but no longer is: remove it from ALLOWED");
    }
}

/// The names a module's `import { a, b as c } from './x.js'` statements take from each sibling
/// module: `(module file, name)`.
fn imports(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("import {") {
        let after = &rest[at + "import {".len()..];
        let Some(close) = after.find('}') else { break };
        let names = &after[..close];
        let tail = after[close + 1..].trim_start();
        rest = &after[close..];
        let Some(from) = tail.strip_prefix("from ") else { continue };
        let quote = from.chars().next().unwrap_or('\'');
        let Some(module) = from[1..].split(quote).next() else { continue };
        let Some(file) = module.strip_prefix("./") else { continue };
        if file.contains('/') {
            continue; // www/pkg (generated) or further away
        }
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let imported = name.split(" as ").next().unwrap_or(name).trim();
            out.push((file.to_string(), imported.to_string()));
        }
    }
    out
}

/// The names a module exports (`export function|class|const|let|async function name`, and
/// `export { a, b }`).
fn exports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("export ") else { continue };
        if let Some(list) = rest.strip_prefix('{') {
            let list = list.split('}').next().unwrap_or("");
            out.extend(list.split(',').map(|n| n.split(" as ").last().unwrap_or(n).trim().to_string()).filter(|n| !n.is_empty()));
            continue;
        }
        let words: Vec<&str> = rest.split_whitespace().collect();
        let name = match words.as_slice() {
            ["async", "function", name, ..] | ["function", name, ..] | ["class", name, ..] | ["const", name, ..] | ["let", name, ..] => name,
            _ => continue,
        };
        let name = name.split(['(', '=', ' ', '{']).next().unwrap_or(name).trim_start_matches('*');
        out.push(name.to_string());
    }
    out
}

#[test]
fn every_name_a_page_module_imports_is_exported_there() {
    let www = root().join("www");
    let mut missing = Vec::new();
    let mut checked = 0;
    for path in files(&www, ".js") {
        if relative(&path).starts_with("www/pkg/") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for (file, name) in imports(&text) {
            let target = www.join(&file);
            let Ok(source) = fs::read_to_string(&target) else {
                missing.push(format!("{}: imports from {file}, which does not exist", relative(&path)));
                continue;
            };
            checked += 1;
            if !exports(&source).contains(&name) {
                missing.push(format!("{}: {name} is not exported by www/{file}", relative(&path)));
            }
        }
    }
    assert!(checked > 100, "only {checked} imports found: the scanner lost its way");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
