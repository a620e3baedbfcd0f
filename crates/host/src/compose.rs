//! Component dependencies: each `[component.x.dependencies]` entry naming another app component
//! is satisfied at load time by plugging that component's export into the importer's import
//! (`wac_graph::plug`), the way Spin composes dependencies before compiling.

use anyhow::{Context, Result, anyhow, bail};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use crate::manifest::Dependency;

/// Whether a dependency name (`ns:pkg`, `ns:pkg/iface`, `ns:pkg/iface@1.0.0`) matches an import
/// name, by Spin's rules: the package must be equal, the interface and version must be equal
/// when given.
fn matches_import(dependency: &str, import: &str) -> bool {
    let split = |s: &str| -> (String, Option<String>, Option<String>) {
        let (package, rest) = match s.split_once('/') {
            Some((p, r)) => (p.to_string(), Some(r.to_string())),
            None => match s.split_once('@') {
                Some((p, v)) => return (p.to_string(), None, Some(v.to_string())),
                None => (s.to_string(), None),
            },
        };
        match rest {
            Some(r) => match r.split_once('@') {
                Some((i, v)) => (package, Some(i.to_string()), Some(v.to_string())),
                None => (package, Some(r), None),
            },
            None => (package, None, None),
        }
    };
    let (dp, di, dv) = split(dependency);
    let (ip, ii, iv) = split(import);
    if !import.contains([':', '/']) || !dependency.contains(':') {
        return dependency == import;
    }
    dp == ip
        && di.is_none_or(|i| ii.as_deref() == Some(i.as_str()))
        && dv.is_none_or(|v| iv == Some(v))
}

/// Composes `component` (the socket) with its dependencies (each `(dependency, bytes)`), returning
/// the encoded composition.
pub fn compose(
    component_id: &str,
    component: &[u8],
    dependencies: &[(&Dependency, Vec<u8>)],
) -> Result<Vec<u8>> {
    if dependencies.is_empty() {
        return Ok(component.to_vec());
    }
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes(component_id, None, component.to_vec(), graph.types_mut())
        .with_context(|| format!("component {component_id:?} is not a valid component"))?;
    let imports: Vec<String> = graph.types()[socket.ty()].imports.keys().cloned().collect();
    let socket = graph.register_package(socket)?;
    let mut plugs = Vec::new();
    for (dependency, bytes) in dependencies {
        if dependency.export.is_some() {
            bail!(
                "component {component_id:?}: dependency {:?} uses `export`, which this host does not support",
                dependency.name
            );
        }
        let matched = imports.iter().any(|i| matches_import(&dependency.name, i));
        if !matched {
            bail!(
                "component {component_id:?} has dependency {:?} which does not match any of its imports",
                dependency.name
            );
        }
        let package = Package::from_bytes(
            &dependency.component,
            None,
            bytes.clone(),
            graph.types_mut(),
        )
        .with_context(|| {
            format!(
                "dependency component {:?} is not a valid component",
                dependency.component
            )
        })?;
        plugs.push(graph.register_package(package)?);
    }
    wac_graph::plug(&mut graph, plugs, socket)
        .map_err(|e| anyhow!("component {component_id:?}: composing dependencies failed: {e:#}"))?;
    graph
        .encode(EncodeOptions::default())
        .map_err(|e| anyhow!("component {component_id:?}: encoding the composition failed: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::matches_import;

    #[test]
    fn dependency_names_match_imports_like_spin() {
        assert!(matches_import(
            "pulse:account/session",
            "pulse:account/session"
        ));
        assert!(matches_import(
            "pulse:account/session",
            "pulse:account/session@1.0.0"
        ));
        assert!(matches_import("pulse:account", "pulse:account/session"));
        assert!(!matches_import(
            "pulse:account/other",
            "pulse:account/session"
        ));
        assert!(!matches_import(
            "pulse:account/session@2.0.0",
            "pulse:account/session@1.0.0"
        ));
    }
}
