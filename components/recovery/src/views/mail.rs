//! Confirmation emails.

use maud::html;
use pulse_core::store::billing::Subscription;
use pulse_core::store::licenses::License;
use pulse_core::store::outbox::Mail;
use pulse_core::store::privacy::{DataRequest, Kind};
use pulse_core::store::refunds::Refund;
use pulse_core::time::date_part;

use crate::handlers::requests::Topic;

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
    topic: Topic,
    to: &str,
    id: &str,
    licenses: &[MailedLicense],
    origin: &str,
) -> Mail {
    let what = match topic {
        Topic::License => "license retrieval",
        Topic::Export => "data export request",
        Topic::Deletion => "data deletion request",
        Topic::Support => "support request",
    };
    let mut text = format!("Hello,\n\nWe received your {what} (reference {id}).\n");
    if topic == Topic::License {
        if licenses.is_empty() {
            text.push_str("\nNo licenses are held by an account where this address is an owner, admin or billing contact.\n");
        } else {
            text.push_str("\nThe license keys of your accounts' licenses:\n");
            for l in licenses {
                let lic = &l.license;
                text.push_str(&format!(
                    "\n{}: {}, {} ({}, expires {})\nLicense key:\n{}\nLicense file, after signing in: {origin}/licenses/{}/license.json\n",
                    l.account, lic.product, lic.plan, lic.status, lic.expires_at, l.key, lic.id
                ));
            }
            text.push_str(&format!(
                "\nPaste a key into your Pulse instance's license settings, or sign in at {origin}/login and open Licenses to download the license file and manage activations. Keep keys private: anyone with a key can activate it.\n"
            ));
        }
    }
    text.push_str("\nIf you did not make this request, ignore this email.\n");
    Mail {
        to: to.to_string(),
        subject: format!("Your Pulse {what} ({id})"),
        html: html! {
            p { "Hello," }
            p { "We received your " (what) " (reference " (id) ")." }
            @if topic == Topic::License {
                @if licenses.is_empty() {
                    p { "No licenses are held by an account where this address is an owner, admin or billing contact." }
                } @else {
                    p { "The license keys of your accounts' licenses:" }
                    @for l in licenses {
                        h2 { (l.account) ": " (l.license.product) ", " (l.license.plan) }
                        p { "Status " (l.license.status) ", expires " (l.license.expires_at) "." }
                        p { "License key:" }
                        pre { code { (l.key) } }
                        p {
                            "License file, after signing in: "
                            a href={ (origin) "/licenses/" (l.license.id) "/license.json" } {
                                (origin) "/licenses/" (l.license.id) "/license.json"
                            }
                        }
                    }
                    p {
                        "Paste a key into your Pulse instance's license settings, or "
                        a href={ (origin) "/login" } { "sign in" }
                        " and open Licenses to download the license file and manage activations. Keep keys private: anyone with a key can activate it."
                    }
                }
            }
            p { "If you did not make this request, ignore this email." }
        }
        .into_string(),
        text,
    }
}

/// The email confirming a refund request.
pub fn refund_requested(to: &str, refund: &Refund, window_days: i64, origin: &str) -> Mail {
    let text = format!(
        "Hello,\n\nWe received your request (reference {}) to refund {} for invoice {}.\nReason: {}\n\nRefunds of payments made within the last {window_days} days are paid back to the card or account that was charged. We'll email you when it is on its way; the status is also at {origin}/recover/refund\n",
        refund.id, refund.amount, refund.invoice_number, refund.reason
    );
    Mail {
        to: to.to_string(),
        subject: format!("Refund request for invoice {}", refund.invoice_number),
        html: html! {
            p { "Hello," }
            p { "We received your request (reference " code { (refund.id) } ") to refund " (refund.amount) " for invoice " (refund.invoice_number) "." }
            p { "Reason: " (refund.reason) }
            p { "Refunds of payments made within the last " (window_days) " days are paid back to the card or account that was charged. We'll email you when it is on its way; the status is also on "
                a href={ (origin) "/recover/refund" } { "the refund page" } "." }
        }
        .into_string(),
        text,
    }
}

/// The note to the support team about a new ticket, with its context.
pub fn ticket_for_support(to: &str, from: &str, id: &str, detail: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: format!("Support ticket {id} from {from}"),
        text: format!("Ticket {id} from {from}:\n\n{detail}\n"),
        html: html! {
            p { "Ticket " code { (id) } " from " (from) ":" }
            pre { (detail) }
        }
        .into_string(),
    }
}

fn kind_words(kind: &str) -> &'static str {
    if kind == "deletion" {
        "deletion of your data"
    } else {
        "export of your data"
    }
}

/// The link that proves a signed-out requester's address: it opens the request's status page,
/// where it confirms the request within 30 minutes.
pub fn privacy_proof(kind: Kind, to: &str, id: &str, token: &str, origin: &str) -> Mail {
    let what = kind_words(kind.as_str());
    let link = format!("{origin}/privacy/requests/{id}?token={token}");
    Mail {
        to: to.to_string(),
        subject: format!("Confirm the {what} ({id})"),
        text: format!(
            "Hello,\n\nSomeone, hopefully you, asked for the {what} held by Pulse for this address (reference {id}).\n\nConfirm it within 30 minutes here:\n{link}\n\nThe same link shows the request's status afterwards; keep it private. If you did not ask for this, ignore this email and nothing will happen.\n"
        ),
        html: html! {
            p { "Hello," }
            p { "Someone, hopefully you, asked for the " (what) " held by Pulse for this address (reference " code { (id) } ")." }
            p { a href=(link) { "Confirm the request" } " within 30 minutes. The same link shows its status afterwards; keep it private." }
            p { "If you did not ask for this, ignore this email and nothing will happen." }
        }
        .into_string(),
    }
}

/// A deletion is scheduled: when the erasure starts, and how to cancel before then.
pub fn deletion_scheduled(to: &str, request: &DataRequest, token: &str, origin: &str) -> Mail {
    let when = request.execute_after.as_deref().unwrap_or_default();
    let link = if token.is_empty() {
        format!("{origin}/privacy/requests/{}", request.id)
    } else {
        format!("{origin}/privacy/requests/{}?token={token}", request.id)
    };
    let how = if token.is_empty() {
        "from the link in our first email, or as an owner signed in at"
    } else {
        "at"
    };
    Mail {
        to: to.to_string(),
        subject: format!("Your data will be erased after {}", date_part(when)),
        text: format!(
            "Hello,\n\nThe deletion you asked for (reference {}) is confirmed. The data is erased after {} (UTC). Until then you can cancel it {how}:\n{link}\n\nInvoices are kept as tax law requires, without the name and address they were issued to.\n",
            request.id,
            date_part(when)
        ),
        html: html! {
            p { "Hello," }
            p { "The deletion you asked for (reference " code { (request.id) } ") is confirmed. The data is erased after " strong { (date_part(when)) } " (UTC)." }
            p { "Until then you can cancel it " (how) " " a href=(link) { (link) } "." }
            p { "Invoices are kept as tax law requires, without the name and address they were issued to." }
        }
        .into_string(),
    }
}

/// An export's archive is ready: the download link and until when it works.
pub fn archive_ready(to: &str, request: &DataRequest, token: &str, origin: &str) -> Mail {
    let until = request.archive_expires_at.as_deref().unwrap_or_default();
    let link = format!(
        "{origin}/privacy/requests/{}/archive?token={token}",
        request.id
    );
    Mail {
        to: to.to_string(),
        subject: format!("Your Pulse data export is ready ({})", request.id),
        text: format!(
            "Hello,\n\nThe export of your data (reference {}) is ready. Download the archive (a zip of JSON files, with a README saying what each holds) until {} (UTC):\n{link}\n\nKeep the link private: anyone with it can download the archive.\n",
            request.id,
            date_part(until)
        ),
        html: html! {
            p { "Hello," }
            p { "The export of your data (reference " code { (request.id) } ") is ready." }
            p { a href=(link) { "Download the archive" } " (a zip of JSON files, with a README saying what each holds) until " strong { (date_part(until)) } " (UTC)." }
            p { "Keep the link private: anyone with it can download the archive." }
        }
        .into_string(),
    }
}

/// A deletion could not go ahead when its grace period ended.
pub fn deletion_refused(to: &str, request: &DataRequest, why: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: format!("Your deletion request ({}) could not go ahead", request.id),
        text: format!(
            "Hello,\n\nWe could not erase the data (reference {}): {why}\n\nNothing was erased. Ask again once that is done.\n",
            request.id
        ),
        html: html! {
            p { "Hello," }
            p { "We could not erase the data (reference " code { (request.id) } "): " (why) }
            p { "Nothing was erased. Ask again once that is done." }
        }
        .into_string(),
    }
}

/// The links to manage each subscription `to` may manage, or word that there are none.
pub fn manage_links(to: &str, links: &[(String, Subscription, String)], origin: &str) -> Mail {
    let mut text = String::from("Hello,\n\n");
    if links.is_empty() {
        text.push_str("Someone asked for links to manage subscriptions for this address, and it is not an owner or billing contact of an account with a subscription. If you expected one, sign in with the address you use with Pulse.\n");
    } else {
        text.push_str("Here is a link for each subscription you may manage. Each opens the step to end the subscription at its period's end or to resume it, works once, and expires in a day:\n");
        for (account, s, token) in links {
            text.push_str(&format!(
                "\n{account}: {} ({}):\n{origin}/billing/manage/{token}\n",
                s.plan, s.status
            ));
        }
        text.push_str("\nIf you did not ask for this, ignore this email: nothing changes unless a link is used.\n");
    }
    Mail {
        to: to.to_string(),
        subject: "Manage your Pulse subscriptions".into(),
        html: html! {
            p { "Hello," }
            @if links.is_empty() {
                p { "Someone asked for links to manage subscriptions for this address, and it is not an owner or billing contact of an account with a subscription. If you expected one, sign in with the address you use with Pulse." }
            } @else {
                p { "Here is a link for each subscription you may manage. Each opens the step to end the subscription at its period's end or to resume it, works once, and expires in a day:" }
                ul {
                    @for (account, s, token) in links {
                        li { (account) ": " a href={ (origin) "/billing/manage/" (token) } { (s.plan) } " (" (s.status) ")" }
                    }
                }
                p { "If you did not ask for this, ignore this email: nothing changes unless a link is used." }
            }
        }
        .into_string(),
        text,
    }
}
