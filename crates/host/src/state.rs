//! Per-request store data: everything one fresh instance can reach, built cheaply from the
//! component's precomputed runtime settings.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::outbound_http::Hooks;
use crate::server::ComponentRuntime;

/// The data of one request's `Store`.
pub struct State {
    /// The serving component's settings (variables, grants, stores).
    pub component: Arc<ComponentRuntime>,
    /// WASI context (environment, stdio).
    pub wasi: WasiCtx,
    /// wasi:http context.
    pub http: WasiHttpCtx,
    /// Outbound HTTP policy for this instance.
    pub hooks: Hooks,
    /// Resources of every interface (WASI, HTTP, key-value, SQLite, Postgres).
    pub table: ResourceTable,
    /// Number of key-value stores currently open (Spin allows 256).
    pub open_stores: u32,
    /// Number of SQLite connections currently open.
    pub open_sqlite: u32,
    /// Number of Postgres connections currently open.
    pub open_pg: u32,
    /// Memory limits, when `max_instance_memory` is set.
    pub limits: StoreLimits,
    /// What this instance asked of the host, for the request's log line and the tests.
    pub calls: Calls,
}

/// Round trips one request's instance made to the host, the composed session component's
/// included: each is a cost Spin charges per call (a connection, a statement, a provider read).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Calls {
    /// SQLite or Postgres connections opened.
    pub sql_opens: u32,
    /// SQL statements run (queries and executes).
    pub sql_statements: u32,
    /// Key-value operations (open, get, set, delete, exists, get-keys).
    pub kv_ops: u32,
    /// Variable reads.
    pub variable_reads: u32,
    /// Outbound HTTP requests.
    pub outbound_requests: u32,
}

impl std::fmt::Display for Calls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sql_opens={} sql_statements={} kv_ops={} variable_reads={} outbound_requests={}",
            self.sql_opens,
            self.sql_statements,
            self.kv_ops,
            self.variable_reads,
            self.outbound_requests
        )
    }
}

impl State {
    /// Fresh state for one request to `component`.
    pub fn new(component: Arc<ComponentRuntime>) -> Self {
        let mut builder = WasiCtx::builder();
        builder
            .inherit_stdout()
            .inherit_stderr()
            .envs(&component.environment);
        let hooks = Hooks::new(component.outbound.clone(), component.self_origin.clone());
        let limits = match component.max_instance_memory {
            Some(bytes) => wasmtime::StoreLimitsBuilder::new()
                .memory_size(bytes)
                .build(),
            None => StoreLimits::default(),
        };
        Self {
            wasi: builder.build(),
            http: WasiHttpCtx::new(),
            hooks,
            table: ResourceTable::new(),
            open_stores: 0,
            open_sqlite: 0,
            open_pg: 0,
            limits,
            calls: Calls::default(),
            component,
        }
    }

    /// The round trips so far, outbound requests included.
    pub fn calls(&self) -> Calls {
        Calls {
            outbound_requests: self.hooks.sent,
            ..self.calls
        }
    }

    /// The limiter installed in every store.
    pub fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.limits
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
