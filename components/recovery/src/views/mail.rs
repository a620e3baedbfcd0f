//! Confirmation emails.

use maud::html;
use pulse_core::store::outbox::Mail;

use crate::handlers::requests::Topic;

/// The email confirming a request; a license retrieval lists what the address may see.
pub fn confirmation(
    topic: Topic,
    to: &str,
    id: &str,
    licenses: &[(String, String, String, String)],
    origin: &str,
) -> Mail {
    let what = match topic {
        Topic::License => "license retrieval",
        Topic::Refund => "refund request",
        Topic::Export => "data export request",
        Topic::Deletion => "data deletion request",
        Topic::Support => "support request",
    };
    let mut text = format!("Hello,\n\nWe received your {what} (reference {id}).\n");
    if topic == Topic::License {
        if licenses.is_empty() {
            text.push_str("\nNo licenses are held by an account where this address is an owner, admin or billing contact.\n");
        } else {
            text.push_str("\nLicenses on your accounts:\n");
            for (account, product, plan, hint) in licenses {
                text.push_str(&format!(
                    "- {account}: {product}, {plan}, key ending {hint}\n"
                ));
            }
            text.push_str(&format!(
                "\nSign in at {origin}/login to see activations and manage them.\n"
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
                    ul { @for (account, product, plan, hint) in licenses { li { (account) ": " (product) ", " (plan) ", key ending " (hint) } } }
                }
            }
            p { "If you did not make this request, ignore this email." }
        }
        .into_string(),
        text,
    }
}
