//! License pages.

use maud::{Markup, html};
use pulse_core::license::{KEYS_PATH, LicenseFile};
use pulse_core::store::licenses::{Activation, License};
use pulse_core::views::partials::licenses_table;
use pulse_core::views::{Badge, Date, Shell, page, scroll_table};

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

/// One license and its activations; the key and the license file are offered to those who
/// may see them (`can_see_key`: owners, admins and billing members).
pub fn detail(shell: &Shell, l: &License, activations: &[Activation], can_see_key: bool) -> Markup {
    page(
        shell,
        &l.product,
        html! {
            p { a href="/licenses" { "← Licenses" } }
            h1 { (l.product) " — " (l.plan) " " (Badge(&l.status)) }
            dl {
                dt { "Key" } dd { "…" (l.key_hint) }
                dt { "Seats" } dd { (l.seats) }
                dt { "Issued" } dd { (Date(&l.issued_at)) }
                dt { "Expires" } dd { (Date(&l.expires_at)) }
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
                        thead { tr { th scope="col" { "Instance" } th scope="col" { "Activated" } th scope="col" { "Last seen" } th scope="col" { "State" } } }
                        tbody {
                            @for a in activations {
                                tr {
                                    td { (a.instance_name) }
                                    td { (Date(&a.activated_at)) }
                                    td { (Date(&a.last_seen_at)) }
                                    td { @if a.deactivated_at.is_some() { "Deactivated" } @else { "Active" } }
                                }
                            }
                        }
                    }
                }))
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
