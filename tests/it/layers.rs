//! The crate's layers run one way: a module may use its own layer and the
//! ones below, never one above. Read from the `crate::` paths of every
//! source file (test modules aside), so a new upward import fails here.
//!
//! Bottom to top: shared values and diagnostics → workspace and rules →
//! readers and checks → calculation → ledger, outputs, reconciliation →
//! period orchestration and the demo → command line.

use std::collections::BTreeSet;
use std::path::Path;

fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "model" | "i18n" | "error" | "allocator" | "finding" | "diag" => 0,
        "workspace" | "rules" => 1,
        "ingest" | "validate" => 2,
        "calc" => 3,
        "ledger" | "emit" | "reconcile" | "report" => 4,
        "pipeline" | "demo" => 5,
        "cli" => 6,
        "main" | "lib" => 7,
        _ => return None,
    })
}

/// Upward uses not yet moved (issue 29): the rule files of templates,
/// the journal, the register and reconciliation are typed next to the code
/// that uses them (emit, reconcile), and close and audit (ledger) call the
/// period's computation in pipeline. Each entry is (file, module used).
const NOT_YET: [(&str, &str); 4] = [
    ("rules/mod.rs", "emit"),
    ("rules/mod.rs", "reconcile"),
    ("ledger/audit.rs", "pipeline"),
    ("ledger/seal.rs", "pipeline"),
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top modules a source names through `crate::`.
fn used_modules(text: &str) -> BTreeSet<String> {
    let body = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut out = BTreeSet::new();
    for (at, _) in body.match_indices("crate::") {
        let rest = &body[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            out.extend(
                inner
                    .split(',')
                    .map(|m| m.trim().split("::").next().unwrap_or("").to_string()),
            );
        } else {
            out.insert(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 50, "{} source files", files.len());
    let mut upward = Vec::new();
    let mut still_needed = BTreeSet::new();
    for path in files {
        let rel = path
            .strip_prefix(&src)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let top = rel.split('/').next().unwrap_or("").trim_end_matches(".rs").to_string();
        let Some(own) = layer(&top) else {
            upward.push(format!(
                "{rel}: module `{top}` has no layer (add it to tests/it/layers.rs)"
            ));
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for used in used_modules(&text) {
            let Some(theirs) = layer(&used) else { continue };
            if theirs <= own {
                continue;
            }
            if NOT_YET.contains(&(rel.as_str(), used.as_str())) {
                still_needed.insert((rel.clone(), used));
                continue;
            }
            upward.push(format!("{rel} (layer {own}) uses crate::{used} (layer {theirs})"));
        }
    }
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
    // An exception that is no longer needed is removed from the list.
    for (file, module) in NOT_YET {
        assert!(
            still_needed.contains(&(file.to_string(), module.to_string())),
            "{file} no longer uses crate::{module}: remove it from NOT_YET"
        );
    }
}

#[test]
fn the_scanner_sees_grouped_and_inline_paths() {
    let text =
        "use crate::{pipeline, report};\nfn f() { crate::calc::iit::x(); }\n#[cfg(test)]\nmod t { use crate::cli; }";
    let seen: Vec<String> = used_modules(text).into_iter().collect();
    assert_eq!(seen, ["calc", "pipeline", "report"]);
}
