//! The activity log: everything done in the account, filterable, a page at a time.

use maud::{Markup, html};
use pulse_core::http::percent_encode;
use pulse_core::i18n::msg;
use pulse_core::store::audit::{Activity, Filter, KINDS};
use pulse_core::views::{Date, Shell, page, scroll_table};

use super::words;

/// The query string of `filter` (and a cursor or format), for links.
pub fn query(filter: &Filter, extra: &str) -> String {
    let mut q = format!(
        "kind={}&person={}&from={}&to={}",
        percent_encode(&filter.kind),
        percent_encode(&filter.person),
        percent_encode(&filter.from),
        percent_encode(&filter.to)
    );
    if !extra.is_empty() {
        q.push('&');
        q.push_str(extra);
    }
    q
}

/// One page of entries, the filter form, the next-page link and the exports, in the shell's
/// language.
pub fn page_of(shell: &Shell, filter: &Filter, entries: &[Activity], more: bool) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("Activity"),
        html! {
            h1 { (l.tr("Activity")) }
            p { (l.tr("Everything done in this account: sign-ins aside, every change to the team, workspaces, licenses, billing and privacy, by whom and from where.")) }
            form.panel.filters method="get" action="/activity" {
                label for="activity-kind" { (l.tr("Kind")) }
                select id="activity-kind" name="kind" {
                    option value="" selected[filter.kind.is_empty()] { (l.tr("Everything")) }
                    @for (key, label) in KINDS { option value=(key) selected[filter.kind == *key] { (words(l, label)) } }
                }
                label for="activity-person" { (l.tr("Person (email)")) }
                input type="email" id="activity-person" name="person" value=(filter.person);
                label for="activity-from" { (l.tr("From")) }
                input type="date" id="activity-from" name="from" value=(filter.from);
                label for="activity-to" { (l.tr("To")) }
                input type="date" id="activity-to" name="to" value=(filter.to);
                button type="submit" { (l.tr("Show")) }
            }
            p {
                (l.tr("Export what is shown:")) " "
                a href={ "/activity?" (query(filter, "format=csv")) } { "CSV" } " · "
                a href={ "/activity?" (query(filter, "format=json")) } { "JSON" }
            }
            @if entries.is_empty() {
                p { (l.tr("Nothing matches.")) }
            } @else {
                (scroll_table(l.tr("Activity"), html! {
                    table {
                        caption.visually-hidden { (l.tr("Activity")) }
                        thead { tr { th scope="col" { (l.tr("When")) } th scope="col" { (l.tr("Who")) } th scope="col" { (l.tr("What")) } th scope="col" { (l.tr("Detail")) } th scope="col" { (l.tr("From")) } } }
                        tbody {
                            @for e in entries {
                                tr {
                                    td { (Date(&e.created_at, l)) }
                                    td { (e.actor.as_deref().unwrap_or("Pulse")) }
                                    td { code { (e.action) } }
                                    td { (e.detail) }
                                    td { (e.ip) }
                                }
                            }
                        }
                    }
                }))
            }
            @if more {
                @if let Some(last) = entries.last() {
                    p { a href={ "/activity?" (query(filter, &format!("before={}", percent_encode(&last.id)))) } { (l.tr("Older entries")) } }
                }
            }
        },
    )
}
