//! Every list the API serves is paginated by cursor, read from the OpenAPI document (never a
//! hand list): each list operation declares `limit` with a maximum and `starting_after`, the
//! server holds to that maximum, refuses a bad `limit` with a documented problem, and walking a
//! list one item at a time gives the same items, in the same order, as reading it whole.

use anyhow::{Context, Result, ensure};
use pulse_tests::app::{Session, TestApp};
use pulse_tests::workspace_root;
use serde_json::Value;

use super::each_backend;

fn document() -> Result<Value> {
    let text = std::fs::read_to_string(workspace_root().join("docs/openapi.json"))?;
    Ok(serde_json::from_str(&text)?)
}

/// `v` with its `$ref`s followed.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v["$ref"].as_str() {
        match doc.pointer(r.trim_start_matches('#')) {
            Some(target) => v = target,
            None => break,
        }
    }
    v
}

/// A list operation of the document.
struct ListOp {
    /// Its path template.
    path: String,
    /// The operation object.
    op: Value,
    /// Its parameters (the path item's and its own), resolved.
    parameters: Vec<Value>,
}

/// Every GET whose 200 answer is a list: an array, or an object with a `data` or `items` array.
fn list_operations(doc: &Value) -> Result<Vec<ListOp>> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().context("paths")? {
        let Some(op) = item.get("get") else {
            continue;
        };
        let Some(schema) = resolve(doc, &op["responses"]["200"])["content"]
            .as_object()
            .and_then(|c| c.get("application/json"))
            .map(|m| resolve(doc, &m["schema"]))
        else {
            continue;
        };
        let is_array = |s: &Value| resolve(doc, s)["type"] == "array";
        let list = is_array(schema)
            || ["data", "items"]
                .iter()
                .any(|k| is_array(&schema["properties"][*k]));
        if !list {
            continue;
        }
        let parameters = [&item["parameters"], &op["parameters"]]
            .iter()
            .filter_map(|p| p.as_array())
            .flatten()
            .map(|p| resolve(doc, p).clone())
            .collect();
        ops.push(ListOp {
            path: path.clone(),
            op: op.clone(),
            parameters,
        });
    }
    Ok(ops)
}

impl ListOp {
    fn parameter(&self, name: &str) -> Option<&Value> {
        self.parameters
            .iter()
            .find(|p| p["name"] == name && p["in"] == "query")
    }

    /// The documented maximum of `limit`.
    fn max_limit(&self) -> Option<u64> {
        self.parameter("limit")?["schema"]["maximum"].as_u64()
    }
}

/// Each list operation declares `limit` (an integer with a maximum), `starting_after`, and the
/// problem a bad `limit` gets.
#[test]
fn every_list_operation_declares_limit_and_starting_after() -> Result<()> {
    let doc = document()?;
    let ops = list_operations(&doc)?;
    ensure!(ops.len() >= 10, "only {} list operations found", ops.len());
    let mut problems = Vec::new();
    for list in &ops {
        let limit = list.parameter("limit");
        if limit.is_none_or(|l| l["schema"]["type"] != "integer") || list.max_limit().is_none() {
            problems.push(format!("{}: no integer `limit` with a maximum", list.path));
        }
        if list.parameter("starting_after").is_none() {
            problems.push(format!("{}: no `starting_after` cursor", list.path));
        }
        let refused = ["400", "422"].iter().any(|s| {
            list.op["responses"][*s]["content"]
                .as_object()
                .is_some_and(|c| c.contains_key("application/problem+json"))
        });
        if !refused {
            problems.push(format!(
                "{}: no 400 or 422 problem documented for a bad limit",
                list.path
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    Ok(())
}

/// The ids of a list answer's items (`id`, or the key a catalog or a member is known by).
fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    ["id", "user_id", "integration"]
                        .iter()
                        .find_map(|k| i[*k].as_str())
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Fetches `path` as the first session that may read it; `None` when none may.
fn readable<'a>(app: &TestApp, sessions: &'a [Session], path: &str) -> Result<Option<&'a Session>> {
    for s in sessions {
        if app.get_as(s, path)?.status() == 200 {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// The server holds every list to its documented maximum, refuses a bad `limit` with a problem,
/// and a walk one item at a time by `starting_after` gives the whole list in order.
#[test]
fn every_list_is_capped_and_walks_by_cursor() -> Result<()> {
    let doc = document()?;
    let ops = list_operations(&doc)?;
    each_backend("every_list_is_capped_and_walks_by_cursor", |app| {
        let sessions = [
            app.sign_in("ada@acme.example")?,
            app.sign_in("mia@northwind.example")?,
        ];
        let mut problems = Vec::new();
        let mut walked = 0;
        for list in &ops {
            let path = list.path.replace("{id}", "ten_demo_acme");
            let max = list.max_limit().unwrap_or(100);
            let Some(who) = readable(app, &sessions, &path)? else {
                problems.push(format!("{path}: no demo user may read it"));
                continue;
            };
            let sep = if path.contains('?') { '&' } else { '?' };
            // Far over the maximum: held to it, or refused as documented.
            let resp = app.get_as(who, &format!("{path}{sep}limit=100000"))?;
            let status = resp.status().as_u16();
            if status == 200 {
                let body: Value = resp.json()?;
                let n = body["data"].as_array().map_or(0, Vec::len);
                if n as u64 > max {
                    problems.push(format!("{path}?limit=100000: {n} items, over {max}"));
                }
            } else if list.op["responses"][status.to_string()].is_null() || status >= 500 {
                problems.push(format!("{path}?limit=100000: undocumented {status}"));
            }
            for bad in ["abc", "-1", "0", "1.5"] {
                let resp = app.get_as(who, &format!("{path}{sep}limit={bad}"))?;
                let status = resp.status().as_u16();
                let problem = resp
                    .headers()
                    .get("content-type")
                    .is_some_and(|c| c.as_bytes().starts_with(b"application/problem+json"));
                if !matches!(status, 400 | 422)
                    || !problem
                    || list.op["responses"][status.to_string()].is_null()
                {
                    problems.push(format!(
                        "{path}?limit={bad}: {status} (problem+json: {problem}), not a documented 400 or 422 problem"
                    ));
                }
            }
            let unknown = app.get_as(who, &format!("{path}{sep}starting_after=zz_unknown"))?;
            if unknown.status() != 200 {
                problems.push(format!(
                    "{path}?starting_after=zz_unknown: {}",
                    unknown.status()
                ));
            }
            // The whole list, then a walk one item at a time.
            let whole: Value = app
                .get_as(who, &format!("{path}{sep}limit={max}"))?
                .json()?;
            let all = ids(&whole);
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let url = match &cursor {
                    None => format!("{path}{sep}limit=1"),
                    Some(c) => format!("{path}{sep}limit=1&starting_after={c}"),
                };
                let page: Value = app.get_as(who, &url)?.json()?;
                let got = ids(&page);
                if got.len() > 1 {
                    problems.push(format!("{url}: {} items for limit=1", got.len()));
                    break;
                }
                seen.extend(got.iter().cloned());
                let more = page["has_more"].as_bool().unwrap_or(false);
                match got.first() {
                    Some(last) if more && seen.len() <= all.len() => cursor = Some(last.clone()),
                    _ => break,
                }
            }
            if seen != all {
                problems.push(format!("{path}: one by one {seen:?}, whole {all:?}"));
            }
            if all.len() > 1 {
                walked += 1;
            }
        }
        println!(
            "pagination on {:?}: {} lists, {walked} walked item by item",
            app.backend,
            ops.len()
        );
        ensure!(
            walked >= 5,
            "only {walked} lists had two items or more to walk"
        );
        assert!(problems.is_empty(), "{problems:#?}");
        Ok(())
    })
}

/// A list longer than a page shows is cut there, and says so; the API pages through all of it
/// (250 API tokens: the security page shows 200, the API gives 100, 100 and 50).
#[test]
fn a_long_list_is_cut_on_its_page_and_paged_whole_by_the_api() -> Result<()> {
    each_backend(
        "a_long_list_is_cut_on_its_page_and_paged_whole_by_the_api",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let rows: Vec<String> = (0..250)
                .map(|i| {
                    format!(
                        "('tok_many{i:03}', 'usr_demo_ada', 'acc_demo_acme', 'token {i}', 'hash-many-{i}', 'read', \
                         '2026-01-01T00:{:02}:{:02}Z')",
                        i / 60,
                        i % 60
                    )
                })
                .collect();
            app.sql(&format!(
                "INSERT INTO api_tokens (id, user_id, account_id, name, token_hash, scope, created_at) VALUES {}",
                rows.join(", ")
            ))?;
            let page = app.get_as(&ada, "/security")?;
            ensure!(page.status() == 200, "/security answered {}", page.status());
            let html = page.text()?;
            let shown = html.matches("action=\"/security/tokens/revoke\"").count();
            assert_eq!(shown, 200, "the security page lists {shown} tokens");
            assert!(
                html.contains("This page shows the first 200")
                    && html.contains("/api/v1/api-tokens"),
                "the page does not say the list was cut"
            );
            let mut seen = Vec::new();
            let mut sizes = Vec::new();
            let mut cursor = String::new();
            loop {
                let url = if cursor.is_empty() {
                    "/api/v1/api-tokens?limit=100".to_string()
                } else {
                    format!("/api/v1/api-tokens?limit=100&starting_after={cursor}")
                };
                let body: Value = app.get_as(&ada, &url)?.json()?;
                let got = ids(&body);
                sizes.push(got.len());
                seen.extend(got.iter().cloned());
                match got.last() {
                    Some(last) if body["has_more"] == true && sizes.len() < 10 => {
                        cursor = last.clone()
                    }
                    _ => break,
                }
            }
            assert_eq!(sizes, [100, 100, 50]);
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), 250, "the pages repeat or miss tokens");
            // Newest first, across pages.
            assert_eq!(seen.first().map(String::as_str), Some("tok_many249"));
            assert_eq!(seen.last().map(String::as_str), Some("tok_many000"));
            Ok(())
        },
    )
}
