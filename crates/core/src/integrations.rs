//! The integrations catalog, kept as data: what each integration is and the fields it is
//! configured with. Secret fields are written and passed on, never shown again; leaving one
//! empty keeps the value already stored.

use std::collections::BTreeMap;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// An `https://` URL.
    Url,
    /// An email address.
    Email,
    /// A secret: write-only.
    Secret,
    /// One of the listed values.
    Choice(&'static [&'static str]),
}

/// A configuration field.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Form and storage name.
    pub name: &'static str,
    /// Label.
    pub label: &'static str,
    /// What it holds.
    pub kind: Kind,
}

/// A catalog entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// Key in paths and storage.
    pub key: &'static str,
    /// Name.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Its fields, all required.
    pub fields: &'static [Field],
}

/// Every integration a workspace can turn on.
pub const CATALOG: &[Entry] = &[
    Entry {
        key: "matrix",
        name: "Matrix",
        description: "Your workspace room for support conversations with our team.",
        fields: &[
            Field {
                name: "homeserver",
                label: "Homeserver URL",
                kind: Kind::Url,
            },
            Field {
                name: "room",
                label: "Room id",
                kind: Kind::Text,
            },
            Field {
                name: "access_token",
                label: "Access token",
                kind: Kind::Secret,
            },
        ],
    },
    Entry {
        key: "sso",
        name: "Single sign-on",
        description: "Sign in to the workspace with your company's OpenID provider.",
        fields: &[
            Field {
                name: "issuer",
                label: "Issuer URL",
                kind: Kind::Url,
            },
            Field {
                name: "client_id",
                label: "Client id",
                kind: Kind::Text,
            },
            Field {
                name: "client_secret",
                label: "Client secret",
                kind: Kind::Secret,
            },
        ],
    },
    Entry {
        key: "accounting_export",
        name: "Accounting export",
        description: "Scheduled exports of invoices and journals to your accountant.",
        fields: &[
            Field {
                name: "email",
                label: "Accountant's email",
                kind: Kind::Email,
            },
            Field {
                name: "schedule",
                label: "Schedule",
                kind: Kind::Choice(&["weekly", "monthly"]),
            },
        ],
    },
    Entry {
        key: "backups",
        name: "Off-site backups",
        description: "Daily encrypted backups of the workspace copied to your own S3 bucket.",
        fields: &[
            Field {
                name: "bucket_url",
                label: "Bucket URL",
                kind: Kind::Url,
            },
            Field {
                name: "access_key",
                label: "Access key id",
                kind: Kind::Text,
            },
            Field {
                name: "secret_key",
                label: "Secret access key",
                kind: Kind::Secret,
            },
        ],
    },
];

/// The catalog entry `key` names.
pub fn entry(key: &str) -> Option<&'static Entry> {
    CATALOG.iter().find(|e| e.key == key)
}

/// Settings and secrets to store.
pub type Checked = (BTreeMap<String, String>, BTreeMap<String, String>);

/// Checks what was sent for `entry`: every field is required, a secret already stored may be
/// left empty to keep it. Returns the settings and the secrets to store (the kept ones
/// included), or each field that is wrong and why.
pub fn check(
    entry: &Entry,
    input: &BTreeMap<String, String>,
    stored_secrets: &BTreeMap<String, String>,
) -> Result<Checked, Vec<(String, String)>> {
    let mut settings = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    let mut errors = Vec::new();
    for f in entry.fields {
        let value = input.get(f.name).map(|v| v.trim()).unwrap_or_default();
        let problem = if value.chars().count() > 500 || value.chars().any(char::is_control) {
            Some(format!("{}: at most 500 characters, on one line.", f.label))
        } else if value.is_empty() {
            match (f.kind, stored_secrets.get(f.name)) {
                (Kind::Secret, Some(kept)) => {
                    secrets.insert(f.name.to_string(), kept.clone());
                    continue;
                }
                _ => Some(format!("Enter the {}.", f.label.to_lowercase())),
            }
        } else {
            match f.kind {
                Kind::Url if !value.starts_with("https://") || value.len() < 12 => {
                    Some(format!("{} must be an https:// address.", f.label))
                }
                Kind::Email if crate::store::users::normalize_email(value).is_none() => {
                    Some(format!("{} must be an email address.", f.label))
                }
                Kind::Choice(options) if !options.contains(&value) => Some(format!(
                    "Choose {} for {}.",
                    options.join(" or "),
                    f.label.to_lowercase()
                )),
                _ => None,
            }
        };
        match problem {
            Some(why) => errors.push((f.name.to_string(), why)),
            None if f.kind == Kind::Secret => {
                secrets.insert(f.name.to_string(), value.to_string());
            }
            None => {
                settings.insert(f.name.to_string(), value.to_string());
            }
        }
    }
    if errors.is_empty() {
        Ok((settings, secrets))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_field_is_checked_and_a_stored_secret_is_kept_when_left_empty() {
        assert!(entry("matrix").is_some(), "matrix is in the catalog");
        let Some(matrix) = entry("matrix") else {
            return;
        };
        let sent = map(&[
            ("homeserver", "http://x"),
            ("room", ""),
            ("access_token", ""),
        ]);
        let errors = check(matrix, &sent, &BTreeMap::new())
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["homeserver", "room", "access_token"]);

        let sent = map(&[
            ("homeserver", "https://matrix.example"),
            ("room", "!r:example"),
            ("access_token", ""),
        ]);
        let stored = map(&[("access_token", "kept")]);
        let (settings, secrets) = check(matrix, &sent, &stored).unwrap_or_default();
        assert_eq!(settings.get("room").map(String::as_str), Some("!r:example"));
        assert_eq!(
            secrets.get("access_token").map(String::as_str),
            Some("kept")
        );
        assert!(
            !settings.contains_key("access_token"),
            "secrets never land in settings"
        );
    }
}
