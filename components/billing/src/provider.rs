//! The payment provider behind subscriptions: Stripe over its REST API when `stripe_api_key`
//! is set, otherwise an offline provider (local mode) that accepts every change at once. A
//! subscription the provider does not know (no provider id) is changed in the portal only.

use pulse_core::http::percent_encode;
use pulse_core::money::Money;
use pulse_core::outbound;
use pulse_core::plans::{self, Plan};
use serde_json::Value;

/// Where a purchase goes next.
pub enum Checkout {
    /// To the provider's hosted page.
    Redirect(String),
    /// Nowhere: the offline provider completed it.
    Completed,
}

/// A new purchase: the plan, for which account, where to come back to.
pub struct Purchase<'a> {
    /// The plan bought.
    pub plan: &'a Plan,
    /// The account buying.
    pub account_id: &'a str,
    /// Its customer at the provider, if it has one.
    pub customer: Option<&'a str>,
    /// Where the provider sends the person after paying.
    pub success_url: &'a str,
    /// Where it sends them if they give up.
    pub cancel_url: &'a str,
    /// A license it renews.
    pub renews_license: Option<&'a str>,
}

/// Where subscription changes go.
pub enum Provider {
    /// No payment provider: changes are the portal's alone.
    Offline,
    /// Stripe's REST API.
    Stripe {
        /// The secret API key.
        key: String,
        /// `https://api.stripe.com`, or a stand-in.
        base: String,
    },
}

impl Provider {
    /// The provider the variables configure.
    pub fn configured() -> Self {
        let key = spin_sdk::variables::get("stripe_api_key").unwrap_or_default();
        if key.trim().is_empty() {
            return Provider::Offline;
        }
        let base = spin_sdk::variables::get("stripe_api_base")
            .ok()
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| "https://api.stripe.com".into());
        Provider::Stripe {
            key: key.trim().to_string(),
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// Sets whether the provider's subscription `provider_id` ends at its period's end
    /// (`POST /v1/subscriptions/{id}` with `cancel_at_period_end`). `idempotency_key` makes a
    /// retry of the same change harmless.
    pub fn set_cancel_at_period_end(
        &self,
        provider_id: Option<&str>,
        cancel: bool,
        idempotency_key: &str,
    ) -> Result<(), String> {
        let (Provider::Stripe { key, base }, Some(id)) = (self, provider_id) else {
            return Ok(());
        };
        let answer = outbound::post_form(
            &format!("{base}/v1/subscriptions/{id}"),
            &[
                ("authorization", &format!("Bearer {key}")),
                ("idempotency-key", idempotency_key),
            ],
            &format!("cancel_at_period_end={cancel}"),
        )
        .map_err(|e| e.to_string())?;
        if answer.status == 200 {
            Ok(())
        } else {
            let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
            Err(format!(
                "Stripe answered {}: {}",
                answer.status,
                body["error"]["message"].as_str().unwrap_or("no message")
            ))
        }
    }

    /// `GET {base}{path}` with the API key.
    fn stripe_get(key: &str, base: &str, path: &str) -> Result<Value, String> {
        let answer = outbound::get_with(
            &format!("{base}{path}"),
            &[("authorization", &format!("Bearer {key}"))],
        )
        .map_err(|e| e.to_string())?;
        Self::stripe_answer(answer.status, &answer.body)
    }

    /// `POST {base}{path}` with form fields, the API key and an idempotency key.
    fn stripe_post(
        key: &str,
        base: &str,
        path: &str,
        fields: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<Value, String> {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        let answer = outbound::post_form(
            &format!("{base}{path}"),
            &[
                ("authorization", &format!("Bearer {key}")),
                ("idempotency-key", idempotency_key),
            ],
            &body.join("&"),
        )
        .map_err(|e| e.to_string())?;
        Self::stripe_answer(answer.status, &answer.body)
    }

    fn stripe_answer(status: u16, body: &[u8]) -> Result<Value, String> {
        let value: Value = serde_json::from_slice(body).unwrap_or_default();
        if status == 200 {
            Ok(value)
        } else {
            Err(format!(
                "Stripe answered {status}: {}",
                value["error"]["message"].as_str().unwrap_or("no message")
            ))
        }
    }

    /// The id of the active Stripe price a plan's lookup key names.
    fn price_id(key: &str, base: &str, plan: &Plan) -> Result<String, String> {
        let prices = Self::stripe_get(
            key,
            base,
            &format!(
                "/v1/prices?active=true&lookup_keys%5B%5D={}",
                percent_encode(plan.lookup_key)
            ),
        )?;
        prices["data"][0]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| {
                format!(
                    "Stripe has no active price with lookup key {}",
                    plan.lookup_key
                )
            })
    }

    /// The id of a Stripe subscription's (single) item.
    fn subscription_item(key: &str, base: &str, subscription: &str) -> Result<String, String> {
        let sub = Self::stripe_get(
            key,
            base,
            &format!("/v1/subscriptions/{}", percent_encode(subscription)),
        )?;
        sub["items"]["data"][0]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("Stripe subscription {subscription} has no item"))
    }

    /// What changing plan `from` to `to` now costs for the rest of the period (negative: a
    /// credit), as the provider computes it. Stripe previews the invoice with the change
    /// prorated at `now`; the same `now` is then passed to [`Provider::change_plan`].
    pub fn preview_plan_change(
        &self,
        provider_id: Option<&str>,
        from: &Plan,
        to: &Plan,
        period_end: i64,
        now: i64,
    ) -> Result<Money, String> {
        let (Provider::Stripe { key, base }, Some(id)) = (self, provider_id) else {
            return Ok(Money::new(
                plans::prorate(from, to, period_end, now),
                to.currency,
            ));
        };
        let item = Self::subscription_item(key, base, id)?;
        let price = Self::price_id(key, base, to)?;
        let preview = Self::stripe_post(
            key,
            base,
            "/v1/invoices/create_preview",
            &[
                ("subscription".into(), id.into()),
                ("subscription_details[items][0][id]".into(), item),
                ("subscription_details[items][0][price]".into(), price),
                (
                    "subscription_details[proration_behavior]".into(),
                    "create_prorations".into(),
                ),
                (
                    "subscription_details[proration_date]".into(),
                    now.to_string(),
                ),
            ],
            &format!("preview-{id}-{}-{now}", to.key),
        )?;
        // The proration lines: flagged on the line's parent (API 2025-03-31 and later) or on
        // the line itself (earlier versions).
        let amount = preview["lines"]["data"]
            .as_array()
            .map(|lines| {
                lines
                    .iter()
                    .filter(|l| {
                        l["parent"]["subscription_item_details"]["proration"].as_bool()
                            == Some(true)
                            || l["proration"].as_bool() == Some(true)
                    })
                    .filter_map(|l| l["amount"].as_i64())
                    .sum()
            })
            .unwrap_or_default();
        let currency = preview["currency"].as_str().unwrap_or(to.currency);
        Ok(Money::new(amount, currency))
    }

    /// Moves the subscription to `to`, prorated as previewed at `proration_date`.
    pub fn change_plan(
        &self,
        provider_id: Option<&str>,
        to: &Plan,
        proration_date: i64,
        idempotency_key: &str,
    ) -> Result<(), String> {
        let (Provider::Stripe { key, base }, Some(id)) = (self, provider_id) else {
            return Ok(());
        };
        let item = Self::subscription_item(key, base, id)?;
        let price = Self::price_id(key, base, to)?;
        Self::stripe_post(
            key,
            base,
            &format!("/v1/subscriptions/{}", percent_encode(id)),
            &[
                ("items[0][id]".into(), item),
                ("items[0][price]".into(), price),
                ("proration_behavior".into(), "create_prorations".into()),
                ("proration_date".into(), proration_date.to_string()),
                ("metadata[plan]".into(), to.name.into()),
            ],
            idempotency_key,
        )
        .map(|_| ())
    }

    /// Starts a purchase: a Stripe Checkout Session (subscription mode) to redirect to, or,
    /// offline, nothing more to do.
    pub fn checkout(&self, p: &Purchase, idempotency_key: &str) -> Result<Checkout, String> {
        let Provider::Stripe { key, base } = self else {
            return Ok(Checkout::Completed);
        };
        let price = Self::price_id(key, base, p.plan)?;
        let mut fields: Vec<(String, String)> = vec![
            ("mode".into(), "subscription".into()),
            ("line_items[0][price]".into(), price),
            ("line_items[0][quantity]".into(), "1".into()),
            ("client_reference_id".into(), p.account_id.into()),
            ("success_url".into(), p.success_url.into()),
            ("cancel_url".into(), p.cancel_url.into()),
            ("metadata[plan]".into(), p.plan.name.into()),
            (
                "subscription_data[metadata][plan]".into(),
                p.plan.name.into(),
            ),
        ];
        if let Some(customer) = p.customer {
            fields.push(("customer".into(), customer.into()));
        }
        if let Some(license) = p.renews_license {
            fields.push(("metadata[license_id]".into(), license.into()));
        }
        let session =
            Self::stripe_post(key, base, "/v1/checkout/sessions", &fields, idempotency_key)?;
        session["url"]
            .as_str()
            .map(|u| Checkout::Redirect(u.to_string()))
            .ok_or_else(|| "Stripe's Checkout Session has no url".to_string())
    }

    /// A Billing Portal session where the customer manages cards, or `None` offline.
    pub fn billing_portal(
        &self,
        customer: &str,
        return_url: &str,
        idempotency_key: &str,
    ) -> Result<Option<String>, String> {
        let Provider::Stripe { key, base } = self else {
            return Ok(None);
        };
        let session = Self::stripe_post(
            key,
            base,
            "/v1/billing_portal/sessions",
            &[
                ("customer".into(), customer.into()),
                ("return_url".into(), return_url.into()),
            ],
            idempotency_key,
        )?;
        session["url"]
            .as_str()
            .map(|u| Some(u.to_string()))
            .ok_or_else(|| "Stripe's Billing Portal session has no url".to_string())
    }

    /// Where the customer pays an open invoice (Stripe's hosted invoice page), or `None` when
    /// the portal settles it itself (offline, or an invoice the provider does not know).
    pub fn invoice_payment_url(&self, provider_id: Option<&str>) -> Result<Option<String>, String> {
        let (Provider::Stripe { key, base }, Some(id)) = (self, provider_id) else {
            return Ok(None);
        };
        let invoice = Self::stripe_get(key, base, &format!("/v1/invoices/{}", percent_encode(id)))?;
        invoice["hosted_invoice_url"]
            .as_str()
            .map(|u| Some(u.to_string()))
            .ok_or_else(|| format!("Stripe invoice {id} has no hosted page"))
    }

    /// Detaches a card from its customer (`POST /v1/payment_methods/{id}/detach`).
    pub fn detach_payment_method(&self, id: &str, idempotency_key: &str) -> Result<(), String> {
        let Provider::Stripe { key, base } = self else {
            return Ok(());
        };
        Self::stripe_post(
            key,
            base,
            &format!("/v1/payment_methods/{}/detach", percent_encode(id)),
            &[],
            idempotency_key,
        )
        .map(|_| ())
    }

    /// Whether changes go to a payment provider (else the portal completes them).
    pub fn is_offline(&self) -> bool {
        matches!(self, Provider::Offline)
    }
}
