//! Data export and deletion: an owner's page, a request's status page, and the pages for a link
//! that no longer works.

use maud::{Markup, html};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::store::privacy::{ARCHIVE_DAYS, DataRequest, Kind};
use pulse_core::views::relative::span;
use pulse_core::views::{Badge, Shell, csrf_field, page, scroll_table};

use pulse_core::views::fill_html;

fn kind_title(kind: &str) -> &'static str {
    if kind == "deletion" {
        msg("Data deletion")
    } else {
        msg("Data export")
    }
}

/// A request's status in words (in English; the badge translates them).
fn status_words(status: &str) -> &'static str {
    match status {
        "awaiting_proof" => msg("waiting for confirmation"),
        "queued" => msg("being prepared"),
        "ready" => "ready",
        "scheduled" => msg("scheduled"),
        "done" => msg("done"),
        "cancelled" => "cancelled",
        "failed" => "failed",
        "expired" => "expired",
        _ => msg("unknown"),
    }
}

fn problems(l: Reader, why: &[String]) -> Markup {
    html! {
        @if !why.is_empty() {
            div.error-summary role="alert" aria-labelledby="privacy-problem" {
                h2 id="privacy-problem" { (l.tr("Nothing was changed")) }
                ul { @for w in why { li { (l.tr(w)) } } }
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
    let l = shell.reader;
    let (title, action) = match kind {
        Kind::Export => (msg("Export the account's data"), "/privacy/export"),
        Kind::Deletion => (msg("Delete the account's data"), "/privacy/delete"),
    };
    let account = html! { strong { (who.account.account_name) } };
    page(
        shell,
        title,
        html! {
            p { a href="/privacy" { (l.tr("← Privacy and your data")) } }
            h1 { (l.tr(title)) }
            (problems(l, problem))
            @match kind {
                Kind::Export => {
                    p { (fill_html(l, msg("A zip archive of everything {account} holds with us — the account, its people and memberships, invitations, sessions, workspaces and integrations, licenses and activations, subscriptions, invoices, requests, the activity log and the emails we sent — as JSON files, with a README saying what each holds and why we keep it."), &[("account", account.clone())])) }
                    p { (l.fill("We prepare it in the background and email you a download link that works for {days}. We answer every request within one month.", &[("days", &span(l, ARCHIVE_DAYS))])) }
                }
                Kind::Deletion => {
                    p { (fill_html(l, msg("Erases the personal data of {account}: its name and billing details, the people who belong to no other account, memberships, invitations, sessions, API tokens, activations, the emails we sent and the details of the activity log."), &[("account", account.clone())])) }
                    p { (l.tr("Invoices are kept, as tax law requires, without the name and address they were issued to. Subscriptions must have ended and workspaces must be deleted first.")) }
                    p { (l.fill("Erasure starts {span} after you confirm; until then you can cancel it here or from the email we send. You will be asked to verify it is you if you signed in more than ten minutes ago.", &[("span", &span(l, grace_days))])) }
                }
            }
            form method="post" action=(action) {
                (csrf_field(Some(who)))
                p { button type="submit" class=[(kind == Kind::Deletion).then_some("danger")] {
                    @match kind { Kind::Export => (l.tr("Prepare the export")), Kind::Deletion => (l.tr("Delete the account's data")) }
                } }
            }
            h2 { (l.tr("Requests")) }
            @if requests.is_empty() {
                p.muted { (l.tr("No export or deletion has been asked for.")) }
            } @else {
                (scroll_table(l.tr("Export and deletion requests"), html! {
                    table {
                        thead { tr { th { (l.tr("Request")) } th { (l.tr("Status")) } th { (l.tr("Asked")) } th { (l.tr("Answer due by")) } } }
                        tbody {
                            @for r in requests {
                                tr {
                                    td { a href={ "/privacy/requests/" (r.id) } { (l.tr(kind_title(&r.kind))) " " code { (r.id) } } }
                                    td { (Badge(status_words(&r.status), l)) }
                                    td { (l.day(&r.created_at)) }
                                    td { @if matches!(r.status.as_str(), "queued" | "scheduled" | "awaiting_proof") { (l.day(&r.due_by)) } @else { "—" } }
                                }
                            }
                        }
                    }
                }))
            }
            p.muted { (l.fill("Checked {date}.", &[("date", &l.date(now))])) }
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
    let l = shell.reader;
    let title = kind_title(&r.kind);
    let deletion = r.kind == "deletion";
    let query = token
        .map(|t| format!("?token={}", pulse_core::http::percent_encode(t)))
        .unwrap_or_default();
    page(
        shell,
        title,
        html! {
            p { a href="/privacy" { (l.tr("← Privacy and your data")) } }
            h1 { (l.tr(title)) " " (Badge(status_words(&r.status), l)) }
            (problems(l, problem))
            dl.facts {
                dt { (l.tr("Reference")) } dd { code { (r.id) } }
                dt { (l.tr("Asked by")) } dd { (r.email) }
                dt { (l.tr("Asked on")) } dd { (l.day(&r.created_at)) }
                dt { (l.tr("Answer due by")) } dd { (l.day(&r.due_by)) " " (l.tr("(one month after asking, as GDPR requires)")) }
                @if let Some(at) = &r.execute_after {
                    dt { (l.tr("Erasure starts after")) } dd { (l.day(at)) }
                }
                @if let Some(at) = &r.completed_at {
                    dt { (l.tr("Completed")) } dd { (l.day(at)) }
                }
            }
            @match r.status.as_str() {
                "awaiting_proof" if can_confirm => {
                    h2 { (l.tr("Confirm the request")) }
                    @if covers.is_empty() {
                        p { (l.tr("This address owns no account with us, so the request covers what we hold about the address itself.")) }
                    } @else {
                        p { (l.tr("It covers the accounts this address owns:")) }
                        ul { @for (_, name) in covers { li { (name) } } }
                        @if deletion { p { (l.tr("and this address's own sign-in, memberships and emails.")) } }
                    }
                    form method="post" action={ "/privacy/requests/" (r.id) "/confirm" } {
                        (csrf_field(shell.identity))
                        @if let Some(t) = token { input type="hidden" name="token" value=(t); }
                        p { button type="submit" class=[deletion.then_some("danger")] {
                            @if deletion { (l.tr("Confirm the deletion")) } @else { (l.tr("Confirm the export")) }
                        } }
                    }
                }
                "awaiting_proof" => {
                    p { (fill_html(l, msg("The link in our email could confirm this request for 30 minutes, and that time has passed. {ask_again} and use the new link promptly."), &[
                        ("ask_again", html! { a href={ "/privacy/" (if deletion { "delete" } else { "export" }) } { (l.tr("Ask again")) } }),
                    ])) }
                }
                "queued" => {
                    p role="status" { (l.tr("We are preparing the archive. We'll email a download link when it is ready; reload this page to see where it stands.")) }
                }
                "ready" => {
                    p { a.button href={ "/privacy/requests/" (r.id) "/archive" (query) } download { (l.tr("Download the archive")) } }
                    @if let Some(until) = &r.archive_expires_at {
                        p.muted { (l.fill("A zip of JSON files ({bytes} bytes), with a README saying what each holds. The link works until {date}.", &[
                            ("bytes", &l.count(r.archive_bytes.unwrap_or(0))),
                            ("date", &l.day(until)),
                        ])) }
                    }
                }
                "expired" => {
                    p { (fill_html(l, msg("The archive's download period has ended and it was removed. {link}."), &[
                        ("link", html! { a href="/privacy/export" { (l.tr("Ask for a new export")) } }),
                    ])) }
                }
                "scheduled" => {
                    p { (fill_html(l, msg("The data is erased after {date}. Until then you can cancel."), &[
                        ("date", html! { strong { (r.execute_after.as_deref().map(|at| l.day(at)).unwrap_or_default()) } }),
                    ])) }
                    form method="post" action={ "/privacy/requests/" (r.id) "/cancel" } {
                        (csrf_field(shell.identity))
                        @if let Some(t) = token { input type="hidden" name="token" value=(t); }
                        p { button type="submit" { (l.tr("Cancel the deletion")) } }
                    }
                }
                "done" if deletion => {
                    p { (l.tr("The data was erased. Invoices are kept, as tax law requires, without the name and address they were issued to.")) }
                }
                "cancelled" => { p { (l.tr("This request was cancelled; nothing was erased.")) } }
                "failed" => {
                    p { (l.fill("This request could not be completed: {error}", &[
                        ("error", r.last_error.as_deref().unwrap_or(l.tr("an error occurred"))),
                    ])) }
                    p { (fill_html(l, msg("{contact} if you need help."), &[
                        ("contact", html! { a href="/support" { (l.tr("Contact support")) } }),
                    ])) }
                }
                _ => {}
            }
            p.muted { (l.fill("Checked {date}.", &[("date", &l.date(now))])) }
        },
    )
}

/// A status, confirm or download link that is wrong or no longer valid.
pub fn link_invalid(shell: &Shell) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("This link does not work"),
        html! {
            h1 { (l.tr("This link does not work")) }
            p { (l.tr("The link is incomplete, or the request it was for no longer exists. Links in our emails work only as sent: copy the whole address.")) }
            p { (fill_html(l, msg("Start again: {export} or {delete}."), &[
                ("export", html! { a href="/privacy/export" { (l.tr("export your data")) } }),
                ("delete", html! { a href="/privacy/delete" { (l.tr("delete your data")) } }),
            ])) }
        },
    )
}

/// A download asked for when there is no archive (not ready yet, or its period is over).
pub fn archive_gone(shell: &Shell, r: &DataRequest) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("The archive is not available"),
        html! {
            h1 { (l.tr("The archive is not available")) }
            @if r.status == "queued" || r.status == "awaiting_proof" {
                p { (l.tr("It is not ready yet. We'll email a download link when it is.")) }
            } @else {
                p { (fill_html(l, msg("Its download period has ended and it was removed. {link}."), &[
                    ("link", html! { a href="/privacy/export" { (l.tr("Ask for a new export")) } }),
                ])) }
            }
        },
    )
}
