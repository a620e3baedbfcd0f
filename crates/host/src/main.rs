//! `pulse-host`: serves a Spin application locally (`up`, spelled like `spin up`) and applies
//! SQL migrations (`migrate`), and times per-request instantiation (`bench-instantiate`). This
//! file only parses arguments.

mod bench;
mod bindings;
mod cache;
mod compose;
mod key_value;
mod manifest;
mod migrate;
mod outbound_http;
mod pg_tls;
mod postgres;
mod router;
mod runtime_config;
mod server;
mod sqlite;
mod state;
mod variables;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pulse-host",
    version,
    about = "Runs a Spin application locally"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the application, like `spin up`.
    Up {
        /// The manifest, or a directory holding spin.toml.
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:3000")]
        listen: SocketAddr,
        /// A Spin runtime configuration file.
        #[arg(long = "runtime-config-file")]
        runtime_config_file: Option<PathBuf>,
        /// Where default stores live (default: .spin beside the manifest).
        #[arg(long = "state-dir")]
        state_dir: Option<PathBuf>,
        /// Environment variables for every component (NAME=VALUE).
        #[arg(short = 'e', long = "env", value_parser = parse_pair)]
        env: Vec<(String, String)>,
        /// Application variables (NAME=VALUE, NAME=@file, @file.json or @file.toml).
        #[arg(long = "variable")]
        variable: Vec<String>,
        /// SQL statements (or @file) to run against the default SQLite database at start.
        #[arg(long = "sqlite")]
        sqlite: Vec<String>,
        /// Initial values for the default key-value store (KEY=VALUE).
        #[arg(long = "key-value", value_parser = parse_pair)]
        key_value: Vec<(String, String)>,
        /// Seconds a client may take to send a request's head before the connection is closed.
        #[arg(
            long = "header-timeout",
            env = "PULSE_HOST_HEADER_TIMEOUT",
            default_value_t = 10
        )]
        header_timeout: u64,
    },
    /// Apply versioned migrations (NNNN_name.sql) to a database.
    Migrate {
        /// The directory of migration files.
        #[arg(long)]
        dir: PathBuf,
        /// sqlite:PATH or postgres://...
        #[arg(long)]
        database: String,
    },
    /// Time the per-request instantiation of one component: N x (new store + instantiate +
    /// drop), on the same engine, pooling allocator and composition as `up`.
    ///
    /// The app is loaded exactly as `up` loads it, so required variables must be given the same
    /// way (SPIN_VARIABLE_* in the environment, --variable or the runtime config's providers).
    /// Prints mean, p50 and p99 in microseconds for each phase and in total.
    #[command(hide = true)]
    BenchInstantiate {
        /// The manifest, or a directory holding spin.toml.
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
        /// The component to instantiate (one with a route).
        #[arg(long, default_value = "pages")]
        component: String,
        /// Timed iterations (after 200 untimed ones).
        #[arg(long, default_value_t = 20_000)]
        iterations: u32,
        /// A Spin runtime configuration file.
        #[arg(long = "runtime-config-file")]
        runtime_config_file: Option<PathBuf>,
        /// Where default stores live (default: .spin beside the manifest).
        #[arg(long = "state-dir")]
        state_dir: Option<PathBuf>,
        /// Environment variables for every component (NAME=VALUE).
        #[arg(short = 'e', long = "env", value_parser = parse_pair)]
        env: Vec<(String, String)>,
        /// Application variables (NAME=VALUE, NAME=@file, @file.json or @file.toml).
        #[arg(long = "variable")]
        variable: Vec<String>,
    },
}

/// wasmtime-wasi-http builds (and drops) an error value on ordinary request paths; with
/// `RUST_BACKTRACE=1` in the environment each one captures a backtrace, halving throughput.
/// Panics keep their backtraces: only library (`std::backtrace`) captures are turned off.
#[expect(
    unsafe_code,
    reason = "setting an environment variable before any thread starts"
)]
fn quiet_library_backtraces() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: called first thing in `main`, before the runtime or any other thread exists.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected NAME=VALUE, got {s:?}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    quiet_library_backtraces();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,wasmtime=warn,cranelift=warn")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Up {
                from,
                listen,
                runtime_config_file,
                state_dir,
                env,
                variable,
                sqlite,
                key_value,
                header_timeout,
            } => {
                server::up(server::UpOptions {
                    from,
                    listen,
                    runtime_config_file,
                    state_dir,
                    env,
                    variables: variable,
                    sqlite,
                    key_values: key_value,
                    header_timeout: std::time::Duration::from_secs(header_timeout.max(1)),
                })
                .await
            }
            Command::Migrate { dir, database } => migrate::run(&dir, &database).await,
            Command::BenchInstantiate {
                from,
                component,
                iterations,
                runtime_config_file,
                state_dir,
                env,
                variable,
            } => {
                bench::instantiate(bench::BenchOptions {
                    app: server::UpOptions {
                        from,
                        listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
                        runtime_config_file,
                        state_dir,
                        env,
                        variables: variable,
                        sqlite: Vec::new(),
                        key_values: Vec::new(),
                        header_timeout: std::time::Duration::from_secs(10),
                    },
                    component,
                    iterations,
                })
                .await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
