//! `fermyon:spin/key-value@2.0.0` backed by Spin's SQLite layout (`spin_key_value` table, one
//! file shared by every label that points at it) or by Redis.
//!
//! As in Spin: a label missing from the component's `key_value_stores` gives `access-denied`; a
//! listed label that no runtime config defines stops the app at start; backend failures reach
//! the guest as `other(message)`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use redis::AsyncCommands;
use tokio::sync::OnceCell;
use wasmtime::component::Resource;

use crate::bindings::fermyon::spin::key_value::{self as wit, Error as WitError};
use crate::runtime_config::KeyValueConfig;
use crate::state::State;

/// Spin's limit on stores open at once in one instance.
const MAX_OPEN_STORES: u32 = 256;
/// Spin's cap on bytes buffered for one result.
const MAX_RESULT_BYTES: usize = 128 << 20;
/// Idle SQLite connections kept per file.
const POOL_SIZE: usize = 8;

/// An open store, as held in the instance's resource table.
pub struct StoreHandle {
    label: Arc<str>,
    backend: Arc<Backend>,
}

/// Every store the app can open, by label.
pub struct Stores {
    by_label: HashMap<String, Arc<Backend>>,
}

/// Where a label's data lives.
pub enum Backend {
    /// A SQLite file (or memory) in Spin's key-value layout.
    Sqlite(SqliteKv),
    /// A Redis server; keys are used as given, as in Spin.
    Redis(RedisKv),
}

impl Stores {
    /// Builds the stores: `default` is `sqlite_key_value.db` in the state dir unless redefined.
    pub fn new(
        configured: &BTreeMap<String, KeyValueConfig>,
        state_dir: Option<&std::path::Path>,
    ) -> Result<Self> {
        let mut configs = configured.clone();
        configs.entry("default".to_string()).or_insert_with(|| {
            KeyValueConfig::Spin(state_dir.map(|d| d.join("sqlite_key_value.db")))
        });
        // Labels pointing at the same file share one pool, like Spin's single connection.
        let mut files: HashMap<Option<PathBuf>, Arc<Backend>> = HashMap::new();
        let mut by_label = HashMap::new();
        for (label, config) in configs {
            let backend = match config {
                KeyValueConfig::Spin(path) => {
                    if let Some(parent) = path.as_ref().and_then(|p| p.parent()) {
                        std::fs::create_dir_all(parent).with_context(|| {
                            format!(
                                "failed to create key value store's parent directory: '{}'",
                                parent.display()
                            )
                        })?;
                    }
                    files
                        .entry(path.clone())
                        .or_insert_with(|| Arc::new(Backend::Sqlite(SqliteKv::new(path))))
                        .clone()
                }
                KeyValueConfig::Redis(url) => {
                    Arc::new(Backend::Redis(RedisKv::new(&url).with_context(|| {
                        format!("[key_value_store.{label}]: Invalid Redis URL")
                    })?))
                }
            };
            by_label.insert(label, backend);
        }
        Ok(Self { by_label })
    }

    /// Fails at start, like Spin, when a component lists a label no configuration defines.
    pub fn check_defined(&self, component_id: &str, labels: &[String]) -> Result<()> {
        for label in labels {
            if !self.by_label.contains_key(label) {
                bail!("unknown key_value_stores label {label:?} for component {component_id:?}");
            }
        }
        Ok(())
    }

    /// The backend of `label`.
    pub fn get(&self, label: &str) -> Option<Arc<Backend>> {
        self.by_label.get(label).cloned()
    }

    /// Describes where the `default` store lives, for the start banner.
    pub fn describe_default(&self) -> String {
        match self.by_label.get("default").map(Arc::as_ref) {
            Some(Backend::Sqlite(kv)) => match &kv.path {
                Some(p) => format!("\"{}\"", p.display()),
                None => "a temporary in-memory store".to_string(),
            },
            Some(Backend::Redis(r)) => format!("Redis at {}", r.display),
            None => "none".to_string(),
        }
    }
}

impl Backend {
    /// Sets initial values (`--key-value`) in store `label`.
    pub async fn set_initial(&self, label: &str, pairs: &[(String, String)]) -> Result<()> {
        for (key, value) in pairs {
            match self {
                Backend::Sqlite(kv) => kv
                    .set(label, key, value.as_bytes())
                    .map_err(|e| anyhow::anyhow!("setting {key:?}: {e:?}"))?,
                Backend::Redis(r) => {
                    let mut conn = r
                        .connection()
                        .await
                        .map_err(|e| anyhow::anyhow!("connecting to Redis: {e:?}"))?;
                    conn.set::<_, _, ()>(key, value.as_bytes())
                        .await
                        .with_context(|| format!("setting {key:?}"))?;
                }
            }
        }
        Ok(())
    }
}

/// The per-component view: which labels it may open.
pub struct Grants {
    allowed: HashSet<String>,
}

impl Grants {
    /// Grants for the labels in `key_value_stores`.
    pub fn new(labels: &[String]) -> Self {
        Self {
            allowed: labels.iter().cloned().collect(),
        }
    }
}

/// SQLite in Spin's key-value layout.
pub struct SqliteKv {
    path: Option<PathBuf>,
    pool: Mutex<Vec<rusqlite::Connection>>,
    /// An in-memory store is one connection shared by everyone, as in Spin.
    memory: OnceCell<Arc<Mutex<rusqlite::Connection>>>,
}

impl SqliteKv {
    fn new(path: Option<PathBuf>) -> Self {
        Self {
            path,
            pool: Mutex::new(Vec::new()),
            memory: OnceCell::new(),
        }
    }

    fn open(&self) -> Result<rusqlite::Connection, WitError> {
        let Some(path) = &self.path else {
            return Err(WitError::Other("in-memory store has no file".into()));
        };
        let conn = rusqlite::Connection::open(path).map_err(other)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(other)?;
        // WAL lets readers and the writer proceed together across the pooled connections.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(other)?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                store TEXT NOT NULL,
                key   TEXT NOT NULL,
                value BLOB NOT NULL,
                PRIMARY KEY (store, key)
            )",
            [],
        )
        .map_err(other)?;
        Ok(conn)
    }

    /// Runs `f` on a pooled connection.
    fn with<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, WitError> {
        tokio::task::block_in_place(|| {
            if self.path.is_none() {
                let shared = self.memory_conn()?;
                let guard = shared
                    .lock()
                    .map_err(|_| WitError::Other("store lock poisoned".into()))?;
                return f(&guard).map_err(other);
            }
            let pooled = self.pool.lock().ok().and_then(|mut p| p.pop());
            let conn = match pooled {
                Some(conn) => conn,
                None => self.open()?,
            };
            let result = f(&conn).map_err(other);
            if let Ok(mut pool) = self.pool.lock()
                && pool.len() < POOL_SIZE
            {
                pool.push(conn);
            }
            result
        })
    }

    fn memory_conn(&self) -> Result<Arc<Mutex<rusqlite::Connection>>, WitError> {
        if let Some(c) = self.memory.get() {
            return Ok(c.clone());
        }
        let conn = rusqlite::Connection::open_in_memory().map_err(other)?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
                PRIMARY KEY (store, key))",
            [],
        )
        .map_err(other)?;
        let _ = self.memory.set(Arc::new(Mutex::new(conn)));
        self.memory
            .get()
            .cloned()
            .ok_or_else(|| WitError::Other("in-memory store unavailable".into()))
    }

    fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, WitError> {
        let value = self.with(|c| {
            let mut stmt =
                c.prepare_cached("SELECT value FROM spin_key_value WHERE store=$1 AND key=$2")?;
            let mut rows = stmt.query_map([store, key], |row| row.get::<_, Vec<u8>>(0))?;
            rows.next().transpose()
        })?;
        check_size(value.as_ref().map(Vec::len).unwrap_or(0))?;
        Ok(value)
    }

    fn set(&self, store: &str, key: &str, value: &[u8]) -> Result<(), WitError> {
        self.with(|c| {
            c.prepare_cached(
                "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
                 ON CONFLICT(store, key) DO UPDATE SET value=$3",
            )?
            .execute(rusqlite::params![store, key, value])
            .map(drop)
        })
    }

    fn delete(&self, store: &str, key: &str) -> Result<(), WitError> {
        self.with(|c| {
            c.prepare_cached("DELETE FROM spin_key_value WHERE store=$1 AND key=$2")?
                .execute([store, key])
                .map(drop)
        })
    }

    fn keys(&self, store: &str) -> Result<Vec<String>, WitError> {
        let keys = self.with(|c| {
            c.prepare_cached("SELECT key FROM spin_key_value WHERE store=$1")?
                .query_map([store], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        check_size(
            keys.iter()
                .map(|k| std::mem::size_of::<String>() + k.len())
                .sum(),
        )?;
        Ok(keys)
    }
}

/// A Redis-backed store.
pub struct RedisKv {
    client: redis::Client,
    display: String,
    connection: OnceCell<redis::aio::ConnectionManager>,
}

impl RedisKv {
    fn new(url: &str) -> Result<Self> {
        let client = redis::Client::open(url)?;
        let info = client.get_connection_info();
        let display = info.addr.to_string();
        Ok(Self {
            client,
            display,
            connection: OnceCell::new(),
        })
    }

    async fn connection(&self) -> Result<redis::aio::ConnectionManager, WitError> {
        let conn = self
            .connection
            .get_or_try_init(|| async {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Duration::from_secs(5))
                    .set_response_timeout(Duration::from_secs(10))
                    // A refused reconnection fails the waiting call at once (the next call tries
                    // again) instead of holding every call through a back-off.
                    .set_number_of_retries(0);
                match tokio::time::timeout(
                    Duration::from_secs(6),
                    self.client.get_connection_manager_with_config(config),
                )
                .await
                {
                    Ok(result) => result.map_err(other),
                    Err(_) => Err(WitError::Other(format!(
                        "timed out connecting to Redis at {}",
                        self.display
                    ))),
                }
            })
            .await?;
        Ok(conn.clone())
    }
}

fn other(e: impl std::fmt::Display) -> WitError {
    let message = e.to_string();
    tracing::warn!("key-value error: {message}");
    WitError::Other(message)
}

fn check_size(bytes: usize) -> Result<(), WitError> {
    if bytes + std::mem::size_of::<Vec<u8>>() > MAX_RESULT_BYTES {
        return Err(WitError::Other(format!(
            "query result exceeds limit of {MAX_RESULT_BYTES} bytes"
        )));
    }
    Ok(())
}

impl State {
    fn store(&self, handle: &Resource<StoreHandle>) -> wasmtime::Result<(Arc<str>, Arc<Backend>)> {
        let h = self.table.get(handle)?;
        Ok((h.label.clone(), h.backend.clone()))
    }
}

impl wit::Host for State {}

impl wit::HostStore for State {
    async fn open(
        &mut self,
        label: String,
    ) -> wasmtime::Result<Result<Resource<StoreHandle>, WitError>> {
        self.calls.kv_ops += 1;
        if !self.component.key_value.allowed.contains(&label) {
            return Ok(Err(WitError::AccessDenied));
        }
        let Some(backend) = self.component.stores.get(&label) else {
            return Ok(Err(WitError::NoSuchStore));
        };
        if let Backend::Redis(redis) = backend.as_ref() {
            match redis.connection().await {
                Ok(mut conn) => {
                    // Spin pings after opening and ignores the outcome: the manager reconnects.
                    let _: Result<(), _> = redis::cmd("PING").query_async(&mut conn).await;
                }
                Err(e) => return Ok(Err(e)),
            }
        }
        if self.open_stores >= MAX_OPEN_STORES {
            return Ok(Err(WitError::StoreTableFull));
        }
        self.open_stores += 1;
        let handle = self.table.push(StoreHandle {
            label: label.into(),
            backend,
        })?;
        Ok(Ok(handle))
    }

    async fn get(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, WitError>> {
        self.calls.kv_ops += 1;
        let (label, backend) = self.store(&store)?;
        Ok(match backend.as_ref() {
            Backend::Sqlite(kv) => kv.get(&label, &key),
            Backend::Redis(r) => match r.connection().await {
                Ok(mut c) => match c.get::<_, Option<Vec<u8>>>(&key).await {
                    Ok(v) => check_size(v.as_ref().map(Vec::len).unwrap_or(0)).map(|()| v),
                    Err(e) => Err(other(e)),
                },
                Err(e) => Err(e),
            },
        })
    }

    async fn set(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), WitError>> {
        self.calls.kv_ops += 1;
        let (label, backend) = self.store(&store)?;
        Ok(match backend.as_ref() {
            Backend::Sqlite(kv) => kv.set(&label, &key, &value),
            Backend::Redis(r) => match r.connection().await {
                Ok(mut c) => c.set::<_, _, ()>(&key, value).await.map_err(other),
                Err(e) => Err(e),
            },
        })
    }

    async fn delete(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<(), WitError>> {
        self.calls.kv_ops += 1;
        let (label, backend) = self.store(&store)?;
        Ok(match backend.as_ref() {
            Backend::Sqlite(kv) => kv.delete(&label, &key),
            Backend::Redis(r) => match r.connection().await {
                Ok(mut c) => c.del::<_, ()>(&key).await.map_err(other),
                Err(e) => Err(e),
            },
        })
    }

    async fn exists(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<bool, WitError>> {
        self.calls.kv_ops += 1;
        let (label, backend) = self.store(&store)?;
        Ok(match backend.as_ref() {
            Backend::Sqlite(kv) => kv.get(&label, &key).map(|v| v.is_some()),
            Backend::Redis(r) => match r.connection().await {
                Ok(mut c) => c.exists::<_, bool>(&key).await.map_err(other),
                Err(e) => Err(e),
            },
        })
    }

    async fn get_keys(
        &mut self,
        store: Resource<StoreHandle>,
    ) -> wasmtime::Result<Result<Vec<String>, WitError>> {
        self.calls.kv_ops += 1;
        let (label, backend) = self.store(&store)?;
        Ok(match backend.as_ref() {
            Backend::Sqlite(kv) => kv.keys(&label),
            Backend::Redis(r) => match r.connection().await {
                Ok(mut c) => match c.keys::<_, Vec<String>>("*").await {
                    Ok(keys) => check_size(
                        keys.iter()
                            .map(|k| std::mem::size_of::<String>() + k.len())
                            .sum(),
                    )
                    .map(|()| keys),
                    Err(e) => Err(other(e)),
                },
                Err(e) => Err(e),
            },
        })
    }

    async fn drop(&mut self, store: Resource<StoreHandle>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        self.open_stores = self.open_stores.saturating_sub(1);
        Ok(())
    }
}

/// Adds the interface to the linker.
pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> Result<()> {
    Ok(wit::add_to_linker::<
        State,
        wasmtime::component::HasSelf<State>,
    >(linker, |s| s)?)
}
