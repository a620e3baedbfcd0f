//! `GET /activity`: the account's audit log for its owners and admins, filtered by kind,
//! person and dates, a page at a time by cursor, and exported as CSV or JSON.

use pulse_core::AppError;
use pulse_core::error::invalid;
use pulse_core::http::{Request, Response, csv_field};
use pulse_core::i18n::msg;
use pulse_core::spin::Ctx;
use pulse_core::store::audit::{self, Activity, Filter, KINDS};
use pulse_core::views::Nav;
use serde_json::json;

use crate::views;

/// Entries a page shows.
const PAGE: i64 = 50;
/// Entries an export holds at most.
const EXPORT: i64 = 5000;

fn day(value: &str, field: &str) -> Result<String, AppError> {
    let ok = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if value.is_empty() || ok {
        Ok(value.to_string())
    } else {
        Err(invalid(field, msg("Enter the date as YYYY-MM-DD.")))
    }
}

fn filter_of(req: &Request) -> Result<Filter, AppError> {
    let kind = req.query_param("kind").unwrap_or_default();
    if !kind.is_empty() && !KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(invalid("kind", msg("Choose one of the kinds listed.")));
    }
    Ok(Filter {
        kind,
        person: req
            .query_param("person")
            .unwrap_or_default()
            .trim()
            .to_lowercase(),
        from: day(&req.query_param("from").unwrap_or_default(), "from")?,
        to: day(&req.query_param("to").unwrap_or_default(), "to")?,
    })
}

fn as_csv(entries: &[Activity]) -> String {
    let mut out = String::from("created_at,actor,action,target,detail,ip\r\n");
    for e in entries {
        let row = [
            e.created_at.as_str(),
            e.actor.as_deref().unwrap_or_default(),
            &e.action,
            &e.target,
            &e.detail,
            &e.ip,
        ]
        .map(csv_field)
        .join(",");
        out.push_str(&row);
        out.push_str("\r\n");
    }
    out
}

/// `GET /activity[?kind=&person=&from=&to=&before=&format=csv|json]`.
pub fn show_activity(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    if !who.account.role.can_manage_team() {
        return Err(AppError::Forbidden(
            msg("The activity log is for the account's owners and admins.").into(),
        ));
    }
    let filter = filter_of(req)?;
    let format = req.query_param("format").unwrap_or_default();
    let before = req.query_param("before");
    let limit = if format.is_empty() { PAGE } else { EXPORT };
    let (entries, more) = audit::page(
        ctx.db()?,
        &who.account.account_id,
        &filter,
        before.as_deref().filter(|b| !b.is_empty()),
        limit,
    )?;
    match format.as_str() {
        "" => Ok(Response::html(
            200,
            views::activity::page_of(&ctx.shell(Nav::Team), &filter, &entries, more),
        )),
        "csv" => Ok(Response {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/csv; charset=utf-8".into()),
                (
                    "content-disposition".into(),
                    "attachment; filename=\"activity.csv\"".into(),
                ),
            ],
            body: as_csv(&entries).into_bytes(),
        }),
        "json" => Ok(Response::json(
            200,
            &json!({ "object": "list", "data": entries, "has_more": more }),
        )
        .with_header(
            "content-disposition",
            "attachment; filename=\"activity.json\"",
        )),
        _ => Err(invalid("format", msg("Export as csv or json."))),
    }
}
