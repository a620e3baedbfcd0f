//! `pulse-host bench-instantiate`: the per-request instantiation cost. Loads the app exactly as
//! `up` does (engine, pooling allocator, composition, `ProxyPre`) and times what every request
//! pays before the guest runs and after it returns: a new `Store`, `instantiate_pre`, and the
//! drop that hands the instance's slots back to the pool.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use wasmtime::Store;

use crate::outbound_http::SelfOrigin;
use crate::server::{self, UpOptions};
use crate::state::State;

/// Options of `pulse-host bench-instantiate`.
pub struct BenchOptions {
    /// The app, read exactly as `up` reads it (`listen` only names the `self` origin).
    pub app: UpOptions,
    /// The component to instantiate.
    pub component: String,
    /// Timed iterations.
    pub iterations: u32,
}

/// Untimed iterations first, so the pool's slots and the allocator are warm as in a server.
const WARM_UP: u32 = 200;

/// The durations of one measured phase.
struct Samples(Vec<Duration>);

impl Samples {
    fn micros(d: Duration) -> f64 {
        d.as_secs_f64() * 1e6
    }

    /// `mean`, `p50` and `p99` in microseconds.
    fn summary(&mut self) -> (f64, f64, f64) {
        self.0.sort_unstable();
        let n = self.0.len().max(1);
        let total: Duration = self.0.iter().sum();
        let at = |q: f64| {
            let index = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
            self.0.get(index).copied().map_or(0.0, Self::micros)
        };
        (total.as_secs_f64() * 1e6 / n as f64, at(0.50), at(0.99))
    }
}

/// Loads the app and prints the cost of N × (new store + instantiate + drop) for one component.
pub async fn instantiate(opts: BenchOptions) -> Result<()> {
    if opts.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    let listen: SocketAddr = opts.app.listen;
    let env = opts.app.env.clone();
    let loaded = server::load(&opts.app)?;
    let origin = Arc::new(SelfOrigin {
        scheme: http::uri::Scheme::HTTP,
        authority: listen.to_string().parse()?,
    });
    let (_, _, served) = loaded.into_served(origin, &env)?;
    let Some(served) = served.into_iter().find(|s| s.runtime.id == opts.component) else {
        bail!(
            "component {:?} is not served by this app (only components with a route are)",
            opts.component
        );
    };

    let mut build = Samples(Vec::with_capacity(opts.iterations as usize));
    let mut instantiate = Samples(Vec::with_capacity(opts.iterations as usize));
    let mut drop_ = Samples(Vec::with_capacity(opts.iterations as usize));
    let mut total = Samples(Vec::with_capacity(opts.iterations as usize));
    for i in 0..WARM_UP + opts.iterations {
        // The same steps as `Server::call`, without the request itself.
        let started = Instant::now();
        let mut store = Store::new(served.pre.engine(), State::new(served.runtime.clone()));
        if served.runtime.max_instance_memory.is_some() {
            store.limiter(State::limiter);
        }
        let built = Instant::now();
        let _proxy = served
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| anyhow!("instantiating {:?}: {e:#}", opts.component))?;
        let instantiated = Instant::now();
        drop(store);
        let dropped = Instant::now();
        if i >= WARM_UP {
            build.0.push(built - started);
            instantiate.0.push(instantiated - built);
            drop_.0.push(dropped - instantiated);
            total.0.push(dropped - started);
        }
    }

    println!(
        "component {:?}: {} instantiations (after {WARM_UP} warm-up), microseconds",
        opts.component, opts.iterations
    );
    println!("{:<24} {:>9} {:>9} {:>9}", "phase", "mean", "p50", "p99");
    for (name, samples) in [
        ("new store", &mut build),
        ("instantiate_pre", &mut instantiate),
        ("drop (back to the pool)", &mut drop_),
        ("total", &mut total),
    ] {
        let (mean, p50, p99) = samples.summary();
        println!("{name:<24} {mean:>9.1} {p50:>9.1} {p99:>9.1}");
    }
    Ok(())
}
