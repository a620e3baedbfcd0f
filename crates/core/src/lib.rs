//! Pulse Account's shared library: the domain, storage, security primitives and the maud shell
//! that every portal area builds on. Spin SDK types stay in the [`spin`] adapter.

pub mod config;
pub mod countries;
pub mod csrf;
pub mod db;
pub mod error;
pub mod handoff;
pub mod http;
pub mod i18n;
pub mod identity;
pub mod ids;
pub mod integrations;
pub mod kv;
pub mod license;
pub mod money;
pub mod oidc;
pub mod plans;
pub mod store;
pub mod stripe;
pub mod time;
pub mod token;
pub mod upstream;
pub mod vat;
pub mod views;
pub mod zip;
pub mod zone;

#[cfg(target_arch = "wasm32")]
pub mod spin;

#[cfg(target_arch = "wasm32")]
pub mod outbound;

#[cfg(target_arch = "wasm32")]
pub mod forward;

pub use error::AppError;
pub use http::{Request, Response};
