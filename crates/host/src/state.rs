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
            component,
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
