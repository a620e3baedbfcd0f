//! The session cookies: `pa_token` (access, 15 minutes) and `pa_refresh` (30 days), both
//! HttpOnly, `__Host-` prefixed and Secure on HTTPS origins.

use pulse_core::config::Config;
use pulse_core::http::{Cookie, Response};
use pulse_core::time::now_unix;
use pulse_core::token::{self, ACCESS_TTL_SECONDS, AUDIENCE, Claims, KeyRing, REFRESH_TTL_SECONDS};

/// Adds fresh access and refresh cookies for a session.
pub fn sign_in(
    resp: Response,
    config: &Config,
    ring: &KeyRing,
    user_id: &str,
    session_id: &str,
    refresh_token: &str,
) -> Response {
    let now = now_unix();
    let jwt = token::sign(
        ring,
        &Claims {
            iss: config.public_origin.clone(),
            sub: user_id.to_string(),
            aud: AUDIENCE.to_string(),
            sid: session_id.to_string(),
            iat: now,
            nbf: now,
            exp: now + ACCESS_TTL_SECONDS,
        },
    );
    resp.with_cookie(&cookie(
        config,
        config.token_cookie(),
        &jwt,
        ACCESS_TTL_SECONDS,
    ))
    .with_cookie(&cookie(
        config,
        config.refresh_cookie(),
        refresh_token,
        REFRESH_TTL_SECONDS,
    ))
}

/// Expires both cookies.
pub fn sign_out(resp: Response, config: &Config) -> Response {
    resp.with_cookie(&cookie(config, config.token_cookie(), "", 0))
        .with_cookie(&cookie(config, config.refresh_cookie(), "", 0))
}

fn cookie(config: &Config, name: &str, value: &str, max_age: i64) -> Cookie {
    Cookie {
        name: name.to_string(),
        value: value.to_string(),
        max_age,
        secure: config.https(),
        http_only: true,
        strict: false,
    }
}
