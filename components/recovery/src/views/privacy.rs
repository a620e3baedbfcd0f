//! Data export and deletion: an owner's page, a request's status page, and the pages for a link
//! that no longer works.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::privacy::{ARCHIVE_DAYS, DataRequest, Kind};
use pulse_core::time::parse_rfc3339;
use pulse_core::views::relative::{full_date, span};
use pulse_core::views::{Badge, Shell, csrf_field, page, scroll_table};

fn when(ts: &str) -> String {
    parse_rfc3339(ts).map_or_else(|| ts.to_string(), full_date)
}

fn kind_title(kind: &str) -> &'static str {
    if kind == "deletion" {
        "Data deletion"
    } else {
        "Data export"
    }
}

fn status_words(status: &str) -> &'static str {
    match status {
        "awaiting_proof" => "waiting for confirmation",
        "queued" => "being prepared",
        "ready" => "ready",
        "scheduled" => "scheduled",
        "done" => "done",
        "cancelled" => "cancelled",
        "failed" => "failed",
        "expired" => "expired",
        _ => "unknown",
    }
}

fn problems(why: &[String]) -> Markup {
    html! {
        @if !why.is_empty() {
            div.error-summary role="alert" aria-labelledby="privacy-problem" {
                h2 id="privacy-problem" { "Nothing was changed" }
                ul { @for w in why { li { (w) } } }
            }
        }
    }
}

/// `/privacy/export` or `/privacy/delete` for an owner of the current account.
pub fn owner_page(
    shell: &Shell,
    who: &Identity,
    kind: Kind,
    requests: &[DataRequest],
    problem: &[String],
    grace_days: i64,
    now: i64,
) -> Markup {
    let (title, action) = match kind {
        Kind::Export => ("Export the account's data", "/privacy/export"),
        Kind::Deletion => ("Delete the account's data", "/privacy/delete"),
    };
    page(
        shell,
        title,
        html! {
            p { a href="/privacy" { "← Privacy and your data" } }
            h1 { (title) }
            (problems(problem))
            @match kind {
                Kind::Export => {
                    p { "A zip archive of everything " strong { (who.account.account_name) } " holds with us — the account, its people and memberships, invitations, sessions, workspaces and integrations, licenses and activations, subscriptions, invoices, requests, the activity log and the emails we sent — as JSON files, with a README saying what each holds and why we keep it." }
                    p { "We prepare it in the background and email you a download link that works for " (ARCHIVE_DAYS) " days. We answer every request within one month." }
                }
                Kind::Deletion => {
                    p { "Erases the personal data of " strong { (who.account.account_name) } ": its name and billing details, the people who belong to no other account, memberships, invitations, sessions, API tokens, activations, the emails we sent and the details of the activity log." }
                    p { "Invoices are kept, as tax law requires, without the name and address they were issued to. Subscriptions must have ended and workspaces must be deleted first." }
                    p { "Erasure starts " (span(grace_days)) " after you confirm; until then you can cancel it here or from the email we send. You will be asked to verify it is you if you signed in more than ten minutes ago." }
                }
            }
            form method="post" action=(action) {
                (csrf_field(Some(who)))
                p { button type="submit" class=[(kind == Kind::Deletion).then_some("danger")] {
                    @match kind { Kind::Export => "Prepare the export", Kind::Deletion => "Delete the account's data" }
                } }
            }
            h2 { "Requests" }
            @if requests.is_empty() {
                p.muted { "No export or deletion has been asked for." }
            } @else {
                (scroll_table("Export and deletion requests", html! {
                    table {
                        thead { tr { th { "Request" } th { "Status" } th { "Asked" } th { "Answer due by" } } }
                        tbody {
                            @for r in requests {
                                tr {
                                    td { a href={ "/privacy/requests/" (r.id) } { (kind_title(&r.kind)) " " code { (r.id) } } }
                                    td { (Badge(status_words(&r.status))) }
                                    td { (when(&r.created_at)) }
                                    td { @if matches!(r.status.as_str(), "queued" | "scheduled" | "awaiting_proof") { (when(&r.due_by)) } @else { "—" } }
                                }
                            }
                        }
                    }
                }))
            }
            p.muted { "Checked " (full_date(now)) "." }
        },
    )
}

/// `/privacy/requests/{id}`: where a request stands, and what can be done with it.
pub fn status(
    shell: &Shell,
    r: &DataRequest,
    token: Option<&str>,
    covers: &[(String, String)],
    problem: &[String],
    can_confirm: bool,
    now: i64,
) -> Markup {
    let title = kind_title(&r.kind);
    let deletion = r.kind == "deletion";
    let query = token
        .map(|t| format!("?token={}", pulse_core::http::percent_encode(t)))
        .unwrap_or_default();
    page(
        shell,
        title,
        html! {
            p { a href="/privacy" { "← Privacy and your data" } }
            h1 { (title) " " (Badge(status_words(&r.status))) }
            (problems(problem))
            dl.facts {
                dt { "Reference" } dd { code { (r.id) } }
                dt { "Asked by" } dd { (r.email) }
                dt { "Asked on" } dd { (when(&r.created_at)) }
                dt { "Answer due by" } dd { (when(&r.due_by)) " (one month after asking, as GDPR requires)" }
                @if let Some(at) = &r.execute_after {
                    dt { "Erasure starts after" } dd { (when(at)) }
                }
                @if let Some(at) = &r.completed_at {
                    dt { "Completed" } dd { (when(at)) }
                }
            }
            @match r.status.as_str() {
                "awaiting_proof" if can_confirm => {
                    h2 { "Confirm the request" }
                    @if covers.is_empty() {
                        p { "This address owns no account with us, so the request covers what we hold about the address itself." }
                    } @else {
                        p { "It covers the accounts this address owns:" }
                        ul { @for (_, name) in covers { li { (name) } } }
                        @if deletion { p { "and this address's own sign-in, memberships and emails." } }
                    }
                    form method="post" action={ "/privacy/requests/" (r.id) "/confirm" } {
                        (csrf_field(shell.identity))
                        @if let Some(t) = token { input type="hidden" name="token" value=(t); }
                        p { button type="submit" class=[deletion.then_some("danger")] {
                            @if deletion { "Confirm the deletion" } @else { "Confirm the export" }
                        } }
                    }
                }
                "awaiting_proof" => {
                    p { "The link in our email could confirm this request for 30 minutes, and that time has passed. "
                        a href={ "/privacy/" (if deletion { "delete" } else { "export" }) } { "Ask again" } " and use the new link promptly." }
                }
                "queued" => {
                    p role="status" { "We are preparing the archive. We'll email a download link when it is ready; reload this page to see where it stands." }
                }
                "ready" => {
                    p { a.button href={ "/privacy/requests/" (r.id) "/archive" (query) } download { "Download the archive" } }
                    @if let Some(until) = &r.archive_expires_at {
                        p.muted { "A zip of JSON files (" (r.archive_bytes.unwrap_or(0)) " bytes), with a README saying what each holds. The link works until " (when(until)) "." }
                    }
                }
                "expired" => {
                    p { "The archive's download period has ended and it was removed. " a href="/privacy/export" { "Ask for a new export" } "." }
                }
                "scheduled" => {
                    p { "The data is erased after " strong { (r.execute_after.as_deref().map(when).unwrap_or_default()) } ". Until then you can cancel." }
                    form method="post" action={ "/privacy/requests/" (r.id) "/cancel" } {
                        (csrf_field(shell.identity))
                        @if let Some(t) = token { input type="hidden" name="token" value=(t); }
                        p { button type="submit" { "Cancel the deletion" } }
                    }
                }
                "done" if deletion => {
                    p { "The data was erased. Invoices are kept, as tax law requires, without the name and address they were issued to." }
                }
                "cancelled" => { p { "This request was cancelled; nothing was erased." } }
                "failed" => {
                    p { "This request could not be completed: " (r.last_error.as_deref().unwrap_or("an error occurred")) }
                    p { a href="/support" { "Contact support" } " if you need help." }
                }
                _ => {}
            }
            p.muted { "Checked " (full_date(now)) "." }
        },
    )
}

/// A status, confirm or download link that is wrong or no longer valid.
pub fn link_invalid(shell: &Shell) -> Markup {
    page(
        shell,
        "This link does not work",
        html! {
            h1 { "This link does not work" }
            p { "The link is incomplete, or the request it was for no longer exists. Links in our emails work only as sent: copy the whole address." }
            p { "Start again: " a href="/privacy/export" { "export your data" } " or " a href="/privacy/delete" { "delete your data" } "." }
        },
    )
}

/// A download asked for when there is no archive (not ready yet, or its period is over).
pub fn archive_gone(shell: &Shell, r: &DataRequest) -> Markup {
    page(
        shell,
        "The archive is not available",
        html! {
            h1 { "The archive is not available" }
            @if r.status == "queued" || r.status == "awaiting_proof" {
                p { "It is not ready yet. We'll email a download link when it is." }
            } @else {
                p { "Its download period has ended and it was removed. " a href="/privacy/export" { "Ask for a new export" } "." }
            }
        },
    )
}
