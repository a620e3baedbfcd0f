//! The one adapter between the domain and Spin: variables, SQL (SQLite or Postgres), key-value,
//! HTTP request/response conversion, the `pulse:account/session` import, and the per-request
//! context handlers receive.

use std::cell::OnceCell;

use spin_sdk::http as sh;
use spin_sdk::{key_value, pg3, sqlite, variables};

use crate::config::{Config, ConfigError, Database, Vars};
use crate::db::{Db, DbError, Dialect, Row, Value, to_sqlite_placeholders};
use crate::error::AppError;
use crate::forward::Outcome;
use crate::http::{Method, Request, Response};
use crate::i18n::{Locale, Reader};
use crate::identity::Identity;
#[cfg(feature = "session-client")]
use crate::identity::{Newcomer, Person};
use crate::views::{Nav, Shell};
use crate::zone::Zone;

/// The session signing keys from `session_keys`; a development key (`kid` starting with
/// `dev`) is refused in production, so nothing is signed or trusted with it there.
pub fn session_key_ring(production: bool) -> Result<crate::token::KeyRing, String> {
    let spec = variables::get("session_keys")
        .map_err(|_| "variable `session_keys` is not set".to_string())?;
    let ring = crate::token::KeyRing::parse(&spec).map_err(|e| e.to_string())?;
    if production && ring.has_development_key() {
        return Err(
            "variable `session_keys` holds a development key (kid starting with `dev`) in production"
                .into(),
        );
    }
    Ok(ring)
}

/// The license signing keys from `license_keys`, read only by the routes that sign or publish
/// them. Missing keys, or a development key (`kid` starting with `dev`) in production, are a
/// 503 naming the variable, so no license key is ever signed with a development key there.
pub fn license_key_ring(production: bool) -> Result<crate::license::LicenseKeyRing, AppError> {
    let spec = variables::get("license_keys").unwrap_or_default();
    let ring = crate::license::LicenseKeyRing::parse(&spec)
        .map_err(|e| AppError::Unavailable(e.to_string()))?;
    if production && ring.has_development_key() {
        return Err(AppError::Unavailable(
            "variable `license_keys` holds a development key (kid starting with `dev`) in production"
                .into(),
        ));
    }
    Ok(ring)
}

/// Spin variables of the running component.
pub struct SpinVars;

impl Vars for SpinVars {
    fn var(&self, name: &str) -> Result<String, ConfigError> {
        variables::get(name).map_err(|e| match e {
            variables::Error::Undefined(_) | variables::Error::InvalidName(_) => {
                ConfigError::Missing(name.to_string())
            }
            variables::Error::Provider(m) | variables::Error::Other(m) => ConfigError::Provider(m),
        })
    }
}

/// A connection to the configured database.
pub enum SpinDb {
    /// Spin's SQLite database `default`.
    Sqlite(sqlite::Connection),
    /// A Postgres connection.
    Postgres(pg3::Connection),
}

/// Opens the database `db_url` names (read here, so requests that open none never read it).
pub fn open_db() -> Result<SpinDb, AppError> {
    match Database::load(&SpinVars)? {
        Database::Sqlite => sqlite::Connection::open("default")
            .map(SpinDb::Sqlite)
            .map_err(|e| DbError::Unavailable(format!("sqlite: {e:?}")).into()),
        Database::Postgres(url) => pg3::Connection::open(&url)
            .map(SpinDb::Postgres)
            .map_err(|e| DbError::Unavailable(format!("postgres: {}", pg_message(&e))).into()),
    }
}

fn pg_message(e: &pg3::PgError) -> String {
    match e {
        pg3::PgError::ConnectionFailed(m)
        | pg3::PgError::BadParameter(m)
        | pg3::PgError::QueryFailed(m)
        | pg3::PgError::ValueConversionFailed(m)
        | pg3::PgError::Other(m) => m.clone(),
    }
}

fn pg_error(e: pg3::PgError) -> DbError {
    match e {
        pg3::PgError::ConnectionFailed(m) => DbError::Unavailable(m),
        pg3::PgError::QueryFailed(m) if connection_lost(&m) => DbError::Unavailable(m),
        pg3::PgError::QueryFailed(m) if m.contains("duplicate key") || m.contains("violates") => {
            DbError::Constraint(m)
        }
        other => DbError::Query(pg_message(&other)),
    }
}

/// Whether a failed statement failed because the server went away (the connection closed or
/// broke, or the server is shutting down or not accepting connections) rather than because of
/// the statement: the request is then a 503, like a failure to connect.
fn connection_lost(message: &str) -> bool {
    const LOST: [&str; 7] = [
        "kind: Closed",
        "kind: Io",
        "connection closed",
        "E57P01", // admin_shutdown: the backend was terminated
        "E57P02", // crash_shutdown
        "E57P03", // cannot_connect_now
        "E08006", // connection_failure
    ];
    LOST.iter().any(|s| message.contains(s))
}

fn sqlite_error(e: sqlite::Error) -> DbError {
    match e {
        sqlite::Error::Io(m) if m.contains("constraint failed") => DbError::Constraint(m),
        sqlite::Error::Io(m) => DbError::Query(m),
        other => DbError::Unavailable(format!("{other:?}")),
    }
}

fn to_sqlite(v: &Value) -> sqlite::Value {
    match v {
        Value::Null => sqlite::Value::Null,
        Value::Int(n) => sqlite::Value::Integer(*n),
        Value::Real(f) => sqlite::Value::Real(*f),
        Value::Text(s) => sqlite::Value::Text(s.clone()),
        Value::Blob(b) => sqlite::Value::Blob(b.clone()),
    }
}

fn from_sqlite(v: &sqlite::Value) -> Value {
    match v {
        sqlite::Value::Null => Value::Null,
        sqlite::Value::Integer(n) => Value::Int(*n),
        sqlite::Value::Real(f) => Value::Real(*f),
        sqlite::Value::Text(s) => Value::Text(s.clone()),
        sqlite::Value::Blob(b) => Value::Blob(b.clone()),
    }
}

fn to_pg(v: &Value) -> pg3::ParameterValue {
    match v {
        Value::Null => pg3::ParameterValue::DbNull,
        Value::Int(n) => pg3::ParameterValue::Int64(*n),
        Value::Real(f) => pg3::ParameterValue::Floating64(*f),
        Value::Text(s) => pg3::ParameterValue::Str(s.clone()),
        Value::Blob(b) => pg3::ParameterValue::Binary(b.clone()),
    }
}

fn from_pg(v: &pg3::DbValue) -> Value {
    match v {
        pg3::DbValue::Boolean(b) => Value::Int(i64::from(*b)),
        pg3::DbValue::Int8(n) => Value::Int(i64::from(*n)),
        pg3::DbValue::Int16(n) => Value::Int(i64::from(*n)),
        pg3::DbValue::Int32(n) => Value::Int(i64::from(*n)),
        pg3::DbValue::Int64(n) => Value::Int(*n),
        pg3::DbValue::Floating32(f) => Value::Real(f64::from(*f)),
        pg3::DbValue::Floating64(f) => Value::Real(*f),
        pg3::DbValue::Str(s) => Value::Text(s.clone()),
        pg3::DbValue::Binary(b) => Value::Blob(b.clone()),
        _ => Value::Null,
    }
}

impl Db for SpinDb {
    fn dialect(&self) -> Dialect {
        match self {
            SpinDb::Sqlite(_) => Dialect::Sqlite,
            SpinDb::Postgres(_) => Dialect::Postgres,
        }
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        match self {
            SpinDb::Sqlite(c) => {
                let params: Vec<_> = params.iter().map(to_sqlite).collect();
                let result = c
                    .execute(&to_sqlite_placeholders(sql), &params)
                    .map_err(sqlite_error)?;
                Ok(result
                    .rows
                    .iter()
                    .map(|r| Row(r.values.iter().map(from_sqlite).collect()))
                    .collect())
            }
            SpinDb::Postgres(c) => {
                let params: Vec<_> = params.iter().map(to_pg).collect();
                let set = c.query(sql, &params).map_err(pg_error)?;
                Ok(set
                    .rows
                    .iter()
                    .map(|r| Row(r.iter().map(from_pg).collect()))
                    .collect())
            }
        }
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match self {
            SpinDb::Sqlite(c) => {
                let params: Vec<_> = params.iter().map(to_sqlite).collect();
                c.execute(&to_sqlite_placeholders(sql), &params)
                    .map_err(sqlite_error)?;
                // Spin's SQLite interface does not report affected rows; ask SQLite.
                let changes = c.execute("SELECT changes()", &[]).map_err(sqlite_error)?;
                Ok(changes
                    .rows
                    .first()
                    .and_then(|r| match r.values.first() {
                        Some(sqlite::Value::Integer(n)) => Some(*n as u64),
                        _ => None,
                    })
                    .unwrap_or(0))
            }
            SpinDb::Postgres(c) => {
                let params: Vec<_> = params.iter().map(to_pg).collect();
                c.execute(sql, &params).map_err(pg_error)
            }
        }
    }
}

/// The `default` key-value store.
pub fn open_kv() -> Result<key_value::Store, AppError> {
    key_value::Store::open("default")
        .map_err(|e| AppError::Unavailable(format!("key-value store: {e:?}")))
}

/// The most a route takes in a body: the payment provider's and the provisioner's events may
/// be long, everything else a person or a script sends is short.
fn body_limit(path: &str) -> usize {
    if path.starts_with("/api/billing/webhooks/") || path.starts_with("/api/v1/provisioner/") {
        512 * 1024
    } else {
        64 * 1024
    }
}

/// Reads a WASI incoming request into the portal's request, body included up to the route's
/// limit; a larger body is not read past the limit, and the request answers 413.
async fn to_request(req: sh::IncomingRequest) -> Result<Request, (Request, AppError)> {
    let method = match req.method() {
        sh::Method::Get => Method::Get,
        sh::Method::Head => Method::Head,
        sh::Method::Post => Method::Post,
        sh::Method::Put => Method::Put,
        sh::Method::Patch => Method::Patch,
        sh::Method::Delete => Method::Delete,
        other => Method::Other(other.to_string()),
    };
    let path_with_query = req.path_with_query().unwrap_or_else(|| "/".into());
    let (path, query) = path_with_query
        .split_once('?')
        .unwrap_or((path_with_query.as_str(), ""));
    let headers: Vec<(String, String)> = req
        .headers()
        .entries()
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), String::from_utf8(v).ok()?)))
        .collect();
    let (path, query) = (path.to_string(), query.to_string());
    let limit = body_limit(&path);
    let declared = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let mut too_large = declared.is_some_and(|n| n > limit);
    let mut body = Vec::new();
    if !too_large {
        use futures::StreamExt;
        let mut stream = std::pin::pin!(req.into_body_stream());
        // A body that cannot be read is treated as what arrived; handlers then report the
        // missing input.
        while let Some(Ok(chunk)) = stream.next().await {
            body.extend(chunk);
            if body.len() > limit {
                too_large = true;
                body.clear();
                break;
            }
        }
    }
    let request = Request::new(method, &path, &query, headers, body);
    if too_large {
        Err((request, AppError::TooLarge(limit)))
    } else {
        Ok(request)
    }
}

/// Writes the portal's response, keeping repeated headers such as `Set-Cookie` apart (Spin's
/// simple response type would merge them).
async fn send_response(out: sh::ResponseOutparam, resp: Response) {
    let fields: Vec<(String, Vec<u8>)> = resp
        .headers
        .into_iter()
        .map(|(k, v)| (k, v.into_bytes()))
        .collect();
    let headers = sh::Headers::from_list(&fields).unwrap_or_else(|_| sh::Headers::new());
    let outgoing = sh::OutgoingResponse::new(headers);
    // Status codes come from this crate's own constants, always valid.
    let _ = outgoing.set_status_code(resp.status);
    // A client that went away mid-response cannot be answered; there is nothing left to do.
    let _ = out.set_with_body(outgoing, resp.body).await;
}

#[cfg(feature = "session-client")]
mod session_client {
    wit_bindgen::generate!({ world: "session-client", path: "../../wit" });
}

/// What the session component found the request's credential to prove.
#[cfg(feature = "session-client")]
enum Verified {
    /// A valid browser session token, still to be checked for liveness.
    Cookie {
        session_id: String,
        user_id: String,
        csrf_token: String,
    },
    /// A well-formed API token, by the hash it is stored under.
    ApiToken(String),
}

/// Everything a handler needs for one request: configuration, and the database and the
/// caller's identity, each fetched at most once and only when asked for.
pub struct Ctx {
    /// The shared configuration.
    pub config: Config,
    db: OnceCell<SpinDb>,
    #[cfg(feature = "session-client")]
    verified: OnceCell<Option<Verified>>,
    identity: OnceCell<Option<Identity>>,
    #[cfg(feature = "session-client")]
    newcomer: OnceCell<Newcomer>,
    /// The browser's `Accept-Language`, for pages whose reader chose no language.
    accept_language: Option<String>,
}

impl Ctx {
    /// Loads the configuration; a missing or unsafe setting is a 503. In production the
    /// session component also vets its signing keys before any request is served (its answer
    /// is kept, so a page that then asks who is calling pays for it once).
    pub fn load(req: &Request) -> Result<Self, AppError> {
        let ctx = Self {
            config: Config::load(&SpinVars)?,
            db: OnceCell::new(),
            #[cfg(feature = "session-client")]
            verified: OnceCell::new(),
            identity: OnceCell::new(),
            #[cfg(feature = "session-client")]
            newcomer: OnceCell::new(),
            accept_language: req.header("accept-language").map(str::to_string),
        };
        #[cfg(feature = "session-client")]
        if ctx.config.mode == crate::config::Mode::Production {
            ctx.verified(req)?;
        }
        #[cfg(not(feature = "session-client"))]
        let _ = req;
        Ok(ctx)
    }

    /// The database connection, opened on first use.
    pub fn db(&self) -> Result<&SpinDb, AppError> {
        if let Some(db) = self.db.get() {
            return Ok(db);
        }
        let db = open_db()?;
        Ok(self.db.get_or_init(|| db))
    }

    /// The shell for pages, with the caller if already resolved.
    pub fn shell(&self, active: Nav) -> Shell<'_> {
        let identity = self.identity.get().and_then(Option::as_ref);
        Shell {
            identity,
            active,
            local: self.config.is_local(),
            reader: self.reader(identity),
        }
    }

    /// How the caller reads: their language ([`Ctx::locale`]) and their chosen time zone.
    pub fn reader(&self, identity: Option<&Identity>) -> Reader {
        Reader {
            locale: self.locale(identity),
            zone: Zone::from_setting(identity.map_or("", |id| id.time_zone.as_str())),
        }
    }

    /// The language to answer in: the caller's own setting, else their browser's.
    pub fn locale(&self, identity: Option<&Identity>) -> Locale {
        Locale::negotiate(
            identity.map_or("", |id| id.language.as_str()),
            self.accept_language.as_deref(),
        )
    }

    /// Asks the session component to vet its signing keys (in production, that none is a
    /// development key): a 503 when they are missing or unsafe.
    #[cfg(feature = "session-client")]
    pub fn session_ready(&self, req: &Request) -> Result<(), AppError> {
        self.verified(req).map(|_| ())
    }

    /// What the request's credential proves, asked of the session component once per request.
    /// The signing keys being missing or unsafe is a 503.
    #[cfg(feature = "session-client")]
    fn verified(&self, req: &Request) -> Result<Option<&Verified>, AppError> {
        use session_client::pulse::account::session as s;
        if let Some(verified) = self.verified.get() {
            return Ok(verified.as_ref());
        }
        let credentials = s::Credentials {
            cookie: req.header("cookie").map(str::to_string),
            authorization: req.header("authorization").map(str::to_string),
        };
        let production = self.config.mode == crate::config::Mode::Production;
        // Nothing to verify: a signed-out visitor costs no call (and no key read), except in
        // production, where every request first has the keys vetted.
        if !production && credentials.cookie.is_none() && credentials.authorization.is_none() {
            return Ok(self.verified.get_or_init(|| None).as_ref());
        }
        let settings = s::Settings {
            public_origin: self.config.public_origin.clone(),
            production,
        };
        let verified = match s::verify(&credentials, &settings) {
            Ok(s::Verified::Cookie(b)) => Some(Verified::Cookie {
                session_id: b.session_id,
                user_id: b.user_id,
                csrf_token: b.csrf_token,
            }),
            Ok(s::Verified::ApiToken(hash)) => Some(Verified::ApiToken(hash)),
            Err(s::Failure::Missing | s::Failure::Invalid) => None,
            Err(s::Failure::Unavailable(why)) => return Err(AppError::Unavailable(why)),
        };
        Ok(self.verified.get_or_init(|| verified).as_ref())
    }

    /// Who is calling: the session component verifies the credential, then one statement on
    /// this request's own connection checks that the session (or API token) is still live and
    /// reads the user's memberships, so revoking a session or removing a member takes effect
    /// on the very next request.
    #[cfg(feature = "session-client")]
    pub fn identity(&self, req: &Request) -> Result<Option<&Identity>, AppError> {
        if let Some(id) = self.identity.get() {
            return Ok(id.as_ref());
        }
        let resolved = match self.verified(req)? {
            None => None,
            Some(Verified::Cookie {
                session_id,
                user_id,
                csrf_token,
            }) => {
                let now = crate::time::now_rfc3339();
                match crate::store::sessions::live(self.db()?, session_id, user_id, &now)? {
                    None => None,
                    Some(live) => {
                        let hint = req
                            .query_param("account")
                            .or_else(|| req.cookie("pa_account").map(str::to_string));
                        match live.into_identity(session_id, csrf_token, hint.as_deref()) {
                            Ok(identity) => Some(identity),
                            Err(newcomer) => {
                                let _ = self.newcomer.set(newcomer);
                                None
                            }
                        }
                    }
                }
            }
            Some(Verified::ApiToken(hash)) => {
                let db = self.db()?;
                match crate::store::api_tokens::holder(db, hash)? {
                    Some(holder) => {
                        // Last use is informational: failing to record it refuses nothing.
                        let _ =
                            crate::store::api_tokens::touch(db, &holder, crate::time::now_unix());
                        Some(holder.into_identity())
                    }
                    None => None,
                }
            }
        };
        Ok(self.identity.get_or_init(|| resolved).as_ref())
    }

    /// The caller, or `Unauthenticated` (a redirect to sign-in for pages, 401 for the API), or
    /// `NoAccount` for a signed-in person who belongs to no account yet (a redirect to the page
    /// that starts one).
    #[cfg(feature = "session-client")]
    pub fn require(&self, req: &Request) -> Result<&Identity, AppError> {
        match self.identity(req)? {
            Some(identity) => Ok(identity),
            None if self.newcomer.get().is_some() => Err(AppError::NoAccount),
            None => Err(AppError::Unauthenticated),
        }
    }

    /// Whoever is signed in, member of an account or not (the onboarding steps).
    #[cfg(feature = "session-client")]
    pub fn require_person(&self, req: &Request) -> Result<Person<'_>, AppError> {
        if let Some(identity) = self.identity(req)? {
            return Ok(Person::Member(identity));
        }
        self.newcomer
            .get()
            .map(Person::Newcomer)
            .ok_or(AppError::Unauthenticated)
    }

    /// Whoever is signed in and may write, CSRF-checked for cookie sessions.
    #[cfg(feature = "session-client")]
    pub fn require_person_writer(&self, req: &Request) -> Result<Person<'_>, AppError> {
        let person = self.require_person(req)?;
        crate::csrf::check_token(req, &self.config, person.csrf_token())?;
        if !person.can_write() {
            return Err(AppError::Forbidden(
                "This API token is read-only. Create a token with write scope to make changes."
                    .into(),
            ));
        }
        let writer = match &person {
            Person::Member(who) => format!("account:{}", who.account.account_id),
            Person::Newcomer(_) => format!("person:{}", person.user_id()),
        };
        limit_writes(&writer, 1)?;
        Ok(person)
    }

    /// Refuses unless the caller verified within the last ten minutes (asked of the session
    /// component, which owns that rule): destructive actions call this.
    #[cfg(feature = "session-client")]
    pub fn require_fresh_verification(&self, who: &Identity) -> Result<(), AppError> {
        use session_client::pulse::account::session as s;
        if s::recently_verified(who.verified_at, crate::identity::FRESH_VERIFICATION_SECONDS) {
            Ok(())
        } else {
            Err(AppError::VerificationRequired)
        }
    }

    /// The caller, who must be allowed to write (CSRF-checked for cookie sessions).
    #[cfg(feature = "session-client")]
    pub fn require_writer(&self, req: &Request) -> Result<&Identity, AppError> {
        let who = self.require(req)?;
        crate::csrf::check(req, &self.config, Some(who))?;
        if !who.can_write {
            return Err(AppError::Forbidden(
                "This API token is read-only. Create a token with write scope to make changes."
                    .into(),
            ));
        }
        limit_writes(&format!("account:{}", who.account.account_id), 1)?;
        Ok(who)
    }
}

/// How many more writes a client address may make than an account: several people, or an
/// office's worth of accounts, may share one address.
const WRITES_PER_ADDRESS: u32 = 5;

/// Counts a write against `who`'s allowance: `write_limit_per_minute` times `share` writes in
/// a minute, then 429 with the seconds to wait. The counter lives in the key-value store; an
/// unreachable store refuses the write (503) rather than letting it through uncounted.
fn limit_writes(who: &str, share: u32) -> Result<(), AppError> {
    let per_minute: u32 = SpinVars
        .var("write_limit_per_minute")?
        .trim()
        .parse()
        .map_err(|_| ConfigError::Invalid {
            name: "write_limit_per_minute".into(),
            reason: "expected a whole number of writes per minute".into(),
        })?;
    limit(
        &format!("writes:{who}"),
        per_minute.saturating_mul(share),
        60,
    )
}

/// Refuses a scheduler's call unless it is signed like the provisioner's: `Pulse-Timestamp`
/// and `Pulse-Signature: v1=` the HMAC-SHA256 of `{timestamp}.{body}` under `scheduler_key`
/// (403 saying how to sign; 503 while no key is set).
pub fn require_scheduler(req: &Request) -> Result<(), AppError> {
    use crate::store::provisioning::{SignatureError, verify};
    let key = variables::get("scheduler_key").unwrap_or_default();
    verify(
        key.as_bytes(),
        req.header("pulse-timestamp"),
        req.header("pulse-signature"),
        &req.body,
        crate::time::now_unix(),
    )
    .map_err(|e| match e {
        SignatureError::NoKey => AppError::Unavailable(
            "variable `scheduler_key` is not set (32 bytes or more)".into(),
        ),
        other => AppError::Forbidden(format!(
            "{other}. Sign `{{timestamp}}.{{body}}` with HMAC-SHA256 under `scheduler_key` and send it as `Pulse-Signature: v1=<hex>` with `Pulse-Timestamp: <unix seconds>`."
        )),
    })
}

/// Messages an account may send to other people's addresses (invitations, provider access
/// requests, support tickets) in an hour: enough for onboarding a team, too few to use the
/// portal to spam.
const MAIL_PER_HOUR: u32 = 30;

/// Counts one message an account's write sends to someone (see [`MAIL_PER_HOUR`]); over the
/// allowance, 429 with the seconds to wait. Call before the write.
pub fn limit_mail(account_id: &str) -> Result<(), AppError> {
    limit(&format!("mail:{account_id}"), MAIL_PER_HOUR, 3600)
}

/// Counts an attempt against `max` per `window` seconds under `key` in the key-value store.
fn limit(key: &str, max: u32, window: i64) -> Result<(), AppError> {
    let store = SpinKv::open()?;
    match crate::kv::hit(&store, key, max, window, crate::time::now_unix()) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(retry_after)) => Err(AppError::RateLimited { retry_after }),
        Err(e) => Err(AppError::Unavailable(format!("key-value store: {e}"))),
    }
}

/// Runs a component's router for one request: loads the context, converts errors into pages
/// or problem bodies, and adds the headers every response carries.
pub async fn serve(
    req: sh::IncomingRequest,
    out: sh::ResponseOutparam,
    route: fn(&Ctx, &Request) -> Result<Response, AppError>,
) {
    serve_then(req, out, route, |_, _, _| {}).await
}

/// [`serve`], then `after` with the request and the status it was answered with, once the
/// response has been sent: work a request sets off (a queued job) runs without holding up its
/// answer. Spin, like the local host, keeps the instance until this returns.
pub async fn serve_then(
    req: sh::IncomingRequest,
    out: sh::ResponseOutparam,
    route: fn(&Ctx, &Request) -> Result<Response, AppError>,
    after: fn(&Ctx, &Request, u16),
) {
    run(
        req,
        out,
        |ctx, request| route(ctx, request).map(Outcome::Respond),
        after,
    )
    .await
}

/// [`serve`] for an area whose routes may forward a request upstream, its answer streamed back
/// (see [`crate::forward`]); an upstream that does not answer gets the 502 or 504 page.
pub async fn serve_forwarding(
    req: sh::IncomingRequest,
    out: sh::ResponseOutparam,
    route: fn(&Ctx, &Request) -> Result<Outcome, AppError>,
) {
    run(req, out, route, |_, _, _| {}).await
}

async fn run(
    req: sh::IncomingRequest,
    out: sh::ResponseOutparam,
    route: impl Fn(&Ctx, &Request) -> Result<Outcome, AppError>,
    after: fn(&Ctx, &Request, u16),
) {
    let (request, refused) = match to_request(req).await {
        Ok(request) => (request, None),
        Err((request, e)) => (request, Some(e)),
    };
    let https = request
        .header("spin-full-url")
        .is_some_and(|u| u.starts_with("https://"));
    let (response, ctx, out) = match refused {
        // Refused before anything is loaded: nothing of the body was read past the limit.
        Some(e) => (
            e.into_response(
                &request,
                &Shell::signed_out(false).speaking(browser_locale(&request)),
            )
            .finish(&request.request_id, https),
            None,
            out,
        ),
        None => match Ctx::load(&request) {
            Ok(ctx) => {
                let writing = !matches!(request.method, Method::Get | Method::Head);
                let answer = if writing {
                    limit_writes(
                        &format!("address:{}", request.client_ip()),
                        WRITES_PER_ADDRESS,
                    )
                    .and_then(|()| route(&ctx, &request))
                } else {
                    route(&ctx, &request)
                };
                let (response, out) = match answer {
                    Ok(Outcome::Respond(resp)) => {
                        (resp.finish(&request.request_id, ctx.config.https()), out)
                    }
                    Ok(Outcome::Forward(f)) => {
                        match crate::forward::forward(&f, out, &request.request_id) {
                            Ok(()) => return,
                            Err((e, out)) => (
                                e.into_response(&request, &ctx.shell(Nav::None))
                                    .finish(&request.request_id, ctx.config.https()),
                                out,
                            ),
                        }
                    }
                    Err(e) => (
                        e.into_response(&request, &ctx.shell(Nav::None))
                            .finish(&request.request_id, ctx.config.https()),
                        out,
                    ),
                };
                (response, Some(ctx), out)
            }
            Err(e) => (
                e.into_response(
                    &request,
                    &Shell::signed_out(false).speaking(browser_locale(&request)),
                )
                .finish(&request.request_id, https),
                None,
                out,
            ),
        },
    };
    let status = response.status;
    let response = if request.method == Method::Head {
        Response {
            body: Vec::new(),
            ..response
        }
    } else {
        response
    };
    send_response(out, response).await;
    if let Some(ctx) = ctx {
        after(&ctx, &request, status);
    }
}

/// The language a request's browser asks for.
fn browser_locale(req: &Request) -> Locale {
    Locale::negotiate("", req.header("accept-language"))
}

/// Spin's key-value store as the domain's [`crate::kv::Kv`].
pub struct SpinKv(pub key_value::Store);

impl SpinKv {
    /// Opens the `default` store.
    pub fn open() -> Result<Self, AppError> {
        open_kv().map(SpinKv)
    }
}

impl crate::kv::Kv for SpinKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.0.get(key).map_err(|e| format!("{e:?}"))
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.0.set(key, value).map_err(|e| format!("{e:?}"))
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.0.delete(key).map_err(|e| format!("{e:?}"))
    }
}
