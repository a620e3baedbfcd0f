//! Test harness: starts the local host on a free port over a throwaway state directory and
//! throwaway databases, and gives tests an HTTP client for it.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub mod app;
pub mod forms;
pub mod proxy;
pub mod stripe;
pub mod stub;

/// The repository root (the directory holding `spin.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The host binary built by the test script (`PULSE_HOST_BIN`), or the release build in the
/// usual target directory.
pub fn host_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("PULSE_HOST_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("release").join("pulse-host")
}

/// Whether tests run in CI, where a missing service is a failure rather than a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Checks that a service listens on `addr`. In CI a missing service panics; elsewhere the test
/// prints what it skipped and returns `false`.
pub fn service_available(name: &str, addr: &str, test: &str) -> bool {
    let reachable = addr
        .parse::<SocketAddr>()
        .ok()
        .and_then(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).ok())
        .is_some();
    if reachable {
        return true;
    }
    if in_ci() {
        panic!("{name} is not reachable on {addr}; CI requires it (test {test})");
    }
    eprintln!("SKIPPED {test}: {name} is not reachable on {addr}");
    false
}

/// The Postgres server tests use.
pub const POSTGRES_ADDR: &str = "127.0.0.1:5432";
/// The Redis server tests use.
pub const REDIS_ADDR: &str = "127.0.0.1:6379";

/// A database created for one test and dropped afterwards.
pub struct ThrowawayPostgres {
    /// Connection URL of the new database.
    pub url: String,
    name: String,
}

impl ThrowawayPostgres {
    /// Creates a fresh, empty database on the local server.
    pub fn create() -> Result<Self> {
        let name = format!("pulse_test_{}", random_suffix());
        let mut admin = admin_client()?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .with_context(|| format!("creating database {name}"))?;
        Ok(Self {
            // Plain text, said outright: the local server has no TLS certificate Spin would
            // accept (Spin, like the host, verifies it unless sslmode=disable).
            url: format!("postgres://postgres@{POSTGRES_ADDR}/{name}?sslmode=disable"),
            name,
        })
    }

    /// A client connected to the throwaway database.
    pub fn client(&self) -> Result<postgres::Client> {
        Ok(postgres::Client::connect(&self.url, postgres::NoTls)?)
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        if let Ok(mut admin) = admin_client() {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn admin_client() -> Result<postgres::Client> {
    postgres::Client::connect(
        &format!("postgres://postgres@{POSTGRES_ADDR}/postgres?sslmode=disable"),
        postgres::NoTls,
    )
    .context("connecting to Postgres as postgres")
}

/// A random lowercase suffix for names that must not collide between runs.
pub fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Builds a host invocation; `start` launches it and waits until it accepts connections.
pub struct HostBuilder {
    manifest: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    runtime_config: Option<String>,
    migrations: Vec<(PathBuf, String)>,
    port: u16,
}

impl HostBuilder {
    /// A host for the manifest at `manifest` (relative to the repository root).
    pub fn new(manifest: impl AsRef<Path>) -> Self {
        Self {
            manifest: workspace_root().join(manifest),
            args: Vec::new(),
            env: Vec::new(),
            runtime_config: None,
            migrations: Vec::new(),
            port: free_port(),
        }
    }

    /// The port the host will listen on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sets a Spin application variable through the environment provider (`SPIN_VARIABLE_*`).
    pub fn variable(mut self, name: &str, value: &str) -> Self {
        self.env.push((
            format!("SPIN_VARIABLE_{}", name.to_uppercase()),
            value.to_string(),
        ));
        self
    }

    /// Sets an environment variable of the host process.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds command-line arguments after `up`.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Uses this text as the runtime configuration file; `{state}` is replaced by the state dir.
    pub fn runtime_config(mut self, toml: &str) -> Self {
        self.runtime_config = Some(toml.to_string());
        self
    }

    /// Applies the migrations in `dir` (relative to the repository root) to `database` before
    /// starting; `{state}` in `database` is replaced by the state dir.
    pub fn migrate(mut self, dir: impl AsRef<Path>, database: &str) -> Self {
        self.migrations
            .push((workspace_root().join(dir), database.to_string()));
        self
    }

    /// Starts the host and waits for it to listen. Fails with the host's output if it exits.
    pub fn start(self) -> Result<Host> {
        let state = tempfile::tempdir()?;
        let state_path = state.path().to_string_lossy().to_string();
        for (dir, database) in &self.migrations {
            let database = database.replace("{state}", &state_path);
            let out = Command::new(host_bin())
                .arg("migrate")
                .arg("--dir")
                .arg(dir)
                .arg("--database")
                .arg(&database)
                .output()
                .context("running pulse-host migrate")?;
            if !out.status.success() {
                bail!(
                    "migrate {} into {database} failed: {}{}",
                    dir.display(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        let port = self.port;
        let log_path = state.path().join("host.log");
        let log = std::fs::File::create(&log_path)?;
        let mut cmd = Command::new(host_bin());
        cmd.arg("up")
            .arg("--from")
            .arg(&self.manifest)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--state-dir")
            .arg(state.path());
        if let Some(rc) = &self.runtime_config {
            let path = state.path().join("runtime-config.toml");
            std::fs::write(&path, rc.replace("{state}", &state_path))?;
            cmd.arg("--runtime-config-file").arg(path);
        }
        cmd.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let child = cmd.spawn().context("spawning pulse-host")?;
        let mut host = Host {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
            log_path,
            state,
        };
        host.wait_ready()?;
        Ok(host)
    }
}

/// A running host; killed when dropped.
pub struct Host {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The port it listens on.
    pub port: u16,
    log_path: PathBuf,
    state: tempfile::TempDir,
}

impl Host {
    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let addr: SocketAddr = format!("127.0.0.1:{}", self.port).parse()?;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "host exited with {status} before listening:\n{}",
                    self.log()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("host did not listen within 120 s:\n{}", self.log())
    }

    /// Everything the host printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The throwaway state directory.
    pub fn state_dir(&self) -> &Path {
        self.state.path()
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client that follows no redirects and keeps no cookies: tests handle both explicitly.
    pub fn client(&self) -> reqwest::blocking::Client {
        client()
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Result<reqwest::blocking::Response> {
        Ok(self.client().get(self.url(path)).send()?)
    }

    /// Stops the host with SIGTERM and returns its exit status and output.
    pub fn stop(mut self) -> Result<(std::process::ExitStatus, String)> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok((status, self.log()));
            }
            if Instant::now() > deadline {
                bail!("host did not stop within 15 s of SIGTERM:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- host log ---\n{}", self.log());
        }
    }
}

/// An HTTP client that follows no redirects and keeps no cookies.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|_| reqwest::blocking::Client::new())
}

/// Runs the host's `migrate` command and returns its combined output.
pub fn run_migrate(dir: &str, database: &str) -> Result<(bool, String)> {
    let out = Command::new(host_bin())
        .arg("migrate")
        .arg("--dir")
        .arg(workspace_root().join(dir))
        .arg("--database")
        .arg(database)
        .output()?;
    Ok((
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

/// The files of a zip archive (name to UTF-8 content), read by Python's `zipfile`, which also
/// checks every entry's CRC: an implementation apart from the portal's own writer.
pub fn unzip(bytes: &[u8]) -> Result<std::collections::BTreeMap<String, String>> {
    let path = std::env::temp_dir().join(format!("pulse-zip-{}.zip", random_suffix()));
    std::fs::write(&path, bytes)?;
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import json, sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             assert z.testzip() is None, 'bad CRC'\n\
             print(json.dumps({n: z.read(n).decode('utf-8') for n in z.namelist()}))",
        )
        .arg(&path)
        .output()?;
    let _ = std::fs::remove_file(&path);
    if !out.status.success() {
        bail!("not a valid zip: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}
