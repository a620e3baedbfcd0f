//! Home: what needs attention first, then licenses, tenants and billing at a glance.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::overview::{CustomerHome, ProviderHome};
use pulse_core::time::parse_rfc3339;
use pulse_core::views::partials::{
    clients_table, invoices_table, licenses_table, subscriptions_list, tenants_table, unpaid,
};
use pulse_core::views::relative::{Due, Expiry, days_between, within_days};
use pulse_core::views::{Shell, page as layout};

/// What Home shows, by account kind.
pub enum Summary {
    /// A customer account.
    Customer(CustomerHome),
    /// An MSP provider account.
    Provider(ProviderHome),
}

/// How long provisioning may take before Home calls a workspace stuck.
const STUCK_SECONDS: i64 = 3600;

/// How soon a license expiry needs a word on Home.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// Who is looking, for what Home offers them: money matters only for those with billing
/// rights, invitations for those who manage the team, and providers' access requests and the
/// account's data requests only for owners, who decide them.
struct Viewer {
    billing: bool,
    team: bool,
    owner: bool,
}

/// What needs doing, most urgent first, each item linking to where it is fixed; dates read
/// relative to `now` (Unix seconds).
fn attention(summary: &Summary, now: i64, viewer: &Viewer) -> Vec<Markup> {
    let Viewer {
        billing,
        team,
        owner,
    } = *viewer;
    // (urgency, item): overdue money first, then what has stopped working, then what is coming.
    let mut items: Vec<(u8, Markup)> = Vec::new();
    if let Summary::Customer(CustomerHome {
        invoices,
        tenants,
        licenses,
        subscriptions,
        refunds,
        payment_methods,
        access_requests,
        invitations,
        data_requests,
    }) = summary
    {
        for r in data_requests.iter().filter(|_| owner) {
            let link = format!("/privacy/requests/{}", r.id);
            let item = match (r.kind.as_str(), r.status.as_str()) {
                ("deletion", "scheduled") => (
                    0,
                    html! {
                        "The account's data will be erased "
                        @if let Some(at) = &r.execute_after { "after " (Expiry { at, now }) } @else { "soon" }
                        ". " a href=(link) { "Cancel the deletion" } " if that is a mistake."
                    },
                ),
                ("export", "ready") => (
                    3,
                    html! {
                        "Your data export is ready: " a href=(link) { "download the archive" }
                        @if let Some(at) = &r.archive_expires_at { " (the link " (Expiry { at, now }) ")" }
                        "."
                    },
                ),
                ("export", _) => (
                    5,
                    html! {
                        "Your data export is being prepared; we email you when it is ready. "
                        a href=(link) { "See the request" } "."
                    },
                ),
                _ => continue,
            };
            items.push(item);
        }
        for i in invitations.iter().filter(|_| team) {
            items.push((
                5,
                html! {
                    "The invitation to " (i.email) " is not accepted yet (its link "
                    (Expiry { at: &i.expires_at, now }) "). "
                    a href="/team" { "Resend or revoke it" } "."
                },
            ));
        }
        for g in access_requests.iter().filter(|_| owner) {
            items.push((
                1,
                html! {
                    (g.provider_name) " asks for " (g.days) " days of access to your workspaces: " (g.reason) " "
                    a href="/cloud/access" { "Approve or decline" } "."
                },
            ));
        }
        for m in payment_methods
            .iter()
            .filter(|m| billing && m.expires_within(now, EXPIRY_WARNING_DAYS))
        {
            items.push((
                2,
                html! {
                    "The card " (m.label()) ": "
                    a href="/billing" { "add a new card" } " before the end of that month so payments do not fail."
                },
            ));
        }
        for s in subscriptions
            .iter()
            .filter(|s| billing && s.status == "past_due")
        {
            items.push((
                0,
                html! {
                    "The last payment for " (s.plan) " failed. "
                    a href="/billing" { "Update the payment method" } " to keep it running."
                },
            ));
        }
        for t in tenants {
            let stuck = t.status == "provisioning"
                && parse_rfc3339(&t.created_at).is_some_and(|at| now - at > STUCK_SECONDS);
            let (urgency, what) = match t.status.as_str() {
                "failed" => (
                    1,
                    "could not be set up. Contact support, or delete it and start again.",
                ),
                "provisioning" if stuck => (
                    2,
                    "has been in provisioning for over an hour. Contact support if it does not finish soon.",
                ),
                "deleting" => (
                    3,
                    "is waiting for deletion; restore it before the grace period ends if that was a mistake.",
                ),
                _ => continue,
            };
            items.push((
                urgency,
                html! { "Workspace " a href={ "/cloud/" (t.id) } { (t.slug) } " " (what) },
            ));
        }
        for l in licenses.iter().filter(|l| {
            l.status == "active"
                && l.max_activations > 0
                && l.active_activations >= l.max_activations
        }) {
            items.push((
                4,
                html! {
                    "All " (l.max_activations) " activations of license "
                    a href={ "/licenses/" (l.id) } { "…" (l.key_hint) } " (" (l.plan) ") are in use: "
                    "deactivate an installation before adding another."
                },
            ));
        }
        for r in refunds.iter().filter(|r| r.status == "requested") {
            items.push((
                5,
                html! {
                    "Your refund of " (r.amount) " for invoice "
                    a href={ "/billing/invoices/" (r.invoice_id) } { (r.invoice_number) }
                    " is being processed."
                },
            ));
        }
        for i in invoices.iter().filter(|i| unpaid(&i.status)) {
            let overdue = parse_rfc3339(&i.due_at).is_some_and(|at| days_between(now, at) < 0);
            items.push((
                if overdue { 0 } else { 3 },
                html! {
                    "Invoice " a href={ "/billing/invoices/" (i.id) } { (i.number) }
                    " for " (i.total) " is " (Due { at: &i.due_at, now }) "."
                },
            ));
        }
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push((
                1,
                html! { "Workspace " a href={ "/cloud/" (t.id) } { (t.slug) } " is suspended." },
            ));
        }
        for l in licenses {
            let Some(at) = parse_rfc3339(&l.expires_at) else {
                continue;
            };
            let expired = l.status == "expired" || (l.status == "active" && at <= now);
            let expiring = l.status == "active" && within_days(at, now, EXPIRY_WARNING_DAYS);
            if expired || expiring {
                items.push((
                    if expired { 2 } else { 4 },
                    html! {
                        "License " a href={ "/licenses/" (l.id) } { "…" (l.key_hint) } " (" (l.plan) ") "
                        (Expiry { at: &l.expires_at, now }) "."
                    },
                ));
            }
        }
    }
    if let Summary::Provider(ProviderHome { tenants, .. }) = summary {
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push((1, html! { "Client workspace " (t.slug) " is suspended." }));
        }
    }
    items.sort_by_key(|(urgency, _)| *urgency);
    items.into_iter().map(|(_, item)| item).collect()
}

/// The Home page as of `now` (Unix seconds).
pub fn page(shell: &Shell, who: &Identity, summary: &Summary, now: i64) -> Markup {
    let viewer = Viewer {
        billing: who.account.role.can_manage_billing(),
        team: who.account.role.can_manage_team(),
        owner: who.account.role == pulse_core::identity::Role::Owner,
    };
    let items = attention(summary, now, &viewer);
    layout(
        shell,
        "Home",
        html! {
            h1 { (who.account.account_name) }
            p.muted { "Signed in as " (who.email) " · " (who.account.role.label()) }
            @if !items.is_empty() {
                section.attention aria-labelledby="attention-title" {
                    h2 id="attention-title" { "Needs your attention" }
                    ul { @for i in &items { li { (i) } } }
                }
            }
            @match summary {
                Summary::Customer(CustomerHome { licenses, tenants, subscriptions, invoices, .. }) => {
                    section aria-labelledby="licenses-title" {
                        h2 id="licenses-title" { a href="/licenses" { "Licenses" } }
                        (licenses_table(licenses, now))
                    }
                    section aria-labelledby="cloud-title" {
                        h2 id="cloud-title" { a href="/cloud" { "Pulse Cloud" } }
                        (tenants_table(tenants, true))
                        @if tenants.is_empty() { p { a href="/cloud/new" { "Create a workspace from a template" } } }
                    }
                    section aria-labelledby="billing-title" {
                        h2 id="billing-title" { a href="/billing" { "Billing" } }
                        (subscriptions_list(subscriptions))
                        @if !invoices.is_empty() { (invoices_table("Recent invoices", invoices, now)) }
                    }
                }
                Summary::Provider(ProviderHome { clients, tenants, subscriptions }) => {
                    section aria-labelledby="clients-title" {
                        h2 id="clients-title" { a href="/msp" { "Clients" } }
                        (clients_table(clients))
                    }
                    section aria-labelledby="cloud-title" {
                        h2 id="cloud-title" { "Client workspaces" }
                        (tenants_table(tenants, false))
                    }
                    section aria-labelledby="billing-title" {
                        h2 id="billing-title" { a href="/billing" { "Provider billing" } }
                        (subscriptions_list(subscriptions))
                    }
                }
            }
        },
    )
}
