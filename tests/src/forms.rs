//! What a browser would read off the portal's pages: the links a signed-in person can follow and
//! the post forms with the fields they send, plus a snapshot of every table's rows to check that
//! a refused request changed nothing.

use anyhow::Result;

use crate::app::TestApp;

/// One field a form sends, as the page fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field's name.
    pub name: String,
    /// The value the page gives it (a select's chosen option, a textarea's text).
    pub value: String,
    /// Whether the page asks for a number (`type="number"`, `inputmode="numeric"`, a `min` or
    /// `max`, or a value that reads as one).
    pub numeric: bool,
}

/// A `<form method="post">` of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostForm {
    /// The page it was found on.
    pub page: String,
    /// Where it posts (the page itself when the form names no action).
    pub action: String,
    /// What it sends, in the page's order, the CSRF token left out.
    pub fields: Vec<Field>,
}

/// Undoes the escapes the pages' templates write (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`).
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// An attribute's value in one start tag (`name="value"`), unescaped.
pub fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + end]))
}

/// Whether a start tag carries a boolean attribute (`checked`, `selected`).
fn has_flag(tag: &str, name: &str) -> bool {
    tag.split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .any(|word| word == name)
}

/// The start tags named `name` in `html`, each from `<` to just before its `>`, with where it
/// ends.
fn start_tags<'a>(html: &'a str, name: &str) -> Vec<(&'a str, usize)> {
    let open = format!("<{name}");
    html.match_indices(&open)
        .filter(|(i, _)| {
            html[i + open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_whitespace() || c == '>')
        })
        .filter_map(|(i, _)| {
            let end = i + html[i..].find('>')?;
            Some((&html[i..end], end + 1))
        })
        .collect()
}

/// Every same-site link on a page (`href="/..."`), unescaped, without its fragment.
pub fn links(html: &str) -> Vec<String> {
    html.match_indices(" href=\"/")
        .filter_map(|(i, _)| {
            let start = i + " href=\"".len();
            let end = start + html[start..].find('"')?;
            let link = unescape(&html[start..end]);
            let link = link.split('#').next().unwrap_or_default().to_string();
            (!link.starts_with("//")).then_some(link)
        })
        .collect()
}

/// The fields one form's inner HTML sends as the page fills it in: named inputs (checkboxes
/// only when checked, one value per radio group), selects with their chosen option, textareas,
/// and the first named submit button.
fn fields(inner: &str) -> Vec<Field> {
    let mut controls: Vec<(usize, Field)> = Vec::new();
    let mut radios: Vec<String> = Vec::new();
    let mut button = false;
    let numeric_tag = |tag: &str, value: &str| {
        attribute(tag, "type").as_deref() == Some("number")
            || attribute(tag, "inputmode").as_deref() == Some("numeric")
            || attribute(tag, "min").is_some()
            || attribute(tag, "max").is_some()
            || (!value.is_empty() && value.parse::<f64>().is_ok())
    };
    for (tag, end) in start_tags(inner, "input") {
        let Some(name) = attribute(tag, "name") else {
            continue;
        };
        let kind = attribute(tag, "type").unwrap_or_else(|| "text".into());
        let value = attribute(tag, "value").unwrap_or_default();
        match kind.as_str() {
            "checkbox" if !has_flag(tag, "checked") => continue,
            "radio" => {
                if radios.contains(&name) {
                    // A checked radio later in the group replaces the first one.
                    if has_flag(tag, "checked")
                        && let Some((_, f)) = controls.iter_mut().find(|(_, f)| f.name == name)
                    {
                        f.value = value;
                    }
                    continue;
                }
                radios.push(name.clone());
            }
            "submit" | "button" | "image" | "reset" => {
                if button || kind != "submit" {
                    continue;
                }
                button = true;
            }
            _ => {}
        }
        let numeric = numeric_tag(tag, &value);
        controls.push((
            end,
            Field {
                name,
                value,
                numeric,
            },
        ));
    }
    for (tag, end) in start_tags(inner, "select") {
        let Some(name) = attribute(tag, "name") else {
            continue;
        };
        let body = &inner[end..];
        let body = &body[..body.find("</select>").unwrap_or(body.len())];
        let options = start_tags(body, "option");
        let chosen = options
            .iter()
            .find(|(t, _)| has_flag(t, "selected"))
            .or_else(|| options.first())
            .map(|(t, _)| attribute(t, "value").unwrap_or_default())
            .unwrap_or_default();
        let numeric = numeric_tag(tag, &chosen);
        controls.push((
            end,
            Field {
                name,
                value: chosen,
                numeric,
            },
        ));
    }
    for (tag, end) in start_tags(inner, "textarea") {
        let Some(name) = attribute(tag, "name") else {
            continue;
        };
        let body = &inner[end..];
        let text = unescape(&body[..body.find("</textarea>").unwrap_or(0)]);
        controls.push((
            end,
            Field {
                name,
                value: text,
                numeric: false,
            },
        ));
    }
    for (tag, end) in start_tags(inner, "button") {
        if button {
            break;
        }
        if attribute(tag, "type").is_some_and(|t| t != "submit") {
            continue;
        }
        if let Some(name) = attribute(tag, "name") {
            button = true;
            let value = attribute(tag, "value").unwrap_or_default();
            controls.push((
                end,
                Field {
                    name,
                    value,
                    numeric: false,
                },
            ));
        }
    }
    controls.sort_by_key(|(at, _)| *at);
    controls.into_iter().map(|(_, f)| f).collect()
}

/// Every `<form method="post">` on `html`, with the fields it sends (the CSRF token left out;
/// a form without an action posts to the page itself).
pub fn post_forms(html: &str, page: &str) -> Vec<PostForm> {
    start_tags(html, "form")
        .into_iter()
        .filter(|(tag, _)| attribute(tag, "method").is_some_and(|m| m.eq_ignore_ascii_case("post")))
        .map(|(tag, end)| {
            let rest = &html[end..];
            let inner = &rest[..rest.find("</form>").unwrap_or(rest.len())];
            PostForm {
                page: page.to_string(),
                action: attribute(tag, "action").unwrap_or_else(|| page.to_string()),
                fields: fields(inner)
                    .into_iter()
                    .filter(|f| f.name != "csrf")
                    .collect(),
            }
        })
        .collect()
}

/// Reads every row of every table, as text, on one connection kept for the whole test: what
/// "changed nothing" is checked against. A text value that is not UTF-8 (SQLite stores what it
/// is given) shows as `<not UTF-8: ...>`.
pub struct Snapshots {
    postgres: Option<postgres::Client>,
    sqlite: Option<rusqlite::Connection>,
    tables: Vec<String>,
}

impl Snapshots {
    /// Connects to the app's database and lists its tables.
    pub fn open(app: &TestApp) -> Result<Self> {
        let tables = app.tables()?;
        Ok(match &app.postgres {
            Some(db) => Self {
                postgres: Some(db.client()?),
                sqlite: None,
                tables,
            },
            None => Self {
                postgres: None,
                sqlite: Some(rusqlite::Connection::open(
                    app.host.state_dir().join("sqlite_db.db"),
                )?),
                tables,
            },
        })
    }

    /// Every row of every table as `table: values`, sorted.
    pub fn rows(&mut self) -> Result<Vec<String>> {
        let mut rows = Vec::new();
        if let Some(client) = self.postgres.as_mut() {
            for table in &self.tables {
                let q = format!("SELECT t::text FROM \"{table}\" t ORDER BY 1");
                for r in client.query(q.as_str(), &[])? {
                    rows.push(format!("{table}: {}", r.get::<_, String>(0)));
                }
            }
        }
        if let Some(conn) = self.sqlite.as_ref() {
            for table in &self.tables {
                let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
                let n = stmt.column_count();
                let mut table_rows: Vec<String> = stmt
                    .query_map([], |r| {
                        (0..n)
                            .map(|i| r.get_ref(i).map(sqlite_text))
                            .collect::<Result<Vec<_>, _>>()
                            .map(|v| v.join("|"))
                    })?
                    .collect::<Result<_, _>>()?;
                table_rows.sort();
                rows.extend(table_rows.into_iter().map(|r| format!("{table}: {r}")));
            }
        }
        rows.sort();
        Ok(rows)
    }
}

fn sqlite_text(v: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => format!("<not UTF-8: {}>", String::from_utf8_lossy(bytes)),
        },
        ValueRef::Blob(bytes) => format!("<{} bytes>", bytes.len()),
    }
}

/// The rows in `after` that are not in `before`, and those of `before` gone from `after`
/// (both sorted).
pub fn changed_rows<'a>(before: &'a [String], after: &'a [String]) -> Vec<&'a String> {
    let added = after.iter().filter(|r| before.binary_search(r).is_err());
    let removed = before.iter().filter(|r| after.binary_search(r).is_err());
    added.chain(removed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_send_what_a_browser_would() {
        let html = r#"<form method="post" action="/a?x=1&amp;y=2"><input type="hidden" name="csrf" value="t">
            <input type="hidden" name="id" value="ten_1"><input type="checkbox" name="off" value="1">
            <input type="checkbox" name="on" value="1" checked><input type="radio" name="r" value="a">
            <input type="radio" name="r" value="b" checked><input type="number" name="days" value="30">
            <select name="role"><option value="member">M</option><option value="admin" selected>A</option></select>
            <textarea name="note">a &amp; b</textarea><button name="go" value="yes">Go</button><button name="no">No</button></form>
            <form method="get" action="/search"><input name="q"></form><form method="post"></form>"#;
        let forms = post_forms(html, "/page");
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[0].action, "/a?x=1&y=2");
        let sent: Vec<(&str, &str, bool)> = forms[0]
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str(), f.numeric))
            .collect();
        assert_eq!(
            sent,
            [
                ("id", "ten_1", false),
                ("on", "1", true),
                ("r", "b", false),
                ("days", "30", true),
                ("role", "admin", false),
                ("note", "a & b", false),
                ("go", "yes", false),
            ]
        );
        assert_eq!(forms[1].action, "/page");
        assert!(forms[1].fields.is_empty());
        assert_eq!(
            links(
                r##"<a href="/x?a=1&amp;b=2#top">x</a><a href="//evil">e</a><a href="https://x">y</a>"##
            ),
            ["/x?a=1&b=2"]
        );
    }
}
