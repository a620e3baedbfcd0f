//! The JSON API fuzzed from its own OpenAPI document (`docs/openapi.json`) with schemathesis,
//! against the demo portal on SQLite and on Postgres with Redis: with an owner's write token,
//! with a plain member's read-only token (so the refusals of role and scope are held to the
//! document too), and signed out. Every generated request, valid or not, must get an answer the
//! document allows: never a 5xx, only documented status codes and content types, and bodies that
//! match the documented schemas.
//!
//! It needs schemathesis (`scripts/test` installs the version pinned in `scripts/common.sh`
//! with pip). Without it the test fails under `CI=true` and is skipped elsewhere, saying so.
//! Each run prints one line, `fuzz <backend> <who>: N cases, F failures`.

use std::fmt::Write as _;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use pulse_tests::app::{Backend, TestApp};
use pulse_tests::{in_ci, workspace_root};
use reqwest::Method;
use serde_json::{Value, json};

/// The checks every response is held to.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";
/// Test cases per operation and phase; bounds each run to well under a minute on two CPUs.
const MAX_EXAMPLES: &str = "10";
/// A fixed seed: every run starts from the same random choices, so what one run finds the next
/// finds again.
const SEED: &str = "20261203";
/// How long one schemathesis run may take before it is stopped.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

/// Keys for the signed endpoints (provisioner, payment webhook, scheduler), so that they are
/// configured and answer forged or malformed calls with 4xx, as documented.
const PROVISIONER_KEY: &str = "provisioner-key-for-the-fuzz-test-0123456";
const WEBHOOK_SECRET: &str = "whsec_for_the_fuzz_test";
const SCHEDULER_KEY: &str = "scheduler-key-for-the-fuzz-test-01234567";

/// The operation that revokes an API token. A run authenticated with a token would sooner or
/// later revoke that very token (the listing hands schemathesis its id), and every case after
/// it would only reach the 401 of a revoked token; so the signed-in run fuzzes it in a pass of
/// its own, after every other operation.
const TOKEN_REVOCATION: &str = "/api/v1/api-tokens/{id}";

/// The schemathesis configuration: identifiers of the demo data, which half of the generated
/// path ids and references are drawn from (the other half stays random), so that requests
/// reach the logic behind the lookups and not only their 404s.
const CONFIG: &str = r#"
[dictionaries.tenants]
values = ["ten_demo_acme", "ten_demo_acmestg", "ten_demo_globex", "ten_demo_initech"]
[dictionaries.licenses]
values = ["lic_demo_pro", "lic_demo_lab"]
[dictionaries.invoices]
values = ["inv_demo_0008", "inv_demo_0009", "inv_demo_0010", "inv_demo_0011"]
[dictionaries.subscriptions]
values = ["sub_demo_acme", "sub_demo_northwind"]
[dictionaries.users]
values = ["usr_demo_ada", "usr_demo_bob", "usr_demo_cy", "usr_demo_gus", "usr_demo_mia"]
[dictionaries.invitations]
values = ["inv_demo_dee", "inv_demo_n011"]
[dictionaries.payment_methods]
values = ["pm_demo_mastercard", "pm_demo_visa"]
[dictionaries.grants]
values = ["grt_demo_initech"]
[dictionaries.accounts]
values = ["acc_demo_acme", "acc_demo_globex", "acc_demo_initech", "acc_demo_northwind"]
[dictionaries.templates]
values = ["tpl_basic_17", "tpl_basic_18", "tpl_pro_18"]

[parameters]
"body.template" = { dictionary = "templates", probability = 0.5 }
"body.invoice" = { dictionary = "invoices", probability = 0.5 }
"body.client" = { dictionary = "accounts", probability = 0.5 }
"body.tenant" = { dictionary = "tenants", probability = 0.5 }
"body.tenants[*]" = { dictionary = "tenants", probability = 0.5 }

[[operations]]
include-path-regex = "^/api/v1/tenants/"
parameters = { "path.id" = { dictionary = "tenants", probability = 0.5 } }
[[operations]]
include-path-regex = "^/api/v1/licenses/"
parameters = { "path.id" = { dictionary = "licenses", probability = 0.5 } }
[[operations]]
include-path-regex = "^/api/v1/invoices/"
parameters = { "path.id" = { dictionary = "invoices", probability = 0.5 } }
[[operations]]
include-path-regex = "^/api/v1/subscriptions/"
parameters = { "path.id" = { dictionary = "subscriptions", probability = 0.5 } }
[[operations]]
include-path-regex = "^/api/v1/members/"
parameters = { "path.id" = { dictionary = "users", probability = 0.5 } }
[[operations]]
include-path-regex = "^/api/v1/(accounts/)?invitations/"
parameters = { "path.id" = { dictionary = "invitations", probability = 0.5 } }
[[operations]]
include-path-regex = "^/api/v1/payment-methods/"
parameters = { "path.id" = { dictionary = "payment_methods", probability = 0.5 } }
[[operations]]
include-path-regex = "^/api/v1/(msp/grants|access-grants)/"
parameters = { "path.id" = { dictionary = "grants", probability = 0.5 } }
"#;

/// What one schemathesis run found.
struct Outcome {
    cases: u64,
    failures: u64,
    problems: Vec<String>,
}

impl Outcome {
    fn add(&mut self, other: Outcome) {
        self.cases += other.cases;
        self.failures += other.failures;
        self.problems.extend(other.problems);
    }
}

#[test]
fn the_api_answers_fuzzed_requests_as_documented() -> Result<()> {
    let test = "the_api_answers_fuzzed_requests_as_documented";
    let Some(version) = schemathesis_version(test)? else {
        return Ok(());
    };
    eprintln!("fuzzing with {version}");
    let mut problems = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::builder(backend)
            .variable("provisioner_key", PROVISIONER_KEY)
            .variable("payment_webhook_secret", WEBHOOK_SECRET)
            .variable("scheduler_key", SCHEDULER_KEY)
            // Thousands of writes a minute from one address and one account: the write limit
            // would answer most of them with 429 and leave the logic behind it unfuzzed.
            .variable("write_limit_per_minute", "1000000")
            .start(test)?
        else {
            continue;
        };
        let work = tempfile::tempdir()?;
        let config = work.path().join("schemathesis.toml");
        std::fs::write(&config, CONFIG)?;
        let owner = format!(
            "Authorization: Bearer {}",
            api_token(&app, "ada@acme.example", "write")?
        );
        let member = format!(
            "Authorization: Bearer {}",
            api_token(&app, "cy@acme.example", "read")?
        );

        // The member first, while the demo roles are as seeded; then the owner, whose run
        // changes roles, workspaces and subscriptions along the way.
        let read_only = run(&app, work.path(), "read-only-member", &["-H", &member])?;
        let mut signed_in = run(
            &app,
            work.path(),
            "signed-in",
            &["-H", &owner, "--exclude-path", TOKEN_REVOCATION],
        )?;
        signed_in.add(run(
            &app,
            work.path(),
            "signed-in-revocation",
            &["-H", &owner, "--include-path", TOKEN_REVOCATION],
        )?);
        let signed_out = run(&app, work.path(), "signed-out", &[])?;
        for (who, outcome) in [
            ("signed-in", signed_in),
            ("signed-in read-only member", read_only),
            ("signed-out", signed_out),
        ] {
            println!(
                "fuzz {backend:?} {who}: {} cases, {} failures",
                outcome.cases, outcome.failures
            );
            problems.extend(
                outcome
                    .problems
                    .into_iter()
                    .map(|p| format!("{backend:?} {who}: {p}")),
            );
        }
    }
    if !problems.is_empty() {
        bail!(
            "schemathesis found responses the document does not allow:\n\n{}",
            problems.join("\n\n")
        );
    }
    Ok(())
}

/// The installed schemathesis (`python3 -m schemathesis.cli --version`), or `None` after saying
/// the test was skipped (a failure under CI).
fn schemathesis_version(test: &str) -> Result<Option<String>> {
    let out = Command::new("python3")
        .args(["-m", "schemathesis.cli", "--version"])
        .stdin(Stdio::null())
        .output();
    let why = match out {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let version = text.rsplit(' ').next().unwrap_or_default().trim();
            return Ok(Some(format!("schemathesis {version}")));
        }
        Ok(_) => "schemathesis is not installed (scripts/test installs it with pip)".to_string(),
        Err(e) => format!("python3 could not be run ({e}), so neither can schemathesis"),
    };
    if in_ci() {
        bail!("{why}; CI requires it (test {test})");
    }
    eprintln!("SKIPPED {test}: {why}");
    Ok(None)
}

/// Signs `email` in and returns a new API token of theirs with `scope` (`read` or `write`).
fn api_token(app: &TestApp, email: &str, scope: &str) -> Result<String> {
    let session = app.sign_in(email)?;
    let csrf = app.csrf(&session)?;
    let resp = app
        .as_user(&session, Method::POST, "/api/v1/api-tokens")
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "fuzz", "scope": scope }))
        .send()?;
    ensure!(
        resp.status() == 201,
        "creating an API token answered {}",
        resp.status()
    );
    let body: Value = resp.json()?;
    Ok(body["token"].as_str().context("no token")?.to_string())
}

/// Runs schemathesis against `app` with `extra` arguments and reads its JSON report.
fn run(app: &TestApp, work: &Path, label: &str, extra: &[&str]) -> Result<Outcome> {
    let report = work.join(format!("{label}.json"));
    let log_path = work.join(format!("{label}.log"));
    let log = File::create(&log_path)?;
    let doc = workspace_root().join("docs/openapi.json");
    let base = app.host.url("");
    let mut child = Command::new("python3")
        .args(["-m", "schemathesis.cli", "--no-color", "--config-file"])
        .arg(work.join("schemathesis.toml"))
        .arg("run")
        .arg(&doc)
        .args(["--url", &base, "--checks", CHECKS])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED])
        // One worker keeps the order of requests, and so the run, reproducible (and keeps clear
        // of Hypothesis's source introspection, which is not safe across worker threads).
        .args(["--workers", "1", "--request-timeout", "30"])
        .args(["--generation-database", "none", "--report", "json"])
        .arg("--report-json-path")
        .arg(&report)
        .args(extra)
        // Anything schemathesis or Hypothesis writes lands in the throwaway directory.
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting schemathesis")?;
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "schemathesis ({label}) did not finish within {} s:\n{}",
                RUN_TIMEOUT.as_secs(),
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let Ok(text) = std::fs::read_to_string(&report) else {
        bail!("schemathesis ({label}) wrote no report ({status}):\n{output}");
    };
    let report: Value = serde_json::from_str(&text).context("reading the JSON report")?;
    let cases = report["test_cases"]["generated"].as_u64().unwrap_or(0);
    let failures = report["test_cases"]["with_failures"].as_u64().unwrap_or(0)
        + report["test_cases"]["errored"].as_u64().unwrap_or(0);
    let mut problems = Vec::new();
    for failure in report["failures"].as_array().into_iter().flatten() {
        let mut line = format!(
            "{} {} ({} cases):",
            failure["code"].as_str().unwrap_or("?"),
            failure["title"].as_str().unwrap_or("?"),
            failure["count"]
        );
        for op in failure["operations"].as_array().into_iter().flatten() {
            let _ = write!(line, "\n  - {}", op.as_str().unwrap_or("?"));
        }
        problems.push(line);
    }
    for error in report["errors"].as_array().into_iter().flatten() {
        problems.push(format!("error: {error}"));
    }
    if !status.success() || !problems.is_empty() || failures > 0 {
        // The console output holds each failing case with the response and a curl line.
        problems.push(format!(
            "schemathesis ({label}) exited with {status}; its output:\n{}",
            failures_section(&output)
        ));
    }
    Ok(Outcome {
        cases,
        failures,
        problems,
    })
}

/// The FAILURES and ERRORS sections of schemathesis's console output (all of it when it has
/// neither).
fn failures_section(output: &str) -> &str {
    let start = ["=== FAILURES ===", "=== ERRORS ==="]
        .iter()
        .filter_map(|m| output.find(m))
        .min();
    let end = output
        .find("=== WARNINGS ===")
        .or_else(|| output.find("=== SUMMARY ==="));
    match (start, end) {
        (Some(s), Some(e)) if e > s => &output[s..e],
        (Some(s), _) => &output[s..],
        _ => output,
    }
}
