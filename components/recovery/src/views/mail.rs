//! Confirmation emails.

use maud::html;
use pulse_core::store::licenses::License;
use pulse_core::store::outbox::Mail;
use pulse_core::store::refunds::Refund;

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
