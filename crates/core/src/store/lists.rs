//! Several lists in one statement: each list becomes one JSON column (an array of rows, each
//! row an array of values), so a page that shows licenses, tenants and invoices pays for one
//! round trip instead of one per list. The rows come back as ordinary [`Row`]s, so every list
//! keeps the decoder it uses on its own.
//!
//! The SQL is the same on both dialects but for the JSON functions' names: Postgres'
//! `json_agg(json_build_array(...) ORDER BY ...)`, SQLite's `json_group_array(json_array(...)
//! ORDER BY ...)` (SQLite 3.44 and later, which every Spin 3 and 4 bundles). A bounded list
//! selects its page in a subquery first; its order must then be made of selected columns, so
//! the aggregate can order the page by the same columns.

use crate::db::{Db, DbError, Dialect, Row, Value};

/// One list of a combined read.
#[derive(Debug, Clone, Copy)]
pub struct List<'a> {
    /// The selected expressions, in the order its decoder reads them.
    pub columns: &'a [&'a str],
    /// `table alias [JOIN ...] WHERE ...`, with `$n` placeholders shared by every list.
    pub from: &'a str,
    /// The list's order, in terms of `from`'s tables.
    pub order_by: &'a str,
    /// A placeholder (`$3`) or literal bounding the list, if any.
    pub limit: Option<&'a str>,
}

impl List<'_> {
    /// This list as one scalar subquery yielding a JSON array (as text) in `dialect`.
    fn expression(&self, dialect: Dialect) -> String {
        let (row, source, order) = match self.limit {
            None => (
                self.columns.join(", "),
                self.from.to_string(),
                self.order_by.to_string(),
            ),
            Some(limit) => {
                let (inner, outer) = self.aliased();
                (
                    outer.join(", "),
                    format!(
                        "(SELECT {} FROM {} ORDER BY {} LIMIT {limit}) AS x",
                        inner.join(", "),
                        self.from,
                        self.order_by
                    ),
                    self.outer_order(),
                )
            }
        };
        match dialect {
            Dialect::Postgres => format!(
                "(SELECT COALESCE(json_agg(json_build_array({row}) ORDER BY {order}), '[]'::json)::text FROM {source})"
            ),
            Dialect::Sqlite => {
                format!(
                    "(SELECT json_group_array(json_array({row}) ORDER BY {order}) FROM {source})"
                )
            }
        }
    }

    /// The order of a bounded list in terms of its subquery's columns (`x.c0`, ...): each
    /// selected expression named in `order_by` is replaced by its alias, longest first so that
    /// `i.id` does not clip `i.id_number`.
    fn outer_order(&self) -> String {
        let mut by_length: Vec<(usize, &str)> = self.columns.iter().copied().enumerate().collect();
        by_length.sort_by_key(|(_, c)| std::cmp::Reverse(c.len()));
        let mut order = self.order_by.to_string();
        // Placeholders first, so an alias never matches a later, shorter column name.
        for (i, column) in &by_length {
            order = order.replace(column, &format!("\u{0}{i}\u{0}"));
        }
        let mut out = String::with_capacity(order.len());
        for (n, part) in order.split('\u{0}').enumerate() {
            if n % 2 == 1 {
                out.push_str("x.c");
            }
            out.push_str(part);
        }
        out
    }
}

impl List<'_> {
    /// This list alone as a plain `SELECT`, one row per item.
    fn select_sql(&self) -> String {
        let limit = self
            .limit
            .map(|l| format!(" LIMIT {l}"))
            .unwrap_or_default();
        format!(
            "SELECT {} FROM {} ORDER BY {}{limit}",
            self.columns.join(", "),
            self.from,
            self.order_by
        )
    }
}

/// The most items of one kind a page of the portal shows, as the SQL literal its lists are
/// bounded by ([`List::limit`]): a list that reaches it says so, and the API lists every item,
/// a page at a time (see [`Page`]).
pub const SHOWN: &str = "200";
/// [`SHOWN`] as a count.
pub const SHOWN_MAX: usize = 200;

/// How many items a page of a list holds at most, and when the caller does not say.
pub const PAGE_MAX: i64 = 100;

/// One page of a list, asked for by cursor the way every list of the API pages: at most
/// `limit` items, those after the item `starting_after` (an id of the same list; an id that is
/// not in it has nothing after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Items wanted, 1 to [`PAGE_MAX`].
    pub limit: i64,
    /// The id of the last item already seen.
    pub starting_after: Option<String>,
}

impl Page {
    /// Reads a page from the query's `limit` (a whole number from 1 to `max`, `default` when
    /// absent) and `starting_after`. Any other `limit` is a 422 naming it, and so is a
    /// `starting_after` holding a NUL or another control character, which no id holds and no
    /// database compares (Postgres refuses a NUL in text outright).
    pub fn from_query(
        limit: Option<&str>,
        starting_after: Option<String>,
        default: i64,
        max: i64,
    ) -> Result<Self, crate::AppError> {
        let limit = match limit {
            None => default,
            Some(l) => l
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    crate::error::invalid(
                        "limit",
                        &format!("limit must be a whole number from 1 to {max}."),
                    )
                })?,
        };
        let starting_after = starting_after.filter(|s| !s.is_empty());
        if starting_after
            .as_deref()
            .is_some_and(|s| s.chars().any(char::is_control))
        {
            return Err(crate::error::invalid(
                "starting_after",
                "starting_after must be the id of an item of this list; ids never hold control characters.",
            ));
        }
        Ok(Self {
            limit,
            starting_after,
        })
    }
}

impl List<'_> {
    /// The columns named `c0, c1, ...` in a subquery `x`, and read back from it.
    fn aliased(&self) -> (Vec<String>, Vec<String>) {
        let inner = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} AS c{i}"))
            .collect();
        let outer = (0..self.columns.len()).map(|i| format!("x.c{i}")).collect();
        (inner, outer)
    }

    /// This list's page as a plain `SELECT`: the rows numbered in the list's order (its first
    /// column, the items' id, breaking ties), those after the cursor's number, `$limit` of them.
    /// The list's own bound, if any, gives way to the page's.
    fn page_sql(&self, limit: usize, cursor: Option<usize>) -> String {
        let key = self.columns.first().copied().unwrap_or("1");
        let (inner, outer) = self.aliased();
        let after = cursor
            .map(|n| format!(" WHERE x.rn > (SELECT c.rn FROM x c WHERE c.c0 = ${n})"))
            .unwrap_or_default();
        format!(
            "WITH x AS (SELECT {}, ROW_NUMBER() OVER (ORDER BY {}, {key}) AS rn FROM {}) \
             SELECT {} FROM x{after} ORDER BY x.rn LIMIT ${limit}",
            inner.join(", "),
            self.order_by,
            self.from,
            outer.join(", "),
        )
    }
}

/// Reads one page of a list (see [`Page`]), each row through `decode`, and whether more items
/// follow it. `params` are the list's own; the page's follow them.
pub fn page<T>(
    db: &dyn Db,
    list: List<'_>,
    params: &[Value],
    page: &Page,
    decode: fn(&Row) -> Result<T, DbError>,
) -> Result<(Vec<T>, bool), DbError> {
    let mut all = params.to_vec();
    all.push((page.limit + 1).into());
    let limit_at = all.len();
    let cursor_at = page.starting_after.as_deref().map(|c| {
        all.push(c.into());
        all.len()
    });
    let mut items = db
        .query(&list.page_sql(limit_at, cursor_at), &all)?
        .iter()
        .map(decode)
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() as i64 > page.limit;
    items.truncate(usize::try_from(page.limit).unwrap_or(0));
    Ok((items, more))
}

/// A page of a list that is bounded by nature and already in memory (a catalog): the same
/// answer [`page`] gives, `id` naming each item.
pub fn page_of<T>(items: Vec<T>, page: &Page, id: fn(&T) -> &str) -> (Vec<T>, bool) {
    let start = match page.starting_after.as_deref() {
        None => 0,
        Some(cursor) => items
            .iter()
            .position(|item| id(item) == cursor)
            .map_or(items.len(), |i| i + 1),
    };
    let limit = usize::try_from(page.limit).unwrap_or(0);
    let rest: Vec<T> = items.into_iter().skip(start).collect();
    let more = rest.len() > limit;
    (rest.into_iter().take(limit).collect(), more)
}

/// Reads one list on its own, each row through `decode`.
pub fn select<T>(
    db: &dyn Db,
    list: List<'_>,
    params: &[Value],
    decode: fn(&Row) -> Result<T, DbError>,
) -> Result<Vec<T>, DbError> {
    db.query(&list.select_sql(), params)?
        .iter()
        .map(decode)
        .collect()
}

/// Runs every list in one statement and returns each list's rows, in order.
pub fn read<const N: usize>(
    db: &dyn Db,
    lists: [List<'_>; N],
    params: &[Value],
) -> Result<[Vec<Row>; N], DbError> {
    let dialect = db.dialect();
    let columns: Vec<String> = lists.iter().map(|l| l.expression(dialect)).collect();
    let rows = db.query(&format!("SELECT {}", columns.join(", ")), params)?;
    let row = rows
        .first()
        .ok_or_else(|| DbError::Decode("a combined read returned no row".into()))?;
    let mut out: [Vec<Row>; N] = std::array::from_fn(|_| Vec::new());
    for (i, list) in out.iter_mut().enumerate() {
        // An empty list is `[]` on Postgres (COALESCE) and on SQLite (json_group_array).
        let json = row.opt_text(i)?.unwrap_or_else(|| "[]".into());
        *list = decode(&json).map_err(|e| DbError::Decode(format!("list {i}: {e}")))?;
    }
    Ok(out)
}

/// Parses `[[v, ...], ...]` into rows.
fn decode(json: &str) -> Result<Vec<Row>, String> {
    let rows: Vec<Vec<serde_json::Value>> =
        serde_json::from_str(json).map_err(|e| e.to_string())?;
    rows.into_iter()
        .map(|values| {
            values
                .into_iter()
                .map(value)
                .collect::<Result<_, _>>()
                .map(Row)
        })
        .collect()
}

fn value(v: serde_json::Value) -> Result<Value, String> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Int(i64::from(b)),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Real(
                n.as_f64()
                    .ok_or_else(|| format!("number {n} out of range"))?,
            ),
        },
        J::String(s) => Value::Text(s),
        other => return Err(format!("unexpected value {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: List<'static> = List {
        columns: &["t.id", "t.n"],
        from: "things t WHERE t.owner = $1",
        order_by: "t.n DESC",
        limit: Some("$2"),
    };

    #[test]
    fn a_bounded_list_orders_its_page_by_the_selected_columns() {
        assert_eq!(
            LIST.expression(Dialect::Postgres),
            "(SELECT COALESCE(json_agg(json_build_array(x.c0, x.c1) ORDER BY x.c1 DESC), '[]'::json)::text \
             FROM (SELECT t.id AS c0, t.n AS c1 FROM things t WHERE t.owner = $1 ORDER BY t.n DESC LIMIT $2) AS x)"
        );
        assert_eq!(
            LIST.expression(Dialect::Sqlite),
            "(SELECT json_group_array(json_array(x.c0, x.c1) ORDER BY x.c1 DESC) \
             FROM (SELECT t.id AS c0, t.n AS c1 FROM things t WHERE t.owner = $1 ORDER BY t.n DESC LIMIT $2) AS x)"
        );
    }

    #[test]
    fn an_unbounded_list_aggregates_straight_from_its_tables() {
        let list = List {
            limit: None,
            ..LIST
        };
        assert_eq!(
            list.expression(Dialect::Sqlite),
            "(SELECT json_group_array(json_array(t.id, t.n) ORDER BY t.n DESC) FROM things t WHERE t.owner = $1)"
        );
    }

    #[test]
    fn the_outer_order_replaces_longer_columns_first() {
        let list = List {
            columns: &["i.id", "i.id_number", "i.issued_at"],
            from: "invoices i",
            order_by: "i.issued_at DESC, i.id_number, i.id DESC",
            limit: Some("5"),
        };
        assert_eq!(list.outer_order(), "x.c2 DESC, x.c1, x.c0 DESC");
    }

    #[test]
    fn a_page_numbers_the_rows_in_the_lists_order_and_starts_after_the_cursor() {
        assert_eq!(
            LIST.page_sql(2, Some(3)),
            "WITH x AS (SELECT t.id AS c0, t.n AS c1, ROW_NUMBER() OVER (ORDER BY t.n DESC, t.id) AS rn \
             FROM things t WHERE t.owner = $1) SELECT x.c0, x.c1 FROM x \
             WHERE x.rn > (SELECT c.rn FROM x c WHERE c.c0 = $3) ORDER BY x.rn LIMIT $2"
        );
        assert!(!LIST.page_sql(2, None).contains("WHERE x.rn"));
    }

    #[test]
    fn the_shown_bound_is_one_number() {
        assert_eq!(SHOWN.parse::<usize>().ok(), Some(SHOWN_MAX));
    }

    #[test]
    fn pages_take_a_bounded_limit_and_a_cursor() {
        let page = |l: Option<&str>| Page::from_query(l, Some("a".into()), 10, 100);
        assert_eq!(page(None).ok().map(|p| p.limit), Some(10));
        assert_eq!(page(Some("100")).ok().map(|p| p.limit), Some(100));
        for bad in ["0", "-1", "101", "100000", "abc", "1e3", ""] {
            assert!(
                matches!(page(Some(bad)), Err(crate::AppError::Invalid { .. })),
                "{bad}"
            );
        }
        for bad in ["a\u{0}b", "\u{0}", "a\u{1b}"] {
            assert!(
                matches!(
                    Page::from_query(None, Some(bad.into()), 10, 100),
                    Err(crate::AppError::Invalid { .. })
                ),
                "{bad:?}"
            );
        }
        let items = vec!["a", "b", "c"];
        let two = Page {
            limit: 2,
            starting_after: None,
        };
        assert_eq!(page_of(items.clone(), &two, |s| *s), (vec!["a", "b"], true));
        let after_a = Page {
            starting_after: Some("a".into()),
            ..two.clone()
        };
        assert_eq!(
            page_of(items.clone(), &after_a, |s| *s),
            (vec!["b", "c"], false)
        );
        let unknown = Page {
            starting_after: Some("zz".into()),
            ..two
        };
        assert_eq!(page_of(items, &unknown, |s| *s), (vec![], false));
    }

    #[test]
    fn rows_decode_to_the_values_a_driver_would_give() {
        let rows = decode(r#"[["a", 1, null, true, 1.5], ["b", -2, "x", false, 0.25]]"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].text(0).ok(), Some("a".into()));
        assert_eq!(rows[0].int(1).ok(), Some(1));
        assert_eq!(rows[0].opt_text(2).ok(), Some(None));
        assert_eq!(rows[0].flag(3).ok(), Some(true));
        assert_eq!(rows[1].flag(3).ok(), Some(false));
        assert_eq!(rows[1].int(1).ok(), Some(-2));
        assert!(decode("[[{}]]").is_err());
        assert!(decode("not json").is_err());
    }
}
