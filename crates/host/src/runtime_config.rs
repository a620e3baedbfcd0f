//! The runtime configuration file (`--runtime-config-file`), in the subset of Spin's format the
//! host implements. Like Spin, keys it does not use are an error rather than silently ignored.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

/// A `[[variables_provider]]` entry.
#[derive(Debug, Clone)]
pub enum VariablesProviderConfig {
    /// `type = "env"`, with `prefix` and/or `dotenv_path`.
    Env {
        /// Variable prefix (default `SPIN_VARIABLE`).
        prefix: Option<String>,
        /// A dotenv file, relative to the working directory as in Spin.
        dotenv_path: Option<PathBuf>,
    },
    /// `type = "static"` with `values = { name = "value" }`.
    Static(HashMap<String, String>),
}

/// A `[key_value_store.LABEL]` entry.
#[derive(Debug, Clone)]
pub enum KeyValueConfig {
    /// `type = "spin"`: a SQLite file; `None` means an in-memory store.
    Spin(Option<PathBuf>),
    /// `type = "redis"` with `url`.
    Redis(String),
}

/// A `[sqlite_database.LABEL]` entry.
#[derive(Debug, Clone)]
pub struct SqliteConfig {
    /// The database file; `None` means a fresh in-memory database per connection, as in Spin.
    pub path: Option<PathBuf>,
    /// `allow_attach_file`.
    pub allow_attach_file: bool,
}

/// The parsed runtime configuration.
#[derive(Debug, Default)]
pub struct RuntimeConfig {
    /// Variables providers, in file order.
    pub variables_providers: Vec<VariablesProviderConfig>,
    /// Key-value stores by label.
    pub key_value_stores: BTreeMap<String, KeyValueConfig>,
    /// SQLite databases by label.
    pub sqlite_databases: BTreeMap<String, SqliteConfig>,
    /// `state_dir`, if set in the file (`Some(None)` when set to the empty string).
    pub state_dir: Option<Option<PathBuf>>,
    /// `max_instance_memory` in bytes.
    pub max_instance_memory: Option<usize>,
}

impl RuntimeConfig {
    /// Reads the file at `path`, or returns the empty configuration.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read runtime config file '{}'", path.display()))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            anyhow!(
                "failed to parse runtime config file '{}' as toml: {e}",
                path.display()
            )
        })?;
        // Key-value paths are relative to the runtime config file's directory, as in Spin.
        let base = path.parent().unwrap_or(Path::new("."));
        parse(table, base)
            .with_context(|| format!("invalid runtime config file '{}'", path.display()))
    }
}

fn parse(table: toml::Table, base: &Path) -> Result<RuntimeConfig> {
    let mut config = RuntimeConfig::default();
    for (key, value) in table {
        match key.as_str() {
            "variables_provider" | "config_provider" => {
                let entries = value
                    .as_array()
                    .ok_or_else(|| anyhow!("{key} must be an array of tables ([[{key}]])"))?;
                for entry in entries {
                    config.variables_providers.push(parse_provider(entry)?);
                }
            }
            "key_value_store" => {
                for (label, entry) in as_table(&key, &value)? {
                    config
                        .key_value_stores
                        .insert(label.clone(), parse_kv(label, entry, base)?);
                }
            }
            "sqlite_database" => {
                for (label, entry) in as_table(&key, &value)? {
                    config
                        .sqlite_databases
                        .insert(label.clone(), parse_sqlite(label, entry)?);
                }
            }
            "state_dir" => {
                let dir = value
                    .as_str()
                    .ok_or_else(|| anyhow!("state_dir must be a string"))?;
                config.state_dir = Some((!dir.is_empty()).then(|| PathBuf::from(dir)));
            }
            // Logs go to stderr here; the key is accepted so Spin's files keep working.
            "log_dir" => {}
            "max_instance_memory" => {
                let bytes = value
                    .as_integer()
                    .ok_or_else(|| anyhow!("max_instance_memory must be an integer"))?;
                config.max_instance_memory =
                    Some(usize::try_from(bytes).context("max_instance_memory out of range")?);
            }
            "llm_compute"
            | "outbound_networking"
            | "client_tls"
            | "outbound_http"
            | "outbound_pg"
            | "outbound_mysql"
            | "outbound_redis"
            | "otel" => {
                bail!("runtime config section {key:?} is not supported by this host")
            }
            other => bail!("unused runtime config key {other:?}"),
        }
    }
    Ok(config)
}

fn as_table<'a>(key: &str, value: &'a toml::Value) -> Result<&'a toml::Table> {
    value
        .as_table()
        .ok_or_else(|| anyhow!("{key} must be a table of labels ([{key}.LABEL])"))
}

fn string_field(table: &toml::Table, field: &str) -> Result<Option<String>> {
    match table.get(field) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => bail!("{field} must be a string, found {other}"),
    }
}

fn only_fields(table: &toml::Table, allowed: &[&str], what: &str) -> Result<()> {
    for key in table.keys() {
        if !allowed.contains(&key.as_str()) {
            bail!("unknown field {key:?} in {what}");
        }
    }
    Ok(())
}

fn parse_provider(entry: &toml::Value) -> Result<VariablesProviderConfig> {
    let table = entry
        .as_table()
        .ok_or_else(|| anyhow!("variables_provider entries must be tables"))?;
    match string_field(table, "type")?.as_deref() {
        Some("env") => {
            only_fields(
                table,
                &["type", "prefix", "dotenv_path"],
                "env variables_provider",
            )?;
            Ok(VariablesProviderConfig::Env {
                prefix: string_field(table, "prefix")?,
                dotenv_path: string_field(table, "dotenv_path")?.map(PathBuf::from),
            })
        }
        Some("static") => {
            only_fields(table, &["type", "values"], "static variables_provider")?;
            let values = match table.get("values") {
                Some(toml::Value::Table(t)) => t
                    .iter()
                    .map(|(k, v)| match v {
                        toml::Value::String(s) => Ok((k.clone(), s.clone())),
                        other => bail!("static variable {k:?} must be a string, found {other}"),
                    })
                    .collect::<Result<HashMap<_, _>>>()?,
                _ => bail!("static variables_provider needs a `values` table"),
            };
            Ok(VariablesProviderConfig::Static(values))
        }
        Some(other @ ("vault" | "azure_key_vault")) => {
            bail!("variables_provider type {other:?} is not supported by this host")
        }
        Some(other) => bail!("unknown variables_provider type {other:?}"),
        None => bail!("a variables_provider has no `type`"),
    }
}

fn parse_kv(label: &str, entry: &toml::Value, base: &Path) -> Result<KeyValueConfig> {
    let table = entry
        .as_table()
        .ok_or_else(|| anyhow!("[key_value_store.{label}] must be a table"))?;
    let what = format!("[key_value_store.{label}]");
    match string_field(table, "type")?.as_deref() {
        Some("spin") => {
            only_fields(table, &["type", "path"], &what)?;
            Ok(KeyValueConfig::Spin(
                string_field(table, "path")?.map(|p| base.join(p)),
            ))
        }
        Some("redis") => {
            only_fields(table, &["type", "url"], &what)?;
            let url = string_field(table, "url")?
                .ok_or_else(|| anyhow!("{what} of type redis needs a `url`"))?;
            Ok(KeyValueConfig::Redis(url))
        }
        Some(other @ ("azure_cosmos" | "aws_dynamo")) => {
            bail!("{what}: store type {other:?} is not supported by this host")
        }
        Some(other) => bail!("{what}: unknown key-value store type {other:?}"),
        None => bail!("{what} has no `type`"),
    }
}

fn parse_sqlite(label: &str, entry: &toml::Value) -> Result<SqliteConfig> {
    let table = entry
        .as_table()
        .ok_or_else(|| anyhow!("[sqlite_database.{label}] must be a table"))?;
    let what = format!("[sqlite_database.{label}]");
    match string_field(table, "type")?.as_deref() {
        Some("spin") => {
            only_fields(table, &["type", "path", "allow_attach_file"], &what)?;
            let allow_attach_file = match table.get("allow_attach_file") {
                None => false,
                Some(toml::Value::Boolean(b)) => *b,
                Some(other) => bail!("{what}: allow_attach_file must be a boolean, found {other}"),
            };
            // Spin resolves a relative SQLite path against the working directory.
            Ok(SqliteConfig {
                path: string_field(table, "path")?.map(PathBuf::from),
                allow_attach_file,
            })
        }
        Some("libsql") => bail!("{what}: database type \"libsql\" is not supported by this host"),
        Some(other) => bail!("{what}: Unknown database kind: {other}"),
        None => bail!("{what} has no `type`"),
    }
}
