//! Faults under load: a bounded load generator (127.0.0.1 only) drives signed-in pages, API
//! reads and API writes against the portal on Postgres and Redis while a TCP proxy the test
//! controls pulls a dependency out and puts it back. During an outage every request must be
//! answered at once with a 503 (or, where the dependency is not needed, normally), `/healthz`
//! must say not ready, and the portal must recover by itself; afterwards every acknowledged
//! write is in the database and every refused one left nothing, checked row by row. The mail
//! API and the payment provider going away are checked the same way. Each scenario prints its
//! figures (docs/reliability.md quotes them).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use pulse_tests::app::{Backend, TestApp, expect_status, location};
use pulse_tests::proxy::Proxy;
use pulse_tests::stub::Stub;
use pulse_tests::{POSTGRES_ADDR, REDIS_ADDR};
use reqwest::Method;
use serde_json::{Value, json};

/// Concurrent load-generating clients.
const CLIENTS: usize = 4;
/// How long the dependency stays away.
const OUTAGE: Duration = Duration::from_secs(3);
/// An answer during an outage slower than this is a hang (the connect timeouts are 5 s).
const PROMPT: Duration = Duration::from_secs(2);
/// The portal must be ready again within this long after the dependency is back.
const RECOVERY: Duration = Duration::from_secs(10);

/// What one request was and how it was answered.
#[derive(Debug, Clone)]
struct Outcome {
    what: &'static str,
    /// The name of the API token a write creates.
    row: Option<String>,
    started: Duration,
    took: Duration,
    /// 0: no HTTP answer at all.
    status: u16,
}

/// The load: each client cycles through a signed-in page, two API reads and an API write.
struct Load {
    stop: Arc<AtomicBool>,
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    health: Arc<Mutex<Vec<(Duration, u16)>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    epoch: Instant,
}

impl Load {
    fn start(app: &TestApp, cookie: &str, token: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let health = Arc::new(Mutex::new(Vec::new()));
        let epoch = Instant::now();
        let counter = Arc::new(AtomicUsize::new(0));
        let mut threads = Vec::new();
        for client in 0..CLIENTS {
            let (stop, outcomes, counter) = (stop.clone(), outcomes.clone(), counter.clone());
            let (base, cookie, token) = (app.host.url(""), cookie.to_string(), token.to_string());
            threads.push(std::thread::spawn(move || {
                let http = http_client();
                while !stop.load(Ordering::SeqCst) {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    let (what, row, request) = match n % 4 {
                        0 => (
                            "page",
                            None,
                            http.get(format!("{base}/dashboard"))
                                .header("cookie", &cookie),
                        ),
                        1 => ("api read", None, http.get(format!("{base}/api/v1/me"))),
                        2 => (
                            "api read",
                            None,
                            http.get(format!("{base}/api/v1/invoices")),
                        ),
                        _ => {
                            let name = format!("load-{client}-{n}");
                            (
                                "api write",
                                Some(name.clone()),
                                http.post(format!("{base}/api/v1/api-tokens"))
                                    .json(&json!({ "name": name, "scope": "read" })),
                            )
                        }
                    };
                    let request = if what == "page" {
                        request
                    } else {
                        request.bearer_auth(&token)
                    };
                    let started = epoch.elapsed();
                    let status = request.send().map(|r| r.status().as_u16()).unwrap_or(0);
                    let outcome = Outcome {
                        what,
                        row,
                        started,
                        took: epoch.elapsed() - started,
                        status,
                    };
                    if let Ok(mut all) = outcomes.lock() {
                        all.push(outcome);
                    }
                }
            }));
        }
        let (stop2, health2, url) = (stop.clone(), health.clone(), app.host.url("/healthz"));
        threads.push(std::thread::spawn(move || {
            let http = http_client();
            while !stop2.load(Ordering::SeqCst) {
                let started = epoch.elapsed();
                let status = http
                    .get(&url)
                    .send()
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                if let Ok(mut all) = health2.lock() {
                    all.push((started, status));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }));
        Self {
            stop,
            outcomes,
            health,
            threads,
            epoch,
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// When `/healthz` first answered 200 after `since`.
    fn ready_after(&self, since: Duration) -> Option<Duration> {
        self.health.lock().ok().and_then(|h| {
            h.iter()
                .find(|(at, status)| *at >= since && *status == 200)
                .map(|(at, _)| *at)
        })
    }

    fn finish(self) -> (Vec<Outcome>, Vec<(Duration, u16)>) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads {
            let _ = t.join();
        }
        let outcomes = self.outcomes.lock().map(|o| o.clone()).unwrap_or_default();
        let health = self.health.lock().map(|h| h.clone()).unwrap_or_default();
        (outcomes, health)
    }
}

fn http_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap_or_else(|_| reqwest::blocking::Client::new())
}

/// The portal on Postgres and Redis, each reached through its own proxy; writes unthrottled.
fn proxied_app(test: &str, postgres: &Proxy, redis: &Proxy) -> Result<Option<TestApp>> {
    TestApp::builder(Backend::Postgres)
        .postgres_via(&postgres.addr())
        .redis_via(&redis.addr())
        .variable("write_limit_per_minute", "1000000")
        .start(test)
}

/// Ada's browser cookie and a write-scoped API token of hers.
fn credentials(app: &TestApp) -> Result<(String, String)> {
    let ada = app.sign_in("ada@acme.example")?;
    let csrf = app.csrf(&ada)?;
    let created = app
        .as_user(&ada, Method::POST, "/api/v1/api-tokens")
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "load generator", "scope": "write" }))
        .send()?;
    let created: Value = serde_json::from_str(&expect_status(created, 201)?)?;
    let token = created["token"].as_str().context("token")?.to_string();
    Ok((ada.cookie_header(), token))
}

/// Whether the API token a write names is in the database, with its entry in the account's
/// activity (both are written in one transaction: one without the other is a split write).
fn row_exists(app: &TestApp, name: &str) -> Result<bool> {
    let tokens = app.sql_count(&format!(
        "SELECT COUNT(*) FROM api_tokens WHERE name = '{name}'"
    ))?;
    let audited = app.sql_count(&format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'api_token.created' AND detail LIKE '%“{name}”%'"
    ))?;
    ensure!(
        tokens == audited,
        "{name}: {tokens} token(s) but {audited} activity entries: the write was split"
    );
    Ok(tokens == 1)
}

/// During an outage a refused write (and, when reads need what is gone, a page) says in
/// words that the service is temporarily unavailable: a page in the shell for a browser,
/// problem+json for the API.
fn unavailable_answers(
    app: &TestApp,
    cookie: &str,
    token: &str,
    reads_need_it: bool,
) -> Result<()> {
    let http = http_client();
    let write = http
        .post(app.host.url("/api/v1/api-tokens"))
        .bearer_auth(token)
        .json(&json!({ "name": "while away", "scope": "read" }))
        .send()?;
    ensure!(write.status() == 503, "API write: {}", write.status());
    ensure!(
        write.headers()["content-type"] == "application/problem+json",
        "{:?}",
        write.headers()
    );
    let problem: Value = write.json()?;
    ensure!(
        problem["title"] == "Pulse Account is temporarily unavailable" && problem["status"] == 503,
        "{problem}"
    );
    if reads_need_it {
        let page = http
            .get(app.host.url("/dashboard"))
            .header("cookie", cookie)
            .send()?;
        ensure!(page.status() == 503, "page: {}", page.status());
        let html = page.text()?;
        ensure!(
            html.contains("<html")
                && html.contains("temporarily unavailable")
                && html.contains("Nothing was changed"),
            "{html}"
        );
    }
    Ok(())
}

/// The figures of one outage.
struct Report {
    during: usize,
    during_503: usize,
    during_ok: usize,
    slowest: Duration,
    acknowledged: usize,
    acknowledged_found: usize,
    refused: usize,
    refused_found: usize,
    ready_in: Duration,
    total: usize,
}

/// Runs the load, pulls `proxy` out for [`OUTAGE`], restores it, and checks every outcome.
/// `reads_need_it`: whether reads depend on what is pulled out (they must then be 503 too).
fn outage(app: &TestApp, proxy: &Proxy, name: &str, reads_need_it: bool) -> Result<Report> {
    let (cookie, token) = credentials(app)?;
    let load = Load::start(app, &cookie, &token);
    std::thread::sleep(Duration::from_secs(2));
    let cut_at = load.now();
    proxy.cut();
    std::thread::sleep(Duration::from_millis(300));
    let said = unavailable_answers(app, &cookie, &token, reads_need_it);
    std::thread::sleep(OUTAGE.saturating_sub(Duration::from_millis(300)));
    let restored_at = load.now();
    proxy.restore();
    let deadline = Instant::now() + RECOVERY;
    let ready_at = loop {
        if let Some(at) = load.ready_after(restored_at) {
            break at;
        }
        if Instant::now() > deadline {
            let (_, health) = load.finish();
            bail!("{name}: /healthz not ready {RECOVERY:?} after the restore: {health:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_secs(2));
    let (outcomes, health) = load.finish();
    said.with_context(|| format!("{name}: what a refused request says"))?;

    // Every request got an HTTP answer, and none was a server fault other than 503.
    let faults: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !(200..300).contains(&o.status) && o.status != 503)
        .collect();
    ensure!(
        faults.is_empty(),
        "{name}: answers other than 2xx or 503: {faults:?}"
    );

    // During the outage: prompt answers; writes refused; reads refused if they need it.
    let during: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.started >= cut_at && o.started + o.took <= restored_at)
        .collect();
    ensure!(
        during.len() >= 10,
        "{name}: only {} requests during the outage",
        during.len()
    );
    let slowest = during.iter().map(|o| o.took).max().unwrap_or_default();
    ensure!(
        slowest < PROMPT,
        "{name}: an answer during the outage took {slowest:?}"
    );
    for o in &during {
        let expect_refused = o.row.is_some() || reads_need_it;
        ensure!(
            !expect_refused || o.status == 503,
            "{name}: {} answered {} during the outage",
            o.what,
            o.status
        );
    }
    // Not ready for as long as it was away.
    let unready: Vec<_> = health
        .iter()
        .filter(|(at, _)| *at >= cut_at && *at + Duration::from_millis(50) < restored_at)
        .collect();
    ensure!(
        !unready.is_empty() && unready.iter().all(|(_, s)| *s == 503),
        "{name}: /healthz during the outage: {unready:?}"
    );
    // Back to normal without a restart: everything started a second after ready succeeded.
    let late: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.started >= ready_at + Duration::from_secs(1))
        .collect();
    ensure!(!late.is_empty(), "{name}: no requests after recovery");
    ensure!(
        late.iter().all(|o| (200..300).contains(&o.status)),
        "{name}: after recovery: {:?}",
        late.iter()
            .filter(|o| o.status >= 300)
            .take(5)
            .collect::<Vec<_>>()
    );

    // Row by row: acknowledged writes are there, refused ones left nothing.
    let mut report = Report {
        during: during.len(),
        during_503: during.iter().filter(|o| o.status == 503).count(),
        during_ok: during
            .iter()
            .filter(|o| (200..300).contains(&o.status))
            .count(),
        slowest,
        acknowledged: 0,
        acknowledged_found: 0,
        refused: 0,
        refused_found: 0,
        ready_in: ready_at.saturating_sub(restored_at),
        total: outcomes.len(),
    };
    for o in &outcomes {
        let Some(row) = &o.row else { continue };
        let found = row_exists(app, row)?;
        if (200..300).contains(&o.status) {
            report.acknowledged += 1;
            report.acknowledged_found += usize::from(found);
        } else {
            report.refused += 1;
            report.refused_found += usize::from(found);
        }
    }
    println!(
        "{name}: {} requests in all; {} during the {:?} outage: {} answered 503, {} answered 2xx, slowest {:?}; \
         writes: {} acknowledged, {} found; {} refused, {} found; ready {:?} after the restore",
        report.total,
        report.during,
        OUTAGE,
        report.during_503,
        report.during_ok,
        report.slowest,
        report.acknowledged,
        report.acknowledged_found,
        report.refused,
        report.refused_found,
        report.ready_in
    );
    ensure!(
        report.refused > 0,
        "{name}: no write was refused: the outage was not felt"
    );
    ensure!(
        report.acknowledged_found == report.acknowledged,
        "{name}: acknowledged writes lost"
    );
    ensure!(
        report.refused_found == 0,
        "{name}: refused writes left rows behind"
    );
    Ok(report)
}

/// The portal on proxied Postgres and Redis with one of them (Postgres when `pull_postgres`)
/// taken away under load; `None` when the servers are missing and the test is skipped.
fn pull_out(test: &str, pull_postgres: bool, reads_need_it: bool) -> Result<Option<Report>> {
    let (postgres, redis) = (Proxy::start(POSTGRES_ADDR)?, Proxy::start(REDIS_ADDR)?);
    let Some(app) = proxied_app(test, &postgres, &redis)? else {
        return Ok(None);
    };
    let (proxy, name) = if pull_postgres {
        (&postgres, "postgres")
    } else {
        (&redis, "redis")
    };
    outage(&app, proxy, name, reads_need_it).map(Some)
}

#[test]
fn postgres_pulled_out_under_load_answers_503_at_once_and_loses_nothing() -> Result<()> {
    if let Some(report) = pull_out("postgres_pulled_out_under_load", true, true)? {
        ensure!(
            report.during_ok == 0,
            "nothing can be served without the database"
        );
    }
    Ok(())
}

#[test]
fn redis_pulled_out_under_load_refuses_writes_at_once_and_loses_nothing() -> Result<()> {
    // Pages and reads need no key-value store: they go on being served.
    if let Some(report) = pull_out("redis_pulled_out_under_load", false, false)? {
        ensure!(
            report.during_ok > 0,
            "reads went on during the Redis outage"
        );
    }
    Ok(())
}

/// A Postmark stand-in: `POST /email` answers its documented success body.
fn postmark() -> Result<Stub> {
    Stub::serve(200, |_, status| {
        (
            status,
            json!({ "ErrorCode": 0, "Message": "OK", "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817" })
                .to_string(),
        )
    })
}

#[test]
fn mail_api_away_keeps_every_message_and_delivers_each_once_it_is_back() -> Result<()> {
    let stub = postmark()?;
    let proxy = Proxy::start(&format!("127.0.0.1:{}", stub.port))?;
    let origin = format!("http://{}", proxy.addr());
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .production()
        .variable("mail_api_url", &format!("{origin}/email"))
        .variable("mail_api_origin", &origin)
        .variable("mail_api_key", "server-token-faults")
        .start("mail_api_away")?
    else {
        return Ok(());
    };
    proxy.cut();
    let people = [
        "ada@acme.example",
        "bob@acme.example",
        "cy@acme.example",
        "dee@acme.example",
    ];
    let mut slowest = Duration::ZERO;
    for email in people {
        let started = Instant::now();
        let resp = app.post_form(&[], "/login", &[("email", email)])?;
        slowest = slowest.max(started.elapsed());
        ensure!(resp.status() == 200, "{email}: {}", resp.status());
    }
    ensure!(
        slowest < PROMPT,
        "a sign-in request took {slowest:?} with the mail API away"
    );
    let kept = app.sql_count(
        "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts >= 1 AND last_error IS NOT NULL",
    )?;
    ensure!(
        kept == 4,
        "{kept} messages kept with their failure recorded"
    );
    ensure!(stub.received().is_empty(), "nothing reached the mail API");

    // Back: once the retry is due, the next delivery sends every kept message, each once.
    proxy.restore();
    app.sql(
        "UPDATE mail_outbox SET next_attempt_at = '2000-01-01T00:00:00Z' WHERE sent_at IS NULL",
    )?;
    let resp = app.post_form(&[], "/login", &[("email", "mia@northwind.example")])?;
    ensure!(resp.status() == 200, "{}", resp.status());
    let mut sent: Vec<String> = stub
        .received()
        .iter()
        .filter_map(|r| {
            serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|b| b["To"].as_str().map(str::to_string))
        })
        .collect();
    sent.sort();
    let mut expected: Vec<String> = people.iter().map(|p| (*p).to_string()).collect();
    expected.push("mia@northwind.example".into());
    expected.sort();
    ensure!(sent == expected, "delivered {sent:?}");
    ensure!(app.sql_count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")? == 0);
    println!(
        "mail API away: 4 sign-in requests answered 200 (slowest {slowest:?}), 4 messages kept; \
         back: 5 delivered, each once"
    );
    Ok(())
}

#[test]
fn payment_provider_away_refuses_purchases_cleanly_and_they_work_once_it_is_back() -> Result<()> {
    let stripe = pulse_tests::stripe::start()?;
    let proxy = Proxy::start(&format!("127.0.0.1:{}", stripe.port))?;
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .variable("stripe_api_key", "sk_test_faults")
        .variable("stripe_api_base", &format!("http://{}", proxy.addr()))
        .start("payment_provider_away")?
    else {
        return Ok(());
    };
    let ada = app.sign_in("ada@acme.example")?;
    let csrf = app.csrf(&ada)?;
    let rows = |app: &TestApp| -> Result<Vec<i64>> {
        ["subscriptions", "invoices", "audit_log", "idempotency_keys"]
            .iter()
            .map(|t| app.sql_count(&format!("SELECT COUNT(*) FROM {t}")))
            .collect()
    };
    let before = rows(&app)?;
    proxy.cut();
    let started = Instant::now();
    let page = app.post_as(&ada, "/billing/checkout", &[("plan", "cloud_basic_month")])?;
    let api = app
        .as_user(&ada, Method::POST, "/api/v1/checkout-sessions")
        .header("x-csrf-token", &csrf)
        .header("idempotency-key", "faults-checkout-1")
        .json(&json!({ "plan": "cloud_basic_month" }))
        .send()?;
    let took = started.elapsed();
    ensure!(page.status() == 503, "page: {}", page.status());
    let page_body = page.text()?;
    ensure!(
        page_body.contains("temporarily unavailable") && page_body.contains("Nothing was changed"),
        "the page says what happened: {page_body}"
    );
    ensure!(api.status() == 503, "api: {}", api.status());
    let problem: Value = api.json()?;
    ensure!(problem["status"] == 503, "{problem}");
    ensure!(took < PROMPT * 2, "two refusals took {took:?}");
    ensure!(rows(&app)? == before, "a refused purchase wrote nothing");

    // Back: the same request, with the same key, now goes through.
    proxy.restore();
    let api = app
        .as_user(&ada, Method::POST, "/api/v1/checkout-sessions")
        .header("x-csrf-token", &csrf)
        .header("idempotency-key", "faults-checkout-1")
        .json(&json!({ "plan": "cloud_basic_month" }))
        .send()?;
    let created: Value = serde_json::from_str(&expect_status(api, 201)?)?;
    ensure!(
        created["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://checkout.stripe.com/")),
        "{created}"
    );
    let page = app.post_as(&ada, "/billing/checkout", &[("plan", "cloud_basic_month")])?;
    ensure!(page.status() == 303 && location(&page).starts_with("https://checkout.stripe.com/"));
    println!(
        "payment provider away: 2 purchases refused with 503 in {took:?}, nothing written; back: both went through"
    );
    Ok(())
}
