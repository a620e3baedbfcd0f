//! The portal end to end over real HTTP: every area's routes, sign-in, sessions and the JSON
//! API, on SQLite and on Postgres with Redis.

mod app {
    pub mod activations;
    pub mod areas;
    pub mod auth;
    pub mod backups;
    pub mod bos;
    pub mod budget;
    pub mod cloud;
    pub mod handoff;
    pub mod hostile;
    pub mod languages;
    pub mod licenses;
    pub mod mail;
    pub mod msp;
    pub mod openapi;
    pub mod pages;
    pub mod pagination;
    pub mod privacy;
    pub mod production;
    pub mod profile;
    pub mod purchases;
    pub mod recovery;
    pub mod refunds;
    pub mod security;
    pub mod subscriptions;
    pub mod team;
    pub mod webhooks;

    use anyhow::Result;
    use pulse_tests::app::{Backend, TestApp};

    /// Runs `f` against a fresh demo portal on each backend (Postgres is skipped, loudly, where
    /// no server runs, and required under CI=true).
    pub fn each_backend(test: &str, f: impl Fn(&TestApp) -> Result<()>) -> Result<()> {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            if let Some(app) = TestApp::start(backend, test)? {
                f(&app).map_err(|e| e.context(format!("on {backend:?}")))?;
            }
        }
        Ok(())
    }
}
