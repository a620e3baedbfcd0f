//! Loading the app (manifest, runtime config, variables, stores, compiled components) and serving
//! it over HTTP like `spin up`: Spin's routing and `spin-*` headers, a fresh instance and store
//! for every request, well-known routes, 404/500 answers, one log line per request and a
//! graceful stop on SIGINT/SIGTERM.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::cache::Cache;
use crate::key_value::{self, Stores};
use crate::manifest::{self, App};
use crate::outbound_http::{AllowedHosts, SelfOrigin};
use crate::postgres::Pools;
use crate::router::{Router, WELL_KNOWN_PREFIX};
use crate::runtime_config::RuntimeConfig;
use crate::sqlite::{self, Databases};
use crate::state::{Calls, State};
use crate::variables::{self, ComponentVariables, Resolved, Resolver};

/// Options of `pulse-host up`.
pub struct UpOptions {
    /// `--from`: manifest file or directory.
    pub from: PathBuf,
    /// `--listen`.
    pub listen: SocketAddr,
    /// `--runtime-config-file`.
    pub runtime_config_file: Option<PathBuf>,
    /// `--state-dir`.
    pub state_dir: Option<PathBuf>,
    /// `--env NAME=VALUE`, for every component's WASI environment.
    pub env: Vec<(String, String)>,
    /// `--variable` sources (`NAME=VALUE`, `NAME=@file`, `@file.json|toml`).
    pub variables: Vec<String>,
    /// `--sqlite` statements or `@file`s for the default database.
    pub sqlite: Vec<String>,
    /// `--key-value KEY=VALUE` pairs for the default store.
    pub key_values: Vec<(String, String)>,
    /// `--header-timeout`: how long a client may take to send a request's head.
    pub header_timeout: Duration,
}

/// The longest request head (request line and headers) read; a longer one is answered 431.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The longest request target (path and query); a longer one is answered 414.
const MAX_URI_BYTES: usize = 8 * 1024;

/// Everything a request to one component needs, computed once at start.
pub struct ComponentRuntime {
    /// The component id.
    pub id: String,
    /// Its WASI environment.
    pub environment: Vec<(String, String)>,
    /// Its resolved variables.
    pub variables: ComponentVariables,
    /// Its resolved `allowed_outbound_hosts`.
    pub outbound: Arc<AllowedHosts>,
    /// Where `self` requests go.
    pub self_origin: Arc<SelfOrigin>,
    /// Labels it may open.
    pub key_value: key_value::Grants,
    /// The app's stores.
    pub stores: Arc<Stores>,
    /// Databases it may open.
    pub sqlite: sqlite::Grants,
    /// The app's SQLite databases.
    pub databases: Arc<Databases>,
    /// Postgres client pools.
    pub pg_pools: Arc<Pools>,
    /// Memory limit per instance, if configured.
    pub max_instance_memory: Option<usize>,
}

/// A component ready to serve: its per-request settings and its pre-instantiated code.
pub struct Served {
    /// The settings every request's `State` is built from.
    pub runtime: Arc<ComponentRuntime>,
    /// The component linked against the host, ready to instantiate.
    pub pre: ProxyPre<State>,
}

struct Server {
    router: Router,
    components: Vec<Served>,
}

/// A component compiled and linked, before the listening address is known.
struct Prepared {
    id: String,
    pre: ProxyPre<State>,
}

/// Builds the engine with Spin's pooling-allocator defaults, falling back to on-demand
/// allocation where the machine cannot reserve the address space (as Spin does).
pub fn engine() -> Result<Engine> {
    const MB: usize = 1 << 20;
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    // Spin's defaults, overridable with the same environment variables Spin reads.
    fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }
    let max_instances: u32 = env("SPIN_MAX_INSTANCE_COUNT", 1_000);
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(env("SPIN_WASMTIME_INSTANCE_COUNT", max_instances))
        .total_memories(env("SPIN_WASMTIME_TOTAL_MEMORIES", max_instances))
        .total_tables(env("SPIN_WASMTIME_TOTAL_TABLES", 2 * max_instances))
        .total_stacks(env("SPIN_WASMTIME_TOTAL_STACKS", max_instances))
        .total_core_instances(env("SPIN_WASMTIME_TOTAL_CORE_INSTANCES", 4 * max_instances))
        .table_elements(env("SPIN_WASMTIME_INSTANCE_TABLE_ELEMENTS", 100_000))
        .max_component_instance_size(env("SPIN_WASMTIME_INSTANCE_SIZE", 10 * MB))
        .max_core_instance_size(env("SPIN_WASMTIME_CORE_INSTANCE_SIZE", 10 * MB))
        .max_core_instances_per_component(env("SPIN_WASMTIME_CORE_INSTANCE_COUNT", 200))
        .max_tables_per_component(env("SPIN_WASMTIME_INSTANCE_TABLES", 64))
        .max_memories_per_component(env("SPIN_WASMTIME_INSTANCE_MEMORIES", 32))
        .max_tables_per_module(env("SPIN_WASMTIME_MAX_TABLES_PER_MODULE", 2))
        .max_memories_per_module(env("SPIN_WASMTIME_MAX_MEMORIES_PER_MODULE", 2))
        .max_memory_size(4 << 30)
        .linear_memory_keep_resident(env("SPIN_WASMTIME_LINEAR_MEMORY_KEEP_RESIDENT", 2 * MB))
        .table_keep_resident(env("SPIN_WASMTIME_TABLE_KEEP_RESIDENT", MB / 2))
        // Not a Spin setting: with the kernel's PAGEMAP_SCAN (Linux 6.7+) a returned instance has
        // only the pages it dirtied reset, instead of a memset of the whole kept-resident part of
        // every memory, which was over half of each request's instantiation cost. Where the
        // ioctl is missing wasmtime resets memory as before.
        .pagemap_scan(wasmtime::Enabled::Auto);
    let mut pooled = config.clone();
    if env("SPIN_WASMTIME_POOLING", 1u8) == 0 {
        return Ok(Engine::new(&config)?);
    }
    pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    match Engine::new(&pooled) {
        Ok(engine) => Ok(engine),
        Err(e) => {
            tracing::warn!("pooling allocator unavailable ({e:#}); using on-demand allocation");
            Ok(Engine::new(&config)?)
        }
    }
}

fn linker(engine: &Engine) -> Result<Linker<State>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    key_value::add_to_linker(&mut linker)?;
    sqlite::add_to_linker(&mut linker)?;
    crate::postgres::add_to_linker(&mut linker)?;
    variables::add_to_linker(&mut linker)?;
    Ok(linker)
}

/// Parses `--variable` sources like Spin's `VariableSource`.
fn cli_variables(sources: &[String]) -> Result<HashMap<String, String>> {
    let mut values = HashMap::new();
    for source in sources {
        if let Some(path) = source.strip_prefix('@') {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("Failed to read \"{path}\"."))?;
            let map: HashMap<String, String> = if path.ends_with(".json") {
                serde_json::from_str(&text)
                    .with_context(|| format!("Failed to parse JSON from \"{path}\"."))?
            } else if path.ends_with(".toml") {
                toml::from_str(&text)
                    .with_context(|| format!("Failed to parse TOML from \"{path}\"."))?
            } else {
                bail!("variable files must end in .json or .toml");
            };
            values.extend(map);
        } else if let Some((name, value)) = source.split_once('=') {
            let value = match value.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .with_context(|| format!("Failed to read \"{path}\"."))?,
                None => value.to_string(),
            };
            values.insert(name.to_string(), value);
        } else {
            bail!("variables must be in the form 'key=value' or '@file'");
        }
    }
    Ok(values)
}

/// Applies `SPIN_COMPONENTS_TO_RETAIN`: keeps only the listed components' routes.
fn retained(app: &App) -> Result<Option<Vec<String>>> {
    let Ok(list) = std::env::var("SPIN_COMPONENTS_TO_RETAIN") else {
        return Ok(None);
    };
    let ids: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    for id in &ids {
        if !app.components.contains_key(id) {
            bail!("Specified component \"{id}\" not found in application");
        }
    }
    Ok(Some(ids))
}

/// The app read, its settings resolved and every served component compiled and linked: what
/// `up` serves and `bench-instantiate` instantiates.
pub struct Loaded {
    app: App,
    runtime_config: RuntimeConfig,
    stores: Arc<Stores>,
    databases: Arc<Databases>,
    /// The variable providers guests read through.
    resolver: Arc<Resolver>,
    /// The triggers left after `SPIN_COMPONENTS_TO_RETAIN`.
    triggers: Vec<manifest::HttpTrigger>,
    /// Variable templates and resolved outbound hosts of each served component.
    settings: BTreeMap<String, (BTreeMap<String, String>, AllowedHosts)>,
    prepared: Vec<Prepared>,
}

/// Reads the manifest and runtime config, resolves variables and stores, and compiles (or loads
/// from cache) and links every served component on the engine `up` uses.
pub fn load(opts: &UpOptions) -> Result<Loaded> {
    let manifest_path = manifest::locate(&opts.from)?;
    let app = manifest::load(&manifest_path)?;
    let runtime_config = RuntimeConfig::load(opts.runtime_config_file.as_deref())?;

    let state_dir = match (&opts.state_dir, &runtime_config.state_dir) {
        (Some(dir), _) => Some(std::path::absolute(dir)?),
        (None, Some(Some(dir))) => Some(std::path::absolute(dir)?),
        (None, Some(None)) => None,
        (None, None) => Some(std::path::absolute(app.dir.join(".spin"))?),
    };
    if let Some(dir) = &state_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create state directory {}", dir.display()))?;
    }

    let providers = variables::providers(
        cli_variables(&opts.variables)?,
        &runtime_config.variables_providers,
    )?;
    let resolved = Resolved::resolve(&app, &providers)?;
    let resolver = Arc::new(Resolver::new(&app, providers));

    let stores = Arc::new(Stores::new(
        &runtime_config.key_value_stores,
        state_dir.as_deref(),
    )?);
    let databases = Arc::new(Databases::new(
        &runtime_config.sqlite_databases,
        state_dir.as_deref(),
    ));
    for component in app.components.values() {
        stores.check_defined(&component.id, &component.key_value_stores)?;
    }
    databases.check_defined(
        app.components
            .values()
            .map(|c| (c.id.as_str(), c.sqlite_databases.as_slice())),
    )?;

    let retain = retained(&app)?;
    let triggers: Vec<&manifest::HttpTrigger> = app
        .triggers
        .iter()
        .filter(|t| retain.as_ref().is_none_or(|r| r.contains(&t.component)))
        .collect();

    // Resolve every served component's settings before the (slow) compilation.
    let mut served_ids: Vec<String> = Vec::new();
    for t in &triggers {
        if !served_ids.contains(&t.component) {
            served_ids.push(t.component.clone());
        }
    }
    let mut settings = BTreeMap::new();
    for id in &served_ids {
        let component = &app.components[id];
        // Every template must expand now; guests read the values again on every `get`.
        resolved
            .for_component(&component.variables)
            .with_context(|| format!("component {id:?}"))?;
        let values = component.variables.clone();
        let outbound =
            AllowedHosts::parse(&component.allowed_outbound_hosts, |t| resolved.expand(t))
                .with_context(|| format!("component {id:?}: invalid allowed_outbound_hosts"))?;
        settings.insert(id.clone(), (values, outbound));
    }

    let engine = engine()?;
    let linker = linker(&engine)?;
    let cache = Cache::from_env();
    let mut prepared = Vec::new();
    for id in &served_ids {
        prepared.push(prepare(&app, id, &engine, &linker, &cache)?);
    }
    let triggers = triggers.into_iter().cloned().collect();
    Ok(Loaded {
        app,
        runtime_config,
        stores,
        databases,
        resolver,
        triggers,
        settings,
        prepared,
    })
}

impl Loaded {
    /// Builds each served component's per-request settings, with `self` requests going to
    /// `origin` and `environment` (`--env`) added to every component's own.
    pub fn into_served(
        self,
        origin: Arc<SelfOrigin>,
        environment: &[(String, String)],
    ) -> Result<(App, Vec<manifest::HttpTrigger>, Vec<Served>)> {
        let Loaded {
            app,
            runtime_config,
            stores,
            databases,
            resolver,
            triggers,
            mut settings,
            prepared,
        } = self;
        let pg_pools = Arc::new(Pools::default());
        let mut components = Vec::new();
        for p in prepared {
            let component = &app.components[&p.id];
            let Some((values, outbound)) = settings.remove(&p.id) else {
                bail!("internal error: no settings for {}", p.id);
            };
            let mut env: Vec<(String, String)> = component
                .environment
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (k, v) in environment {
                env.retain(|(name, _)| name != k);
                env.push((k.clone(), v.clone()));
            }
            components.push(Served {
                runtime: Arc::new(ComponentRuntime {
                    id: p.id.clone(),
                    environment: env,
                    variables: ComponentVariables {
                        component_id: p.id.clone(),
                        templates: values,
                        resolver: resolver.clone(),
                    },
                    outbound: Arc::new(outbound),
                    self_origin: origin.clone(),
                    key_value: key_value::Grants::new(&component.key_value_stores),
                    stores: stores.clone(),
                    sqlite: sqlite::Grants::new(&component.sqlite_databases),
                    databases: databases.clone(),
                    pg_pools: pg_pools.clone(),
                    max_instance_memory: runtime_config.max_instance_memory.or_else(|| {
                        std::env::var("SPIN_MAX_INSTANCE_MEMORY")
                            .ok()
                            .and_then(|v| v.parse().ok())
                    }),
                }),
                pre: p.pre,
            });
        }
        Ok((app, triggers, components))
    }
}

/// Loads, compiles and serves the app until SIGINT/SIGTERM.
pub async fn up(opts: UpOptions) -> Result<()> {
    let started = Instant::now();
    let loaded = load(&opts)?;
    let (stores, databases) = (loaded.stores.clone(), loaded.databases.clone());

    if !opts.key_values.is_empty() {
        stores.set_initial(&opts.key_values).await?;
    }
    databases.run_startup_statements(&opts.sqlite)?;

    let listener = TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let local = listener.local_addr()?;
    let origin = Arc::new(SelfOrigin {
        scheme: http::uri::Scheme::HTTP,
        authority: local.to_string().parse()?,
    });

    let (app, triggers, components) = loaded.into_served(origin, &opts.env)?;

    let routes = triggers.iter().filter_map(|t| {
        let index = components
            .iter()
            .position(|c| c.runtime.id == t.component)?;
        t.route.as_deref().map(|r| (index, t.component.as_str(), r))
    });
    let (router, duplicates) = Router::build(routes)?;
    if !duplicates.is_empty() {
        tracing::error!("The following component routes are duplicates and will never be used:");
        for d in &duplicates {
            tracing::error!(
                "  {}: {} (duplicate of {})",
                d.replaced,
                d.route,
                d.effective
            );
        }
    }
    if router.contains_reserved_route() {
        tracing::error!(
            "Routes under {WELL_KNOWN_PREFIX} are handled by the Spin runtime and will never be reached"
        );
    }

    if app
        .components
        .values()
        .any(|c| c.key_value_stores.iter().any(|l| l == "default"))
    {
        println!(
            "Storing default key-value data to {}.",
            stores.describe_default()
        );
    }
    if app
        .components
        .values()
        .any(|c| c.sqlite_databases.iter().any(|l| l == "default"))
    {
        println!(
            "Storing default SQLite data to {}.",
            databases.describe_default()
        );
    }
    let base_url = format!("http://{local}");
    println!("\nServing {base_url}");
    println!("Available Routes:");
    for (index, route) in router.routes() {
        let runtime = &components[index].runtime;
        println!("  {}: {base_url}{route}", runtime.id);
        let description = &app.components[&runtime.id].description;
        if !description.is_empty() {
            println!("    {description}");
        }
    }
    tracing::info!(
        "{} {} ready in {:.2?}",
        app.name,
        app.version,
        started.elapsed()
    );

    let server = Arc::new(Server { router, components });
    serve(server, listener, opts.header_timeout).await
}

/// Reads, composes, compiles (or loads from cache) and links one component.
fn prepare(
    app: &App,
    id: &str,
    engine: &Engine,
    linker: &Linker<State>,
    cache: &Cache,
) -> Result<Prepared> {
    let component = &app.components[id];
    let bytes = std::fs::read(&component.source).with_context(|| {
        format!(
            "component {id:?}: cannot read source {}",
            component.source.display()
        )
    })?;
    let mut deps = Vec::new();
    for dep in &component.dependencies {
        let source = &app.components[&dep.component].source;
        let dep_bytes = std::fs::read(source).with_context(|| {
            format!(
                "component {id:?}: cannot read dependency source {}",
                source.display()
            )
        })?;
        deps.push((dep, dep_bytes));
    }
    let composed = crate::compose::compose(id, &bytes, &deps)?;
    let started = Instant::now();
    let (compiled, cached): (Component, bool) =
        cache.load(engine, &composed, &format!("component {id:?}"))?;
    tracing::info!(
        "component {id}: {} in {:.2?}",
        if cached {
            "loaded compiled code from cache"
        } else {
            "compiled"
        },
        started.elapsed()
    );
    let instance_pre = linker
        .instantiate_pre(&compiled)
        .map_err(|e| anyhow!("component {id:?} cannot run on this host: {e}"))?;
    let pre = ProxyPre::new(instance_pre).map_err(|e| {
        anyhow!("component {id:?} is not an HTTP component (wasi:http/incoming-handler@0.2): {e}")
    })?;
    Ok(Prepared {
        id: id.to_string(),
        pre,
    })
}

async fn serve(server: Arc<Server>, listener: TcpListener, header_timeout: Duration) -> Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // A client that trickles its request head (slow loris) is cut off; an oversized head is
    // answered 431 without being read further.
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        let (stream, client_addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    continue;
                }
            },
            _ = tokio::signal::ctrl_c() => break,
            _ = sigterm.recv() => break,
        };
        let _ = stream.set_nodelay(true);
        let server = server.clone();
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let server = server.clone();
            async move { server.handle(req, client_addr).await }
        });
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection from {client_addr} ended with an error: {e}");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    match tokio::time::timeout(Duration::from_secs(30), graceful.shutdown()).await {
        Ok(()) => tracing::info!("all connections closed"),
        Err(_) => tracing::warn!("in-flight requests did not finish within 30 s; exiting"),
    }
    Ok(())
}

fn full(body: impl Into<Bytes>) -> HyperOutgoingBody {
    Full::new(body.into())
        .map_err(|e: Infallible| match e {})
        .boxed_unsync()
}

fn empty_status(status: StatusCode) -> Response<HyperOutgoingBody> {
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = status;
    response
}

impl Server {
    async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        client_addr: SocketAddr,
    ) -> Result<Response<HyperOutgoingBody>, Infallible> {
        let started = Instant::now();
        // With the request log off (as a production Spin runs), none of it is built.
        if !tracing::enabled!(tracing::Level::INFO) {
            return Ok(self.dispatch(req, client_addr).await.0);
        }
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let (response, component, calls) = self.dispatch(req, client_addr).await;
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(|v| format!(" x-request-id={v}"))
            .unwrap_or_default();
        let line = format!(
            "{method} {path} -> {} {} {:.2?}{request_id}",
            component.unwrap_or("-"),
            response.status().as_u16(),
            started.elapsed()
        );
        // The instance's round trips are known once its handler returns, which may be after
        // the response head went out; the line is written then.
        match calls {
            Some(calls) => {
                tokio::spawn(async move {
                    match calls.await {
                        Ok(calls) => tracing::info!("{line} {calls}"),
                        Err(_) => tracing::info!("{line}"),
                    }
                });
            }
            None => tracing::info!("{line}"),
        }
        Ok(response)
    }

    async fn dispatch(
        &self,
        mut req: Request<Incoming>,
        client_addr: SocketAddr,
    ) -> (
        Response<HyperOutgoingBody>,
        Option<&str>,
        Option<oneshot::Receiver<Calls>>,
    ) {
        // As Spin: drop a service-chaining Host header and the transport-level Connection header.
        let chaining_host = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|h| {
                let host = h.rsplit_once(':').map_or(h, |(h, _)| h);
                host.split_once('.')
                    .is_some_and(|(_, rest)| rest == "spin.internal")
            });
        if chaining_host {
            req.headers_mut().remove(http::header::HOST);
        }
        if req
            .uri()
            .path_and_query()
            .is_some_and(|pq| pq.as_str().len() > MAX_URI_BYTES)
        {
            return (empty_status(StatusCode::URI_TOO_LONG), None, None);
        }
        req.headers_mut().remove(http::header::CONNECTION);

        let path = req.uri().path().to_string();
        if let Some(well_known) = path.strip_prefix(WELL_KNOWN_PREFIX) {
            return match well_known {
                "health" => (Response::new(full("OK")), None, None),
                "info" => {
                    let mut response = Response::new(full(r#"{"version":"pulse-host"}"#));
                    response.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                    (response, None, None)
                }
                _ => (empty_status(StatusCode::NOT_FOUND), None, None),
            };
        }
        let Some(route) = self.router.route(&path) else {
            return (empty_status(StatusCode::NOT_FOUND), None, None);
        };
        let served = &self.components[route.component()];
        let id = served.runtime.id.as_str();
        let (calls_tx, calls_rx) = oneshot::channel();
        match self.call(served, &route, req, client_addr, calls_tx).await {
            Ok(response) => (response, Some(id), Some(calls_rx)),
            Err(e) => {
                tracing::error!("Error processing request for component {id}: {e:#}");
                // Spin answers a failed component with an empty 500.
                (
                    empty_status(StatusCode::INTERNAL_SERVER_ERROR),
                    Some(id),
                    Some(calls_rx),
                )
            }
        }
    }

    async fn call(
        &self,
        served: &Served,
        route: &crate::router::RouteMatch<'_>,
        req: Request<Incoming>,
        client_addr: SocketAddr,
        calls: oneshot::Sender<Calls>,
    ) -> Result<Response<HyperOutgoingBody>> {
        let (mut parts, body) = req.into_parts();

        // Spin takes the authority from the Host header (or the URI); they must agree.
        let header_authority = parts
            .headers
            .get(http::header::HOST)
            .map(|h| -> Result<http::uri::Authority> {
                let s = h.to_str().context("'Host' header is not valid UTF-8")?;
                s.parse()
                    .context("'Host' header contains an invalid authority")
            })
            .transpose()?;
        let authority = match (header_authority, parts.uri.authority().cloned()) {
            (None, None) => bail!("no 'Host' header present in request"),
            (Some(a), None) | (None, Some(a)) => a,
            (Some(a1), Some(a2)) => {
                if a1 != a2 {
                    bail!("authority in 'Host' header does not match authority in URI");
                }
                a1
            }
        };
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_string();
        let path_and_query = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".to_string());
        let mut uri_parts = std::mem::take(&mut parts.uri).into_parts();
        uri_parts.scheme = Some(http::uri::Scheme::HTTP);
        uri_parts.authority = Some(authority);
        parts.uri = http::Uri::from_parts(uri_parts)?;

        let spin_headers: [(&str, String); 7] = [
            ("spin-path-info", route.trailing_wildcard().to_string()),
            ("spin-full-url", format!("http://{host}{path_and_query}")),
            ("spin-matched-route", route.based_route().to_string()),
            ("spin-base-path", "/".to_string()),
            ("spin-raw-component-route", route.raw_route().to_string()),
            (
                "spin-component-route",
                route.raw_route_or_prefix().to_string(),
            ),
            ("spin-client-addr", client_addr.to_string()),
        ];
        for (name, value) in spin_headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                parts.headers.append(HeaderName::from_static(name), value);
            }
        }
        for (name, value) in route.named_wildcards() {
            let name = format!(
                "spin-path-match-{}",
                name.to_ascii_lowercase().replace('_', "-")
            );
            if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
                parts.headers.append(n, v);
            }
        }
        let req = Request::from_parts(parts, body);

        let mut store = Store::new(served.pre.engine(), State::new(served.runtime.clone()));
        if served.runtime.max_instance_memory.is_some() {
            store.limiter(State::limiter);
        }
        let proxy = served.pre.instantiate_async(&mut store).await?;
        let request = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let out = store.data_mut().http().new_response_outparam(tx)?;
        let task = tokio::spawn(async move {
            let result = proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, request, out)
                .await;
            let _ = calls.send(store.data().calls());
            result
        });
        match rx.await {
            Ok(response) => {
                // Report a failure after the response started without holding the response up.
                tokio::spawn(async move {
                    match task.await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            tracing::warn!("component error after response started: {e:?}")
                        }
                        Err(e) => tracing::warn!("component task failed: {e}"),
                    }
                });
                let response =
                    response.map_err(|code| anyhow!("guest returned error code {code:?}"))?;
                Ok(response)
            }
            Err(_) => {
                task.await
                    .context("guest invocation panicked")?
                    .map_err(anyhow::Error::from)
                    .context("guest invocation failed")?;
                bail!("guest failed to produce a response prior to returning")
            }
        }
    }
}

impl Stores {
    /// `--key-value KEY=VALUE`: sets initial values in the default store, as `spin up` does.
    pub async fn set_initial(&self, pairs: &[(String, String)]) -> Result<()> {
        let Some(backend) = self.get("default") else {
            bail!("no default key-value store for --key-value");
        };
        backend.set_initial("default", pairs).await
    }
}
