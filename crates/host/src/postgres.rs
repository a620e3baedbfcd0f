//! `spin:postgres/postgres@3.0.0` on tokio-postgres, following Spin's outbound-pg factor: every
//! host of the connection string must be allowed as `postgres://host:port`, connections use TLS
//! with the server's certificate and host name verified unless the string says
//! `sslmode=disable` (see `pg_tls`), clients are pooled per connection string (reset before
//! reuse), column types map to the v3 `db-value` variants, and any failure to connect
//! (certificate included) is `connection-failed` with a message, bounded by a connect timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use futures::TryStreamExt;
use tokio_postgres::types::{ToSql, Type};
use wasmtime::component::Resource;

use crate::bindings::spin::postgres::postgres::{
    self as wit, Column, DbDataType, DbValue, Error as WitError, ParameterValue, RowSet,
};
use crate::outbound_http::AllowedHosts;
use crate::state::State;

/// How long to wait for a server before giving up, unless the address sets `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle clients kept per address: enough for a few dozen requests in flight, each of which may
/// hold two (its component's and the composed session component's). With 16, a busy server
/// opened a new connection (a new server process) on most requests.
const POOL_SIZE: usize = 64;
/// Spin's cap on bytes buffered for one result.
const MAX_RESULT_BYTES: usize = 128 << 20;
/// Connections one instance may hold open at once.
const MAX_OPEN: u32 = 64;
/// What Spin's pool (deadpool's `Clean` recycling) runs before reusing a client.
const RESET: &str = "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *; \
                     SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES;";

/// Idle clients, by connection string.
#[derive(Default)]
pub struct Pools {
    idle: Mutex<HashMap<String, Vec<tokio_postgres::Client>>>,
}

/// A guest connection: a client checked out of the pool, returned on drop.
pub struct ConnectionHandle {
    address: String,
    client: Option<tokio_postgres::Client>,
    pools: Arc<Pools>,
}

impl Drop for ConnectionHandle {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && !client.is_closed()
            && let Ok(mut idle) = self.pools.idle.lock()
        {
            let entry = idle.entry(std::mem::take(&mut self.address)).or_default();
            if entry.len() < POOL_SIZE {
                entry.push(client);
            }
        }
    }
}

impl Pools {
    async fn get(&self, address: &str) -> Result<tokio_postgres::Client, String> {
        loop {
            let idle = self
                .idle
                .lock()
                .ok()
                .and_then(|mut m| m.get_mut(address).and_then(Vec::pop));
            let Some(client) = idle else { break };
            if client.is_closed() {
                continue;
            }
            if client.batch_execute(RESET).await.is_ok() {
                return Ok(client);
            }
        }
        connect(address).await
    }
}

async fn connect(address: &str) -> Result<tokio_postgres::Client, String> {
    let mut config: tokio_postgres::Config = address.parse().map_err(|e| format!("{e}"))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    // Bound the whole handshake (TLS included): a server that accepts but never answers must not
    // hang us.
    let connecting = crate::pg_tls::connect(&config);
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok((client, _driver))) => Ok(client),
        Ok(Err(message)) => Err(message),
        Err(_) => Err(format!("timed out connecting to {}", redact(address))),
    }
}

/// The address without its password, for messages.
fn redact(address: &str) -> String {
    match url::Url::parse(address) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => address
            .split_whitespace()
            .filter(|p| !p.starts_with("password="))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Checks every host of the connection string against the component's allow-list, exactly as
/// Spin does (including its error messages).
fn ensure_allowed(allowed: &AllowedHosts, address: &str) -> Result<(), WitError> {
    let config: tokio_postgres::Config = address
        .parse()
        .map_err(|e: tokio_postgres::Error| WitError::ConnectionFailed(e.to_string()))?;
    let ports = config.get_ports();
    for (i, host) in config.get_hosts().iter().enumerate() {
        match host {
            tokio_postgres::config::Host::Tcp(host) => {
                let port = ports.get(i).or_else(|| {
                    if ports.len() == 1 {
                        ports.first()
                    } else {
                        None
                    }
                });
                let port_str = port.map(|p| format!(":{p}")).unwrap_or_default();
                let url = format!("{host}{port_str}");
                if !allowed.check_url(&url, "postgres") {
                    return Err(WitError::ConnectionFailed(format!(
                        "address postgres://{url} is not permitted"
                    )));
                }
            }
            tokio_postgres::config::Host::Unix(_) => {
                return Err(WitError::ConnectionFailed(
                    "Unix sockets are not supported on WebAssembly".to_string(),
                ));
            }
        }
    }
    Ok(())
}

fn to_sql(value: &ParameterValue) -> Result<Box<dyn ToSql + Send + Sync>, String> {
    Ok(match value {
        ParameterValue::Boolean(v) => Box::new(*v),
        ParameterValue::Int8(v) => Box::new(*v),
        ParameterValue::Int16(v) => Box::new(*v),
        ParameterValue::Int32(v) => Box::new(*v),
        ParameterValue::Int64(v) => Box::new(*v),
        ParameterValue::Floating32(v) => Box::new(*v),
        ParameterValue::Floating64(v) => Box::new(*v),
        ParameterValue::Str(v) => Box::new(v.clone()),
        ParameterValue::Binary(v) => Box::new(v.clone()),
        ParameterValue::Date((y, m, d)) => Box::new(
            chrono::NaiveDate::from_ymd_opt(*y, (*m).into(), (*d).into())
                .ok_or_else(|| format!("invalid date y={y}, m={m}, d={d}"))?,
        ),
        ParameterValue::Time((h, min, s, ns)) => Box::new(
            chrono::NaiveTime::from_hms_nano_opt((*h).into(), (*min).into(), (*s).into(), *ns)
                .ok_or_else(|| format!("invalid time {h}:{min}:{s}:{ns}"))?,
        ),
        ParameterValue::Datetime((y, mon, d, h, min, s, ns)) => {
            let date = chrono::NaiveDate::from_ymd_opt(*y, (*mon).into(), (*d).into())
                .ok_or_else(|| format!("invalid date y={y}, m={mon}, d={d}"))?;
            let time =
                chrono::NaiveTime::from_hms_nano_opt((*h).into(), (*min).into(), (*s).into(), *ns)
                    .ok_or_else(|| format!("invalid time {h}:{min}:{s}:{ns}"))?;
            Box::new(chrono::NaiveDateTime::new(date, time))
        }
        ParameterValue::Timestamp(v) => Box::new(
            chrono::DateTime::<chrono::Utc>::from_timestamp(*v, 0)
                .ok_or_else(|| format!("invalid epoch timestamp {v}"))?,
        ),
        ParameterValue::DbNull => Box::new(PgNull),
    })
}

/// A NULL parameter of any type, as in Spin.
#[derive(Debug)]
struct PgNull;

impl ToSql for PgNull {
    fn to_sql(
        &self,
        _ty: &Type,
        _out: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(tokio_postgres::types::IsNull::Yes)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Any column value Spin cannot represent: only its nullness matters.
struct Other;

impl<'a> tokio_postgres::types::FromSql<'a> for Other {
    fn from_sql(
        _ty: &Type,
        _raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Other)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

fn data_type(ty: &Type) -> DbDataType {
    match *ty {
        Type::BOOL => DbDataType::Boolean,
        Type::BYTEA => DbDataType::Binary,
        Type::FLOAT4 => DbDataType::Floating32,
        Type::FLOAT8 => DbDataType::Floating64,
        Type::INT2 => DbDataType::Int16,
        Type::INT4 => DbDataType::Int32,
        Type::INT8 => DbDataType::Int64,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR => DbDataType::Str,
        Type::TIMESTAMP | Type::TIMESTAMPTZ => DbDataType::Datetime,
        Type::DATE => DbDataType::Date,
        Type::TIME => DbDataType::Time,
        _ => DbDataType::Other,
    }
}

fn value(row: &tokio_postgres::Row, i: usize) -> Result<DbValue, tokio_postgres::Error> {
    use chrono::{Datelike, Timelike};
    fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> DbValue) -> DbValue {
        v.map(f).unwrap_or(DbValue::DbNull)
    }
    // `as u8` below is lossless: chrono months, days, hours, minutes and seconds fit in a u8.
    Ok(match *row.columns()[i].type_() {
        Type::BOOL => opt(row.try_get(i)?, DbValue::Boolean),
        Type::BYTEA => opt(row.try_get(i)?, DbValue::Binary),
        Type::FLOAT4 => opt(row.try_get(i)?, DbValue::Floating32),
        Type::FLOAT8 => opt(row.try_get(i)?, DbValue::Floating64),
        Type::INT2 => opt(row.try_get(i)?, DbValue::Int16),
        Type::INT4 => opt(row.try_get(i)?, DbValue::Int32),
        Type::INT8 => opt(row.try_get(i)?, DbValue::Int64),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR => opt(row.try_get(i)?, DbValue::Str),
        // Spin reads both timestamp types as a naive date-time, so `timestamptz` columns fail
        // with a conversion error there too.
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            opt(row.try_get::<_, Option<chrono::NaiveDateTime>>(i)?, |v| {
                DbValue::Datetime((
                    v.year(),
                    v.month() as u8,
                    v.day() as u8,
                    v.hour() as u8,
                    v.minute() as u8,
                    v.second() as u8,
                    v.nanosecond(),
                ))
            })
        }
        Type::DATE => opt(row.try_get::<_, Option<chrono::NaiveDate>>(i)?, |v| {
            DbValue::Date((v.year(), v.month() as u8, v.day() as u8))
        }),
        Type::TIME => opt(row.try_get::<_, Option<chrono::NaiveTime>>(i)?, |v| {
            DbValue::Time((
                v.hour() as u8,
                v.minute() as u8,
                v.second() as u8,
                v.nanosecond(),
            ))
        }),
        _ => opt(row.try_get::<_, Option<Other>>(i)?, |_| {
            DbValue::Unsupported
        }),
    })
}

fn value_size(v: &DbValue) -> usize {
    std::mem::size_of::<DbValue>()
        + match v {
            DbValue::Str(s) => s.len(),
            DbValue::Binary(b) => b.len(),
            _ => 0,
        }
}

fn params(values: &[ParameterValue]) -> Result<Vec<Box<dyn ToSql + Send + Sync>>, String> {
    values.iter().map(to_sql).collect()
}

async fn query(
    client: &tokio_postgres::Client,
    statement: &str,
    values: Vec<ParameterValue>,
) -> Result<RowSet, WitError> {
    let params = params(&values).map_err(WitError::BadParameter)?;
    let stream = client
        .query_raw(
            statement,
            params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)),
        )
        .await
        .map_err(|e| WitError::QueryFailed(format!("{e:?}")))?;
    futures::pin_mut!(stream);
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    let mut bytes = std::mem::size_of::<RowSet>();
    while let Some(row) = stream
        .try_next()
        .await
        .map_err(|e| WitError::QueryFailed(format!("{e:?}")))?
    {
        // As in Spin, column information comes from the first row (none for an empty result).
        if rows.is_empty() {
            columns = row
                .columns()
                .iter()
                .map(|c| Column {
                    name: c.name().to_string(),
                    data_type: data_type(c.type_()),
                })
                .collect();
        }
        let mut values = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let v = value(&row, i).map_err(|e| WitError::QueryFailed(format!("{e:?}")))?;
            bytes += value_size(&v);
            values.push(v);
        }
        if bytes > MAX_RESULT_BYTES {
            return Err(WitError::QueryFailed(format!(
                "query result exceeds limit of {MAX_RESULT_BYTES} bytes"
            )));
        }
        rows.push(values);
    }
    Ok(RowSet { columns, rows })
}

async fn execute(
    client: &tokio_postgres::Client,
    statement: &str,
    values: Vec<ParameterValue>,
) -> Result<u64, WitError> {
    let params = params(&values).map_err(WitError::ValueConversionFailed)?;
    let refs: Vec<&(dyn ToSql + Sync)> = params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect();
    client
        .execute(statement, &refs)
        .await
        .map_err(|e| WitError::QueryFailed(format!("{e:?}")))
}

impl State {
    fn pg_client(
        &self,
        connection: &Resource<ConnectionHandle>,
    ) -> wasmtime::Result<Result<&tokio_postgres::Client, WitError>> {
        let handle = self.table.get(connection)?;
        Ok(handle
            .client
            .as_ref()
            .ok_or_else(|| WitError::ConnectionFailed("no connection found".into())))
    }
}

impl wit::Host for State {}

impl wit::HostConnection for State {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<ConnectionHandle>, WitError>> {
        self.calls.sql_opens += 1;
        if let Err(e) = ensure_allowed(&self.component.outbound, &address) {
            tracing::warn!("postgres open refused: {e:?}");
            return Ok(Err(e));
        }
        if self.open_pg >= MAX_OPEN {
            return Ok(Err(WitError::ConnectionFailed(
                "too many connections".into(),
            )));
        }
        let pools = self.component.pg_pools.clone();
        let client = match pools.get(&address).await {
            Ok(client) => client,
            Err(message) => {
                tracing::warn!(
                    "postgres connection to {} failed: {message}",
                    redact(&address)
                );
                return Ok(Err(WitError::ConnectionFailed(message)));
            }
        };
        self.open_pg += 1;
        Ok(Ok(self.table.push(ConnectionHandle {
            address,
            client: Some(client),
            pools,
        })?))
    }

    async fn query(
        &mut self,
        connection: Resource<ConnectionHandle>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<RowSet, WitError>> {
        self.calls.sql_statements += 1;
        let client = match self.pg_client(&connection)? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        Ok(query(client, &statement, params).await)
    }

    async fn execute(
        &mut self,
        connection: Resource<ConnectionHandle>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<u64, WitError>> {
        self.calls.sql_statements += 1;
        let client = match self.pg_client(&connection)? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        Ok(execute(client, &statement, params).await)
    }

    async fn drop(&mut self, connection: Resource<ConnectionHandle>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        self.open_pg = self.open_pg.saturating_sub(1);
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
