//! The language catalogs: every message the code asks to translate (`reader.tr("…")`,
//! `reader.fill("…", …)`, or kept for later as `msg("…")`, read from the sources) has its
//! Bulgarian translation in `locales/bg.po`, and the catalog has no entry left untranslated. A
//! new message without its translation fails here.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, ensure};
use pulse_core::i18n::{BG_CATALOG, Locale, parse_po};
use pulse_tests::workspace_root;

/// The calls whose first argument is a message to translate.
const MARKERS: [&str; 3] = [".tr(", ".fill(", "msg("];

/// The string literals passed to a marker in one source file (Rust escapes undone).
fn literals(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let starts = MARKERS.iter().flat_map(|m| {
        source.match_indices(m).filter_map(move |(at, _)| {
            // `msg(` only as a name of its own, not the end of another (`new_msg(`).
            let alone = m.starts_with('.')
                || source[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
            // The literal may start on the next line, as rustfmt wraps long calls.
            let after = at + m.len();
            let literal = after + source[after..].len() - source[after..].trim_start().len();
            (alone && source[literal..].starts_with('"')).then_some(literal + 1)
        })
    });
    for start in starts {
        let mut text = String::new();
        let mut chars = source[start..].chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => text.push('\n'),
                    Some(other) => text.push(other),
                    None => break,
                },
                other => text.push(other),
            }
        }
        found.push(text);
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

#[test]
fn every_message_the_code_translates_is_in_the_bulgarian_catalog() -> Result<()> {
    let root = workspace_root();
    let mut files = Vec::new();
    rust_files(&root.join("components"), &mut files)?;
    rust_files(&root.join("crates/core/src"), &mut files)?;
    let mut asked = BTreeSet::new();
    for file in &files {
        let source = std::fs::read_to_string(file)?;
        // The catalog's own unit tests ask for messages that are not there on purpose.
        let source = source.split("#[cfg(test)]").next().unwrap_or_default();
        asked.extend(literals(source));
    }
    ensure!(
        asked.len() > 30,
        "only {} messages found: is the scan broken?",
        asked.len()
    );
    let missing: Vec<&String> = asked.iter().filter(|m| !Locale::Bg.translates(m)).collect();
    ensure!(
        missing.is_empty(),
        "messages without a Bulgarian translation in locales/bg.po:\n{missing:#?}"
    );
    println!("{} messages asked for, each translated", asked.len());
    Ok(())
}

#[test]
fn the_catalog_has_no_untranslated_or_duplicate_entry() -> Result<()> {
    let mut ids = BTreeSet::new();
    let mut entries = 0;
    for line in BG_CATALOG.lines().filter(|l| l.starts_with("msgid ")) {
        entries += 1;
        ensure!(ids.insert(line.to_string()), "duplicate entry: {line}");
    }
    // Every msgid but the header's has a non-empty msgstr.
    let translated = parse_po(BG_CATALOG).len();
    ensure!(
        translated == entries - 1,
        "{} of {} entries are untranslated",
        entries - 1 - translated,
        entries - 1
    );
    Ok(())
}
