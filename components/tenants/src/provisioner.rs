//! The provisioning worker: delivers due jobs to the provisioner as signed requests, retrying
//! with back-off until one is acknowledged; with no provisioner configured it completes them
//! itself. Spin runs no background threads, so the worker runs at the end of every request that
//! enqueues a job, and a scheduler drives retries through `POST /api/v1/provisioner/run`.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::outbound;
use pulse_core::spin::Ctx;
use pulse_core::store::provisioning::{self, Job};
use pulse_core::time::now_unix;
use serde::Serialize;
use serde_json::json;

/// Jobs handled per run, so one request never does unbounded work.
const BATCH: i64 = 20;

/// What one run did.
#[derive(Debug, Default, Serialize)]
pub struct Run {
    /// Acknowledged by the provisioner.
    pub delivered: u32,
    /// Completed by the portal (no provisioner configured).
    pub completed_locally: u32,
    /// Failed this time, to be retried later.
    pub failed: u32,
}

/// The provisioner's endpoint, or `None` in local mode.
fn endpoint() -> Option<String> {
    spin_sdk::variables::get("provisioner_url")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// The HMAC key shared with the provisioner (`provisioner_key`).
pub fn key() -> Vec<u8> {
    spin_sdk::variables::get("provisioner_key")
        .unwrap_or_default()
        .into_bytes()
}

/// Handles the jobs that are due now.
pub fn run_due(ctx: &Ctx) -> Result<Run, AppError> {
    let db = ctx.db()?;
    let now = now_unix();
    let jobs = provisioning::due(db, now, BATCH)?;
    let mut run = Run::default();
    if jobs.is_empty() {
        return Ok(run);
    }
    let Some(url) = endpoint() else {
        for job in &jobs {
            transaction(db, |db| provisioning::complete_locally(db, job, now))?;
            run.completed_locally += 1;
        }
        return Ok(run);
    };
    let key = key();
    for job in &jobs {
        match deliver(&url, &key, job) {
            Ok(()) => {
                provisioning::delivered(db, job, now_unix())?;
                run.delivered += 1;
            }
            Err(why) => {
                eprintln!(
                    "provisioning job {} ({}) not delivered: {why}",
                    job.id, job.action
                );
                provisioning::failed(db, job, &why, now_unix())?;
                run.failed += 1;
            }
        }
    }
    Ok(run)
}

/// Runs the worker at the end of a request that enqueued a job: the job is already stored, so
/// a delivery that fails here is retried later, never lost.
pub fn run_after(ctx: &Ctx, req: &pulse_core::http::Request) {
    if let Err(e) = run_due(ctx) {
        eprintln!("request_id={} provisioning run failed: {e}", req.request_id);
    }
}

/// Sends one job; any 2xx answer acknowledges it.
fn deliver(url: &str, key: &[u8], job: &Job) -> Result<(), String> {
    if key.len() < 32 {
        return Err("variable `provisioner_key` is not set (32 bytes or more)".into());
    }
    let data: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    let body = json!({
        "job": job.id,
        "tenant": job.tenant_id,
        "action": job.action,
        "attempt": job.attempts + 1,
        "data": data,
    })
    .to_string();
    let timestamp = now_unix();
    let signature = provisioning::signature(key, timestamp, body.as_bytes());
    let answer = outbound::post_json(
        url,
        &[
            ("pulse-timestamp", &timestamp.to_string()),
            ("pulse-signature", &signature),
            ("idempotency-key", &job.id),
        ],
        &body,
    )
    .map_err(|e| e.to_string())?;
    if (200..300).contains(&answer.status) {
        Ok(())
    } else {
        Err(format!("the provisioner answered {}", answer.status))
    }
}
