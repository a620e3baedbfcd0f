//! Relational storage behind one small trait, so domain code runs unchanged on SQLite and
//! Postgres and unit tests can run it on an in-process SQLite.

use std::fmt;

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Any integer column (Postgres int2/int4/int8, SQLite INTEGER).
    Int(i64),
    /// Floating point.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl Value {
    /// The value as JSON (a blob as base64).
    pub fn to_json(&self) -> serde_json::Value {
        use base64::Engine;
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Int(n) => (*n).into(),
            Value::Real(x) => (*x).into(),
            Value::Text(s) => s.as_str().into(),
            Value::Blob(b) => base64::engine::general_purpose::STANDARD.encode(b).into(),
        }
    }
}

/// One result row, read by column position.
#[derive(Debug, Clone, Default)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, DbError> {
        self.0
            .get(i)
            .ok_or_else(|| DbError::Decode(format!("row has no column {i}")))
    }

    /// Text at column `i`.
    pub fn text(&self, i: usize) -> Result<String, DbError> {
        match self.at(i)? {
            Value::Text(s) => Ok(s.clone()),
            other => Err(DbError::Decode(format!(
                "column {i}: expected text, got {other:?}"
            ))),
        }
    }

    /// Nullable text at column `i`.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    /// Integer at column `i`.
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.at(i)? {
            Value::Int(n) => Ok(*n),
            other => Err(DbError::Decode(format!(
                "column {i}: expected integer, got {other:?}"
            ))),
        }
    }

    /// Nullable integer at column `i`.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    /// Boolean stored as an integer 0/1 at column `i`.
    pub fn flag(&self, i: usize) -> Result<bool, DbError> {
        self.int(i).map(|n| n != 0)
    }
}

/// Which SQL dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: parameters written `?N`.
    Sqlite,
    /// Postgres: parameters written `$N`.
    Postgres,
}

/// A storage failure. `Unavailable` means the database could not be reached (answer 503).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database could not be reached or opened.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A statement failed.
    #[error("query failed: {0}")]
    Query(String),
    /// A unique or foreign-key constraint refused the write.
    #[error("constraint violated: {0}")]
    Constraint(String),
    /// A row did not have the expected shape.
    #[error("unexpected row shape: {0}")]
    Decode(String),
}

/// A connection to the portal's relational database.
///
/// Statements are written once with Postgres-style `$1` placeholders; SQLite connections rewrite
/// them to `?1`, which SQLite binds by the same number.
pub trait Db {
    /// The dialect this connection speaks.
    fn dialect(&self) -> Dialect;
    /// Runs a statement returning rows.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
    /// Runs a statement returning the number of affected rows.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError>;

    /// The first row of a query, if any.
    fn query_opt(&self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Runs `f` inside a transaction: everything it writes commits together or not at all.
pub fn transaction<D: Db + ?Sized, T, E>(db: &D, f: impl FnOnce(&D) -> Result<T, E>) -> Result<T, E>
where
    E: From<DbError>,
{
    // SQLite takes the write lock up front (waiting out the busy timeout for it), so a
    // transaction that reads before it writes is never refused half-way because another
    // connection wrote in between.
    let begin = match db.dialect() {
        Dialect::Sqlite => "BEGIN IMMEDIATE",
        Dialect::Postgres => "BEGIN",
    };
    db.execute(begin, &[])?;
    match f(db) {
        Ok(v) => {
            db.execute("COMMIT", &[])?;
            Ok(v)
        }
        Err(e) => {
            // A failed rollback leaves nothing committed either; the original error matters more.
            let _ = db.execute("ROLLBACK", &[]);
            Err(e)
        }
    }
}

/// Rewrites `$N` placeholders to SQLite's `?N`, leaving string literals untouched.
pub fn to_sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_string = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_string = !in_string;
                out.push(c);
            }
            '$' if !in_string && chars.peek().is_some_and(char::is_ascii_digit) => out.push('?'),
            _ => out.push(c),
        }
    }
    out
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_string_literals() {
        assert_eq!(
            to_sqlite_placeholders("SELECT '$1', a FROM t WHERE b = $2 AND c = $10"),
            "SELECT '$1', a FROM t WHERE b = ?2 AND c = ?10"
        );
    }

    #[test]
    fn row_getters_name_the_bad_column() {
        let row = Row(vec![Value::Int(3), Value::Null]);
        assert_eq!(row.int(0).ok(), Some(3));
        assert_eq!(row.opt_text(1).ok(), Some(None));
        let err = row.text(0).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("column 0"), "{err}");
    }
}
