//! `fermyon:spin/sqlite@2.0.0`: the `default` database is `sqlite_db.db` in the state dir and
//! other labels come from `[sqlite_database.LABEL]`. Like Spin's in-process driver, every guest
//! `open` gets a new SQLite connection (made on its first statement, so SQLite reads the schema
//! again), nothing is kept between opens, and every statement runs on a blocking thread: the
//! host charges what Spin charges. Statements, values and error variants follow that driver.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use wasmtime::component::Resource;

use crate::bindings::fermyon::spin::sqlite::{
    self as wit, Error as WitError, QueryResult, RowResult, Value,
};
use crate::runtime_config::SqliteConfig;
use crate::state::State;

/// Spin's cap on bytes buffered for one result.
const MAX_RESULT_BYTES: usize = 128 << 20;
/// Connections one instance may hold open at once.
const MAX_OPEN: u32 = 256;

/// A database the app can open.
pub struct Database {
    path: Option<PathBuf>,
    allow_attach_file: bool,
}

/// An open guest connection: its SQLite connection is made on the first statement and closed
/// when the guest drops the handle.
pub struct ConnectionHandle {
    db: Arc<Database>,
    conn: Option<Arc<Mutex<rusqlite::Connection>>>,
}

/// Every database the app can open, by label.
pub struct Databases {
    by_label: HashMap<String, Arc<Database>>,
}

impl Databases {
    /// Builds the databases; `default` is `sqlite_db.db` in the state dir unless redefined.
    pub fn new(configured: &BTreeMap<String, SqliteConfig>, state_dir: Option<&Path>) -> Self {
        let mut configs = configured.clone();
        configs
            .entry("default".to_string())
            .or_insert_with(|| SqliteConfig {
                path: state_dir.map(|d| d.join("sqlite_db.db")),
                allow_attach_file: false,
            });
        let by_label = configs
            .into_iter()
            .map(|(label, c)| {
                (
                    label,
                    Arc::new(Database {
                        path: c.path,
                        allow_attach_file: c.allow_attach_file,
                    }),
                )
            })
            .collect();
        Self { by_label }
    }

    /// Fails at start, like Spin, when components use databases that are not defined.
    pub fn check_defined<'a>(
        &self,
        uses: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Result<()> {
        let mut errors = Vec::new();
        for (component, labels) in uses {
            for label in labels {
                if !self.by_label.contains_key(label) {
                    errors.push(format!("- Component {component} uses database '{label}'"));
                }
            }
        }
        if errors.is_empty() {
            return Ok(());
        }
        anyhow::bail!(
            "One or more components use SQLite databases which are not defined.\n\
             Check the spelling, or pass a runtime configuration file that defines these stores.\n\
             Details:\n{}",
            errors.join("\n")
        )
    }

    /// The database of `label`.
    pub fn get(&self, label: &str) -> Option<Arc<Database>> {
        self.by_label.get(label).cloned()
    }

    /// Runs `--sqlite` statements (or `@file` contents) against the default database.
    pub fn run_startup_statements(&self, statements: &[String]) -> Result<()> {
        if statements.is_empty() {
            return Ok(());
        }
        let db = self
            .get("default")
            .context("no default SQLite database to run --sqlite statements against")?;
        let conn = db
            .connect()
            .map_err(|e| anyhow::anyhow!("opening the default database: {e:?}"))?;
        // WAL is a property of the file: set once here, every later connection (the host's or
        // Spin's) reads while another writes instead of waiting for it.
        if db.path.is_some() {
            conn.pragma_update(None, "journal_mode", "WAL")
                .context("setting the default database to WAL mode")?;
        }
        for statement in statements {
            let sql = match statement.strip_prefix('@') {
                Some(file) => std::fs::read_to_string(file)
                    .with_context(|| format!("could not read file '{file}' for --sqlite"))?,
                None => statement.clone(),
            };
            conn.execute_batch(&sql)
                .with_context(|| format!("failed to execute --sqlite statement {statement:?}"))?;
        }
        Ok(())
    }

    /// Describes where the `default` database lives, for the start banner.
    pub fn describe_default(&self) -> String {
        match self.by_label.get("default").and_then(|d| d.path.as_ref()) {
            Some(p) => format!("\"{}\"", p.display()),
            None => "an in-memory database".to_string(),
        }
    }
}

impl Database {
    /// Opens a new connection to the file (or a new in-memory database), as Spin does: rusqlite's
    /// defaults (a 5-second busy timeout) and no attached files unless allowed.
    fn connect(&self) -> Result<rusqlite::Connection, WitError> {
        let conn = match &self.path {
            Some(path) => rusqlite::Connection::open(path),
            None => rusqlite::Connection::open_in_memory(),
        }
        .map_err(io)?;
        if !self.allow_attach_file {
            conn.authorizer(Some(|ctx: rusqlite::hooks::AuthContext<'_>| {
                use rusqlite::hooks::{AuthAction, Authorization};
                match ctx.action {
                    // As in Spin: only temporary and in-memory databases may be attached.
                    AuthAction::Attach { filename } if !matches!(filename, "" | ":memory:") => {
                        Authorization::Deny
                    }
                    _ => Authorization::Allow,
                }
            }));
        }
        Ok(conn)
    }
}

/// The per-component allow-list (`sqlite_databases`).
pub struct Grants {
    allowed: HashSet<String>,
}

impl Grants {
    /// Grants for the labels in `sqlite_databases`.
    pub fn new(labels: &[String]) -> Self {
        Self {
            allowed: labels.iter().cloned().collect(),
        }
    }
}

fn io(e: impl std::fmt::Display) -> WitError {
    WitError::Io(e.to_string())
}

fn execute(
    conn: &rusqlite::Connection,
    statement: &str,
    parameters: Vec<Value>,
) -> Result<QueryResult, WitError> {
    let mut stmt = conn.prepare_cached(statement).map_err(io)?;
    let columns: Vec<String> = stmt
        .column_names()
        .into_iter()
        .map(ToOwned::to_owned)
        .collect();
    let params = parameters.into_iter().map(|v| match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Integer(i) => rusqlite::types::Value::Integer(i),
        Value::Real(r) => rusqlite::types::Value::Real(r),
        Value::Text(t) => rusqlite::types::Value::Text(t),
        Value::Blob(b) => rusqlite::types::Value::Blob(b),
    });
    let width = columns.len();
    let mut byte_count = std::mem::size_of::<QueryResult>();
    let mut rows = Vec::new();
    let mut query = stmt.query(rusqlite::params_from_iter(params)).map_err(io)?;
    while let Some(row) = query.next().map_err(io)? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            let value = match row.get_ref(i).map_err(io)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(i) => Value::Integer(i),
                rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                rusqlite::types::ValueRef::Text(t) => {
                    Value::Text(String::from_utf8_lossy(t).into_owned())
                }
                rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            };
            byte_count += value_size(&value);
            values.push(value);
        }
        if byte_count > MAX_RESULT_BYTES {
            return Err(WitError::Io(format!(
                "query result exceeds limit of {MAX_RESULT_BYTES} bytes"
            )));
        }
        rows.push(RowResult { values });
    }
    Ok(QueryResult { columns, rows })
}

fn value_size(v: &Value) -> usize {
    std::mem::size_of::<Value>()
        + match v {
            Value::Text(t) => t.len(),
            Value::Blob(b) => b.len(),
            _ => 0,
        }
}

impl wit::Host for State {}

impl wit::HostConnection for State {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<ConnectionHandle>, WitError>> {
        self.calls.sql_opens += 1;
        if !self.component.sqlite.allowed.contains(&database) {
            return Ok(Err(WitError::AccessDenied));
        }
        let Some(db) = self.component.databases.get(&database) else {
            return Ok(Err(WitError::NoSuchDatabase));
        };
        if self.open_sqlite >= MAX_OPEN {
            return Ok(Err(WitError::Io("too many connections opened".to_string())));
        }
        self.open_sqlite += 1;
        Ok(Ok(self.table.push(ConnectionHandle { db, conn: None })?))
    }

    async fn execute(
        &mut self,
        connection: Resource<ConnectionHandle>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, WitError>> {
        self.calls.sql_statements += 1;
        let handle = self.table.get_mut(&connection)?;
        // Spin makes the connection on the first statement, on the calling thread.
        let conn = match &handle.conn {
            Some(conn) => conn.clone(),
            None => match handle.db.connect() {
                Ok(conn) => handle.conn.insert(Arc::new(Mutex::new(conn))).clone(),
                Err(e) => return Ok(Err(e)),
            },
        };
        let result = tokio::task::spawn_blocking(move || {
            let conn = conn
                .lock()
                .map_err(|_| WitError::Io("connection poisoned".into()))?;
            execute(&conn, &statement, parameters)
        })
        .await
        .unwrap_or_else(|e| Err(WitError::Io(format!("internal runtime error: {e}"))));
        if let Err(WitError::Io(message)) = &result {
            tracing::debug!("sqlite error: {message}");
        }
        Ok(result)
    }

    async fn drop(&mut self, connection: Resource<ConnectionHandle>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        self.open_sqlite = self.open_sqlite.saturating_sub(1);
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
