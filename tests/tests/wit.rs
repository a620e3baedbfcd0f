//! Least privilege, checked on the built artefacts: each component imports no Spin or
//! `pulse:account` interface that its world in `wit/` does not name.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use pulse_tests::workspace_root;
use wasmparser::{Parser, Payload};
use wit_parser::{Resolve, WorldItem};

/// The top-level import names of a built component.
fn component_imports(component: &str) -> Result<BTreeSet<String>> {
    let path = workspace_root().join(format!(
        "target/wasm32-wasip2/release/pulse_{component}.wasm"
    ));
    let bytes = std::fs::read(&path)
        .with_context(|| format!("reading {} (run scripts/test to build it)", path.display()))?;
    let mut imports = BTreeSet::new();
    let mut depth = 0;
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            Payload::ComponentImportSection(section) if depth == 0 => {
                for import in section {
                    imports.insert(import?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(imports)
}

/// The interfaces a world in `wit/` imports, by their full names.
fn world_imports(world: &str) -> Result<BTreeSet<String>> {
    let mut resolve = Resolve::default();
    let (package, _) = resolve.push_dir(workspace_root().join("wit"))?;
    let world_id = resolve.select_world(&[package], Some(world))?;
    let mut names = BTreeSet::new();
    for (key, item) in &resolve.worlds[world_id].imports {
        if let WorldItem::Interface { id, .. } = item {
            names.insert(
                resolve
                    .id_of(*id)
                    .unwrap_or_else(|| resolve.name_world_key(key)),
            );
        }
    }
    Ok(names)
}

/// What the host capabilities a component uses are: everything but plain WASI.
fn capabilities(imports: &BTreeSet<String>) -> BTreeSet<String> {
    imports
        .iter()
        .filter(|i| !i.starts_with("wasi:"))
        .cloned()
        .collect()
}

#[test]
fn each_component_imports_only_what_its_world_allows() -> Result<()> {
    for (component, world) in [
        ("auth", "auth"),
        ("pages", "pages"),
        ("billing", "billing"),
        ("tenants", "tenants"),
        ("recovery", "recovery"),
        ("session", "session-provider"),
    ] {
        let used = capabilities(&component_imports(component)?);
        let allowed = world_imports(world)?;
        let excess: Vec<_> = used.difference(&allowed).collect();
        assert!(
            excess.is_empty(),
            "{component} imports {excess:?}, which world `{world}` does not grant"
        );
        if component != "session" {
            assert!(
                used.contains("pulse:account/session"),
                "{component} must ask auth who is calling: {used:?}"
            );
        }
    }
    Ok(())
}

#[test]
fn key_value_is_imported_only_by_components_granted_a_store() -> Result<()> {
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(
        workspace_root().join("spin.toml"),
    )?)?;
    for component in ["auth", "pages", "billing", "tenants", "recovery", "session"] {
        let granted = manifest["component"][component]
            .get("key_value_stores")
            .and_then(toml::Value::as_array)
            .is_some_and(|stores| !stores.is_empty());
        let imported = component_imports(component)?
            .iter()
            .any(|i| i.starts_with("fermyon:spin/key-value"));
        assert_eq!(
            imported, granted,
            "{component}: imports key-value {imported}, granted a store {granted}"
        );
    }
    Ok(())
}

#[test]
fn only_the_session_component_exports_the_session_interface() -> Result<()> {
    let bytes =
        std::fs::read(workspace_root().join("target/wasm32-wasip2/release/pulse_session.wasm"))?;
    let mut exports = BTreeSet::new();
    let mut depth = 0;
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            Payload::ComponentExportSection(section) if depth == 0 => {
                for export in section {
                    exports.insert(export?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    assert!(exports.contains("pulse:account/session"), "{exports:?}");
    Ok(())
}
