//! License pages.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::license::{KEYS_PATH, LicenseFile};
use pulse_core::store::activations;
use pulse_core::store::licenses::{Activation, License};
use pulse_core::time::parse_rfc3339;
use pulse_core::views::partials::{licenses_table, list_cut};
use pulse_core::views::{Badge, Date, Shell, csrf_field, flash, page, scroll_table};

use pulse_core::views::fill_html;

/// Every license of the account, expiries worded relative to `now` (Unix seconds).
pub fn list(shell: &Shell, licenses: &[License], now: i64) -> Markup {
    let r = shell.reader;
    page(
        shell,
        msg("Licenses"),
        html! {
            h1 { (r.tr("Licenses")) }
            (licenses_table(r, licenses, now))
            p { a href="/recover/license" { (r.tr("Lost a license key?")) } }
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
    let r = shell.reader;
    let can_see_key = o.can_see_key;
    #[rustfmt::skip]
    let done = match o.done {
        Some("deactivated") => Some(msg("The installation was deactivated; its place is free.")),
        Some("renewed") => Some(msg("The license was renewed for a year. Installations pick up the new expiry at their next check.")),
        _ => None,
    };
    let keys_link = html! { a href=(KEYS_PATH) { (r.tr("published public keys")) } };
    page(
        shell,
        &l.product,
        html! {
            p { a href="/licenses" { "← " (r.tr("Licenses")) } }
            (flash(done.map(|d| r.tr(d))))
            h1 { (l.product) " — " (l.plan) " " (Badge(&l.status, r)) }
            dl {
                dt { (r.tr("Key")) } dd { "…" (l.key_hint) }
                dt { (r.tr("Seats")) } dd { (r.count(l.seats)) }
                dt { (r.tr("Issued")) } dd { (Date(&l.issued_at, r)) }
                dt { (r.tr("Expires")) } dd { (Date(&l.expires_at, r)) }
            }
            @if can_see_key && expired(l, o.now) {
                form.panel method="post" action={ "/licenses/" (l.id) "/renew" } {
                    (csrf_field(shell.identity))
                    p { (r.tr("This license has expired. Renew it for a year to keep your installations licensed.")) }
                    button type="submit" { (r.tr("Renew for a year")) }
                }
            }
            h2 { (r.tr("License key")) }
            @if can_see_key {
                p {
                    (fill_html(r, msg("The license key is a signed file your installation checks offline with our {keys}."), &[("keys", keys_link)]))
                }
                p {
                    a href={ "/licenses/" (l.id) "/key" } { (r.tr("Show the license key")) }
                    " · "
                    a href={ "/licenses/" (l.id) "/license.json" } download { (r.tr("Download the license file")) }
                }
            } @else {
                p.muted { (r.tr("The account's owners, admins and billing members can show and download the license key.")) }
            }
            h2 { (r.fill("Activations ({used} of {max})", &[("used", &r.count(l.active_activations)), ("max", &r.count(l.max_activations))])) }
            @if activations.is_empty() {
                p { (r.tr("This license is not activated anywhere.")) }
            } @else {
                (scroll_table(r.tr("Activations"), html! {
                    table {
                        caption.visually-hidden { (r.tr("Activations")) }
                        thead { tr { th scope="col" { (r.tr("Instance")) } th scope="col" { (r.tr("Activated")) } th scope="col" { (r.tr("Last seen")) } th scope="col" { (r.tr("State")) } @if o.can_deactivate { th scope="col" { span.visually-hidden { (r.tr("Actions")) } } } } }
                        tbody {
                            @for a in activations {
                                tr {
                                    td { (a.instance_name) }
                                    td { (Date(&a.activated_at, r)) }
                                    td { (Date(&a.last_seen_at, r)) }
                                    td {
                                        @if a.deactivated_at.is_some() { (r.tr("Deactivated")) }
                                        @else if stale(a, o.now) { (r.tr("Stale: no heartbeat for over a week")) }
                                        @else { (r.tr("Active")) }
                                    }
                                    @if o.can_deactivate {
                                        td {
                                            @if a.deactivated_at.is_none() {
                                                form method="post" action={ "/licenses/" (l.id) "/activations/deactivate" } {
                                                    (csrf_field(shell.identity))
                                                    input type="hidden" name="activation" value=(a.id);
                                                    button.danger type="submit" { (r.tr("Deactivate")) span.visually-hidden { " " (a.instance_name) } }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }))
                (list_cut(r, activations.len(), None))
            }
        },
    )
}

/// A license's signed key, to copy, and its file to download.
pub fn key(shell: &Shell, l: &License, file: &LicenseFile) -> Markup {
    let r = shell.reader;
    // Translated here: the title has a value in it.
    let title = r.fill("License key — {product}", &[("product", &l.product)]);
    page(
        shell,
        &title,
        html! {
            p { a href={ "/licenses/" (l.id) } { "← " (l.product) " — " (l.plan) } }
            h1 { (r.tr("License key")) }
            p {
                (fill_html(r, msg("Paste this key into your installation, or give it the license file. It verifies offline with the public key {kid} published at {url}."), &[
                    ("kid", html! { code { (file.kid) } }),
                    ("url", html! { a href=(KEYS_PATH) { (file.keys_url) } }),
                ]))
            }
            label for="license-key" { (r.fill("License key for {id}", &[("id", &l.id)])) }
            textarea #license-key readonly rows="8" spellcheck="false" { (file.key) }
            dl {
                dt { (r.tr("Edition")) } dd { (file.edition) }
                dt { (r.tr("Seats")) } dd { (r.count(file.seats)) }
                dt { (r.tr("Activations")) } dd { (r.count(file.entitlements.limits.activations)) }
                dt { (r.tr("Features")) } dd { (file.entitlements.features.join(", ")) }
                dt { (r.tr("Expires")) } dd { (Date(&file.expires_at, r)) }
            }
            p { a href={ "/licenses/" (l.id) "/license.json" } download { (r.tr("Download the license file")) } }
        },
    )
}
