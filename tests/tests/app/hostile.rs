//! Hostile form values: every post form the signed-in pages show (found by following the pages'
//! own links, never listed by hand) is sent, with a valid CSRF token, bodies no browser would
//! send: overlong values, bytes that are not UTF-8, NUL characters, numbers out of any range,
//! fields repeated, missing, sent as arrays, unknown fields, and a body over the 64 KiB cap.
//! No answer may be a server error; a refusal is a page saying what went wrong and changes no
//! row of any table; what is accepted never stores a NUL or a mangled character.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use pulse_tests::app::{Backend, Session, TestApp};
use pulse_tests::forms::{PostForm, Snapshots, changed_rows, links, post_forms};
use pulse_tests::workspace_root;

const ADA: &str = "ada@acme.example";
const MIA: &str = "mia@northwind.example";

/// The pages a crawl reads at most per person.
const MAX_PAGES: usize = 80;
/// The posts one run sends at most (over both people), so the test stays quick.
const MAX_POSTS: usize = 1200;
/// A value as long as a form body under the 64 KiB cap allows with room for the other fields.
const OVERLONG: usize = 60_000;
/// A body over the cap.
const OVER_CAP: usize = 70_000;

/// The portal's own page routes from spin.toml: every route but the API, assets, health,
/// sign-in and sign-out, the developer mailbox and the workspace catch-all.
fn page_routes() -> Result<Vec<String>> {
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(
        workspace_root().join("spin.toml"),
    )?)?;
    let triggers = manifest["trigger"]["http"]
        .as_array()
        .context("spin.toml has no HTTP triggers")?;
    let mut routes: Vec<String> = triggers
        .iter()
        .filter_map(|t| t["route"].as_str())
        .map(|r| r.trim_end_matches("/...").to_string())
        .filter(|r| {
            !r.is_empty()
                && r != "/"
                && ![
                    "/api",
                    "/static",
                    "/healthz",
                    "/login",
                    "/logout",
                    "/dev",
                    "/.well-known",
                ]
                .iter()
                .any(|skip| r.starts_with(skip))
        })
        .collect();
    routes.sort();
    ensure!(
        routes.len() > 10,
        "too few page routes in spin.toml: {routes:?}"
    );
    Ok(routes)
}

/// Whether a link is one of the portal's pages worth reading for forms (not an export or a
/// download, which hold none).
fn is_page(link: &str, routes: &[String]) -> bool {
    let path = link.split('?').next().unwrap_or_default();
    routes
        .iter()
        .any(|r| path == r || path.starts_with(&format!("{r}/")))
        && !link.contains("format=")
        && !path.contains("/download")
}

/// The post forms `session` finds on the pages reachable from `start` by following links.
fn crawl(
    app: &TestApp,
    session: &Session,
    start: &[&str],
    routes: &[String],
) -> Result<Vec<PostForm>> {
    let mut queue: Vec<String> = start.iter().map(|s| s.to_string()).collect();
    let mut seen: BTreeSet<String> = queue
        .iter()
        .map(|l| l.split('?').next().unwrap_or_default().to_string())
        .collect();
    let mut forms = Vec::new();
    let mut read = 0;
    while let Some(page) = (!queue.is_empty()).then(|| queue.remove(0)) {
        if read == MAX_PAGES {
            break;
        }
        read += 1;
        let resp = app.get_as(session, &page)?;
        let html_page = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if resp.status() != 200 || !html_page {
            continue;
        }
        let html = resp.text()?;
        forms.extend(post_forms(&html, &page));
        for link in links(&html) {
            let path = link.split('?').next().unwrap_or_default().to_string();
            if is_page(&link, routes) && seen.insert(path) {
                queue.push(link);
            }
        }
    }
    Ok(forms)
}

/// `application/x-www-form-urlencoded` escaping of one name or value.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One hostile body for a form.
struct Variant {
    /// What it tries, for the report.
    what: String,
    /// The encoded pairs, the CSRF token still to be added.
    pairs: Vec<(String, String)>,
}

/// The hostile bodies for `form`: for each field, the likeliest to break something first.
fn variants(form: &PostForm) -> Vec<Variant> {
    let base: Vec<(String, String)> = form
        .fields
        .iter()
        .map(|f| (enc(&f.name), enc(&f.value)))
        .collect();
    let with = |i: usize, value: String| {
        let mut pairs = base.clone();
        pairs[i].1 = value;
        pairs
    };
    let mut first = Vec::new();
    let mut numbers = Vec::new();
    let mut shapes = Vec::new();
    for (i, field) in form.fields.iter().enumerate() {
        let name = &field.name;
        let value = enc(&field.value);
        first.push(Variant {
            what: format!("{name} with a NUL"),
            pairs: with(i, format!("{value}%00")),
        });
        first.push(Variant {
            what: format!("{name} not UTF-8"),
            pairs: with(i, format!("{value}%FF%FE")),
        });
        first.push(Variant {
            what: format!("{name} {OVERLONG} characters long"),
            pairs: with(i, "a".repeat(OVERLONG)),
        });
        if field.numeric {
            for n in ["99999999999999999999999", "-1", "1e309", "NaN"] {
                numbers.push(Variant {
                    what: format!("{name}={n}"),
                    pairs: with(i, n.to_string()),
                });
            }
        }
        let other = if field.numeric { "2" } else { "other" };
        let mut repeated = base.clone();
        repeated.insert(i + 1, (enc(name), other.to_string()));
        shapes.push(Variant {
            what: format!("{name} twice"),
            pairs: repeated,
        });
        let mut missing = base.clone();
        missing.remove(i);
        shapes.push(Variant {
            what: format!("{name} missing"),
            pairs: missing.clone(),
        });
        let mut array = missing;
        array.push((format!("{}%5B%5D", enc(name)), "a".into()));
        array.push((format!("{}%5B%5D", enc(name)), "b".into()));
        shapes.push(Variant {
            what: format!("{name}[] as an array"),
            pairs: array,
        });
    }
    let mut unknown = base;
    unknown.push(("zz_unknown".into(), "1".into()));
    shapes.push(Variant {
        what: "an unknown field".into(),
        pairs: unknown,
    });
    first.extend(numbers);
    first.extend(shapes);
    first
}

/// The body of `pairs` with the CSRF token last.
fn body(pairs: &[(String, String)], csrf: &str) -> String {
    let mut parts: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.push(format!("csrf={}", enc(csrf)));
    parts.join("&")
}

/// Whether an answer is a page that says what went wrong: the error page, or the form again
/// with its errors.
fn explains(content_type: &str, html: &str) -> bool {
    content_type.starts_with("text/html")
        && ["class=\"error", "field-error", "role=\"alert\""]
            .iter()
            .any(|marker| html.contains(marker))
}

/// A row that holds what no person typed: a NUL, or a character put in place of bytes that
/// were not UTF-8.
fn mangled(row: &str) -> bool {
    row.contains('\0') || row.contains('\u{FFFD}') || row.contains("<not UTF-8")
}

/// Sends every form's hostile bodies and returns the problems found.
fn hostile_forms(app: &TestApp) -> Result<Vec<String>> {
    let routes = page_routes()?;
    let people = [(ADA, &["/dashboard", "/profile"][..]), (MIA, &["/msp"][..])];
    let mut sessions = Vec::new();
    let mut forms: Vec<(usize, PostForm)> = Vec::new();
    let mut kinds: BTreeSet<(String, Vec<String>)> = BTreeSet::new();
    for (who, (email, start)) in people.iter().enumerate() {
        let session = app.sign_in(email)?;
        for form in crawl(app, &session, start, &routes)? {
            let path = form
                .action
                .split('?')
                .next()
                .unwrap_or_default()
                .to_string();
            // Signing out ends the session the rest of the run posts with.
            if path == "/logout" {
                continue;
            }
            let names = form.fields.iter().map(|f| f.name.clone()).collect();
            if kinds.insert((path, names)) {
                forms.push((who, form));
            }
        }
        sessions.push(session);
    }
    ensure!(
        forms.len() >= 30,
        "only {} post forms found: {:#?}",
        forms.len(),
        forms.iter().map(|(_, f)| &f.action).collect::<Vec<_>>()
    );

    let planned: Vec<(usize, &PostForm, Vec<Variant>)> = {
        let all: Vec<_> = forms.iter().map(|(w, f)| (*w, f, variants(f))).collect();
        let total: usize = all.iter().map(|(_, _, v)| v.len()).sum();
        // Over the budget, each form keeps its first (likeliest) variants.
        let keep = if total > MAX_POSTS {
            MAX_POSTS / all.len()
        } else {
            usize::MAX
        };
        all.into_iter()
            .map(|(w, f, mut v)| {
                v.truncate(keep);
                (w, f, v)
            })
            .collect()
    };

    let mut snapshots = Snapshots::open(app)?;
    let mut before = snapshots.rows()?;
    let mut problems = Vec::new();
    let mut posts = 0;
    let mut server_errors = 0;
    let mut over_cap_areas = BTreeSet::new();
    let mut signed_out = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let started = Instant::now();
    for (who, form, variants) in &planned {
        let csrf = app.csrf(&sessions[*who])?;
        let session = &sessions[*who];
        // A body over the cap, once per area: refused before anything is read.
        let area = form
            .action
            .split('/')
            .nth(1)
            .unwrap_or_default()
            .to_string();
        if over_cap_areas.insert(area) {
            let name = form.fields.first().map_or("note", |f| f.name.as_str());
            let resp = app
                .as_user(session, reqwest::Method::POST, &form.action)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body(&[(enc(name), "a".repeat(OVER_CAP))], csrf.as_str()))
                .send()?;
            posts += 1;
            let status = resp.status().as_u16();
            let text = resp.text()?;
            if status != 413 || !text.contains("64 KiB") {
                problems.push(format!(
                    "POST {} with a {OVER_CAP}-byte body: {status}, not a 413 page",
                    form.action
                ));
            }
        }
        for variant in variants {
            let resp = app
                .as_user(session, reqwest::Method::POST, &form.action)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body(&variant.pairs, &csrf))
                .send()
                .with_context(|| format!("POST {} with {}", form.action, variant.what))?;
            posts += 1;
            // Work the request sets off runs after its answer, in the same instance: wait for
            // the instance to finish before reading what changed.
            app.calls(&resp)?;
            let status = resp.status().as_u16();
            *statuses.entry(status).or_default() += 1;
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let text = resp.text()?;
            let what = format!(
                "POST {} (from {}) with {}",
                form.action, form.page, variant.what
            );
            let after = snapshots.rows()?;
            if status >= 500 {
                server_errors += 1;
                problems.push(format!("{what}: {status}"));
            } else if status >= 400 {
                if !explains(&content_type, &text) {
                    problems.push(format!(
                        "{what}: {status} ({content_type}) does not say what went wrong: {}",
                        &text[..text.len().min(300)]
                    ));
                }
                let changed = changed_rows(&before, &after);
                if !changed.is_empty() {
                    let shown: Vec<String> = changed
                        .iter()
                        .map(|r| r.chars().take(200).collect())
                        .collect();
                    problems.push(format!(
                        "{what}: refused with {status} but changed {shown:#?}"
                    ));
                }
            } else {
                let stored: Vec<String> = changed_rows(&before, &after)
                    .into_iter()
                    .filter(|r| after.binary_search(*r).is_ok() && mangled(r))
                    .map(|r| r.chars().take(200).collect())
                    .collect();
                if !stored.is_empty() {
                    problems.push(format!(
                        "{what}: accepted ({status}) and stored {stored:#?}"
                    ));
                }
            }
            before = after;
        }
        // A form that ended the session (or the membership) it was posted with: sign in again.
        if app.get_as(session, "/api/v1/me")?.status() != 200 {
            signed_out.push(form.action.clone());
            let email = people[*who].0;
            sessions[*who] = app.sign_in(email)?;
            before = snapshots.rows()?;
        }
    }
    println!(
        "hostile forms on {:?}: {posts} posts to {} forms, {server_errors} server errors, in {:.1} s (answers by status: {statuses:?}){}",
        app.backend,
        planned.len(),
        started.elapsed().as_secs_f64(),
        if signed_out.is_empty() {
            String::new()
        } else {
            format!("; signed in again after {signed_out:?}")
        }
    );
    ensure!(
        posts <= MAX_POSTS + planned.len(),
        "{posts} posts: over the budget"
    );
    Ok(problems)
}

/// Every post form, hostile values: never a 5xx, a refusal is a page saying what went wrong and
/// changes nothing, and nothing mangled is stored.
#[test]
fn every_form_answers_hostile_values_with_a_page_and_loses_nothing() -> Result<()> {
    let mut problems = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::builder(backend)
            .variable("write_limit_per_minute", "1000000")
            .start("every_form_answers_hostile_values_with_a_page_and_loses_nothing")?
        else {
            continue;
        };
        let found = hostile_forms(&app).with_context(|| format!("on {backend:?}"))?;
        problems.extend(found.into_iter().map(|p| format!("{backend:?}: {p}")));
    }
    assert!(
        problems.is_empty(),
        "{} problems: {problems:#?}",
        problems.len()
    );
    Ok(())
}
