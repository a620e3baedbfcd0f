//! The payment provider behind subscriptions: Stripe over its REST API when `stripe_api_key`
//! is set, otherwise an offline provider (local mode) that accepts every change at once. A
//! subscription the provider does not know (no provider id) is changed in the portal only.

use pulse_core::outbound;

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
}
