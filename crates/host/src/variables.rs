//! `fermyon:spin/variables@2.0.0`: application variables resolved like Spin resolves them.
//!
//! Precedence, highest first: `--variable`, the runtime-config `[[variables_provider]]` entries in
//! file order, the always-present environment provider (`SPIN_VARIABLE_NAME`, then `.env` in the
//! working directory), and finally the manifest default. Every value is checked at start (a
//! required variable without one stops the app), and, as in Spin, resolved again on every guest
//! `get`: the component's template is expanded by asking the providers in order, and the
//! environment provider reads the process environment off the async worker each time.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::bindings::fermyon::spin::variables::{self as wit, Error as WitError};
use crate::manifest::App;
use crate::runtime_config::VariablesProviderConfig;
use crate::state::State;

/// Something that may know a variable's value.
pub enum Provider {
    /// Literal values (`--variable`, or a runtime-config `static` provider).
    Static(HashMap<String, String>),
    /// Environment variables `{PREFIX}_{NAME}`, falling back to a dotenv file.
    Env {
        /// The prefix, `SPIN_VARIABLE` by default.
        prefix: String,
        /// The dotenv file consulted when the variable is not in the environment.
        dotenv: HashMap<String, String>,
    },
}

impl Provider {
    /// The environment provider Spin always adds: `SPIN_VARIABLE_*` and `./.env`.
    pub fn default_env() -> Result<Self> {
        Self::env(None, Some(PathBuf::from(".env")))
    }

    /// An environment provider with an optional prefix and dotenv file.
    pub fn env(prefix: Option<String>, dotenv_path: Option<PathBuf>) -> Result<Self> {
        let dotenv = match dotenv_path {
            // Like Spin, a missing dotenv file is not an error; a malformed one is.
            Some(path) if path.exists() => dotenvy::from_path_iter(&path)
                .and_then(|iter| iter.collect::<Result<HashMap<_, _>, _>>())
                .with_context(|| format!("cannot read dotenv file {}", path.display()))?,
            _ => HashMap::new(),
        };
        Ok(Self::Env {
            prefix: prefix.unwrap_or_else(|| "SPIN_VARIABLE".to_string()),
            dotenv,
        })
    }

    fn get(&self, name: &str) -> Result<Option<String>> {
        match self {
            Provider::Static(values) => Ok(values.get(name).cloned()),
            Provider::Env { prefix, dotenv } => {
                let key = format!("{prefix}_{}", name.to_ascii_uppercase());
                match std::env::var(&key) {
                    Ok(value) => Ok(Some(value)),
                    Err(std::env::VarError::NotPresent) => Ok(dotenv.get(&key).cloned()),
                    Err(e) => Err(e).with_context(|| format!("failed to resolve env var {key}")),
                }
            }
        }
    }

    /// [`Provider::get`] for a guest read: the environment provider leaves the async worker
    /// for it, as Spin's does (`block_in_place`), so a read costs what it costs there.
    fn get_for_guest(&self, name: &str) -> Result<Option<String>> {
        match self {
            Provider::Static(_) => self.get(name),
            Provider::Env { .. } => tokio::task::block_in_place(|| self.get(name)),
        }
    }
}

/// The app's variable providers and manifest defaults, consulted on every guest read.
pub struct Resolver {
    providers: Vec<Provider>,
    defaults: HashMap<String, Option<String>>,
}

impl Resolver {
    /// The resolver for `app`, asking `providers` in order before the manifest defaults.
    pub fn new(app: &App, providers: Vec<Provider>) -> Self {
        let defaults = app
            .variables
            .iter()
            .map(|(name, var)| (name.clone(), var.default.clone()))
            .collect();
        Self {
            providers,
            defaults,
        }
    }

    /// Expands a component's variable template, reading each application variable now.
    fn expand(&self, template: &str) -> Result<String> {
        let mut out = String::with_capacity(template.len());
        for part in parse_template(template)? {
            match part {
                Part::Lit(lit) => out.push_str(lit),
                Part::Expr(name) => {
                    let mut found = None;
                    for provider in &self.providers {
                        if let Some(value) = provider.get_for_guest(name)? {
                            found = Some(value);
                            break;
                        }
                    }
                    match found.or_else(|| self.defaults.get(name).cloned().flatten()) {
                        Some(value) => out.push_str(&value),
                        None => bail!("no provider resolved variable {name:?}"),
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Builds the provider list in Spin's order.
pub fn providers(
    cli: HashMap<String, String>,
    configured: &[VariablesProviderConfig],
) -> Result<Vec<Provider>> {
    let mut providers = vec![Provider::Static(cli)];
    for config in configured {
        providers.push(match config {
            VariablesProviderConfig::Env {
                prefix,
                dotenv_path,
            } => Provider::env(prefix.clone(), dotenv_path.clone())?,
            VariablesProviderConfig::Static(values) => Provider::Static(values.clone()),
        });
    }
    providers.push(Provider::default_env()?);
    Ok(providers)
}

/// The resolved value of every application variable.
pub struct Resolved {
    values: HashMap<String, String>,
}

impl Resolved {
    /// Resolves every variable of the app; fails naming all required variables without a value.
    pub fn resolve(app: &App, providers: &[Provider]) -> Result<Self> {
        let mut values = HashMap::new();
        let mut missing = Vec::new();
        for (name, var) in &app.variables {
            let mut found = None;
            for provider in providers {
                if let Some(value) = provider.get(name)? {
                    found = Some(value);
                    break;
                }
            }
            match found.or_else(|| var.default.clone()) {
                Some(value) => {
                    values.insert(name.clone(), value);
                }
                None => missing.push(name.as_str()),
            }
        }
        if !missing.is_empty() {
            bail!(
                "no provider resolved required variable(s): {} (set SPIN_VARIABLE_{} or pass --variable {}=...)",
                missing.join(", "),
                missing[0].to_ascii_uppercase(),
                missing[0]
            );
        }
        Ok(Self { values })
    }

    /// Expands a `{{ name }}` template with the resolved values.
    pub fn expand(&self, template: &str) -> Result<String> {
        let mut out = String::with_capacity(template.len());
        for part in parse_template(template)? {
            match part {
                Part::Lit(lit) => out.push_str(lit),
                Part::Expr(name) => match self.values.get(name) {
                    Some(value) => out.push_str(value),
                    None => bail!("unknown variable {name:?} in template {template:?}"),
                },
            }
        }
        Ok(out)
    }

    /// Resolves a component's `[component.x.variables]` into its final values.
    pub fn for_component(
        &self,
        templates: &BTreeMap<String, String>,
    ) -> Result<HashMap<String, String>> {
        templates
            .iter()
            .map(|(name, template)| Ok((name.clone(), self.expand(template)?)))
            .collect()
    }
}

enum Part<'a> {
    Lit(&'a str),
    Expr(&'a str),
}

/// Splits a template into literal text and `{{ expr }}` parts, like Spin's `Template::new`.
fn parse_template(template: &str) -> Result<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{{") {
            let Some((expr, tail)) = after.split_once("}}") else {
                bail!("invalid variable template {template:?}: unmatched '{{{{' in template");
            };
            parts.push(Part::Expr(expr.trim()));
            rest = tail;
        } else if let Some(idx) = rest.find("{{") {
            parts.push(Part::Lit(&rest[..idx]));
            rest = &rest[idx..];
        } else {
            parts.push(Part::Lit(rest));
            rest = "";
        }
    }
    Ok(parts)
}

/// The variable names a template refers to.
pub fn template_references(template: &str) -> Result<Vec<&str>> {
    Ok(parse_template(template)?
        .into_iter()
        .filter_map(|p| match p {
            Part::Expr(e) => Some(e),
            Part::Lit(_) => None,
        })
        .collect())
}

/// Validates a variable name exactly as Spin's `Key::validate` does, returning its message.
pub fn validate_key(key: &str) -> Result<(), String> {
    let reason = if key.is_empty() {
        "must not be empty".to_string()
    } else if let Some(invalid) = key
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == &'_'))
    {
        format!(
            "invalid character {invalid:?}. Variable names may contain only lower-case letters, numbers, and underscores."
        )
    } else if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        "must start with a lowercase ASCII letter".to_string()
    } else if !key.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        "must end with a lowercase ASCII letter or digit".to_string()
    } else if key.contains("__") {
        "must not contain multiple consecutive underscores".to_string()
    } else {
        return Ok(());
    };
    Err(format!("{key:?}: {reason}"))
}

/// A component's variables, as its guest sees them.
pub struct ComponentVariables {
    /// The component id, for error messages.
    pub component_id: String,
    /// Name to template (`[component.x.variables]`).
    pub templates: BTreeMap<String, String>,
    /// The app's providers, shared by every component.
    pub resolver: std::sync::Arc<Resolver>,
}

impl ComponentVariables {
    fn get(&self, key: &str) -> Result<String, WitError> {
        validate_key(key).map_err(WitError::InvalidName)?;
        let template = self.templates.get(key).ok_or_else(|| {
            WitError::Undefined(format!("no variable for {:?}.{key:?}", self.component_id))
        })?;
        self.resolver.expand(template).map_err(|e| {
            tracing::warn!("variable {:?}.{key:?}: {e:#}", self.component_id);
            WitError::Provider(format!("{e:#}"))
        })
    }
}

impl wit::Host for State {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, WitError>> {
        self.calls.variable_reads += 1;
        Ok(self.component.variables.get(&name))
    }
}

/// Adds the interface to the linker.
pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> Result<()> {
    Ok(wit::add_to_linker::<
        State,
        wasmtime::component::HasSelf<State>,
    >(linker, |s| s)?)
}
