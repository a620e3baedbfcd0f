//! The portal itself under the host: `TestApp` starts `spin.toml` on SQLite or on a throwaway
//! Postgres (with key-value on Redis), loads the demo data, and signs users in through the real
//! email-link flow.

use std::sync::{Condvar, Mutex};

use anyhow::{Context, Result, bail, ensure};
use reqwest::blocking::Response;
use serde_json::Value;

use crate::{
    Host, HostBuilder, POSTGRES_ADDR, REDIS_ADDR, ThrowawayPostgres, service_available,
    workspace_root,
};

/// A development signing key for tests (its `dev` id marks it as never fit for production).
pub const TEST_SESSION_KEYS: &str = "dev1:dGVzdC1vbmx5LXNpZ25pbmcta2V5LWZvci1wdWxzZS10ZXN0cw";
/// A signing key production accepts (its id does not start with `dev`).
pub const PRODUCTION_SESSION_KEYS: &str =
    "k2026a:cHJvZHVjdGlvbi1zaWduaW5nLWtleS1mb3ItcHVsc2UtdGVzdHM";
/// A development license signing key for tests (an Ed25519 seed; `dev` again).
pub const TEST_LICENSE_KEYS: &str = "dev-license1:dGVzdC1vbmx5LWxpY2Vuc2Uta2V5LWZvci1wdWxzZS0";

/// Which database the app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: SQLite for SQL and key-value.
    Sqlite,
    /// Production-like: Postgres for SQL, Redis for key-value.
    Postgres,
}

/// Builds a `TestApp`.
pub struct TestAppBuilder {
    backend: Backend,
    variables: Vec<(String, String)>,
    demo: bool,
    postgres_via: Option<String>,
    redis_via: Option<String>,
}

/// A running portal with its own databases.
pub struct TestApp {
    /// The host serving it.
    pub host: Host,
    /// Which backend.
    pub backend: Backend,
    /// The throwaway Postgres database, when on Postgres.
    pub postgres: Option<ThrowawayPostgres>,
    _redis: Option<RedisDb>,
}

impl TestApp {
    /// The portal on `backend` with demo data, in local mode.
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            variables: Vec::new(),
            demo: true,
            postgres_via: None,
            redis_via: None,
        }
    }
}

impl TestAppBuilder {
    /// Overrides an application variable.
    pub fn variable(mut self, name: &str, value: &str) -> Self {
        self.variables.push((name.to_string(), value.to_string()));
        self
    }

    /// Production mode with a safe configuration: an HTTPS public origin and a non-development
    /// session key (later `variable` calls override either).
    pub fn production(self) -> Self {
        self.variable("mode", "production")
            .variable("public_origin", "https://my.example")
            .variable("session_keys", PRODUCTION_SESSION_KEYS)
    }

    /// The host reaches Postgres through `addr` (a [`crate::proxy::Proxy`] in front of it);
    /// the test itself still connects directly.
    pub fn postgres_via(mut self, addr: &str) -> Self {
        self.postgres_via = Some(addr.to_string());
        self
    }

    /// The host reaches Redis through `addr`.
    pub fn redis_via(mut self, addr: &str) -> Self {
        self.redis_via = Some(addr.to_string());
        self
    }

    /// Starts without demo data.
    pub fn without_demo_data(mut self) -> Self {
        self.demo = false;
        self
    }

    /// Starts the app. `Ok(None)` means the backend's servers are missing and the test was
    /// skipped (never under `CI=true`, where that panics).
    pub fn start(self, test: &str) -> Result<Option<TestApp>> {
        let mut builder = HostBuilder::new("spin.toml")
            .variable("mode", "local")
            .variable("session_keys", TEST_SESSION_KEYS)
            .variable("license_keys", TEST_LICENSE_KEYS);
        let origin = format!("http://127.0.0.1:{}", builder.port());
        builder = builder.variable("public_origin", &origin);
        let mut postgres = None;
        let mut redis = None;
        match self.backend {
            Backend::Sqlite => {
                builder = builder
                    .migrate("migrations/sqlite", "sqlite:{state}/sqlite_db.db")
                    .runtime_config("");
                if self.demo {
                    builder = builder.args([
                        "--sqlite".to_string(),
                        format!(
                            "@{}",
                            workspace_root().join("migrations/demo.sql").display()
                        ),
                    ]);
                }
            }
            Backend::Postgres => {
                if !service_available("Postgres", POSTGRES_ADDR, test)
                    || !service_available("Redis", REDIS_ADDR, test)
                {
                    return Ok(None);
                }
                let db = ThrowawayPostgres::create()?;
                if self.demo {
                    // Migrations first, then demo data, both before the host starts.
                    let (ok, out) = crate::run_migrate("migrations/postgres", &db.url)?;
                    ensure!(ok, "migrate failed: {out}");
                    let demo =
                        std::fs::read_to_string(workspace_root().join("migrations/demo.sql"))?;
                    db.client()?
                        .batch_execute(&demo)
                        .context("loading demo data into Postgres")?;
                } else {
                    builder = builder.migrate("migrations/postgres", &db.url);
                }
                let r = RedisDb::acquire()?;
                let pg = self.postgres_via.as_deref().unwrap_or(POSTGRES_ADDR);
                let redis_addr = self.redis_via.as_deref().unwrap_or(REDIS_ADDR);
                builder = builder
                    .variable("db_url", &db.url.replacen(POSTGRES_ADDR, pg, 1))
                    .variable("db_host", pg)
                    .runtime_config(&format!(
                        "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://{redis_addr}/{}\"\n",
                        r.index
                    ));
                postgres = Some(db);
                redis = Some(r);
            }
        }
        for (k, v) in &self.variables {
            builder = builder.variable(k, v);
        }
        let host = builder.start()?;
        Ok(Some(TestApp {
            host,
            backend: self.backend,
            postgres,
            _redis: redis,
        }))
    }
}

impl TestApp {
    /// Starts the demo portal on `backend`, or `None` when skipped.
    pub fn start(backend: Backend, test: &str) -> Result<Option<Self>> {
        Self::builder(backend).start(test)
    }

    /// `GET path` with no credentials.
    pub fn get(&self, path: &str) -> Result<Response> {
        self.host.get(path)
    }

    /// The messages the developer mailbox holds for `to`, newest first.
    pub fn mailbox(&self, to: &str) -> Result<Vec<Value>> {
        let resp = self
            .host
            .client()
            .get(self.host.url(&format!("/dev/mailbox?to={to}")))
            .header("accept", "application/json")
            .send()?;
        ensure!(resp.status() == 200, "mailbox answered {}", resp.status());
        let body: Value = resp.json()?;
        Ok(body["data"].as_array().cloned().unwrap_or_default())
    }

    /// Asks for a sign-in link for `email` and returns the link from the mailbox.
    pub fn request_link(&self, email: &str) -> Result<String> {
        let resp = self.post_form(&[], "/login", &[("email", email), ("next", "/dashboard")])?;
        ensure!(
            resp.status() == 200,
            "POST /login answered {}",
            resp.status()
        );
        let messages = self.mailbox(email)?;
        let link = messages
            .first()
            .and_then(|m| m["links"].as_array())
            .and_then(|l| l.first())
            .and_then(Value::as_str)
            .context("no link in the newest message")?;
        Ok(link.to_string())
    }

    /// Signs `email` in through the email link and returns the browser session.
    pub fn sign_in(&self, email: &str) -> Result<Session> {
        let link = self.request_link(email)?;
        let token = link.split("token=").nth(1).context("link has no token")?;
        let resp = self.post_form(&[], "/login/verify", &[("token", token)])?;
        ensure!(resp.status() == 303, "verify answered {}", resp.status());
        let session = Session::from_response(&resp)?;
        ensure!(!session.access.is_empty(), "no pa_token cookie was set");
        Ok(session)
    }

    /// POSTs a form with the given cookies.
    pub fn post_form(
        &self,
        cookies: &[(&str, &str)],
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<Response> {
        let mut req = self.host.client().post(self.host.url(path)).form(form);
        if !cookies.is_empty() {
            req = req.header("cookie", cookie_header(cookies));
        }
        Ok(req.send()?)
    }

    /// A request as the signed-in `session`.
    pub fn as_user(
        &self,
        session: &Session,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::blocking::RequestBuilder {
        self.host
            .client()
            .request(method, self.host.url(path))
            .header("cookie", session.cookie_header())
    }

    /// `GET path` as `session`.
    pub fn get_as(&self, session: &Session, path: &str) -> Result<Response> {
        Ok(self.as_user(session, reqwest::Method::GET, path).send()?)
    }

    /// What the request that got `resp` asked of the host (SQL opens and statements, key-value
    /// operations, variable reads, outbound requests), from the host's log line for its
    /// request id. The line is written when the instance finishes, so this waits for it.
    pub fn calls(&self, resp: &Response) -> Result<Calls> {
        let id = resp
            .headers()
            .get("x-request-id")
            .context("response has no x-request-id")?
            .to_str()?
            .to_string();
        let needle = format!("x-request-id={id} ");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Some(line) = self.host.log().lines().find(|l| l.contains(&needle)) {
                return Calls::parse(line);
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "no log line for request {id}:\n{}",
                self.host.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The CSRF token the session's forms carry (read from a rendered page).
    pub fn csrf(&self, session: &Session) -> Result<String> {
        let html = self.get_as(session, "/profile")?.text()?;
        let marker = "name=\"csrf\" value=\"";
        let start = html.find(marker).context("no csrf field on /profile")? + marker.len();
        let end = html[start..].find('"').context("unterminated csrf value")?;
        Ok(html[start..start + end].to_string())
    }

    /// The CSRF token of the form on `path`, as `session` sees the page.
    pub fn csrf_on(&self, session: &Session, path: &str) -> Result<String> {
        let html = expect_status(self.get_as(session, path)?, 200)?;
        let marker = "name=\"csrf\" value=\"";
        let start = html.find(marker).context("no csrf field")? + marker.len();
        let end = html[start..].find('"').context("unterminated csrf value")?;
        Ok(html[start..start + end].to_string())
    }

    /// POSTs a form as `session`, with its CSRF token.
    pub fn post_as(
        &self,
        session: &Session,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<Response> {
        let csrf = self.csrf(session)?;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf", &csrf));
        Ok(self
            .as_user(session, reqwest::Method::POST, path)
            .form(&fields)
            .send()?)
    }
}

/// The cookies of a signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// `pa_token`.
    pub access: String,
    /// `pa_refresh`.
    pub refresh: String,
    /// Optional `pa_account`.
    pub account: Option<String>,
}

impl Session {
    /// Reads the cookies a response set.
    pub fn from_response(resp: &Response) -> Result<Self> {
        let mut s = Session {
            access: String::new(),
            refresh: String::new(),
            account: None,
        };
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str()?;
            let pair = v.split(';').next().unwrap_or_default();
            match pair.split_once('=') {
                Some(("pa_token", val)) => s.access = val.to_string(),
                Some(("pa_refresh", val)) => s.refresh = val.to_string(),
                Some(("pa_account", val)) => s.account = Some(val.to_string()),
                _ => {}
            }
        }
        Ok(s)
    }

    /// The `Cookie` header value.
    pub fn cookie_header(&self) -> String {
        let mut c = vec![
            ("pa_token", self.access.as_str()),
            ("pa_refresh", self.refresh.as_str()),
        ];
        if let Some(a) = &self.account {
            c.push(("pa_account", a.as_str()));
        }
        cookie_header(&c)
    }
}

/// Joins cookies into a `Cookie` header.
pub fn cookie_header(cookies: &[(&str, &str)]) -> String {
    cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A Redis logical database (1 to 15) held by one test at a time and flushed before use, so
/// parallel tests never see each other's keys.
pub struct RedisDb {
    /// The database index.
    pub index: u8,
}

static REDIS_FREE: Mutex<u16> = Mutex::new(0);
static REDIS_CV: Condvar = Condvar::new();

impl RedisDb {
    /// Waits for a database no test in this or another process holds, flushes it and holds it
    /// until dropped.
    pub fn acquire() -> Result<Self> {
        let mut used = REDIS_FREE
            .lock()
            .map_err(|_| anyhow::anyhow!("redis pool poisoned"))?;
        let index = loop {
            if let Some(i) =
                (1u8..=15).find(|i| *used & (1 << i) == 0 && claim_across_processes(*i))
            {
                *used |= 1 << index_bit(i);
                break i;
            }
            used = REDIS_CV
                .wait_timeout(used, std::time::Duration::from_millis(200))
                .map_err(|_| anyhow::anyhow!("redis pool poisoned"))?
                .0;
        };
        drop(used);
        let client = redis::Client::open(format!("redis://{REDIS_ADDR}/{index}"))?;
        let mut conn = client.get_connection().context("connecting to Redis")?;
        redis::cmd("FLUSHDB").exec(&mut conn)?;
        Ok(Self { index })
    }
}

/// A lock file per database index, holding the owner's pid; a file whose process is gone is
/// stale and taken over.
fn lock_path(i: u8) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("pulse-tests-redis-db-{i}.lock"))
}

fn claim_across_processes(i: u8) -> bool {
    let path = lock_path(i);
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                let _ = write!(f, "{}", std::process::id());
                return true;
            }
            Err(_) => {
                let owner = std::fs::read_to_string(&path).unwrap_or_default();
                let alive =
                    !owner.is_empty() && std::path::Path::new(&format!("/proc/{owner}")).exists();
                if alive {
                    return false;
                }
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    false
}

fn index_bit(i: u8) -> u16 {
    u16::from(i)
}

impl Drop for RedisDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(lock_path(self.index));
        if let Ok(mut used) = REDIS_FREE.lock() {
            *used &= !(1 << index_bit(self.index));
            REDIS_CV.notify_all();
        }
    }
}

/// The `Location` a response redirects to ("" for none).
pub fn location(resp: &Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Fails unless `resp` has `status`, showing the body.
pub fn expect_status(resp: Response, status: u16) -> Result<String> {
    let got = resp.status().as_u16();
    let body = resp.text()?;
    if got != status {
        bail!(
            "expected {status}, got {got}: {}",
            &body[..body.len().min(600)]
        );
    }
    Ok(body)
}

impl TestApp {
    /// Runs a statement directly on the app's database (to arrange states a test needs, such
    /// as an old verification time) and returns the number of rows it changed.
    pub fn sql(&self, statement: &str) -> Result<u64> {
        match &self.postgres {
            Some(db) => Ok(db.client()?.execute(statement, &[])?),
            None => {
                let conn = rusqlite::Connection::open(self.host.state_dir().join("sqlite_db.db"))?;
                Ok(conn.execute(statement, [])? as u64)
            }
        }
    }

    /// The single integer a query returns.
    pub fn sql_count(&self, query: &str) -> Result<i64> {
        match &self.postgres {
            Some(db) => Ok(db.client()?.query_one(query, &[])?.get::<_, i64>(0)),
            None => {
                let conn = rusqlite::Connection::open(self.host.state_dir().join("sqlite_db.db"))?;
                Ok(conn.query_row(query, [], |r| r.get(0))?)
            }
        }
    }
}

impl TestApp {
    /// The names of the tables in the app's live schema.
    pub fn tables(&self) -> Result<Vec<String>> {
        self.strings(
            "SELECT table_name::text FROM information_schema.tables
              WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
        )
    }

    /// The text columns of `table` in the live schema.
    pub fn text_columns(&self, table: &str) -> Result<Vec<String>> {
        self.strings(
            &format!(
                "SELECT column_name::text FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = '{table}'
                    AND data_type IN ('text', 'character varying') ORDER BY ordinal_position"
            ),
            &format!("SELECT name FROM pragma_table_info('{table}') WHERE upper(type) = 'TEXT' ORDER BY cid"),
        )
    }

    /// The first column of a query's rows, as text: `postgres` on Postgres, else `sqlite`.
    pub fn strings(&self, postgres: &str, sqlite: &str) -> Result<Vec<String>> {
        match &self.postgres {
            Some(db) => Ok(db
                .client()?
                .query(postgres, &[])?
                .iter()
                .map(|r| r.get::<_, Option<String>>(0).unwrap_or_default())
                .collect()),
            None => {
                let conn = rusqlite::Connection::open(self.host.state_dir().join("sqlite_db.db"))?;
                let mut stmt = conn.prepare(sqlite)?;
                let rows = stmt.query_map([], |r| r.get::<_, Option<String>>(0))?;
                Ok(rows
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect())
            }
        }
    }
}

/// The host's count of one request's round trips (see [`TestApp::calls`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    /// SQL connections opened.
    pub sql_opens: u32,
    /// SQL statements run.
    pub sql_statements: u32,
    /// Key-value operations.
    pub kv_ops: u32,
    /// Variable reads.
    pub variable_reads: u32,
    /// Outbound HTTP requests.
    pub outbound_requests: u32,
}

impl Calls {
    /// Reads the `name=value` fields of a host log line; every field must be there.
    pub fn parse(line: &str) -> Result<Self> {
        let field = |name: &str| -> Result<u32> {
            let prefix = format!("{name}=");
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(prefix.as_str()))
                .with_context(|| format!("log line has no {name}: {line}"))?
                .parse()
                .with_context(|| format!("bad {name} in {line}"))
        };
        Ok(Self {
            sql_opens: field("sql_opens")?,
            sql_statements: field("sql_statements")?,
            kv_ops: field("kv_ops")?,
            variable_reads: field("variable_reads")?,
            outbound_requests: field("outbound_requests")?,
        })
    }
}
