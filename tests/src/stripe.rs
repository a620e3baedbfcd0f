//! A stand-in for Stripe's REST API on 127.0.0.1, answering the calls the portal makes with the
//! objects Stripe documents for them (https://docs.stripe.com/api): prices by lookup key,
//! subscriptions and their update, invoice previews with proration lines, Checkout Sessions,
//! Billing Portal sessions and invoices. It checks what Stripe checks first: a bearer API key
//! (401 `invalid_request_error` without one) and form-encoded POST bodies.

use anyhow::Result;
use serde_json::{Value, json};

use crate::stub::{Recorded, Stub};

/// The amounts the invoice preview reports as prorations: the unused time of the old price
/// credited, the remaining time of the new one charged.
pub const PRORATION_LINES: [i64; 2] = [-12_450, 29_950];

/// Starts the stand-in. While its status is set to anything but 200 every call fails with that
/// status and a Stripe error body (`card_declined` for 402, `api_error` otherwise).
pub fn start() -> Result<Stub> {
    Stub::serve(200, answer)
}

/// The decoded fields of a form body (or a query string).
pub fn form(recorded: &Recorded) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(&recorded.body);
    decode(&text)
}

fn decode(text: &str) -> Vec<(String, String)> {
    pulse_core::http::parse_urlencoded(text)
}

/// The value of field `name` in `fields`.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn error(status: u16, kind: &str, code: Option<&str>, message: &str) -> (u16, String) {
    let mut err = json!({ "type": kind, "message": message });
    if let Some(code) = code {
        err["code"] = json!(code);
    }
    (status, json!({ "error": err }).to_string())
}

fn price(lookup_key: &str) -> Value {
    let (amount, interval) = match lookup_key {
        "pulse_cloud_basic_month" => (9_900, "month"),
        "pulse_cloud_pro_month" => (24_900, "month"),
        "pulse_cloud_business_month" => (59_900, "month"),
        "pulse_selfhosted_pro_year" => (180_000, "year"),
        "pulse_selfhosted_lab_year" => (30_000, "year"),
        _ => (99_000, "month"),
    };
    json!({
        "id": format!("price_{lookup_key}"),
        "object": "price",
        "active": true,
        "currency": "eur",
        "lookup_key": lookup_key,
        "type": "recurring",
        "unit_amount": amount,
        "recurring": { "interval": interval, "interval_count": 1 }
    })
}

fn subscription(id: &str) -> Value {
    json!({
        "id": id,
        "object": "subscription",
        "customer": "cus_test_acme",
        "status": "active",
        "cancel_at_period_end": false,
        "items": {
            "object": "list",
            "data": [{
                "id": "si_test_1",
                "object": "subscription_item",
                "price": price("pulse_cloud_pro_month"),
                "quantity": 1
            }],
            "has_more": false,
            "url": format!("/v1/subscription_items?subscription={id}")
        }
    })
}

fn answer(r: &Recorded, status: u16) -> (u16, String) {
    let authorized = r
        .headers
        .get("authorization")
        .is_some_and(|a| a.starts_with("Bearer sk_"));
    if !authorized {
        return error(
            401,
            "invalid_request_error",
            None,
            "You did not provide an API key.",
        );
    }
    if status == 402 {
        return error(
            402,
            "card_error",
            Some("card_declined"),
            "Your card was declined.",
        );
    }
    if status != 200 {
        return error(status, "api_error", None, "An error occurred.");
    }
    let (path, query) = r.path.split_once('?').unwrap_or((&r.path, ""));
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let body = match (r.method.as_str(), segments.as_slice()) {
        ("GET", ["v1", "prices"]) => {
            let keys: Vec<Value> = decode(query)
                .into_iter()
                .filter(|(k, _)| k == "lookup_keys[]")
                .map(|(_, v)| price(&v))
                .collect();
            json!({ "object": "list", "data": keys, "has_more": false, "url": "/v1/prices" })
        }
        ("GET", ["v1", "subscriptions", id]) => subscription(id),
        ("POST", ["v1", "subscriptions", id]) => {
            let fields = form(r);
            let mut sub = subscription(id);
            if let Some(p) = field(&fields, "items[0][price]") {
                sub["items"]["data"][0]["price"] = price(p.strip_prefix("price_").unwrap_or(p));
            }
            sub
        }
        ("POST", ["v1", "invoices", "create_preview"]) => {
            let fields = form(r);
            let subscription = field(&fields, "subscription").unwrap_or_default();
            let [credit, charge] = PRORATION_LINES;
            let line = |id: &str, amount: i64, proration: bool, description: &str| {
                json!({
                    "id": id,
                    "object": "line_item",
                    "amount": amount,
                    "currency": "eur",
                    "description": description,
                    "parent": {
                        "type": "subscription_item_details",
                        "subscription_item_details": {
                            "proration": proration,
                            "subscription": subscription,
                            "subscription_item": "si_test_1"
                        }
                    }
                })
            };
            json!({
                "object": "invoice",
                "currency": "eur",
                "customer": "cus_test_acme",
                "amount_due": credit + charge + 59_900,
                "total": credit + charge + 59_900,
                "lines": {
                    "object": "list",
                    "data": [
                        line("il_tmp_1", credit, true, "Unused time on Pulse Cloud Pro"),
                        line("il_tmp_2", charge, true, "Remaining time on Pulse Cloud Business"),
                        line("il_tmp_3", 59_900, false, "1 × Pulse Cloud Business"),
                    ],
                    "has_more": false
                }
            })
        }
        ("POST", ["v1", "checkout", "sessions"]) => json!({
            "id": "cs_test_a1",
            "object": "checkout.session",
            "mode": "subscription",
            "status": "open",
            "url": "https://checkout.stripe.com/c/pay/cs_test_a1"
        }),
        ("POST", ["v1", "billing_portal", "sessions"]) => {
            let fields = form(r);
            json!({
                "id": "bps_test_1",
                "object": "billing_portal.session",
                "customer": field(&fields, "customer"),
                "return_url": field(&fields, "return_url"),
                "url": "https://billing.stripe.com/p/session/test_1"
            })
        }
        ("GET", ["v1", "invoices", id]) => json!({
            "id": id,
            "object": "invoice",
            "status": "open",
            "hosted_invoice_url": format!("https://invoice.stripe.com/i/acct_test/{id}")
        }),
        _ => {
            return error(
                404,
                "invalid_request_error",
                Some("resource_missing"),
                "Unrecognized request URL.",
            );
        }
    };
    (200, body.to_string())
}

/// The form of the newest request the stand-in received at `path`.
pub fn received_form(stub: &Stub, path: &str) -> Result<Vec<(String, String)>> {
    stub.received()
        .iter()
        .rev()
        .find(|r| r.path == path)
        .map(form)
        .ok_or_else(|| anyhow::anyhow!("Stripe received nothing at {path}"))
}
