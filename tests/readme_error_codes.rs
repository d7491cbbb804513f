//! The error codes the README quotes are the ones the compiler gives: each time the README names
//! a UI case (`` `linked/node_published_twice` ``, a path under `ui-tests/`), it writes the
//! case's error code just before it, as in "E0382, `linked/node_published_twice`" (several
//! codes: "E0716 / E0597, `protected/…`"), and every such code must be one the case's `.stderr`
//! snapshot records. A case named without a code (unless its snapshot records none: the derive's
//! own errors have no code), or a case that does not exist, fails the test too, so an attribution
//! cannot drift out of the check by a change of wording.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The folders of `ui-tests/` whose cases fail to compile, each with a `.stderr`.
const FAILING_DIRS: [&str; 5] = ["derive", "protected", "linked", "soundness", "vector"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One UI case the README names, with the codes written before it.
#[derive(Debug)]
struct Attribution {
    case: String,
    codes: Vec<String>,
    line: usize,
}

/// Whether `word` is an error code: `E` and four digits.
fn is_code(word: &str) -> bool {
    word.len() == 5 && word.starts_with('E') && word[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The codes at the end of `before` (the text up to a case's opening backtick), written
/// "E0499, " or "E0716 / E0597, " (a line may break at any of the spaces); empty if none.
fn codes_before(before: &str) -> Vec<String> {
    let Some(mut rest) = before.trim_end().strip_suffix(',') else {
        return Vec::new();
    };
    let mut codes = Vec::new();
    loop {
        let start = rest.len().saturating_sub(5);
        let word = rest.get(start..).unwrap_or_default();
        let boundary = rest[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if !(is_code(word) && boundary) {
            break;
        }
        codes.insert(0, word.to_owned());
        rest = &rest[..start];
        match rest.trim_end().strip_suffix('/') {
            Some(shorter) => rest = shorter.trim_end(),
            None => break,
        }
    }
    codes
}

/// `text` with the lines of fenced code blocks (and their fences) blanked, so that only prose is
/// searched and a fence's three backticks do not unbalance the inline ones.
fn prose(text: &str) -> String {
    let mut fenced = false;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Every UI case of a failing folder that `readme` names in backticks (`dir/case`, optionally
/// with `ui-tests/` before it and `.rs` after it), with the codes before it.
fn attributions(readme: &str) -> Vec<Attribution> {
    let text = prose(readme);
    let mut found = Vec::new();
    let mut offset = 0;
    for (i, piece) in text.split('`').enumerate() {
        // Up to the opening backtick, not including it.
        let before = &text[..offset.max(1) - 1];
        offset += piece.len() + 1;
        if i % 2 == 0 {
            continue; // outside backticks
        }
        let path = piece.strip_prefix("ui-tests/").unwrap_or(piece);
        let path = path.strip_suffix(".rs").unwrap_or(path);
        let Some((dir, case)) = path.split_once('/') else {
            continue;
        };
        let is_case = FAILING_DIRS.contains(&dir)
            && !case.is_empty()
            && case
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !is_case {
            continue;
        }
        found.push(Attribution {
            case: format!("{dir}/{case}"),
            codes: codes_before(before),
            line: before.matches('\n').count() + 1,
        });
    }
    found
}

/// The codes a snapshot records: every `error[E…]`.
fn recorded_codes(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("error["))
        .filter_map(|rest| rest.split_once(']'))
        .map(|(code, _)| code.to_owned())
        .filter(|code| is_code(code))
        .collect()
}

fn snapshot(case: &str) -> PathBuf {
    root().join("ui-tests").join(format!("{case}.stderr"))
}

#[test]
fn readme_codes_are_the_snapshots_codes() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md is readable");
    let found = attributions(&readme);
    let mut problems = Vec::new();
    for Attribution { case, codes, line } in &found {
        let Ok(stderr) = fs::read_to_string(snapshot(case)) else {
            problems.push(format!(
                "README.md:{line}: `{case}` is not a UI case with a .stderr"
            ));
            continue;
        };
        let recorded = recorded_codes(&stderr);
        // A case whose errors are the derive's own (`error: …`, no code) is named without one.
        if codes.is_empty() && !recorded.is_empty() {
            problems.push(format!(
                "README.md:{line}: `{case}` is named without its code: write \"{}, `{case}`\"",
                recorded.iter().cloned().collect::<Vec<_>>().join(" / ")
            ));
        }
        for code in codes {
            if !recorded.contains(code) {
                problems.push(format!(
                    "README.md:{line}: the README gives {code} for `{case}`, whose snapshot \
                     records {recorded:?}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The README says each misuse of the linked toolkit is pinned by a case of `ui-tests/linked/`:
/// every one of them is named there, with its code.
#[test]
fn readme_names_every_linked_case() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md is readable");
    let named: BTreeSet<String> = attributions(&readme)
        .into_iter()
        .filter(|a| !a.codes.is_empty())
        .map(|a| a.case)
        .collect();
    let dir = root().join("ui-tests/linked");
    let mut missing = Vec::new();
    for entry in fs::read_dir(&dir).expect("ui-tests/linked is readable") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("a UTF-8 name");
            let case = format!("linked/{stem}");
            if !named.contains(&case) {
                missing.push(case);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "README.md names no code for these cases: {missing:?}"
    );
}

/// Each `compile_fail,E…` example of the README shows the error of its section: the code is one
/// the section attributes to a UI case. (Stable rustdoc checks that the example fails, not its
/// code; `RUSTC_BOOTSTRAP=1 cargo test -p hazptr --doc` checks the code too.)
#[test]
fn compile_fail_examples_show_their_sections_codes() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md is readable");
    let mut section = String::new();
    let mut examples = 0;
    let mut problems = Vec::new();
    let mut fenced = false;
    for (index, line) in readme.lines().enumerate() {
        if !fenced && line.starts_with('#') {
            section.clear(); // a heading (in a code block, `#` hides a line)
        }
        if let Some(info) = line.strip_prefix("```") {
            fenced = !fenced;
            let code = info.split(',').find(|word| is_code(word));
            if let (true, Some(code)) = (info.contains("compile_fail"), code) {
                examples += 1;
                let attributed = attributions(&section)
                    .into_iter()
                    .any(|a| a.codes.iter().any(|c| c == code));
                if !attributed {
                    problems.push(format!(
                        "README.md:{}: a `compile_fail,{code}` example in a section that \
                         attributes {code} to no UI case",
                        index + 1
                    ));
                }
            }
        }
        section.push_str(line);
        section.push('\n');
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(examples > 0, "the README has `compile_fail,E…` examples");
}

/// The parser itself: what counts as an attribution, so that the two tests above cannot pass by
/// finding nothing.
#[test]
fn attributions_are_parsed() {
    let text = "a (E0382, `linked/node_published_twice`), b E0716 /\n  E0597,\n  \
                `ui-tests/protected/reference_sent_to_spawned_thread.rs`; c `derive/enum` and \
                `tests/derive.rs`, `ui-tests/linked/`, XE0001, `linked/x`\n\
                ```rust\nE0499, `linked/in_a_code_block`\n```\nE0499, `linked/after`";
    let found = attributions(text);
    let pairs: Vec<(&str, Vec<&str>)> = found
        .iter()
        .map(|a| {
            (
                a.case.as_str(),
                a.codes.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("linked/node_published_twice", vec!["E0382"]),
            (
                "protected/reference_sent_to_spawned_thread",
                vec!["E0716", "E0597"]
            ),
            ("derive/enum", vec![]),
            ("linked/x", vec![]),
            ("linked/after", vec!["E0499"]),
        ]
    );
    assert_eq!(
        recorded_codes("error[E0499]: x\nnote: y\nerror: plain\nerror[E0599]: z\n"),
        BTreeSet::from(["E0499".to_owned(), "E0599".to_owned()])
    );
}
