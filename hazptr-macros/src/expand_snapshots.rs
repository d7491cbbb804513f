//! Expansion snapshots, as pin-project's `tests/expand`: every change to the generated code shows
//! up as a diff of a checked-in file.
//!
//! Each `tests/expand/<name>.rs` at the workspace root is an input, expanded here and compared with
//! `tests/expand/<name>.expanded.rs`:
//! - an input holding a `#[derive(HazardProtected)]` struct (exactly one) snapshots the derive's
//!   output alone;
//! - any other input holds a function with one `protected! { … }` statement, and snapshots the
//!   whole file with that statement replaced by its expansion.
//!
//! Both are printed by prettyplease, not rustfmt (doc attributes print as `/** … */`, the input's
//! `//` comments are dropped), and without hygiene: the mixed-site names of `protected!`
//! (`hazards`, `hazard_0`) print as plain identifiers. The inputs are never compiled:
//! cargo builds only `tests/*.rs` and `tests/*/main.rs`, so `tests/expand/` holds no test target.
//!
//! After changing the generated code, refresh the snapshots with
//!
//! ```text
//! EXPAND=overwrite cargo test -p hazptr-macros
//! ```
//!
//! and read every diff of `tests/expand/*.expanded.rs` before committing it, as a reviewer would:
//! the diff is the review of the change to what users compile. A new case is a new input file;
//! its snapshot is written by the same command (without it, a missing snapshot fails; add
//! `-- --nocapture` to see which files were written).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

use proc_macro2::TokenStream;
use syn::parse::Parser as _;
use syn::{Block, DeriveInput, File, Item, ItemStruct, Stmt};

/// The variable that turns comparing into writing, like trybuild's `TRYBUILD=overwrite`.
const MODE_VARIABLE: &str = "EXPAND";
const REFRESH: &str = "EXPAND=overwrite cargo test -p hazptr-macros";

#[test]
fn expansions_match_their_snapshots() {
    let overwrite = match env::var(MODE_VARIABLE) {
        Ok(mode) if mode == "overwrite" => true,
        Ok(mode) => {
            panic!("{MODE_VARIABLE}={mode:?}: write `{MODE_VARIABLE}=overwrite` or unset it")
        }
        Err(_) => false,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("hazptr-macros lies inside the workspace");
    let dir = root.join("tests/expand");
    let (inputs, snapshots) = list(&dir);
    assert!(!inputs.is_empty(), "no input in {}", dir.display());

    let mut failures = String::new();
    for snapshot in &snapshots {
        if !inputs.contains(&input_of(snapshot)) {
            let _ = writeln!(
                failures,
                "{}: no input `{}` beside it; delete the snapshot\n",
                shown(root, snapshot),
                shown(root, &input_of(snapshot)),
            );
        }
    }
    for input in &inputs {
        let snapshot = snapshot_of(input);
        let source = fs::read_to_string(input).expect("an input is readable");
        let expanded = match expand_input(&source) {
            Ok(expanded) => expanded,
            Err(problem) => {
                let _ = writeln!(failures, "{}: {problem}\n", shown(root, input));
                continue;
            }
        };
        let recorded = fs::read_to_string(&snapshot).ok();
        if recorded.as_deref() == Some(expanded.as_str()) {
            continue;
        }
        if overwrite {
            fs::write(&snapshot, &expanded).expect("a snapshot is writable");
            eprintln!("wrote {}", shown(root, &snapshot));
            continue;
        }
        let _ = match &recorded {
            Some(recorded) => writeln!(
                failures,
                "{} does not match the expansion of {}:\n{}\n",
                shown(root, &snapshot),
                shown(root, input),
                difference(recorded, &expanded),
            ),
            None => writeln!(
                failures,
                "{} is missing: the expansion of {} has no snapshot yet\n",
                shown(root, &snapshot),
                shown(root, input),
            ),
        };
    }
    assert!(
        failures.is_empty(),
        "\n{failures}if the change is intended, refresh with `{REFRESH}` and read the diff of \
         every snapshot it rewrites"
    );
}

/// The inputs and the snapshots in `dir`, each sorted.
fn list(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut inputs = Vec::new();
    let mut snapshots = Vec::new();
    let entries = fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry is readable").path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        if name.ends_with(".expanded.rs") {
            snapshots.push(path);
        } else if name.ends_with(".rs") {
            inputs.push(path);
        }
    }
    inputs.sort();
    snapshots.sort();
    (inputs, snapshots)
}

/// `<name>.expanded.rs` beside `<name>.rs`.
fn snapshot_of(input: &Path) -> PathBuf {
    input.with_extension("expanded.rs")
}

/// `<name>.rs` beside `<name>.expanded.rs`.
fn input_of(snapshot: &Path) -> PathBuf {
    // `with_extension` replaces only `rs`: `config.expanded.rs` → `config.expanded` → `config.rs`.
    snapshot.with_extension("").with_extension("rs")
}

/// `path` relative to the workspace root, for the messages.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The snapshot text of an input file.
fn expand_input(source: &str) -> Result<String, String> {
    let mut file = syn::parse_file(source).map_err(|error| format!("does not parse: {error}"))?;
    let derived: Vec<&ItemStruct> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(item) if derives_hazard_protected(item) => Some(item),
            _ => None,
        })
        .collect();
    match derived.as_slice() {
        [] => {}
        [item] => return pretty(crate::derive::expand(&derive_input(item))),
        _ => return Err("holds more than one `#[derive(HazardProtected)]` struct".to_owned()),
    }
    expand_protected_in(&mut file)?;
    Ok(prettyplease::unparse(&file))
}

fn derives_hazard_protected(item: &ItemStruct) -> bool {
    item.attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| {
                    paths.iter().any(|path| {
                        path.segments
                            .last()
                            .is_some_and(|last| last.ident == "HazardProtected")
                    })
                })
    })
}

/// What rustc hands the derive: the struct without its `#[derive(…)]` attributes.
fn derive_input(item: &ItemStruct) -> DeriveInput {
    let mut item = item.clone();
    item.attrs.retain(|attr| !attr.path().is_ident("derive"));
    DeriveInput::from(item)
}

/// Replaces the one `protected!` statement in the file's functions by its expansion.
fn expand_protected_in(file: &mut File) -> Result<(), String> {
    let mut found = 0;
    for item in &mut file.items {
        let Item::Fn(function) = item else { continue };
        let mut stmts = Vec::with_capacity(function.block.stmts.len());
        for stmt in function.block.stmts.drain(..) {
            match stmt {
                Stmt::Macro(invocation)
                    if invocation
                        .mac
                        .path
                        .segments
                        .last()
                        .is_some_and(|last| last.ident == "protected") =>
                {
                    found += 1;
                    let expansion = crate::protected::expand(invocation.mac.tokens);
                    let parsed = Block::parse_within.parse2(expansion.clone()).map_err(
                        |error| {
                            format!(
                                "the expansion `{expansion}` does not parse as statements: {error}"
                            )
                        },
                    )?;
                    stmts.extend(parsed);
                }
                stmt => stmts.push(stmt),
            }
        }
        function.block.stmts = stmts;
    }
    match found {
        1 => Ok(()),
        0 => Err(
            "holds neither a `#[derive(HazardProtected)]` struct nor a function with a \
                  `protected!` statement"
                .to_owned(),
        ),
        _ => Err(format!(
            "holds {found} `protected!` statements; give each its own input"
        )),
    }
}

/// The derive's output, printed.
fn pretty(tokens: TokenStream) -> Result<String, String> {
    let file = syn::parse2::<File>(tokens.clone())
        .map_err(|error| format!("the expansion `{tokens}` does not parse as items: {error}"))?;
    Ok(prettyplease::unparse(&file))
}

/// Where two texts first differ, and their lengths.
fn difference(recorded: &str, expanded: &str) -> String {
    let recorded_lines: Vec<&str> = recorded.lines().collect();
    let expanded_lines: Vec<&str> = expanded.lines().collect();
    let first = (0..recorded_lines.len().max(expanded_lines.len()))
        .find(|&index| recorded_lines.get(index) != expanded_lines.get(index));
    let line = |lines: &[&str], index: usize| match lines.get(index) {
        Some(line) => format!("`{line}`"),
        None => "(end of text)".to_owned(),
    };
    let at = match first {
        Some(index) => format!(
            "  first difference at line {}:\n    snapshot:  {}\n    expansion: {}",
            index + 1,
            line(&recorded_lines, index),
            line(&expanded_lines, index),
        ),
        // Same lines: they differ in line endings or the final newline.
        None => "  same lines, different line endings or final newline".to_owned(),
    };
    format!(
        "{at}\n  snapshot: {} lines, expansion: {} lines",
        recorded_lines.len(),
        expanded_lines.len(),
    )
}
