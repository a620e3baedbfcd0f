//! License pages.

use maud::{Markup, html};
use pulse_core::license::{KEYS_PATH, LicenseFile};
use pulse_core::store::activations;
use pulse_core::store::licenses::{Activation, License};
use pulse_core::time::parse_rfc3339;
use pulse_core::views::partials::{licenses_table, list_cut};
use pulse_core::views::{Badge, Date, Shell, csrf_field, flash, page, scroll_table};

/// Every license of the account, expiries worded relative to `now` (Unix seconds).
pub fn list(shell: &Shell, licenses: &[License], now: i64) -> Markup {
    page(
        shell,
        "Licenses",
        html! {
            h1 { "Licenses" }
            (licenses_table(licenses, now))
            p { a href="/recover/license" { "Lost a license key?" } }
        },
    )
}

/// What the license page shows besides the license.
pub struct DetailOptions<'a> {
    /// Owners, admins and billing members see the key and the file.
    pub can_see_key: bool,
    /// Owners and admins deactivate installations.
    pub can_deactivate: bool,
    /// What was just done (`deactivated`).
    pub done: Option<&'a str>,
    /// Unix seconds now, to tell stale installations.
    pub now: i64,
}

/// Whether the license has expired at `now`.
fn expired(l: &License, now: i64) -> bool {
    l.status == "expired" || parse_rfc3339(&l.expires_at).is_some_and(|t| t <= now)
}

/// Whether a live activation has sent no heartbeat for [`activations::STALE_SECONDS`].
fn stale(a: &Activation, now: i64) -> bool {
    a.deactivated_at.is_none()
        && parse_rfc3339(&a.last_seen_at).is_some_and(|t| now - t > activations::STALE_SECONDS)
}

/// One license and its activations; the key and the license file are offered to those who
/// may see them, and live installations can be deactivated by those who manage resources.
pub fn detail(shell: &Shell, l: &License, activations: &[Activation], o: &DetailOptions) -> Markup {
    let can_see_key = o.can_see_key;
    let done = match o.done {
        Some("deactivated") => Some("The installation was deactivated; its place is free."),
        Some("renewed") => Some(
            "The license was renewed for a year. Installations pick up the new expiry at their next check.",
        ),
        _ => None,
    };
    page(
        shell,
        &l.product,
        html! {
            p { a href="/licenses" { "← Licenses" } }
            (flash(done))
            h1 { (l.product) " — " (l.plan) " " (Badge(&l.status)) }
            dl {
                dt { "Key" } dd { "…" (l.key_hint) }
                dt { "Seats" } dd { (l.seats) }
                dt { "Issued" } dd { (Date(&l.issued_at)) }
                dt { "Expires" } dd { (Date(&l.expires_at)) }
            }
            @if can_see_key && expired(l, o.now) {
                form.panel method="post" action={ "/licenses/" (l.id) "/renew" } {
                    (csrf_field(shell.identity))
                    p { "This license has expired. Renew it for a year to keep your installations licensed." }
                    button type="submit" { "Renew for a year" }
                }
            }
            h2 { "License key" }
            @if can_see_key {
                p {
                    "The license key is a signed file your installation checks offline with our "
                    a href=(KEYS_PATH) { "published public keys" } "."
                }
                p {
                    a href={ "/licenses/" (l.id) "/key" } { "Show the license key" }
                    " · "
                    a href={ "/licenses/" (l.id) "/license.json" } download { "Download the license file" }
                }
            } @else {
                p.muted { "The account's owners, admins and billing members can show and download the license key." }
            }
            h2 { "Activations (" (l.active_activations) " of " (l.max_activations) ")" }
            @if activations.is_empty() {
                p { "This license is not activated anywhere." }
            } @else {
                (scroll_table("Activations", html! {
                    table {
                        caption.visually-hidden { "Activations" }
                        thead { tr { th scope="col" { "Instance" } th scope="col" { "Activated" } th scope="col" { "Last seen" } th scope="col" { "State" } @if o.can_deactivate { th scope="col" { span.visually-hidden { "Actions" } } } } }
                        tbody {
                            @for a in activations {
                                tr {
                                    td { (a.instance_name) }
                                    td { (Date(&a.activated_at)) }
                                    td { (Date(&a.last_seen_at)) }
                                    td {
                                        @if a.deactivated_at.is_some() { "Deactivated" }
                                        @else if stale(a, o.now) { "Stale: no heartbeat for over a week" }
                                        @else { "Active" }
                                    }
                                    @if o.can_deactivate {
                                        td {
                                            @if a.deactivated_at.is_none() {
                                                form method="post" action={ "/licenses/" (l.id) "/activations/deactivate" } {
                                                    (csrf_field(shell.identity))
                                                    input type="hidden" name="activation" value=(a.id);
                                                    button.danger type="submit" { "Deactivate" span.visually-hidden { " " (a.instance_name) } }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }))
                (list_cut(activations.len(), None))
            }
        },
    )
}

/// A license's signed key, to copy, and its file to download.
pub fn key(shell: &Shell, l: &License, file: &LicenseFile) -> Markup {
    page(
        shell,
        &format!("License key — {}", l.product),
        html! {
            p { a href={ "/licenses/" (l.id) } { "← " (l.product) " — " (l.plan) } }
            h1 { "License key" }
            p {
                "Paste this key into your installation, or give it the license file. It verifies "
                "offline with the public key "
                code { (file.kid) }
                " published at "
                a href=(KEYS_PATH) { (file.keys_url) }
                "."
            }
            label for="license-key" { "License key for " (l.id) }
            textarea #license-key readonly rows="8" spellcheck="false" { (file.key) }
            dl {
                dt { "Edition" } dd { (file.edition) }
                dt { "Seats" } dd { (file.seats) }
                dt { "Activations" } dd { (file.entitlements.limits.activations) }
                dt { "Features" } dd { (file.entitlements.features.join(", ")) }
                dt { "Expires" } dd { (Date(&file.expires_at)) }
            }
            p { a href={ "/licenses/" (l.id) "/license.json" } download { "Download the license file" } }
        },
    )
}
