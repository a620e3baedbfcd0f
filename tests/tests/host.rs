//! The local host against Spin's defined behaviour, driven over real HTTP with the probe
//! component (`crates/probe`) and the test app in `tests/fixtures/probe/spin.toml`.
//!
//! Redis and Postgres tests need the servers on 127.0.0.1; elsewhere than CI a missing server
//! skips the test and says so, under `CI=true` it fails.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use pulse_tests::{
    Host, HostBuilder, POSTGRES_ADDR, REDIS_ADDR, ThrowawayPostgres, random_suffix,
    service_available, workspace_root,
};

const PROBE: &str = "tests/fixtures/probe/spin.toml";

fn probe() -> HostBuilder {
    HostBuilder::new(PROBE)
}

/// `GET path` and the body, failing on a non-200 answer.
fn body(host: &Host, path: &str) -> Result<String> {
    let response = host.get(path)?;
    let status = response.status();
    let text = response.text()?;
    ensure!(status == 200, "GET {path} answered {status}: {text}");
    Ok(text)
}

fn probe_wasm() -> PathBuf {
    workspace_root().join("target/wasm32-wasip2/release/pulse_probe.wasm")
}

/// Writes a manifest into a fresh temp dir; `{probe}` becomes the probe's absolute path.
fn manifest(text: &str) -> Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("spin.toml");
    std::fs::write(
        &path,
        text.replace("{probe}", &probe_wasm().to_string_lossy()),
    )?;
    Ok((dir, path))
}

/// Starting must fail; returns the host's output.
fn start_fails(builder: HostBuilder) -> String {
    match builder.start() {
        Ok(host) => panic!("host started but should not have:\n{}", host.log()),
        Err(e) => format!("{e:#}"),
    }
}

const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "minimal"
[[trigger.http]]
route = "/only"
component = "only"
[component.only]
source = "{probe}"
environment = { PROBE_NAME = "only" }
"#;

#[test]
fn exact_routes_beat_wildcards_the_longest_prefix_wins_and_the_catch_all_loses() -> Result<()> {
    let host = probe().start()?;
    for (path, expected) in [
        ("/probe/exact", "ok:exact"),
        ("/probe/exact/more", "ok:probe"),
        ("/probe/deep", "ok:deep"),
        ("/probe/deep/a/b", "ok:deep"),
        ("/probe/other", "ok:probe"),
        ("/probe", "ok:probe"),
        ("/elsewhere", "ok:catchall"),
        ("/", "ok:catchall"),
        ("/users/42/profile", "ok:deep"),
    ] {
        assert_eq!(body(&host, path)?, expected, "routing {path}");
    }
    Ok(())
}

#[test]
fn a_duplicate_route_goes_to_the_later_component_and_the_error_names_both() -> Result<()> {
    let host = probe().start()?;
    assert_eq!(body(&host, "/dup")?, "ok:deep");
    let log = host.log();
    assert!(
        log.contains("exact: /dup (duplicate of deep)"),
        "log should name both components:\n{log}"
    );
    Ok(())
}

#[test]
fn a_path_no_route_matches_gets_an_empty_404_and_well_known_health_answers_ok() -> Result<()> {
    let (_dir, path) = manifest(MINIMAL)?;
    let host = HostBuilder::new(&path).start()?;
    assert_eq!(body(&host, "/only")?, "ok:only");
    let response = host.get("/missing")?;
    assert_eq!(response.status(), 404);
    assert_eq!(response.text()?, "");
    assert_eq!(body(&host, "/.well-known/spin/health")?, "OK");
    assert_eq!(host.get("/.well-known/spin/nope")?.status(), 404);
    Ok(())
}

fn headers(host: &Host, path: &str) -> Result<Vec<(String, String)>> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let text = body(host, &format!("{path}{sep}op=headers"))?;
    let text = text.strip_prefix("ok:").context("probe answer")?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn spin_request_headers_carry_the_values_spin_sets() -> Result<()> {
    let host = probe().start()?;
    let h = headers(&host, "/probe/a/b?x=1")?;
    let base = format!("127.0.0.1:{}", host.port);
    assert_eq!(
        header(&h, "spin-full-url"),
        Some(format!("http://{base}/probe/a/b?x=1&op=headers").as_str())
    );
    assert_eq!(header(&h, "spin-path-info"), Some("/a/b"));
    assert_eq!(header(&h, "spin-matched-route"), Some("/probe/..."));
    assert_eq!(header(&h, "spin-component-route"), Some("/probe"));
    assert_eq!(header(&h, "spin-raw-component-route"), Some("/probe/..."));
    assert_eq!(header(&h, "spin-base-path"), Some("/"));
    let client = header(&h, "spin-client-addr").context("spin-client-addr")?;
    assert!(client.starts_with("127.0.0.1:"), "client addr {client}");

    // A trailing slash is kept in the path info, as Spin does.
    let h = headers(&host, "/probe/a/")?;
    assert_eq!(header(&h, "spin-path-info"), Some("/a/"));
    // An exact route has an empty path info and no wildcard in its routes.
    let h = headers(&host, "/probe/exact")?;
    assert_eq!(header(&h, "spin-path-info"), Some(""));
    assert_eq!(header(&h, "spin-matched-route"), Some("/probe/exact"));
    assert_eq!(header(&h, "spin-component-route"), Some("/probe/exact"));
    // The catch-all `/...` is based as `/...` with component route "".
    let h = headers(&host, "/zz")?;
    assert_eq!(header(&h, "spin-matched-route"), Some("/..."));
    assert_eq!(header(&h, "spin-component-route"), Some(""));
    assert_eq!(header(&h, "spin-path-info"), Some("/zz"));
    // Named wildcards are passed as spin-path-match-NAME.
    let h = headers(&host, "/users/42/x")?;
    assert_eq!(header(&h, "spin-path-match-id"), Some("42"));
    Ok(())
}

#[test]
fn variables_resolve_cli_over_runtime_config_over_environment_over_default() -> Result<()> {
    let var = |host: &Host, name: &str| body(host, &format!("/probe?op=var&name={name}"));

    let host = probe().start()?;
    assert_eq!(var(&host, "layered")?, "ok:from-default");
    assert_eq!(var(&host, "combined")?, "ok:hello, from-default!");
    drop(host);

    let host = probe().variable("layered", "from-env").start()?;
    assert_eq!(var(&host, "layered")?, "ok:from-env");
    assert_eq!(var(&host, "combined")?, "ok:hello, from-env!");
    drop(host);

    let dotenv = tempfile::NamedTempFile::new()?;
    std::fs::write(
        dotenv.path(),
        "PULSE_LAYERED=from-dotenv\nPULSE_GREETING=hi\n",
    )?;
    let rc = format!(
        "[[variables_provider]]\ntype = \"env\"\nprefix = \"PULSE\"\ndotenv_path = \"{}\"\n",
        dotenv.path().display()
    );
    let host = probe()
        .variable("layered", "from-env")
        .runtime_config(&rc)
        .start()?;
    assert_eq!(var(&host, "layered")?, "ok:from-dotenv");
    assert_eq!(var(&host, "greeting")?, "ok:hi");
    drop(host);

    let host = probe()
        .variable("layered", "from-env")
        .runtime_config(&rc)
        .args(["--variable", "layered=from-cli"])
        .start()?;
    assert_eq!(var(&host, "layered")?, "ok:from-cli");
    Ok(())
}

#[test]
fn variable_errors_are_spins_invalid_name_and_undefined() -> Result<()> {
    let host = probe().start()?;
    let invalid = body(&host, "/probe?op=var&name=Bad-Name")?;
    assert!(invalid.starts_with("err:invalid-name:"), "{invalid}");
    // Defined for the app but not mapped into this component.
    let undefined = body(&host, "/probe?op=var&name=api_key")?;
    assert!(undefined.starts_with("err:undefined:"), "{undefined}");
    // Another component sees only what it maps.
    let other = body(&host, "/probe/exact?op=var&name=greeting")?;
    assert!(other.starts_with("err:undefined:"), "{other}");
    Ok(())
}

#[test]
fn a_required_variable_without_a_value_stops_the_start_naming_it() -> Result<()> {
    let (_dir, path) = manifest(
        r#"
spin_manifest_version = 2
[application]
name = "required"
[variables]
session_secret = { required = true, secret = true }
[[trigger.http]]
route = "/..."
component = "only"
[component.only]
source = "{probe}"
[component.only.variables]
session_secret = "{{ session_secret }}"
"#,
    )?;
    let output = start_fails(HostBuilder::new(&path));
    assert!(output.contains("session_secret"), "{output}");
    assert!(!output.contains("panicked"), "{output}");
    // And with a value, it starts.
    let host = HostBuilder::new(&path)
        .variable("session_secret", "s3")
        .start()?;
    assert_eq!(body(&host, "/?op=var&name=session_secret")?, "ok:s3");
    Ok(())
}

fn kv(host: &Host, prefix: &str, query: &str) -> Result<String> {
    body(host, &format!("{prefix}?op=kv&{query}"))
}

fn key_value_semantics(host: &Host, key: &str) -> Result<()> {
    let p = "/probe";
    assert_eq!(kv(host, p, &format!("action=get&key={key}"))?, "ok:none");
    assert_eq!(
        kv(host, p, &format!("action=exists&key={key}"))?,
        "ok:false"
    );
    assert_eq!(
        kv(host, p, &format!("action=set&key={key}&value=v1"))?,
        "ok:set"
    );
    assert_eq!(kv(host, p, &format!("action=get&key={key}"))?, "ok:some:v1");
    assert_eq!(
        kv(host, p, &format!("action=set&key={key}&value=v2"))?,
        "ok:set"
    );
    assert_eq!(kv(host, p, &format!("action=get&key={key}"))?, "ok:some:v2");
    assert_eq!(kv(host, p, &format!("action=exists&key={key}"))?, "ok:true");
    let keys = kv(host, p, "action=keys")?;
    assert!(
        keys.strip_prefix("ok:")
            .is_some_and(|k| k.split(',').any(|k| k == key)),
        "{keys}"
    );
    assert_eq!(
        kv(host, p, &format!("action=delete&key={key}"))?,
        "ok:deleted"
    );
    // Deleting a missing key is not an error.
    assert_eq!(
        kv(host, p, &format!("action=delete&key={key}"))?,
        "ok:deleted"
    );
    assert_eq!(
        kv(host, p, &format!("action=exists&key={key}"))?,
        "ok:false"
    );
    // A label the component does not list is access-denied, defined or not.
    assert_eq!(kv(host, p, "store=elsewhere")?, "err:access-denied");
    assert_eq!(kv(host, "/limited", "store=default")?, "err:access-denied");
    Ok(())
}

#[test]
fn key_value_on_the_default_sqlite_store_behaves_like_spin() -> Result<()> {
    let host = probe().start()?;
    key_value_semantics(&host, "alpha")?;
    assert!(host.state_dir().join("sqlite_key_value.db").is_file());
    Ok(())
}

#[test]
fn key_value_on_a_redis_store_behaves_like_spin() -> Result<()> {
    if !service_available(
        "Redis",
        REDIS_ADDR,
        "key_value_on_a_redis_store_behaves_like_spin",
    ) {
        return Ok(());
    }
    let key = format!("pulse-test-{}", random_suffix());
    let host = probe()
        .runtime_config(&format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://{REDIS_ADDR}/0\"\n"
        ))
        .start()?;
    key_value_semantics(&host, &key)?;
    // The data really is in Redis.
    assert_eq!(
        kv(&host, "/probe", &format!("action=set&key={key}&value=r"))?,
        "ok:set"
    );
    let mut conn = redis::Client::open(format!("redis://{REDIS_ADDR}/0"))?.get_connection()?;
    let stored: Option<String> = redis::cmd("GET").arg(&key).query(&mut conn)?;
    assert_eq!(stored.as_deref(), Some("r"));
    let _: () = redis::cmd("DEL").arg(&key).query(&mut conn)?;
    Ok(())
}

#[test]
fn an_unreachable_redis_store_gives_the_guest_an_error_not_a_hang() -> Result<()> {
    let port = pulse_tests::free_port();
    let host = probe()
        .runtime_config(&format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:{port}\"\n"
        ))
        .start()?;
    let started = Instant::now();
    let answer = kv(&host, "/probe", "action=get&key=x")?;
    assert!(answer.starts_with("err:other:"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(15));
    Ok(())
}

#[test]
fn a_listed_key_value_label_no_runtime_config_defines_stops_the_start() -> Result<()> {
    let (_dir, path) = manifest(&MINIMAL.replace(
        "environment = { PROBE_NAME = \"only\" }",
        "key_value_stores = [\"sessions\"]",
    ))?;
    let output = start_fails(HostBuilder::new(&path));
    assert!(
        output.contains("unknown key_value_stores label \"sessions\""),
        "{output}"
    );
    // Defined in the runtime config, it starts.
    let host = HostBuilder::new(&path)
        .runtime_config(
            "[key_value_store.sessions]\ntype = \"spin\"\npath = \"{state}/sessions.db\"\n",
        )
        .start()?;
    assert_eq!(
        body(&host, "/only?op=kv&store=sessions&action=set&key=k&value=v")?,
        "ok:set"
    );
    assert_eq!(
        body(&host, "/only?op=kv&store=sessions&action=get&key=k")?,
        "ok:some:v"
    );
    assert!(host.state_dir().join("sessions.db").is_file());
    Ok(())
}

#[test]
fn sqlite_default_database_keeps_rows_and_runs_startup_statements() -> Result<()> {
    let host = probe()
        .args([
            "--sqlite",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
            "--sqlite",
            "INSERT INTO notes (body) VALUES ('seeded')",
        ])
        .start()?;
    let sql = |q: &str| body(&host, &format!("/probe?op=sql&q={}", q.replace(' ', "+")));
    assert_eq!(sql("SELECT body FROM notes")?, "ok:body\nseeded");
    assert_eq!(sql("INSERT INTO notes (body) VALUES ('second')")?, "ok:");
    assert_eq!(
        sql("SELECT id, body FROM notes ORDER BY id")?,
        "ok:id,body\n1,seeded\n2,second"
    );
    let error = sql("SELECT nope FROM notes")?;
    assert!(error.starts_with("err:io:"), "{error}");
    assert_eq!(
        body(&host, "/probe?op=sql&db=other&q=SELECT+1")?,
        "err:access-denied"
    );
    assert_eq!(
        body(&host, "/limited?op=sql&q=SELECT+1")?,
        "err:access-denied"
    );
    let conn = rusqlite::Connection::open(host.state_dir().join("sqlite_db.db"))?;
    let count: i64 = conn.query_row("SELECT COUNT(*) FROM notes", [], |r| r.get(0))?;
    assert_eq!(count, 2);
    Ok(())
}

#[test]
fn a_component_using_an_undefined_sqlite_database_stops_the_start() -> Result<()> {
    let (_dir, path) = manifest(&MINIMAL.replace(
        "environment = { PROBE_NAME = \"only\" }",
        "sqlite_databases = [\"reports\"]",
    ))?;
    let output = start_fails(HostBuilder::new(&path));
    assert!(output.contains("uses database 'reports'"), "{output}");
    Ok(())
}

#[test]
fn postgres_queries_map_column_types_to_spins_db_values() -> Result<()> {
    if !service_available(
        "Postgres",
        POSTGRES_ADDR,
        "postgres_queries_map_column_types",
    ) {
        return Ok(());
    }
    let db = ThrowawayPostgres::create()?;
    let host = probe().start()?;
    let pg = |mode: &str, q: &str| {
        body(
            &host,
            &format!(
                "/probe?op=pg&mode={mode}&url={}&q={}",
                encode(&db.url),
                encode(q)
            ),
        )
    };
    assert_eq!(
        pg(
            "execute",
            "CREATE TABLE t (a SMALLINT, b INT, c BIGINT, d REAL, e DOUBLE PRECISION, f TEXT, \
             g VARCHAR(5), h BOOLEAN, i BYTEA, j DATE, k TIME, l TIMESTAMP, m NUMERIC, n TEXT)"
        )?,
        "ok:0"
    );
    assert_eq!(
        pg(
            "execute",
            "INSERT INTO t VALUES (1, 2, 3, 1.5, 2.5, 'x', 'y', true, '\\x0102', '2024-02-29', \
             '13:14:15', '2024-02-29 13:14:15', 1.25, NULL)"
        )?,
        "ok:1"
    );
    let answer = pg("query", "SELECT * FROM t")?.replace("DbDataType::", "");
    assert_eq!(
        answer,
        "ok:a:Int16,b:Int32,c:Int64,d:Floating32,e:Floating64,f:Str,g:Str,h:Boolean,i:Binary,\
         j:Date,k:Time,l:Datetime,m:Other,n:Str\n\
         int16:1,int32:2,int64:3,f32:1.5,f64:2.5,str:x,str:y,bool:true,binary:2,date:2024-2-29,\
         time:13:14:15.0,datetime:2024-2-29 13:14:15.0,unsupported,null"
    );
    // Spin takes column information from the first row: an empty result has none.
    assert_eq!(pg("query", "SELECT a FROM t WHERE false")?, "ok:");
    let failed = pg("query", "SELECT nope FROM t")?;
    assert!(failed.starts_with("err:query-failed:"), "{failed}");
    Ok(())
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A Postgres cluster of the test's own with TLS on (trust authentication, 127.0.0.1 on a free
/// port, a server certificate for `127.0.0.1` from a CA made for the test), stopped and
/// removed when dropped, even when the test fails.
struct TlsPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_root: bool,
    port: u16,
    ca: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl TlsPostgres {
    /// `None` (after printing SKIPPED) when no `initdb` is installed outside CI.
    fn start(test: &str) -> Result<Option<Self>> {
        let Some(bin) = postgres_bin_dir() else {
            if pulse_tests::in_ci() {
                panic!("initdb is not installed; CI requires it (test {test})");
            }
            eprintln!("SKIPPED {test}: initdb is not installed (PostgreSQL server binaries)");
            return Ok(None);
        };
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "pulse test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_key = rcgen::KeyPair::generate()?;
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let cluster = Self {
            dir: tempfile::tempdir()?,
            bin,
            as_root,
            port: pulse_tests::free_port(),
            ca: rcgen::Issuer::new(ca_params, ca_key),
        };
        std::fs::write(cluster.ca_file(), ca_cert.pem())?;
        cluster.write_server_certificate("127.0.0.1")?;
        if as_root {
            cluster.run("chown", &["-R", "postgres:", &cluster.path("")])?;
        }
        let data = cluster.path("data");
        cluster.run_pg(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
        )?;
        let conf = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
             ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\nfsync = off\n\
             max_connections = 20\nshared_buffers = 16MB\n",
            cluster.port,
            cluster.path(""),
            cluster.path("server.crt"),
            cluster.path("server.key"),
        );
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(cluster.dir.path().join("data/postgresql.conf"))?;
        file.write_all(conf.as_bytes())?;
        let log = cluster.path("postgres.log");
        cluster.run_pg(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-w", "-t", "60", "start"],
        )?;
        Ok(Some(cluster))
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// The test CA's certificate (PEM), for `SSL_CERT_FILE`.
    fn ca_file(&self) -> String {
        self.path("ca.crt")
    }

    /// Issues the server a certificate for `san` (an IP address or a DNS name) from the test
    /// CA; `reload` makes a running server use it.
    fn write_server_certificate(&self, san: &str) -> Result<()> {
        let mut params = rcgen::CertificateParams::new(vec![san.to_string()])?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, san);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let key = rcgen::KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.ca)?;
        std::fs::write(self.path("server.crt"), cert.pem())?;
        let key_path = self.path("server.key");
        std::fs::write(&key_path, key.serialize_pem())?;
        self.run("chmod", &["600", &key_path])?;
        if self.as_root {
            for file in ["server.crt", "server.key"] {
                self.run("chown", &["postgres:", &self.path(file)])?;
            }
        }
        Ok(())
    }

    fn reload(&self) -> Result<()> {
        self.run_pg("pg_ctl", &["-D", &self.path("data"), "reload"])?;
        // The postmaster re-reads its files on SIGHUP; give it a moment.
        std::thread::sleep(Duration::from_millis(500));
        Ok(())
    }

    fn url(&self, query: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres{query}",
            self.port
        )
    }

    /// Runs a server program as the postgres user (initdb refuses root).
    fn run_pg(&self, program: &str, args: &[&str]) -> Result<()> {
        let program = self.bin.join(program).to_string_lossy().into_owned();
        if self.as_root {
            let mut all = vec!["-u", "postgres", "--", program.as_str()];
            all.extend_from_slice(args);
            self.run("runuser", &all)
        } else {
            self.run(&program, args)
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<()> {
        let out = Command::new(program)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .with_context(|| format!("running {program}"))?;
        ensure!(
            out.status.success(),
            "{program} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
        );
        Ok(())
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        if self.dir.path().join("data/postmaster.pid").exists() {
            let data = self.path("data");
            if let Err(e) = self.run_pg("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]) {
                eprintln!("stopping the test Postgres cluster: {e:#}");
            }
        }
    }
}

/// The directory of the PostgreSQL server programs: `initdb` on PATH, else the newest
/// `/usr/lib/postgresql/*/bin` (Debian keeps them off PATH).
fn postgres_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).find(|dir| dir.join("initdb").is_file()));
    let on_path = on_path.and_then(|dir| {
        let initdb = std::fs::canonicalize(dir.join("initdb")).ok()?;
        initdb.parent().map(Path::to_path_buf)
    });
    on_path
        .or_else(|| {
            let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .flatten()
                .map(|e| e.path().join("bin"))
                .filter(|bin| bin.join("initdb").is_file())
                .collect();
            dirs.sort_by_key(|d| {
                d.parent()
                    .and_then(|v| v.file_name())
                    .and_then(|v| v.to_str())
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0)
            });
            dirs.pop()
        })
        .filter(|dir| dir.join("pg_ctl").is_file())
}

const PG_SSL: &str = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

/// Whether the probe's connection to `url` is encrypted: `Ok(true)`/`Ok(false)`, or the
/// probe's error answer.
fn pg_ssl(host: &Host, url: &str) -> Result<std::result::Result<bool, String>> {
    let answer = body(
        host,
        &format!("/probe?op=pg&url={}&q={}", encode(url), encode(PG_SSL)),
    )?;
    Ok(if answer.ends_with("\nbool:true") {
        Ok(true)
    } else if answer.ends_with("\nbool:false") {
        Ok(false)
    } else {
        Err(answer)
    })
}

#[test]
fn postgres_uses_tls_with_a_verified_certificate_unless_sslmode_is_disable() -> Result<()> {
    let test = "postgres_uses_tls_with_a_verified_certificate";
    let Some(pg) = TlsPostgres::start(test)? else {
        return Ok(());
    };

    // The CA is trusted (SSL_CERT_FILE replaces the system store, as for OpenSSL): TLS by
    // default (sslmode=prefer) and with require; plain text only when disabled.
    let host = probe().env("SSL_CERT_FILE", &pg.ca_file()).start()?;
    assert_eq!(pg_ssl(&host, &pg.url(""))?, Ok(true));
    assert_eq!(pg_ssl(&host, &pg.url("?sslmode=require"))?, Ok(true));
    assert_eq!(pg_ssl(&host, &pg.url("?sslmode=disable"))?, Ok(false));
    drop(host);

    // The system trust store does not know the test CA: refused, never used unverified, and
    // the message says why and what sslmode=disable is for.
    let host = probe().start()?;
    for url in [pg.url(""), pg.url("?sslmode=require")] {
        let refused = pg_ssl(&host, &url)?.err().unwrap_or_default();
        assert!(
            refused.starts_with("err:connection-failed:")
                && refused.contains("certificate could not be verified")
                && refused.contains("sslmode=disable"),
            "{url}: {refused}"
        );
    }
    assert_eq!(pg_ssl(&host, &pg.url("?sslmode=disable"))?, Ok(false));
    drop(host);

    // A certificate from the trusted CA for another name: the host name is checked too.
    pg.write_server_certificate("db.example")?;
    pg.reload()?;
    let host = probe().env("SSL_CERT_FILE", &pg.ca_file()).start()?;
    let refused = pg_ssl(&host, &pg.url(""))?.err().unwrap_or_default();
    assert!(
        refused.starts_with("err:connection-failed:")
            && refused.contains("certificate could not be verified"),
        "{refused}"
    );
    Ok(())
}

#[test]
fn the_local_postgres_is_reached_as_spin_would_and_the_test_urls_disable_tls() -> Result<()> {
    let test = "the_local_postgres_is_reached_as_spin_would";
    if !service_available("Postgres", POSTGRES_ADDR, test) {
        return Ok(());
    }
    let db = ThrowawayPostgres::create()?;
    assert!(
        db.url.ends_with("?sslmode=disable"),
        "the harness URL must work under Spin too: {}",
        db.url
    );
    let ssl: String = db.client()?.query_one("SHOW ssl", &[])?.get(0);
    let host = probe().start()?;
    assert_eq!(pg_ssl(&host, &db.url)?, Ok(false));
    let default_mode = db.url.trim_end_matches("?sslmode=disable");
    let answer = pg_ssl(&host, default_mode)?;
    if ssl == "on" {
        // As under Spin: TLS with a verified certificate, or refused (Debian's self-signed
        // snakeoil certificate); never plain text.
        match &answer {
            Ok(encrypted) => assert!(encrypted, "ssl=on but the connection is plain"),
            Err(refused) => assert!(
                refused.contains("certificate could not be verified"),
                "{refused}"
            ),
        }
    } else {
        // A server without TLS is used in plain text under the default sslmode=prefer.
        assert_eq!(answer, Ok(false), "ssl={ssl}");
    }
    Ok(())
}

#[test]
fn postgres_addresses_outside_allowed_outbound_hosts_are_refused_without_connecting() -> Result<()>
{
    let host = probe().start()?;
    let answer = body(
        &host,
        &format!(
            "/probe?op=pg&url={}&q=SELECT+1",
            encode("postgres://user@db.invalid:5432/app")
        ),
    )?;
    assert_eq!(
        answer,
        "err:connection-failed:address postgres://db.invalid:5432 is not permitted"
    );
    // Key=value strings are checked too, with the default port.
    let answer = body(
        &host,
        &format!(
            "/probe?op=pg&url={}&q=SELECT+1",
            encode("host=db.invalid user=app")
        ),
    )?;
    assert_eq!(
        answer,
        "err:connection-failed:address postgres://db.invalid is not permitted"
    );
    let limited = body(
        &host,
        &format!(
            "/limited?op=pg&url={}&q=SELECT+1",
            encode("postgres://127.0.0.1:5432/x")
        ),
    )?;
    assert!(
        limited.starts_with(
            "err:connection-failed:address postgres://127.0.0.1:5432 is not permitted"
        ),
        "{limited}"
    );
    Ok(())
}

#[test]
fn an_unreachable_postgres_gives_connection_failed_quickly() -> Result<()> {
    let host = probe().start()?;
    // Nothing listens on this port: refused at once.
    let closed = pulse_tests::free_port();
    let started = Instant::now();
    let answer = body(
        &host,
        &format!(
            "/probe?op=pg&url={}&q=SELECT+1",
            encode(&format!("postgres://postgres@127.0.0.1:{closed}/x"))
        ),
    )?;
    assert!(answer.starts_with("err:connection-failed:"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A server that accepts but never answers: the connect timeout bounds the wait.
    let silent = TcpListener::bind("127.0.0.1:0")?;
    let port = silent.local_addr()?.port();
    let started = Instant::now();
    let answer = body(
        &host,
        &format!(
            "/probe?op=pg&url={}&q=SELECT+1",
            encode(&format!("postgres://postgres@127.0.0.1:{port}/x"))
        ),
    )?;
    assert!(answer.starts_with("err:connection-failed:"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
    // The host still serves.
    assert_eq!(body(&host, "/probe")?, "ok:probe");
    Ok(())
}

/// A one-shot HTTP server on 127.0.0.1 answering `body`; returns its port and whether it was
/// contacted.
fn tiny_server(body: &'static str) -> Result<(u16, std::sync::mpsc::Receiver<String>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Ok((port, rx))
}

#[test]
fn outbound_http_reaches_only_allowed_hosts_including_templated_ones() -> Result<()> {
    let (port, contacted) = tiny_server("from-upstream")?;
    let url = format!("http://127.0.0.1:{port}/x");

    // Not allowed: HttpRequestDenied, and no connection is made.
    let host = probe().start()?;
    let denied = body(&host, &format!("/probe?op=fetch&url={}", encode(&url)))?;
    assert!(denied.contains("HttpRequestDenied"), "{denied}");
    assert!(contacted.recv_timeout(Duration::from_millis(300)).is_err());
    let denied = body(
        &host,
        &format!("/limited?op=fetch&url={}", encode("/probe")),
    )?;
    assert!(denied.contains("HttpRequestDenied"), "{denied}");
    drop(host);

    // Allowed through the `{{ extra_origin }}` template.
    let host = probe()
        .variable("extra_origin", &format!("http://127.0.0.1:{port}"))
        .start()?;
    let answer = body(&host, &format!("/probe?op=fetch&url={}", encode(&url)))?;
    assert_eq!(answer, "ok:200:from-upstream");
    let request = contacted.recv_timeout(Duration::from_secs(5))?;
    assert!(
        request
            .to_ascii_lowercase()
            .contains(&format!("host: 127.0.0.1:{port}")),
        "{request}"
    );
    Ok(())
}

#[test]
fn a_self_request_with_a_forged_host_header_stays_inside_the_app() -> Result<()> {
    let (trap_port, contacted) = tiny_server("escaped")?;
    let host = probe().start()?;
    let forged = format!("127.0.0.1:{trap_port}");
    for url in ["/probe/exact", "http://self.alt/probe/exact"] {
        let response = host
            .client()
            .get(host.url(&format!("/probe?op=fetch&url={}", encode(url))))
            .header("host", &forged)
            .send()?;
        let text = response.text()?;
        assert_eq!(text, "ok:200:ok:exact", "self request to {url}");
    }
    assert!(
        contacted.recv_timeout(Duration::from_millis(500)).is_err(),
        "the forged Host header was followed"
    );
    Ok(())
}

#[test]
fn a_trapping_component_gets_a_500_and_the_next_request_works() -> Result<()> {
    let host = probe().start()?;
    let response = host.get("/probe?op=trap")?;
    assert_eq!(response.status(), 500);
    assert_eq!(body(&host, "/probe")?, "ok:probe");
    // Instances are fresh per request: state set by one request's memory never leaks.
    for _ in 0..3 {
        assert_eq!(host.get("/probe?op=trap")?.status(), 500);
        assert_eq!(body(&host, "/probe/exact")?, "ok:exact");
    }
    Ok(())
}

#[test]
fn invalid_manifests_fail_to_start_with_one_readable_message() -> Result<()> {
    let cases: Vec<(String, &str)> = vec![
        (
            "spin_manifest_version = 2\n[application\n".to_string(),
            "not valid TOML",
        ),
        (
            MINIMAL.replace("spin_manifest_version = 2", "spin_manifest_version = 1"),
            "spin_manifest_version",
        ),
        (
            MINIMAL.replace("component = \"only\"", "component = \"ghost\""),
            "ghost",
        ),
        (
            MINIMAL.replace("source = \"{probe}\"", "source = \"missing.wasm\""),
            "missing.wasm",
        ),
        (
            MINIMAL.replace(
                "environment = { PROBE_NAME = \"only\" }",
                "frobnicate = true",
            ),
            "frobnicate",
        ),
        (
            format!(
                "{MINIMAL}[component.only.dependencies]\n\"a:b/c\" = {{ component = \"only\", inherit_configuration = false }}\n"
            ),
            "inherit_configuration",
        ),
    ];
    for (text, expected) in cases {
        let (_dir, path) = manifest(&text)?;
        let output = start_fails(HostBuilder::new(&path));
        assert!(
            output.contains(expected),
            "expected {expected:?} in:\n{output}"
        );
        assert!(!output.contains("panicked"), "{output}");
        assert!(!output.contains("RUST_BACKTRACE"), "{output}");
    }
    Ok(())
}

#[test]
fn a_file_that_is_not_a_component_fails_the_start_naming_the_component() -> Result<()> {
    let (dir, path) = manifest(&MINIMAL.replace("{probe}", "bogus.wasm"))?;
    std::fs::write(dir.path().join("bogus.wasm"), b"not wasm at all")?;
    let output = start_fails(HostBuilder::new(&path));
    assert!(output.contains("\"only\""), "{output}");
    Ok(())
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_exits_zero() -> Result<()> {
    let host = probe().start()?;
    let url = host.url("/probe?op=sleep&ms=1500");
    let slow = std::thread::spawn(move || -> Result<(u16, String)> {
        let response = pulse_tests::client().get(url).send()?;
        Ok((response.status().as_u16(), response.text()?))
    });
    std::thread::sleep(Duration::from_millis(400));
    let (status, log) = host.stop()?;
    assert!(status.success(), "exit status {status}:\n{log}");
    let (code, text) = slow
        .join()
        .map_err(|_| anyhow::anyhow!("client thread panicked"))??;
    assert_eq!((code, text.as_str()), (200, "ok:slept 1500"));
    Ok(())
}

#[test]
fn compiled_code_is_cached_and_reused_by_the_next_start() -> Result<()> {
    let cache = tempfile::tempdir()?;
    let cache_dir = cache.path().to_string_lossy().to_string();
    let (_dir, path) = manifest(MINIMAL)?;
    let first = HostBuilder::new(&path)
        .env("PULSE_HOST_CACHE_DIR", &cache_dir)
        .start()?;
    let (_, log) = first.stop()?;
    assert!(log.contains("component only: compiled"), "{log}");
    let files: Vec<_> = std::fs::read_dir(cache.path())?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
        .collect();
    assert_eq!(files.len(), 1, "one compiled component in the cache");
    let second = HostBuilder::new(&path)
        .env("PULSE_HOST_CACHE_DIR", &cache_dir)
        .start()?;
    assert_eq!(body(&second, "/only")?, "ok:only");
    let log = second.log();
    assert!(
        log.contains("component only: loaded compiled code from cache"),
        "{log}"
    );
    Ok(())
}

#[test]
fn components_to_retain_serves_only_their_routes() -> Result<()> {
    let host = probe()
        .env("SPIN_COMPONENTS_TO_RETAIN", "exact,deep")
        .start()?;
    assert_eq!(body(&host, "/probe/exact")?, "ok:exact");
    assert_eq!(body(&host, "/probe/deep/x")?, "ok:deep");
    assert_eq!(host.get("/probe/other")?.status(), 404);
    assert_eq!(host.get("/elsewhere")?.status(), 404);
    drop(host);
    let output = start_fails(probe().env("SPIN_COMPONENTS_TO_RETAIN", "ghost"));
    assert!(output.contains("ghost"), "{output}");
    Ok(())
}

fn migrations(files: &[(&str, &str)]) -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql)?;
    }
    Ok(dir)
}

fn migrate(dir: &Path, database: &str) -> Result<(bool, String)> {
    let out = Command::new(pulse_tests::host_bin())
        .args(["migrate", "--dir"])
        .arg(dir)
        .args(["--database", database])
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

#[test]
fn migrate_applies_pending_sqlite_versions_in_order_and_skips_applied_ones() -> Result<()> {
    let dir = migrations(&[
        (
            "0002_add_email.sql",
            "ALTER TABLE users ADD COLUMN email TEXT;",
        ),
        (
            "0001_users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);",
        ),
        ("README.md", "not a migration"),
    ])?;
    let db = tempfile::tempdir()?;
    let db_path = db.path().join("app.db");
    let url = format!("sqlite:{}", db_path.display());
    let (ok, out) = migrate(dir.path(), &url)?;
    assert!(ok, "{out}");
    let first = out.find("0001_users").context("0001 applied")?;
    let second = out.find("0002_add_email").context("0002 applied")?;
    assert!(first < second, "order:\n{out}");
    assert!(out.contains("2 migration(s) applied"), "{out}");

    let (ok, out) = migrate(dir.path(), &url)?;
    assert!(ok, "{out}");
    assert!(
        out.contains("0 migration(s) applied, 2 already applied"),
        "{out}"
    );

    std::fs::write(dir.path().join("0003_bad.sql"), "CREATE TABLE broken (;")?;
    let (ok, out) = migrate(dir.path(), &url)?;
    assert!(!ok, "a broken migration must fail:\n{out}");
    let conn = rusqlite::Connection::open(&db_path)?;
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    assert_eq!(versions, vec![1, 2]);
    conn.execute("INSERT INTO users (name, email) VALUES ('a', 'a@x')", [])?;
    Ok(())
}

#[test]
fn migrate_applies_pending_postgres_versions_in_one_transaction_each() -> Result<()> {
    if !service_available(
        "Postgres",
        POSTGRES_ADDR,
        "migrate_applies_pending_postgres_versions",
    ) {
        return Ok(());
    }
    let pg = ThrowawayPostgres::create()?;
    let dir = migrations(&[
        (
            "0001_users.sql",
            "CREATE TABLE users (id BIGSERIAL PRIMARY KEY, name TEXT);",
        ),
        ("0002_more.sql", "ALTER TABLE users ADD COLUMN email TEXT;"),
    ])?;
    let (ok, out) = migrate(dir.path(), &pg.url)?;
    assert!(ok, "{out}");
    assert!(out.contains("2 migration(s) applied"), "{out}");
    let (ok, out) = migrate(dir.path(), &pg.url)?;
    assert!(ok, "{out}");
    assert!(
        out.contains("0 migration(s) applied, 2 already applied"),
        "{out}"
    );
    // A failing file leaves nothing of itself behind.
    std::fs::write(
        dir.path().join("0003_half.sql"),
        "CREATE TABLE half (id INT); SELECT nope;",
    )?;
    let (ok, out) = migrate(dir.path(), &pg.url)?;
    assert!(!ok, "{out}");
    let mut client = pg.client()?;
    let half: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'half'",
            &[],
        )?
        .get(0);
    assert_eq!(half, 0);
    let versions: Vec<i64> = client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, vec![1, 2]);
    Ok(())
}

/// Sends `head` on a new connection to `host` and returns what came back before the host
/// answered or hung up.
fn raw(host: &Host, head: &[u8]) -> Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", host.port))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    stream.write_all(head)?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[test]
fn slow_clients_are_cut_off_and_oversized_heads_and_targets_refused() -> Result<()> {
    use std::io::{Read, Write};
    let (_dir, path) = manifest(MINIMAL)?;
    let host = HostBuilder::new(&path)
        .args(["--header-timeout", "1"])
        .start()?;
    // Slow loris: a request head that never finishes is cut off after the timeout, with the
    // connection closed, while a normal request on another connection is served.
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", host.port))?;
    slow.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    slow.write_all(b"GET /only HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")?;
    let started = std::time::Instant::now();
    assert_eq!(body(&host, "/only")?, "ok:only");
    let mut rest = Vec::new();
    let read = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        read.is_ok() && waited < std::time::Duration::from_secs(5),
        "the slow connection stayed open {waited:?}: {read:?}"
    );
    assert!(!String::from_utf8_lossy(&rest).contains("ok:only"));
    // A request target over 8 KiB is 414; a head over 64 KiB is 431; neither reaches a
    // component, and the host keeps serving.
    let long = format!(
        "GET /only?{} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "q".repeat(9 * 1024)
    );
    let answer = raw(&host, long.as_bytes())?;
    assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
    let big = format!(
        "GET /only HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "b".repeat(70 * 1024)
    );
    let answer = raw(&host, big.as_bytes())?;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert_eq!(body(&host, "/only")?, "ok:only");
    Ok(())
}
