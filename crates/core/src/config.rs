//! Typed configuration read from Spin variables, naming the variable that is missing or bad.

/// A source of variables (Spin's `variables` interface inside a component).
pub trait Vars {
    /// The variable's value; `Ok("")` when it is defined but empty.
    fn var(&self, name: &str) -> Result<String, ConfigError>;
}

/// A configuration problem, naming the variable.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    /// Not defined for this component.
    #[error("variable `{0}` is not set")]
    Missing(String),
    /// Set to a value the portal cannot use.
    #[error("variable `{name}` is invalid: {reason}")]
    Invalid {
        /// Variable name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The variables provider failed.
    #[error("variables provider failed: {0}")]
    Provider(String),
}

/// Local development (demo data, developer mailbox) or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Plain-HTTP localhost, demo data, `/dev/mailbox`.
    Local,
    /// Everything hardened; refuses unsafe configuration.
    Production,
}

/// Which database the portal uses, from `db_url`: read only by requests that open it, so a
/// page without data reads no database setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// Spin's SQLite database `default` (`db_url` empty or `sqlite`).
    Sqlite,
    /// Postgres at this URL.
    Postgres(String),
}

impl Database {
    /// Reads `db_url`: `sqlite` (or empty) for the embedded database, or a Postgres URL.
    pub fn load(vars: &impl Vars) -> Result<Self, ConfigError> {
        let url = vars.var("db_url")?;
        if url.is_empty() || url == "sqlite" {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url))
        } else {
            Err(ConfigError::Invalid {
                name: "db_url".into(),
                reason:
                    "expected `sqlite` or a URL such as postgres://user:password@host:5432/pulse"
                        .into(),
            })
        }
    }
}

/// The settings every area shares.
#[derive(Debug, Clone)]
pub struct Config {
    /// Local or production.
    pub mode: Mode,
    /// `https://my.planapulse.ai`, no trailing slash.
    pub public_origin: String,
}

impl Config {
    /// Reads and checks the shared variables.
    pub fn load(vars: &impl Vars) -> Result<Self, ConfigError> {
        let invalid = |name: &str, reason: &str| ConfigError::Invalid {
            name: name.into(),
            reason: reason.into(),
        };
        let mode = match vars.var("mode")?.as_str() {
            "local" => Mode::Local,
            "production" => Mode::Production,
            _ => return Err(invalid("mode", "expected `local` or `production`")),
        };
        let public_origin = vars.var("public_origin")?.trim_end_matches('/').to_string();
        if !(public_origin.starts_with("https://") || public_origin.starts_with("http://"))
            || public_origin.len() < 10
        {
            return Err(invalid(
                "public_origin",
                "expected an origin such as https://my.planapulse.ai",
            ));
        }
        let config = Self {
            mode,
            public_origin,
        };
        if config.mode == Mode::Production && !config.https() {
            return Err(invalid(
                "public_origin",
                "production requires an https:// origin (cookies are Secure and __Host- prefixed)",
            ));
        }
        Ok(config)
    }

    /// Whether the public origin is HTTPS (cookies get `Secure` and the `__Host-` prefix).
    pub fn https(&self) -> bool {
        self.public_origin.starts_with("https://")
    }

    /// The session cookie's name for this origin.
    pub fn token_cookie(&self) -> &'static str {
        if self.https() {
            "__Host-pa_token"
        } else {
            "pa_token"
        }
    }

    /// The refresh cookie's name for this origin.
    pub fn refresh_cookie(&self) -> &'static str {
        if self.https() {
            "__Host-pa_refresh"
        } else {
            "pa_refresh"
        }
    }

    /// Whether this is local development.
    pub fn is_local(&self) -> bool {
        self.mode == Mode::Local
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, &'static str>);
    impl Vars for Map {
        fn var(&self, name: &str) -> Result<String, ConfigError> {
            self.0
                .get(name)
                .map(|v| v.to_string())
                .ok_or_else(|| ConfigError::Missing(name.into()))
        }
    }

    fn vars(pairs: &[(&'static str, &'static str)]) -> Map {
        let mut m: HashMap<_, _> = [
            ("mode", "local"),
            ("public_origin", "http://127.0.0.1:3000"),
            ("db_url", "sqlite"),
        ]
        .into_iter()
        .collect();
        m.extend(pairs.iter().copied());
        Map(m)
    }

    #[test]
    fn local_plain_http_loads_with_plain_cookie_names() {
        let c = Config::load(&vars(&[])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.token_cookie(), "pa_token");
        assert!(c.is_local());
    }

    #[test]
    fn production_refuses_a_plain_http_origin_naming_the_variable() {
        let err = Config::load(&vars(&[("mode", "production")])).err();
        assert!(
            matches!(err, Some(ConfigError::Invalid { ref name, .. }) if name == "public_origin")
        );
        let c = Config::load(&vars(&[
            ("mode", "production"),
            ("public_origin", "https://my.example/"),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.public_origin, "https://my.example");
        assert_eq!(c.token_cookie(), "__Host-pa_token");
    }

    #[test]
    fn one_variable_chooses_the_database() {
        let load = |url| Database::load(&vars(&[("db_url", url)]));
        assert_eq!(
            load("postgres://u@db:5432/pulse"),
            Ok(Database::Postgres("postgres://u@db:5432/pulse".into()))
        );
        assert_eq!(load(""), Ok(Database::Sqlite));
        assert_eq!(load("sqlite"), Ok(Database::Sqlite));
        for bad in ["postgres", "mysql://db/x"] {
            assert!(
                matches!(load(bad), Err(ConfigError::Invalid { ref name, .. }) if name == "db_url"),
                "{bad:?}"
            );
        }
        assert_eq!(
            Config::load(&vars(&[("mode", "staging")]))
                .err()
                .map(|e| e.to_string()),
            Some("variable `mode` is invalid: expected `local` or `production`".into())
        );
    }
}
