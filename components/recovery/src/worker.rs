//! The privacy worker: builds the archives of queued exports and carries out deletions whose
//! grace period is over. Spin runs no background threads, so it runs after the response of
//! every request that queues, confirms or looks at a data request, and when a scheduler calls
//! `POST /api/v1/privacy/run` (signed with `scheduler_key`) — which is what erases an account
//! nobody visits once its grace period ends.

use pulse_core::AppError;
use pulse_core::db::{Db, transaction};
use pulse_core::http::Request;
use pulse_core::i18n::Reader;
use pulse_core::spin::Ctx;
use pulse_core::store::outbox;
use pulse_core::store::privacy::{self, Due};
use pulse_core::store::users::reader_of;
use pulse_core::time::{now_unix, rfc3339};
use pulse_core::zip;
use serde::Serialize;

use crate::views;

/// Requests handled per run, so one run never does unbounded work.
const BATCH: i64 = 5;

/// What one run did.
#[derive(Debug, Default, Serialize)]
pub struct Run {
    /// Archives built.
    pub exported: u32,
    /// Deletions carried out.
    pub erased: u32,
    /// Deletions that could not go ahead (a subscription or workspace appeared meanwhile).
    pub refused: u32,
    /// Attempts that failed, to be retried.
    pub failed: u32,
    /// Archives past their download period, removed.
    pub expired: u64,
}

/// Handles the requests that are due now.
pub fn run_due(ctx: &Ctx) -> Result<Run, AppError> {
    let db = ctx.db()?;
    let now = now_unix();
    let mut run = Run {
        expired: privacy::expire_archives(db, now)?,
        ..Run::default()
    };
    for due in privacy::due(db, now, BATCH)? {
        if !privacy::claim(db, &due.request.id, now)? {
            continue;
        }
        let outcome = if due.request.kind == "export" {
            export(db, &due, &ctx.config.public_origin, now).map(|()| &mut run.exported)
        } else {
            erase(db, &due, now).map(|erased| {
                if erased {
                    &mut run.erased
                } else {
                    &mut run.refused
                }
            })
        };
        match outcome {
            Ok(counter) => *counter += 1,
            Err(e) => {
                eprintln!("data request {} failed: {e}", due.request.id);
                privacy::attempt_failed(db, &due, &e.to_string())?;
                run.failed += 1;
            }
        }
    }
    Ok(run)
}

/// Runs the worker once the response to `req` is sent; a failure leaves the request queued.
pub fn run_after(ctx: &Ctx, req: &Request) {
    if let Err(e) = run_due(ctx) {
        eprintln!("request_id={} privacy run failed: {e}", req.request_id);
    }
}

/// Builds the archive of an export and mails its download link.
fn export(db: &dyn Db, due: &Due, origin: &str, now: i64) -> Result<(), AppError> {
    let request = &due.request;
    let subject = privacy::export_subject(db, &request.account_ids, &request.email)?;
    let generated = rfc3339(now);
    let mut files = vec![(
        "README.md".to_string(),
        privacy::readme(&request.id, &request.email, &generated).into_bytes(),
    )];
    for (table, rows) in privacy::export_rows(db, &subject)? {
        files.push((
            format!("{table}.json"),
            serde_json::to_vec_pretty(&rows).map_err(|e| AppError::Internal(e.to_string()))?,
        ));
    }
    files.push((
        "about.json".to_string(),
        serde_json::to_vec_pretty(&privacy::about())
            .map_err(|e| AppError::Internal(e.to_string()))?,
    ));
    let archive = zip::archive(&files, now);
    transaction(db, |db| {
        let token = privacy::archive_ready(db, &request.id, &archive, now)?;
        let ready = privacy::get(db, &request.id)?.ok_or(AppError::NotFound)?;
        outbox::enqueue(
            db,
            &views::mail::archive_ready(
                reader_of(db, &request.email, Reader::default())?,
                &request.email,
                &ready,
                &token,
                origin,
            ),
        )?;
        Ok::<_, AppError>(())
    })
}

/// Erases a deletion's data, unless something now stops it (then it is refused, with why, and
/// the requester told). True when erased.
fn erase(db: &dyn Db, due: &Due, now: i64) -> Result<bool, AppError> {
    let request = &due.request;
    transaction(db, |db| {
        let blockers = privacy::blockers(db, &request.account_ids)?;
        if !blockers.is_empty() {
            // Kept in English with the request; told to the requester in their language.
            let why = privacy::blockers_in_words(&blockers, Reader::default()).join(" ");
            privacy::deletion_refused(db, &request.id, &why, now)?;
            let reader = reader_of(db, &request.email, Reader::default())?;
            let told = privacy::blockers_in_words(&blockers, reader).join(" ");
            outbox::enqueue(
                db,
                &views::mail::deletion_refused(reader, &request.email, request, &told),
            )?;
            return Ok::<_, AppError>(false);
        }
        let subject =
            privacy::erasure_subject(db, &request.account_ids, &request.email, !due.signed_in)?;
        privacy::erase(db, &request.id, &subject, now)?;
        Ok(true)
    })
}
