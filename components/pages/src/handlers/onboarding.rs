//! Starting out: a signed-in person who belongs to no account is offered the invitations sent
//! to their verified address first, else creates a customer account and becomes its owner.
//! Members may start another account the same way.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::identity::{AccountKind, Person, Role};
use pulse_core::spin::Ctx;
use pulse_core::store::accounts::{self, NewAccount};
use pulse_core::store::{audit, invitations};
use pulse_core::time::{now_unix, rfc3339};
use pulse_core::views::Nav;
use serde_json::json;

use super::accounts::account_cookie;
use crate::views;
use crate::views::onboarding::AccountForm;

/// How many accounts one person may start in a day.
const ACCOUNTS_PER_DAY: i64 = 5;

fn render(
    ctx: &Ctx,
    person: Person<'_>,
    status: u16,
    form: &AccountForm<'_>,
) -> Result<Response, AppError> {
    let offers = invitations::for_email(ctx.db()?, person.email(), now_unix())?;
    let member = matches!(person, Person::Member(_));
    Ok(Response::html(
        status,
        views::onboarding::page(
            &ctx.shell(Nav::Account),
            person.email(),
            person.csrf_token().unwrap_or_default(),
            member,
            &offers,
            form,
        ),
    ))
}

/// `GET /accounts/new`.
pub fn show_new_account(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let person = ctx.require_person(req)?;
    render(ctx, person, 200, &AccountForm::default())
}

/// Creates the account with the caller as owner, at most [`ACCOUNTS_PER_DAY`] a day each.
fn create(
    ctx: &Ctx,
    req: &Request,
    person: Person<'_>,
    new: &NewAccount,
) -> Result<String, AppError> {
    let day_ago = rfc3339(now_unix() - 86_400);
    transaction(ctx.db()?, |db| {
        if accounts::started_since(db, person.user_id(), &day_ago)? >= ACCOUNTS_PER_DAY {
            return Err(AppError::RateLimited {
                retry_after: 86_400,
            });
        }
        Ok(accounts::create_customer(
            db,
            new,
            person.user_id(),
            &req.client_ip(),
        )?)
    })
}

/// `POST /accounts/new`: creates the account, switches to it and leads to the first
/// workspace. A refusal re-renders the form with what was typed and why.
pub fn create_account(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let person = ctx.require_person_writer(req)?;
    let form = req.form();
    let (name, country) = (
        form.get("name").unwrap_or_default(),
        form.get("country").unwrap_or_default(),
    );
    let new = match NewAccount::parse(name, country) {
        Ok(new) => new,
        Err(errors) => {
            return render(
                ctx,
                person,
                422,
                &AccountForm {
                    name,
                    country,
                    errors,
                },
            );
        }
    };
    let id = create(ctx, req, person, &new)?;
    Ok(Response::see_other("/cloud/new?welcome=1").with_cookie(&account_cookie(ctx, &id)))
}

/// Accepts the open invitation `id` if it is addressed to the caller; returns the account.
fn join(
    ctx: &Ctx,
    req: &Request,
    person: Person<'_>,
    id: &str,
) -> Result<invitations::Open, AppError> {
    transaction(ctx.db()?, |db| {
        let offer = invitations::for_email(db, person.email(), now_unix())?
            .into_iter()
            .find(|o| o.id == id)
            .ok_or(AppError::NotFound)?;
        invitations::accept(db, &offer, person.user_id(), now_unix())?;
        audit::record(
            db,
            &audit::Entry {
                account_id: &offer.account_id,
                actor_user_id: person.user_id(),
                action: "invitation.accepted",
                target: &offer.id,
                detail: &format!("Joined as {}", offer.role.label()),
                ip: &req.client_ip(),
            },
        )?;
        Ok(offer)
    })
}

/// `POST /accounts/join`: joins an account the caller's address is invited to.
pub fn join_account(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let person = ctx.require_person_writer(req)?;
    let id = req.form().get("invitation").unwrap_or_default().to_string();
    let offer = join(ctx, req, person, &id)?;
    Ok(Response::see_other("/dashboard").with_cookie(&account_cookie(ctx, &offer.account_id)))
}

fn account_json(id: &str, name: &str, kind: AccountKind, role: Role) -> serde_json::Value {
    json!({ "object": "account", "id": id, "name": name, "kind": kind, "role": role, "current": false })
}

/// `POST /api/v1/accounts` with `{"name": "...", "country": "BG"}`: a customer account with
/// the caller as owner.
pub fn api_create_account(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let person = ctx.require_person_writer(req)?;
    let body = req.json_body()?;
    let new = NewAccount::parse(
        body["name"].as_str().unwrap_or_default(),
        body["country"].as_str().unwrap_or_default(),
    )
    .map_err(|errors| AppError::Invalid {
        detail: "Check the company name and the country.".into(),
        errors,
    })?;
    let id = create(ctx, req, person, &new)?;
    Ok(Response::json(
        201,
        &account_json(&id, &new.name, AccountKind::Customer, Role::Owner),
    ))
}

/// `POST /api/v1/accounts/invitations/{id}/accept`: joins an account the caller is invited to.
pub fn api_join_account(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let person = ctx.require_person_writer(req)?;
    let offer = join(ctx, req, person, id)?;
    Ok(Response::json(
        200,
        &account_json(
            &offer.account_id,
            &offer.account_name,
            offer.account_kind,
            offer.role,
        ),
    ))
}
