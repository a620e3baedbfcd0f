//! Home: what needs attention first, then licenses, tenants and billing at a glance.

use maud::{Markup, html};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::store::overview::{CustomerHome, ProviderHome};
use pulse_core::store::payment_methods::PaymentMethod;
use pulse_core::time::parse_rfc3339;
use pulse_core::views::partials::{
    clients_table, invoices_table, licenses_table, subscriptions_list, tenants_table, unpaid,
};
use pulse_core::views::relative::{Due, Expiry, days_between, within_days};
use pulse_core::views::{Shell, page as layout};

use pulse_core::views::fill_html;

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

/// A card as the reader reads it: "Visa ending 4242, expires 12/2026".
fn card(r: Reader, m: &PaymentMethod) -> String {
    let mut brand = m.brand.clone();
    if let Some(first) = brand.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    r.fill(
        "{brand} ending {last4}, expires {month}/{year}",
        &[
            ("brand", &brand),
            ("last4", &m.last4),
            ("month", &format!("{:02}", m.exp_month)),
            ("year", &m.exp_year.to_string()),
        ],
    )
}

/// What needs doing, most urgent first, each item linking to where it is fixed, in the
/// reader's words; dates read relative to `now` (Unix seconds), on the reader's calendar.
fn attention(r: Reader, summary: &Summary, now: i64, viewer: &Viewer) -> Vec<Markup> {
    let Viewer {
        billing,
        team,
        owner,
    } = *viewer;
    let expiry = |at: &str| html! { (Expiry { at, now, reader: r }) };
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
        for d in data_requests.iter().filter(|_| owner) {
            let link = format!("/privacy/requests/{}", d.id);
            let item = match (d.kind.as_str(), d.status.as_str()) {
                ("deletion", "scheduled") => {
                    let cancel = (
                        "cancel",
                        html! { a href=(link) { (r.tr("Cancel the deletion")) } },
                    );
                    let words = match &d.execute_after {
                        Some(at) => fill_html(
                            r,
                            msg(
                                "The account's data will be erased after {when}. {cancel} if that is a mistake.",
                            ),
                            &[("when", expiry(at)), cancel],
                        ),
                        None => fill_html(
                            r,
                            msg(
                                "The account's data will be erased soon. {cancel} if that is a mistake.",
                            ),
                            &[cancel],
                        ),
                    };
                    (0, words)
                }
                ("export", "ready") => {
                    let download = (
                        "download",
                        html! { a href=(link) { (r.tr("download the archive")) } },
                    );
                    let words = match &d.archive_expires_at {
                        Some(at) => fill_html(
                            r,
                            msg("Your data export is ready: {download} (the link {when})."),
                            &[download, ("when", expiry(at))],
                        ),
                        None => fill_html(
                            r,
                            msg("Your data export is ready: {download}."),
                            &[download],
                        ),
                    };
                    (3, words)
                }
                ("export", _) => (
                    5,
                    fill_html(
                        r,
                        msg(
                            "Your data export is being prepared; we email you when it is ready. {see}.",
                        ),
                        &[("see", html! { a href=(link) { (r.tr("See the request")) } })],
                    ),
                ),
                _ => continue,
            };
            items.push(item);
        }
        for i in invitations.iter().filter(|_| team) {
            items.push((
                5,
                fill_html(
                    r,
                    msg("The invitation to {email} is not accepted yet (its link {when}). {resend}."),
                    &[
                        ("email", html! { (i.email) }),
                        ("when", expiry(&i.expires_at)),
                        ("resend", html! { a href="/team" { (r.tr("Resend or revoke it")) } }),
                    ],
                ),
            ));
        }
        for g in access_requests.iter().filter(|_| owner) {
            items.push((
                1,
                fill_html(
                    r,
                    msg("{provider} asks for {days} days of access to your workspaces: {reason} {decide}."),
                    &[
                        ("provider", html! { (g.provider_name) }),
                        ("days", html! { (g.days) }),
                        ("reason", html! { (g.reason) }),
                        ("decide", html! { a href="/cloud/access" { (r.tr("Approve or decline")) } }),
                    ],
                ),
            ));
        }
        for m in payment_methods
            .iter()
            .filter(|m| billing && m.expires_within(now, EXPIRY_WARNING_DAYS))
        {
            items.push((
                2,
                fill_html(
                    r,
                    msg("The card {card}: {add} before the end of that month so payments do not fail."),
                    &[
                        ("card", html! { (card(r, m)) }),
                        ("add", html! { a href="/billing" { (r.tr("add a new card")) } }),
                    ],
                ),
            ));
        }
        for s in subscriptions
            .iter()
            .filter(|s| billing && s.status == "past_due")
        {
            items.push((
                0,
                fill_html(
                    r,
                    msg("The last payment for {plan} failed. {update} to keep it running."),
                    &[
                        ("plan", html! { (s.plan) }),
                        (
                            "update",
                            html! { a href="/billing" { (r.tr("Update the payment method")) } },
                        ),
                    ],
                ),
            ));
        }
        for t in tenants {
            let stuck = t.status == "provisioning"
                && parse_rfc3339(&t.created_at).is_some_and(|at| now - at > STUCK_SECONDS);
            let (urgency, what) = match t.status.as_str() {
                "failed" => (
                    1,
                    msg(
                        "Workspace {workspace} could not be set up. Contact support, or delete it and start again.",
                    ),
                ),
                "provisioning" if stuck => (
                    2,
                    msg(
                        "Workspace {workspace} has been in provisioning for over an hour. Contact support if it does not finish soon.",
                    ),
                ),
                "deleting" => (
                    3,
                    msg(
                        "Workspace {workspace} is waiting for deletion; restore it before the grace period ends if that was a mistake.",
                    ),
                ),
                _ => continue,
            };
            items.push((
                urgency,
                fill_html(
                    r,
                    what,
                    &[(
                        "workspace",
                        html! { a href={ "/cloud/" (t.id) } { (t.slug) } },
                    )],
                ),
            ));
        }
        for l in licenses.iter().filter(|l| {
            l.status == "active"
                && l.max_activations > 0
                && l.active_activations >= l.max_activations
        }) {
            items.push((
                4,
                fill_html(
                    r,
                    msg("All {max} activations of license {license} ({plan}) are in use: deactivate an installation before adding another."),
                    &[
                        ("max", html! { (l.max_activations) }),
                        ("license", html! { a href={ "/licenses/" (l.id) } { "…" (l.key_hint) } }),
                        ("plan", html! { (l.plan) }),
                    ],
                ),
            ));
        }
        for f in refunds.iter().filter(|f| f.status == "requested") {
            items.push((
                5,
                fill_html(
                    r,
                    msg("Your refund of {amount} for invoice {invoice} is being processed."),
                    &[
                        ("amount", html! { (r.money(&f.amount)) }),
                        ("invoice", html! { a href={ "/billing/invoices/" (f.invoice_id) } { (f.invoice_number) } }),
                    ],
                ),
            ));
        }
        for i in invoices.iter().filter(|i| unpaid(&i.status)) {
            let overdue = parse_rfc3339(&i.due_at).is_some_and(|at| days_between(r, now, at) < 0);
            items.push((
                if overdue { 0 } else { 3 },
                fill_html(
                    r,
                    msg("Invoice {invoice} for {total} is {due}."),
                    &[
                        (
                            "invoice",
                            html! { a href={ "/billing/invoices/" (i.id) } { (i.number) } },
                        ),
                        ("total", html! { (r.money(&i.total)) }),
                        ("due", html! { (Due { at: &i.due_at, now, reader: r }) }),
                    ],
                ),
            ));
        }
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push((
                1,
                fill_html(
                    r,
                    msg("Workspace {workspace} is suspended."),
                    &[(
                        "workspace",
                        html! { a href={ "/cloud/" (t.id) } { (t.slug) } },
                    )],
                ),
            ));
        }
        for l in licenses {
            let Some(at) = parse_rfc3339(&l.expires_at) else {
                continue;
            };
            let expired = l.status == "expired" || (l.status == "active" && at <= now);
            let expiring = l.status == "active" && within_days(r, at, now, EXPIRY_WARNING_DAYS);
            if expired || expiring {
                items.push((
                    if expired { 2 } else { 4 },
                    fill_html(
                        r,
                        msg("License {license} ({plan}) {when}."),
                        &[
                            (
                                "license",
                                html! { a href={ "/licenses/" (l.id) } { "…" (l.key_hint) } },
                            ),
                            ("plan", html! { (l.plan) }),
                            ("when", expiry(&l.expires_at)),
                        ],
                    ),
                ));
            }
        }
    }
    if let Summary::Provider(ProviderHome { tenants, .. }) = summary {
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push((
                1,
                fill_html(
                    r,
                    msg("Client workspace {workspace} is suspended."),
                    &[("workspace", html! { (t.slug) })],
                ),
            ));
        }
    }
    items.sort_by_key(|(urgency, _)| *urgency);
    items.into_iter().map(|(_, item)| item).collect()
}

/// The Home page as of `now` (Unix seconds), in the shell's language.
pub fn page(shell: &Shell, who: &Identity, summary: &Summary, now: i64) -> Markup {
    let l = shell.reader;
    let viewer = Viewer {
        billing: who.account.role.can_manage_billing(),
        team: who.account.role.can_manage_team(),
        owner: who.account.role == pulse_core::identity::Role::Owner,
    };
    let items = attention(l, summary, now, &viewer);
    layout(
        shell,
        msg("Home"),
        html! {
            h1 { (who.account.account_name) }
            p.muted { (l.fill("Signed in as {email}", &[("email", &who.email)])) " · " (l.tr(who.account.role.label())) }
            @if !items.is_empty() {
                section.attention aria-labelledby="attention-title" {
                    h2 id="attention-title" { (l.tr("Needs your attention")) }
                    ul { @for i in &items { li { (i) } } }
                }
            }
            @match summary {
                Summary::Customer(CustomerHome { licenses, tenants, subscriptions, invoices, .. }) => {
                    section aria-labelledby="licenses-title" {
                        h2 id="licenses-title" { a href="/licenses" { (l.tr("Licenses")) } }
                        (licenses_table(l, licenses, now))
                    }
                    section aria-labelledby="cloud-title" {
                        h2 id="cloud-title" { a href="/cloud" { (l.tr("Pulse Cloud")) } }
                        (tenants_table(l, tenants, true))
                        @if tenants.is_empty() { p { a href="/cloud/new" { (l.tr("Create a workspace from a template")) } } }
                    }
                    section aria-labelledby="billing-title" {
                        h2 id="billing-title" { a href="/billing" { (l.tr("Billing")) } }
                        (subscriptions_list(l, subscriptions))
                        @if !invoices.is_empty() { (invoices_table(l, l.tr("Recent invoices"), invoices, now)) }
                    }
                }
                Summary::Provider(ProviderHome { clients, tenants, subscriptions }) => {
                    section aria-labelledby="clients-title" {
                        h2 id="clients-title" { a href="/msp" { (l.tr("Clients")) } }
                        (clients_table(l, clients))
                    }
                    section aria-labelledby="cloud-title" {
                        h2 id="cloud-title" { (l.tr("Client workspaces")) }
                        (tenants_table(l, tenants, false))
                    }
                    section aria-labelledby="billing-title" {
                        h2 id="billing-title" { a href="/billing" { (l.tr("Provider billing")) } }
                        (subscriptions_list(l, subscriptions))
                    }
                }
            }
        },
    )
}
