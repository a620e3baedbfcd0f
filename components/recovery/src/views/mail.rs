//! Confirmation emails, each written in its recipient's language.

use maud::html;
use pulse_core::i18n::{Reader, msg};
use pulse_core::store::billing::Subscription;
use pulse_core::store::licenses::License;
use pulse_core::store::outbox::Mail;
use pulse_core::store::privacy::{DataRequest, Kind};
use pulse_core::store::refunds::Refund;
use pulse_core::views::status_words;

use crate::handlers::requests::Topic;
use pulse_core::views::fill_html;

/// A license a retrieval mails: its account's name, the row, and its signed key.
pub struct MailedLicense {
    /// The account's name.
    pub account: String,
    /// The license.
    pub license: License,
    /// The signed license key (compact JWS), as the license page shows it.
    pub key: String,
}

/// The email confirming a request; a license retrieval carries each license's signed key, and
/// says where to download the license file after signing in.
pub fn confirmation(
    r: Reader,
    topic: Topic,
    to: &str,
    id: &str,
    licenses: &[MailedLicense],
    origin: &str,
) -> Mail {
    let what = r.tr(match topic {
        Topic::License => msg("license retrieval"),
        Topic::Export => msg("data export request"),
        Topic::Deletion => msg("data deletion request"),
        Topic::Support => msg("support request"),
    });
    let hello = r.tr("Hello,");
    let received = r.fill(
        "We received your {what} (reference {id}).",
        &[("what", what), ("id", id)],
    );
    let none = r.tr(
        "No licenses are held by an account where this address is an owner, admin or billing contact.",
    );
    let keys = r.tr("The license keys of your accounts' licenses:");
    let key_label = r.tr("License key:");
    let file_label = r.tr("License file, after signing in:");
    let ignore = r.tr("If you did not make this request, ignore this email.");
    let mut text = format!("{hello}\n\n{received}\n");
    if topic == Topic::License {
        if licenses.is_empty() {
            text.push_str(&format!("\n{none}\n"));
        } else {
            text.push_str(&format!("\n{keys}\n"));
            for l in licenses {
                let lic = &l.license;
                let line = r.fill(
                    "{account}: {product}, {plan} ({status}, expires {date})",
                    &[
                        ("account", &l.account),
                        ("product", &lic.product),
                        ("plan", &lic.plan),
                        ("status", &status_words(&lic.status, r)),
                        ("date", &r.day(&lic.expires_at)),
                    ],
                );
                text.push_str(&format!(
                    "\n{line}\n{key_label}\n{}\n{file_label} {origin}/licenses/{}/license.json\n",
                    l.key, lic.id
                ));
            }
            let paste = r.fill(
                "Paste a key into your Pulse instance's license settings, or sign in at {login} and open Licenses to download the license file and manage activations. Keep keys private: anyone with a key can activate it.",
                &[("login", &format!("{origin}/login"))],
            );
            text.push_str(&format!("\n{paste}\n"));
        }
    }
    text.push_str(&format!("\n{ignore}\n"));
    Mail {
        to: to.to_string(),
        subject: r.fill(
            "Your Pulse {what} ({id})",
            &[("what", what), ("id", id)],
        ),
        html: html! {
            p { (hello) }
            p { (received) }
            @if topic == Topic::License {
                @if licenses.is_empty() {
                    p { (none) }
                } @else {
                    p { (keys) }
                    @for l in licenses {
                        h2 { (l.account) ": " (l.license.product) ", " (l.license.plan) }
                        p { (r.fill("Status {status}, expires {date}.", &[
                            ("status", &status_words(&l.license.status, r)),
                            ("date", &r.day(&l.license.expires_at)),
                        ])) }
                        p { (key_label) }
                        pre { code { (l.key) } }
                        p {
                            (file_label) " "
                            a href={ (origin) "/licenses/" (l.license.id) "/license.json" } {
                                (origin) "/licenses/" (l.license.id) "/license.json"
                            }
                        }
                    }
                    p {
                        (fill_html(r, msg("Paste a key into your Pulse instance's license settings, or {sign_in} and open Licenses to download the license file and manage activations. Keep keys private: anyone with a key can activate it."), &[
                            ("sign_in", html! { a href={ (origin) "/login" } { (r.tr("sign in")) } }),
                        ]))
                    }
                }
            }
            p { (ignore) }
        }
        .into_string(),
        text,
    }
}

/// The email confirming a refund request.
pub fn refund_requested(
    r: Reader,
    to: &str,
    refund: &Refund,
    window_days: i64,
    origin: &str,
) -> Mail {
    let hello = r.tr("Hello,");
    let amount = r.money(&refund.amount);
    let days = r.count(window_days);
    let reason = r.fill("Reason: {reason}", &[("reason", &refund.reason)]);
    let text = format!(
        "{hello}\n\n{}\n{reason}\n\n{}\n",
        r.fill(
            "We received your request (reference {id}) to refund {amount} for invoice {number}.",
            &[
                ("id", &refund.id),
                ("amount", &amount),
                ("number", &refund.invoice_number),
            ],
        ),
        r.fill(
            "Refunds of payments made within the last {days} days are paid back to the card or account that was charged. We'll email you when it is on its way; the status is also at {link}",
            &[("days", &days), ("link", &format!("{origin}/recover/refund"))],
        ),
    );
    Mail {
        to: to.to_string(),
        subject: r.fill(
            "Refund request for invoice {number}",
            &[("number", &refund.invoice_number)],
        ),
        html: html! {
            p { (hello) }
            p { (fill_html(r, msg("We received your request (reference {id}) to refund {amount} for invoice {number}."), &[
                ("id", html! { code { (refund.id) } }),
                ("amount", html! { (amount) }),
                ("number", html! { (refund.invoice_number) }),
            ])) }
            p { (reason) }
            p { (fill_html(r, msg("Refunds of payments made within the last {days} days are paid back to the card or account that was charged. We'll email you when it is on its way; the status is also on {link}."), &[
                ("days", html! { (days) }),
                ("link", html! { a href={ (origin) "/recover/refund" } { (r.tr("the refund page")) } }),
            ])) }
        }
        .into_string(),
        text,
    }
}

/// The note to the support team about a new ticket, with its context (the context itself is
/// the stored ticket, kept as written).
pub fn ticket_for_support(r: Reader, to: &str, from: &str, id: &str, detail: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: r.fill(
            "Support ticket {id} from {from}",
            &[("id", id), ("from", from)],
        ),
        text: format!(
            "{}\n\n{detail}\n",
            r.fill("Ticket {id} from {from}:", &[("id", id), ("from", from)])
        ),
        html: html! {
            p { (fill_html(r, msg("Ticket {id} from {from}:"), &[
                ("id", html! { code { (id) } }),
                ("from", html! { (from) }),
            ])) }
            pre { (detail) }
        }
        .into_string(),
    }
}

fn kind_words(kind: &str) -> &'static str {
    if kind == "deletion" {
        msg("deletion of your data")
    } else {
        msg("export of your data")
    }
}

/// The link that proves a signed-out requester's address: it opens the request's status page,
/// where it confirms the request within 30 minutes.
pub fn privacy_proof(r: Reader, kind: Kind, to: &str, id: &str, token: &str, origin: &str) -> Mail {
    let what = r.tr(kind_words(kind.as_str()));
    let link = format!("{origin}/privacy/requests/{id}?token={token}");
    let hello = r.tr("Hello,");
    let ignore = r.tr("If you did not ask for this, ignore this email and nothing will happen.");
    Mail {
        to: to.to_string(),
        subject: r.fill("Confirm the {what} ({id})", &[("what", what), ("id", id)]),
        text: format!(
            "{hello}\n\n{}\n\n{}\n{link}\n\n{} {ignore}\n",
            r.fill(
                "Someone, hopefully you, asked for the {what} held by Pulse for this address (reference {id}).",
                &[("what", what), ("id", id)],
            ),
            r.tr("Confirm it within 30 minutes here:"),
            r.tr("The same link shows the request's status afterwards; keep it private."),
        ),
        html: html! {
            p { (hello) }
            p { (fill_html(r, msg("Someone, hopefully you, asked for the {what} held by Pulse for this address (reference {id})."), &[
                ("what", html! { (what) }),
                ("id", html! { code { (id) } }),
            ])) }
            p { (fill_html(r, msg("{confirm} within 30 minutes. The same link shows its status afterwards; keep it private."), &[
                ("confirm", html! { a href=(link) { (r.tr("Confirm the request")) } }),
            ])) }
            p { (ignore) }
        }
        .into_string(),
    }
}

/// A deletion is scheduled: when the erasure starts, and how to cancel before then.
pub fn deletion_scheduled(
    r: Reader,
    to: &str,
    request: &DataRequest,
    token: &str,
    origin: &str,
) -> Mail {
    let when = request.execute_after.as_deref().unwrap_or_default();
    let link = if token.is_empty() {
        format!("{origin}/privacy/requests/{}", request.id)
    } else {
        format!("{origin}/privacy/requests/{}?token={token}", request.id)
    };
    let (how_text, how_html) = if token.is_empty() {
        (
            msg(
                "Until then you can cancel it from the link in our first email, or as an owner signed in at:",
            ),
            msg(
                "Until then you can cancel it from the link in our first email, or as an owner signed in at {link}.",
            ),
        )
    } else {
        (
            msg("Until then you can cancel it at:"),
            msg("Until then you can cancel it at {link}."),
        )
    };
    let moment = r.moment(when);
    let hello = r.tr("Hello,");
    let kept = r.tr(
        "Invoices are kept as tax law requires, without the name and address they were issued to.",
    );
    Mail {
        to: to.to_string(),
        subject: r.fill(
            "Your data will be erased after {date}",
            &[("date", &r.day(when))],
        ),
        text: format!(
            "{hello}\n\n{} {}\n{link}\n\n{kept}\n",
            r.fill(
                "The deletion you asked for (reference {id}) is confirmed. The data is erased after {date}.",
                &[("id", &request.id), ("date", &moment)],
            ),
            r.tr(how_text),
        ),
        html: html! {
            p { (hello) }
            p { (fill_html(r, msg("The deletion you asked for (reference {id}) is confirmed. The data is erased after {date}."), &[
                ("id", html! { code { (request.id) } }),
                ("date", html! { strong { (moment) } }),
            ])) }
            p { (fill_html(r, how_html, &[("link", html! { a href=(link) { (link) } })])) }
            p { (kept) }
        }
        .into_string(),
    }
}

/// An export's archive is ready: the download link and until when it works.
pub fn archive_ready(
    r: Reader,
    to: &str,
    request: &DataRequest,
    token: &str,
    origin: &str,
) -> Mail {
    let until = r.moment(request.archive_expires_at.as_deref().unwrap_or_default());
    let link = format!(
        "{origin}/privacy/requests/{}/archive?token={token}",
        request.id
    );
    let hello = r.tr("Hello,");
    let private = r.tr("Keep the link private: anyone with it can download the archive.");
    Mail {
        to: to.to_string(),
        subject: r.fill(
            "Your Pulse data export is ready ({id})",
            &[("id", &request.id)],
        ),
        text: format!(
            "{hello}\n\n{} {}\n{link}\n\n{private}\n",
            r.fill(
                "The export of your data (reference {id}) is ready.",
                &[("id", &request.id)],
            ),
            r.fill(
                "Download the archive (a zip of JSON files, with a README saying what each holds) until {date}:",
                &[("date", &until)],
            ),
        ),
        html: html! {
            p { (hello) }
            p { (fill_html(r, msg("The export of your data (reference {id}) is ready."), &[
                ("id", html! { code { (request.id) } }),
            ])) }
            p { (fill_html(r, msg("{download} (a zip of JSON files, with a README saying what each holds) until {date}."), &[
                ("download", html! { a href=(link) { (r.tr("Download the archive")) } }),
                ("date", html! { strong { (until) } }),
            ])) }
            p { (private) }
        }
        .into_string(),
    }
}

/// A deletion could not go ahead when its grace period ended.
pub fn deletion_refused(r: Reader, to: &str, request: &DataRequest, why: &str) -> Mail {
    let hello = r.tr("Hello,");
    let nothing = r.tr("Nothing was erased. Ask again once that is done.");
    let why = r.tr(why);
    Mail {
        to: to.to_string(),
        subject: r.fill(
            "Your deletion request ({id}) could not go ahead",
            &[("id", &request.id)],
        ),
        text: format!(
            "{hello}\n\n{}\n\n{nothing}\n",
            r.fill(
                "We could not erase the data (reference {id}): {why}",
                &[("id", &request.id), ("why", why)],
            ),
        ),
        html: html! {
            p { (hello) }
            p { (fill_html(r, msg("We could not erase the data (reference {id}): {why}"), &[
                ("id", html! { code { (request.id) } }),
                ("why", html! { (why) }),
            ])) }
            p { (nothing) }
        }
        .into_string(),
    }
}

/// The links to manage each subscription `to` may manage, or word that there are none.
pub fn manage_links(
    r: Reader,
    to: &str,
    links: &[(String, Subscription, String)],
    origin: &str,
) -> Mail {
    let hello = r.tr("Hello,");
    let none = r.tr(
        "Someone asked for links to manage subscriptions for this address, and it is not an owner or billing contact of an account with a subscription. If you expected one, sign in with the address you use with Pulse.",
    );
    let here = r.tr(
        "Here is a link for each subscription you may manage. Each opens the step to end the subscription at its period's end or to resume it, works once, and expires in a day:",
    );
    let ignore = r.tr(
        "If you did not ask for this, ignore this email: nothing changes unless a link is used.",
    );
    let mut text = format!("{hello}\n\n");
    if links.is_empty() {
        text.push_str(&format!("{none}\n"));
    } else {
        text.push_str(&format!("{here}\n"));
        for (account, s, token) in links {
            text.push_str(&format!(
                "\n{account}: {} ({}):\n{origin}/billing/manage/{token}\n",
                s.plan,
                status_words(&s.status, r)
            ));
        }
        text.push_str(&format!("\n{ignore}\n"));
    }
    Mail {
        to: to.to_string(),
        subject: r.tr("Manage your Pulse subscriptions").to_string(),
        html: html! {
            p { (hello) }
            @if links.is_empty() {
                p { (none) }
            } @else {
                p { (here) }
                ul {
                    @for (account, s, token) in links {
                        li { (account) ": " a href={ (origin) "/billing/manage/" (token) } { (s.plan) } " (" (status_words(&s.status, r)) ")" }
                    }
                }
                p { (ignore) }
            }
        }
        .into_string(),
        text,
    }
}
