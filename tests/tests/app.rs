//! The portal end to end over real HTTP: every area's routes, sign-in, sessions and the JSON
//! API, on SQLite and on Postgres with Redis.

mod app {
    pub mod pages;
}
