//! The subset of the Spin 2 manifest (`spin.toml`) that the host understands, validated the way
//! `spin up` validates it: unknown fields are refused, and fields Spin knows but this host does
//! not implement are refused by name rather than silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail, ensure};
use serde::Deserialize;

/// A loaded and validated application.
#[derive(Debug)]
pub struct App {
    /// `[application] name`.
    pub name: String,
    /// `[application] version`.
    pub version: String,
    /// The directory holding the manifest; relative paths are resolved against it.
    pub dir: PathBuf,
    /// `[variables]`, in name order.
    pub variables: BTreeMap<String, Variable>,
    /// `[[trigger.http]]` entries, in manifest order.
    pub triggers: Vec<HttpTrigger>,
    /// `[component.*]`, by id.
    pub components: BTreeMap<String, Component>,
}

/// An application variable.
#[derive(Debug, Clone)]
pub struct Variable {
    /// The default value; `None` means the variable is required.
    pub default: Option<String>,
}

/// One `[[trigger.http]]` entry.
#[derive(Debug, Clone)]
pub struct HttpTrigger {
    /// The route pattern, or `None` for `route = { private = true }`.
    pub route: Option<String>,
    /// The component that handles it.
    pub component: String,
}

/// One `[component.ID]` table.
#[derive(Debug, Clone)]
pub struct Component {
    /// The component id.
    pub id: String,
    /// The Wasm file, resolved against the manifest directory.
    pub source: PathBuf,
    /// `description`.
    pub description: String,
    /// `[component.ID.variables]`: name to template.
    pub variables: BTreeMap<String, String>,
    /// `environment`: the component's WASI environment.
    pub environment: BTreeMap<String, String>,
    /// `allowed_outbound_hosts`, unresolved.
    pub allowed_outbound_hosts: Vec<String>,
    /// `key_value_stores`.
    pub key_value_stores: Vec<String>,
    /// `sqlite_databases`.
    pub sqlite_databases: Vec<String>,
    /// `[component.ID.dependencies]`, in name order.
    pub dependencies: Vec<Dependency>,
}

/// A component dependency satisfied by another component of the app.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The dependency name, e.g. `pulse:account/session`.
    pub name: String,
    /// The id of the app component that satisfies it.
    pub component: String,
    /// `export`: which export of the dependency to use (plain names only).
    pub export: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    spin_manifest_version: toml::Value,
    application: RawApplication,
    #[serde(default)]
    variables: BTreeMap<String, RawVariable>,
    #[serde(default)]
    trigger: BTreeMap<String, Vec<toml::Table>>,
    #[serde(default)]
    component: BTreeMap<String, RawComponent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApplication {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "accepted like Spin; only printed by Spin's own tooling"
    )]
    description: String,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "accepted like Spin; only printed by Spin's own tooling"
    )]
    authors: Vec<String>,
    #[serde(default)]
    targets: Vec<toml::Value>,
    #[serde(default)]
    trigger: BTreeMap<String, toml::Table>,
    #[serde(default)]
    #[expect(dead_code, reason = "tool tables belong to other tools")]
    tool: BTreeMap<String, toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariable {
    #[serde(default)]
    #[expect(dead_code, reason = "documentation only")]
    description: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "secrets are never printed, so the flag changes nothing here"
    )]
    secret: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    source: toml::Value,
    #[serde(default)]
    description: String,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    files: Vec<toml::Value>,
    #[serde(default)]
    exclude_files: Vec<String>,
    #[serde(default)]
    allowed_http_hosts: Vec<String>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    ai_models: Vec<String>,
    #[serde(default)]
    targets: Option<Vec<toml::Value>>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "build settings are for `spin build`, not for serving"
    )]
    build: Option<toml::Table>,
    #[serde(default)]
    #[expect(dead_code, reason = "tool tables belong to other tools")]
    tool: BTreeMap<String, toml::Table>,
    #[serde(default)]
    dependencies_inherit_configuration: Option<bool>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    #[serde(default)]
    profile: BTreeMap<String, toml::Table>,
}

/// Finds the manifest for `--from`: a file, or a directory holding `spin.toml`.
pub fn locate(from: &Path) -> Result<PathBuf> {
    if from.is_dir() {
        let file = from.join("spin.toml");
        ensure!(
            file.is_file(),
            "no spin.toml in directory {}",
            from.display()
        );
        Ok(file)
    } else if from.is_file() {
        Ok(from.to_path_buf())
    } else {
        bail!("manifest {} does not exist", from.display())
    }
}

/// Reads and validates the manifest at `path`.
pub fn load(path: &Path) -> Result<App> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read manifest {}", path.display()))?;
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    parse(&text, &dir).with_context(|| format!("invalid manifest {}", path.display()))
}

/// Parses manifest text; `dir` is the directory relative sources are resolved against.
pub fn parse(text: &str, dir: &Path) -> Result<App> {
    // Check the version first so an old manifest gets a clear message, not a field error.
    let table: toml::Table = toml::from_str(text).map_err(|e| anyhow!("not valid TOML: {e}"))?;
    match table.get("spin_manifest_version") {
        Some(toml::Value::Integer(2)) => {}
        Some(toml::Value::Integer(1)) | Some(toml::Value::String(_)) => bail!(
            "spin_manifest_version {} is not supported: this host reads version 2 manifests",
            table["spin_manifest_version"]
        ),
        Some(other) => bail!("unknown spin_manifest_version {other}: expected 2"),
        None => bail!("missing spin_manifest_version (expected 2)"),
    }
    let raw: RawManifest = toml::from_str(text).map_err(|e| anyhow!("{e}"))?;
    let _ = raw.spin_manifest_version;
    ensure!(
        raw.application.targets.is_empty(),
        "[application] targets are not supported by this host"
    );
    for trigger_type in raw.application.trigger.keys() {
        ensure!(
            trigger_type == "http",
            "[application.trigger.{trigger_type}] is not supported: this host runs HTTP triggers only"
        );
    }
    if let Some(http) = raw.application.trigger.get("http") {
        for (key, value) in http {
            match (key.as_str(), value.as_str()) {
                ("base", Some("/")) => {}
                _ => bail!(
                    "[application.trigger.http] {key} = {value} is not supported by this host"
                ),
            }
        }
    }

    let mut variables = BTreeMap::new();
    for (name, var) in raw.variables {
        validate_snake_id(&name).with_context(|| format!("invalid variable name {name:?}"))?;
        ensure!(
            var.required ^ var.default.is_some(),
            "invalid variable {name:?}: must be `required` OR have a `default`"
        );
        variables.insert(
            name,
            Variable {
                default: var.default,
            },
        );
    }

    let mut components = BTreeMap::new();
    for (id, rc) in raw.component {
        validate_kebab_id(&id).with_context(|| format!("invalid component id {id:?}"))?;
        let component = convert_component(&id, rc, dir, &variables)
            .with_context(|| format!("invalid component {id:?}"))?;
        components.insert(id, component);
    }

    let mut triggers = Vec::new();
    for (trigger_type, entries) in raw.trigger {
        ensure!(
            trigger_type == "http",
            "trigger type {trigger_type:?} is not supported: this host runs HTTP triggers only"
        );
        for entry in entries {
            triggers.push(convert_trigger(entry, &components)?);
        }
    }

    for component in components.values() {
        for dep in &component.dependencies {
            ensure!(
                components.contains_key(&dep.component),
                "component {:?} depends on {:?}, which is not a component of this app",
                component.id,
                dep.component
            );
            ensure!(
                dep.component != component.id,
                "component {:?} cannot depend on itself",
                component.id
            );
        }
    }

    Ok(App {
        name: raw.application.name,
        version: raw.application.version,
        dir: dir.to_path_buf(),
        variables,
        triggers,
        components,
    })
}

fn convert_trigger(
    mut entry: toml::Table,
    components: &BTreeMap<String, Component>,
) -> Result<HttpTrigger> {
    let route = match entry.remove("route") {
        Some(toml::Value::String(route)) => Some(route),
        Some(toml::Value::Table(t)) => {
            match (t.len(), t.get("private").and_then(toml::Value::as_bool)) {
                (1, Some(true)) => None,
                (1, Some(false)) => bail!(
                    "route must be a string pattern or '{{ private = true }}': a trigger has {{ private = false }}"
                ),
                _ => bail!("route must be a string pattern or '{{ private = true }}'"),
            }
        }
        Some(other) => bail!("route must be a string pattern, found {other}"),
        None => bail!("an [[trigger.http]] entry has no route"),
    };
    let shown = route.as_deref().unwrap_or("(private)").to_string();
    let component = match entry.remove("component") {
        Some(toml::Value::String(id)) => id,
        Some(toml::Value::Table(_)) => {
            bail!("trigger {shown}: inline components are not supported by this host")
        }
        Some(other) => bail!("trigger {shown}: component must be a component id, found {other}"),
        None => {
            bail!("trigger {shown}: no component (static responses are not supported by this host)")
        }
    };
    let _ = entry.remove("id");
    if let Some(executor) = entry.remove("executor") {
        let kind = executor
            .as_table()
            .and_then(|t| t.get("type"))
            .and_then(toml::Value::as_str)
            .unwrap_or_default();
        ensure!(
            kind == "wasi" || kind == "spin",
            "trigger {shown}: executor {executor} is not supported by this host"
        );
    }
    if let Some((key, _)) = entry.iter().next() {
        bail!("trigger {shown}: field {key:?} is not supported by this host");
    }
    ensure!(
        components.contains_key(&component),
        "trigger {shown} refers to component {component:?}, which is not defined"
    );
    Ok(HttpTrigger { route, component })
}

fn convert_component(
    id: &str,
    rc: RawComponent,
    dir: &Path,
    variables: &BTreeMap<String, Variable>,
) -> Result<Component> {
    let source = match rc.source {
        toml::Value::String(path) => dir.join(path),
        toml::Value::Table(_) => {
            bail!("only local file sources are supported by this host (not url or registry)")
        }
        other => bail!("source must be a file path, found {other}"),
    };
    ensure!(
        source.is_file(),
        "source file {} does not exist (build the component first)",
        source.display()
    );
    ensure!(
        rc.files.is_empty() && rc.exclude_files.is_empty(),
        "`files` mounts are not supported by this host"
    );
    ensure!(
        rc.allowed_http_hosts.is_empty(),
        "`allowed_http_hosts` is no longer supported by Spin 2+; use `allowed_outbound_hosts`"
    );
    ensure!(
        rc.ai_models.is_empty(),
        "`ai_models` is not supported by this host"
    );
    ensure!(
        rc.targets.is_none(),
        "component `targets` are not supported by this host"
    );
    ensure!(
        rc.profile.is_empty(),
        "component `profile` overrides are not supported by this host"
    );
    for (name, template) in &rc.variables {
        validate_snake_id(name).with_context(|| format!("invalid variable name {name:?}"))?;
        for referenced in crate::variables::template_references(template)? {
            ensure!(
                variables.contains_key(referenced),
                "variable {name:?}: invalid variable template: unknown variable {referenced:?}"
            );
        }
    }
    for host in &rc.allowed_outbound_hosts {
        for referenced in crate::variables::template_references(host)? {
            ensure!(
                variables.contains_key(referenced),
                "allowed_outbound_hosts {host:?}: unknown variable {referenced:?}"
            );
        }
    }
    let mut dependencies = Vec::new();
    for (name, spec) in rc.dependencies {
        dependencies.push(
            convert_dependency(&name, spec, rc.dependencies_inherit_configuration)
                .with_context(|| format!("dependency {name:?}"))?,
        );
    }
    Ok(Component {
        id: id.to_string(),
        source,
        description: rc.description,
        variables: rc.variables,
        environment: rc.environment,
        allowed_outbound_hosts: rc.allowed_outbound_hosts,
        key_value_stores: rc.key_value_stores,
        sqlite_databases: rc.sqlite_databases,
        dependencies,
    })
}

fn convert_dependency(
    name: &str,
    spec: toml::Value,
    component_default: Option<bool>,
) -> Result<Dependency> {
    let toml::Value::Table(mut table) = spec else {
        bail!("only `{{ component = \"id\" }}` dependencies are supported by this host");
    };
    let component = match table.remove("component") {
        Some(toml::Value::String(id)) => id,
        _ => bail!(
            "only dependencies on app components (`component = \"id\"`) are supported by this host"
        ),
    };
    let export = match table.remove("export") {
        Some(toml::Value::String(e)) => Some(e),
        None => None,
        Some(other) => bail!("export must be a string, found {other}"),
    };
    let inherit = table.remove("inherit_configuration");
    if let Some((key, _)) = table.iter().next() {
        bail!("field {key:?} is not valid for a component dependency");
    }
    ensure!(
        !(inherit.is_some() && component_default.is_some()),
        "cannot use both `dependencies_inherit_configuration` and `inherit_configuration`"
    );
    // Spin applies its deny-all adapter unless the dependency inherits everything. That adapter
    // also blocks wasi:cli/environment, which every Rust component imports, so anything short of
    // full inheritance would change behaviour here: refuse it instead of pretending.
    let inherits_all = match (&inherit, component_default) {
        (Some(toml::Value::Boolean(true)), _) | (None, Some(true)) => true,
        (Some(toml::Value::Boolean(false)), _) | (None, Some(false)) | (None, None) => false,
        (Some(toml::Value::Array(_)), _) => false,
        (Some(other), _) => {
            bail!("inherit_configuration must be a boolean or a list, found {other}")
        }
    };
    ensure!(
        inherits_all,
        "this host supports only `inherit_configuration = true` (Spin would wrap the dependency in \
         its deny adapter, which this host does not implement)"
    );
    Ok(Dependency {
        name: name.to_string(),
        component,
        export,
    })
}

/// Validates a lower_snake identifier as Spin does for variable names.
fn validate_snake_id(id: &str) -> Result<()> {
    ensure!(!id.is_empty(), "must not be empty");
    ensure!(
        id.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "may contain only lower-case letters, digits and underscores"
    );
    ensure!(
        id.starts_with(|c: char| c.is_ascii_lowercase()),
        "must start with a lower-case letter"
    );
    ensure!(
        !id.ends_with('_') && !id.contains("__"),
        "underscores must separate words"
    );
    Ok(())
}

/// Validates a kebab-case identifier as Spin does for component ids.
fn validate_kebab_id(id: &str) -> Result<()> {
    ensure!(!id.is_empty(), "must not be empty");
    ensure!(
        id.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "may contain only lower-case letters, digits and hyphens"
    );
    ensure!(
        id.starts_with(|c: char| c.is_ascii_lowercase()),
        "must start with a lower-case letter"
    );
    ensure!(
        !id.ends_with('-') && !id.contains("--"),
        "hyphens must separate words"
    );
    Ok(())
}
