//! Provisioning jobs: each step a tenant takes is written as a job in the transaction that
//! changes the tenant, then delivered to the provisioner until acknowledged (or, with none
//! configured, completed by the portal itself). The provisioner reports the outcome through
//! signed events; an event is applied once, and only when it answers the tenant's latest job,
//! so a late or replayed report never moves a tenant backwards.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::{Db, DbError};
use crate::ids::new_id;
use crate::time::rfc3339;
use crate::token::constant_time_eq;

/// How far a signed request's timestamp may be from now, either way.
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;

/// The longest wait between two delivery attempts.
const MAX_BACKOFF_SECONDS: i64 = 3600;

/// A step a tenant takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create the workspace from its template.
    Create,
    /// Stop serving it, keeping its data.
    Suspend,
    /// Serve it again.
    Resume,
    /// Delete it and its data (due when the grace period ends).
    Delete,
    /// Set or remove its production alias.
    Alias,
    /// Make a test copy.
    Copy,
    /// Back it up.
    Backup,
}

impl Action {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Delete => "delete",
            Action::Alias => "alias",
            Action::Copy => "copy",
            Action::Backup => "backup",
        }
    }

    /// The status a tenant is in while the step runs, and the one it reaches when it is done;
    /// `None` for steps whose new status the portal sets at once (suspend, resume).
    fn transition(action: &str) -> Option<(&'static str, &'static str)> {
        match action {
            "create" => Some(("provisioning", "active")),
            "delete" => Some(("deleting", "deleted")),
            _ => None,
        }
    }
}

/// Moves a tenant from `from` to `to` (stamping `deleted_at` when it reaches `deleted`);
/// returns whether it was in `from`.
fn advance(
    db: &dyn Db,
    tenant_id: &str,
    from: &str,
    to: &str,
    locally: bool,
    now: i64,
) -> Result<bool, DbError> {
    let mark = if locally {
        ", provisioned_locally = 1"
    } else {
        ""
    };
    let moved = db.execute(
        &format!(
            "UPDATE tenants SET status = $1,
                    deleted_at = CASE WHEN $1 = 'deleted' THEN $2 ELSE deleted_at END{mark}
              WHERE id = $3 AND status = $4"
        ),
        &[
            to.into(),
            rfc3339(now).into(),
            tenant_id.into(),
            from.into(),
        ],
    )?;
    Ok(moved == 1)
}

/// A job waiting for delivery.
#[derive(Debug, Clone)]
pub struct Job {
    /// `job_...`
    pub id: String,
    /// `ten_...`
    pub tenant_id: String,
    /// What to do.
    pub action: String,
    /// The JSON the provisioner receives.
    pub payload: String,
    /// Delivery attempts so far.
    pub attempts: i64,
}

/// Enqueues a job, due at `due` (Unix seconds; `now` for at once). Call inside the
/// transaction that changes the tenant.
pub fn enqueue(
    db: &dyn Db,
    tenant_id: &str,
    action: Action,
    payload: &serde_json::Value,
    now: i64,
    due: i64,
) -> Result<String, DbError> {
    let id = new_id("job");
    db.execute(
        "INSERT INTO provisioning_jobs (id, tenant_id, action, payload, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            id.as_str().into(),
            tenant_id.into(),
            action.as_str().into(),
            payload.to_string().into(),
            rfc3339(now).into(),
            rfc3339(due).into(),
        ],
    )?;
    Ok(id)
}

/// Up to `limit` undelivered jobs whose next attempt is due at `now`, oldest first.
pub fn due(db: &dyn Db, now: i64, limit: i64) -> Result<Vec<Job>, DbError> {
    db.query(
        "SELECT id, tenant_id, action, payload, attempts FROM provisioning_jobs
          WHERE delivered_at IS NULL AND next_attempt_at <= $1
          ORDER BY created_at, id LIMIT $2",
        &[rfc3339(now).into(), limit.into()],
    )?
    .iter()
    .map(|r| {
        Ok(Job {
            id: r.text(0)?,
            tenant_id: r.text(1)?,
            action: r.text(2)?,
            payload: r.text(3)?,
            attempts: r.int(4)?,
        })
    })
    .collect()
}

/// Records that the provisioner acknowledged `job`.
pub fn delivered(db: &dyn Db, job: &Job, now: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE provisioning_jobs SET delivered_at = $1, attempts = attempts + 1, last_error = NULL
          WHERE id = $2 AND delivered_at IS NULL",
        &[rfc3339(now).into(), job.id.as_str().into()],
    )?;
    Ok(())
}

/// Records a failed attempt and schedules the next one with exponential back-off (30 s, 1 min,
/// 2 min, ... at most an hour), so a provisioner that is down or slow loses nothing.
pub fn failed(db: &dyn Db, job: &Job, error: &str, now: i64) -> Result<(), DbError> {
    let wait = backoff(job.attempts + 1);
    let error: String = error.chars().take(500).collect();
    db.execute(
        "UPDATE provisioning_jobs SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2
          WHERE id = $3 AND delivered_at IS NULL",
        &[
            error.as_str().into(),
            rfc3339(now + wait).into(),
            job.id.as_str().into(),
        ],
    )?;
    Ok(())
}

/// Seconds to wait after the `attempts`-th failed attempt.
pub fn backoff(attempts: i64) -> i64 {
    let shift = attempts.clamp(1, 12) - 1;
    (30_i64 << shift).min(MAX_BACKOFF_SECONDS)
}

/// Completes `job` without a provisioner (local mode): the tenant reaches the step's end state,
/// marked as provisioned by the portal. Call inside a transaction.
pub fn complete_locally(db: &dyn Db, job: &Job, now: i64) -> Result<(), DbError> {
    if let Some((from, to)) = Action::transition(&job.action) {
        advance(db, &job.tenant_id, from, to, true, now)?;
    }
    if job.action == "copy" {
        copy_reached(db, job, "ready")?;
    }
    if job.action == "backup" {
        let archive = super::workspace_settings::local_backup_archive(db, &job.tenant_id, now)?;
        use base64::Engine;
        let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
        db.execute(
            "UPDATE tenant_backups SET status = 'ready', completed_at = $1, size_bytes = $2, archive = $3
              WHERE id = $4 AND tenant_id = $5 AND status = 'creating'",
            &[
                rfc3339(now).into(),
                (archive.len() as i64).into(),
                base64::engine::general_purpose::STANDARD
                    .encode(&archive)
                    .into(),
                payload["backup"].as_str().unwrap_or_default().into(),
                job.tenant_id.as_str().into(),
            ],
        )?;
    }
    delivered(db, job, now)
}

/// A test copy's job reached `status` (ready or failed); only a copy being made moves.
fn copy_reached(db: &dyn Db, job: &Job, status: &str) -> Result<bool, DbError> {
    let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    let copy = payload["copy"].as_str().unwrap_or_default();
    Ok(db.execute(
        "UPDATE tenant_copies SET status = $1 WHERE id = $2 AND tenant_id = $3 AND status = 'creating'",
        &[status.into(), copy.into(), job.tenant_id.as_str().into()],
    )? == 1)
}

/// A provisioner's report.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// Its id (applied once).
    pub id: &'a str,
    /// The job it answers.
    pub job: &'a str,
    /// The workspace.
    pub tenant: &'a str,
    /// The status reached: the step's end state, `ready` for a copy or backup, or `failed`.
    pub status: &'a str,
    /// A backup's location (an `https://` URL the person downloads it from).
    pub location: Option<&'a str>,
    /// A backup's size in bytes.
    pub size: Option<i64>,
}

/// What became of a provisioner's event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The tenant moved to the reported status.
    Moved,
    /// Seen before (by its id): nothing changed.
    Duplicate,
    /// It answers a job that is not the tenant's latest change of state, reports a status that
    /// step cannot reach, or the tenant has already moved on: recorded, nothing changed.
    Ignored,
    /// No such job for that tenant.
    UnknownJob,
}

/// Applies the provisioner's report that `job_id` of `tenant_id` ended in `status` (the step's
/// end state, or `failed`). Call inside a transaction.
pub fn apply_event(db: &dyn Db, event: &Event<'_>, now: i64) -> Result<Applied, DbError> {
    let (event_id, job_id, tenant_id, status) = (event.id, event.job, event.tenant, event.status);
    let Some(job) = db.query_opt(
        "SELECT j.action,
                (SELECT j2.id FROM provisioning_jobs j2
                  WHERE j2.tenant_id = j.tenant_id
                    AND j2.action IN ('create', 'suspend', 'resume', 'delete')
                  ORDER BY j2.created_at DESC, j2.id DESC LIMIT 1),
                j.payload, j.attempts
           FROM provisioning_jobs j WHERE j.id = $1 AND j.tenant_id = $2",
        &[job_id.into(), tenant_id.into()],
    )?
    else {
        return Ok(Applied::UnknownJob);
    };
    let inserted = db.execute(
        "INSERT INTO provisioner_events (id, tenant_id, status, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        &[
            event_id.into(),
            tenant_id.into(),
            status.into(),
            rfc3339(now).into(),
        ],
    )?;
    if inserted == 0 {
        return Ok(Applied::Duplicate);
    }
    if job.text(0)? == "backup" {
        // A backup's report: where the file is and how large, or that it failed.
        let payload: serde_json::Value = serde_json::from_str(&job.text(2)?).unwrap_or_default();
        let backup = payload["backup"].as_str().unwrap_or_default();
        let location = event.location.filter(|l| l.starts_with("https://"));
        let moved = match status {
            "ready" if location.is_some() => db.execute(
                "UPDATE tenant_backups SET status = 'ready', completed_at = $1, location = $2, size_bytes = $3
                  WHERE id = $4 AND tenant_id = $5 AND status = 'creating'",
                &[
                    rfc3339(now).into(),
                    location.into(),
                    event.size.into(),
                    backup.into(),
                    tenant_id.into(),
                ],
            )?,
            "failed" => db.execute(
                "UPDATE tenant_backups SET status = 'failed', completed_at = $1
                  WHERE id = $2 AND tenant_id = $3 AND status = 'creating'",
                &[rfc3339(now).into(), backup.into(), tenant_id.into()],
            )?,
            _ => 0,
        };
        return Ok(if moved == 1 {
            Applied::Moved
        } else {
            Applied::Ignored
        });
    }
    if job.text(0)? == "copy" {
        // A copy's report concerns that copy alone, whatever the workspace did since.
        let copy_job = Job {
            id: job_id.to_string(),
            tenant_id: tenant_id.to_string(),
            action: "copy".into(),
            payload: job.text(2)?,
            attempts: job.int(3)?,
        };
        let moved = matches!(status, "ready" | "failed") && copy_reached(db, &copy_job, status)?;
        return Ok(if moved {
            Applied::Moved
        } else {
            Applied::Ignored
        });
    }
    let latest = job.text(1)? == job_id;
    let Some((from, to)) = Action::transition(&job.text(0)?) else {
        return Ok(Applied::Ignored);
    };
    if !latest || (status != to && status != "failed") {
        return Ok(Applied::Ignored);
    }
    Ok(if advance(db, tenant_id, from, status, false, now)? {
        Applied::Moved
    } else {
        Applied::Ignored
    })
}

/// The signature of a provisioning request or event: `v1=` and the hex HMAC-SHA256 of
/// `{timestamp}.{body}` under `key`.
pub fn signature(key: &[u8], timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

/// Why a signed event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No key is configured, or it is too short to trust.
    #[error("no provisioner key is configured")]
    NoKey,
    /// The timestamp header is missing or not a number.
    #[error("the Pulse-Timestamp header is missing or not Unix seconds")]
    Timestamp,
    /// The timestamp is more than five minutes from now (a stale or replayed request).
    #[error("the Pulse-Timestamp is more than five minutes from now")]
    Stale,
    /// The signature does not match.
    #[error("the Pulse-Signature does not match the body")]
    Mismatch,
}

/// Verifies a signed request (constant time) whose headers gave `timestamp` and `sig`.
pub fn verify(
    key: &[u8],
    timestamp: Option<&str>,
    sig: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    if key.len() < 32 {
        return Err(SignatureError::NoKey);
    }
    let ts: i64 = timestamp
        .and_then(|t| t.trim().parse().ok())
        .ok_or(SignatureError::Timestamp)?;
    if (now - ts).abs() > SIGNATURE_TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    if constant_time_eq(&signature(key, ts, body), sig.unwrap_or_default().trim()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_signed_request_verifies_only_unchanged_and_on_time() {
        let body = br#"{"event":"evt_1"}"#;
        let sig = signature(KEY, 1_000_000, body);
        assert!(sig.starts_with("v1=") && sig.len() == 67, "{sig}");
        assert_eq!(
            verify(KEY, Some("1000000"), Some(&sig), body, 1_000_100),
            Ok(())
        );
        assert_eq!(
            verify(KEY, Some("1000000"), Some(&sig), b"{}", 1_000_100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(KEY, Some("1000000"), Some(&sig), body, 1_000_301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(KEY, None, Some(&sig), body, 1_000_000),
            Err(SignatureError::Timestamp)
        );
        assert_eq!(
            verify(b"short", Some("1000000"), Some(&sig), body, 1_000_000),
            Err(SignatureError::NoKey)
        );
        let other = signature(b"another key, also thirty-two byte", 1_000_000, body);
        assert_eq!(
            verify(KEY, Some("1000000"), Some(&other), body, 1_000_000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), 30);
        assert_eq!(backoff(2), 60);
        assert_eq!(backoff(5), 480);
        assert_eq!(backoff(20), 3600);
    }
}
