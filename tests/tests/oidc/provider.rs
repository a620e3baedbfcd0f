//! The OpenID provider the OIDC tests sign in against: `tests/oidc-provider/provider.mjs` (the
//! certified `oidc-provider` package under Node.js), installed with `npm ci` on first use and
//! started once per test on a free port, plus a browser-like driver for the redirects between
//! the portal and the provider.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use pulse_tests::app::{TestApp, TestAppBuilder};
use pulse_tests::{client, free_port, in_ci, workspace_root};
use serde_json::{Value, json};

/// The client the portal is registered as.
pub const CLIENT_ID: &str = "pulse-account";
/// Its secret.
pub const CLIENT_SECRET: &str = "pulse-account-test-secret";

fn provider_dir() -> PathBuf {
    workspace_root().join("tests/oidc-provider")
}

static INSTALL: Mutex<bool> = Mutex::new(false);

/// Whether Node.js 20 or later runs here. In CI its absence fails the test; elsewhere the
/// test prints SKIPPED and returns.
fn node_available(test: &str) -> bool {
    let major = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            let v = String::from_utf8_lossy(&o.stdout).trim().to_string();
            v.trim_start_matches('v')
                .split('.')
                .next()?
                .parse::<u32>()
                .ok()
        });
    let npm = Command::new("npm")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    match major {
        Some(m) if m >= 20 && npm => true,
        _ if in_ci() => {
            panic!("Node.js 20+ and npm are required for the OIDC tests in CI ({test})")
        }
        _ => {
            eprintln!("SKIPPED {test}: Node.js 20+ and npm are needed to run the OpenID provider");
            false
        }
    }
}

/// Installs the provider's packages from the lockfile, once per test run.
fn ensure_installed() -> Result<()> {
    let mut done = INSTALL
        .lock()
        .map_err(|_| anyhow::anyhow!("install lock poisoned"))?;
    if *done {
        return Ok(());
    }
    let dir = provider_dir();
    if !dir.join("node_modules/oidc-provider/package.json").exists()
        || !dir.join("node_modules/jose/package.json").exists()
    {
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .output()
            .context("running npm ci for tests/oidc-provider")?;
        ensure!(
            out.status.success(),
            "npm ci --prefix tests/oidc-provider failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    *done = true;
    Ok(())
}

/// A provider process; killed when dropped.
pub struct Provider {
    child: Child,
    /// `http://127.0.0.1:PORT`, its issuer.
    pub issuer: String,
    log_path: PathBuf,
    _dir: tempfile::TempDir,
}

/// A portal configured for a provider that is started once the portal's origin is known.
pub struct Setup {
    /// The portal.
    pub app: TestApp,
    /// The provider.
    pub provider: Provider,
}

impl Setup {
    /// Starts the portal (SQLite, demo data) and a provider with `keys` ("rsa", "rsa,rsa" or
    /// "ec"). `None` when Node.js is missing outside CI.
    pub fn start(test: &str, keys: &str) -> Result<Option<Self>> {
        Self::start_with(
            test,
            keys,
            TestApp::builder(pulse_tests::app::Backend::Sqlite),
        )
    }

    /// As [`Setup::start`], on the portal `builder` describes.
    pub fn start_with(test: &str, keys: &str, builder: TestAppBuilder) -> Result<Option<Self>> {
        if !node_available(test) {
            return Ok(None);
        }
        ensure_installed()?;
        let port = free_port();
        let issuer = format!("http://127.0.0.1:{port}");
        let Some(app) = builder
            .variable("oidc_issuer", &issuer)
            .variable("oidc_origin", &issuer)
            .variable("oidc_client_id", CLIENT_ID)
            .variable("oidc_client_secret", CLIENT_SECRET)
            .start(test)?
        else {
            return Ok(None);
        };
        let redirect_uri = app.host.url("/api/auth/oidc/callback");
        let provider = Provider::start(port, &redirect_uri, keys)?;
        Ok(Some(Self { app, provider }))
    }
}

impl Provider {
    /// Starts `provider.mjs` on `port` and waits until it listens.
    pub fn start(port: u16, redirect_uri: &str, keys: &str) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let log_path = dir.path().join("provider.log");
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new("node")
            .arg(provider_dir().join("provider.mjs"))
            .env("PORT", port.to_string())
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", redirect_uri)
            .env("KEYS", keys)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting node tests/oidc-provider/provider.mjs")?;
        let mut provider = Self {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
            log_path,
            _dir: dir,
        };
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = provider.child.try_wait()? {
                bail!("provider exited with {status}:\n{}", provider.log());
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(provider);
            }
            if Instant::now() > deadline {
                bail!("provider did not listen within 30 s:\n{}", provider.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything the provider printed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Sets how the next ID tokens are altered (see provider.mjs) and who signs in.
    pub fn configure(&self, mode: &str, account: &str) -> Result<()> {
        self.set(json!({ "mode": mode, "account": account }))
    }

    /// From now on, answers 411 to a request body sent chunked or a POST without a
    /// content-length, as some proxies in front of providers do.
    pub fn require_content_length(&self) -> Result<()> {
        self.set(json!({ "require_length": true }))
    }

    /// Posts test settings to the provider's `/_test/config`.
    fn set(&self, settings: serde_json::Value) -> Result<()> {
        let resp = client()
            .post(format!("{}/_test/config", self.issuer))
            .json(&settings)
            .send()?;
        ensure!(
            resp.status() == 200,
            "configuring the provider: {}",
            resp.status()
        );
        Ok(())
    }

    /// How often the JWKS, token and discovery endpoints were requested, and how many requests
    /// were refused for want of a content-length.
    pub fn stats(&self) -> Result<Value> {
        Ok(client()
            .get(format!("{}/_test/stats", self.issuer))
            .send()?
            .json()?)
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- provider log ---\n{}", self.log());
        }
    }
}

/// Where the provider sent the browser back, and the browser's binding cookie.
pub struct Authorized {
    /// The portal's callback URL with `code`, `state` and `iss`.
    pub callback: String,
    /// The `pa_sso` cookie `/login/sso` set.
    pub binding: String,
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn location(resp: &reqwest::blocking::Response, base: &str) -> Result<String> {
    let loc = resp
        .headers()
        .get("location")
        .context("redirect without Location")?
        .to_str()?
        .to_string();
    Ok(if loc.starts_with('/') {
        format!("{base}{loc}")
    } else {
        loc
    })
}

fn cookie_value(resp: &reqwest::blocking::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Starts single sign-on at the portal and follows the provider's redirects, keeping the
/// provider's cookies, until the provider sends the browser back to the portal.
pub fn authorize(setup: &Setup, next: &str) -> Result<Authorized> {
    let app_base = setup.app.host.base.clone();
    let resp = setup
        .app
        .get(&format!("/login/sso?next={}", encode(next)))?;
    ensure!(
        resp.status() == 302,
        "/login/sso answered {}: {}",
        resp.status(),
        resp.text().unwrap_or_default()
    );
    let binding = cookie_value(&resp, "pa_sso").context("no pa_sso cookie")?;
    let mut url = location(&resp, &app_base)?;
    ensure!(
        url.starts_with(&setup.provider.issuer),
        "not sent to the provider: {url}"
    );
    let mut jar: Vec<(String, String)> = Vec::new();
    for _ in 0..10 {
        if url.starts_with(&app_base) {
            return Ok(Authorized {
                callback: url,
                binding,
            });
        }
        let cookies = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = client().get(&url);
        if !cookies.is_empty() {
            req = req.header("cookie", cookies);
        }
        let resp = req.send()?;
        for v in resp.headers().get_all("set-cookie") {
            if let Some((k, v)) = v
                .to_str()?
                .split(';')
                .next()
                .and_then(|p| p.split_once('='))
            {
                jar.retain(|(name, _)| name != k);
                jar.push((k.to_string(), v.to_string()));
            }
        }
        ensure!(
            resp.status().is_redirection(),
            "provider answered {} at {url}: {}",
            resp.status(),
            resp.text().unwrap_or_default()
        );
        url = location(&resp, &setup.provider.issuer)?;
    }
    bail!("too many redirects at the provider; last {url}")
}

/// Brings the browser back to the portal's callback with its binding cookie.
pub fn callback(authorized: &Authorized) -> Result<reqwest::blocking::Response> {
    Ok(client()
        .get(&authorized.callback)
        .header("cookie", format!("pa_sso={}", authorized.binding))
        .send()?)
}

/// The whole flow: authorize, then the callback's answer.
pub fn sign_in(setup: &Setup) -> Result<reqwest::blocking::Response> {
    let authorized = authorize(setup, "/dashboard")?;
    callback(&authorized)
}
