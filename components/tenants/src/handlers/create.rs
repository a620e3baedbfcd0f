//! Creating a workspace: the form and the JSON API share one path that checks the name, the
//! slug and the plan's allowance, writes the tenant with its `create` job in one transaction,
//! then lets the worker deliver (or, in local mode, complete) the job.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::spin::Ctx;
use pulse_core::store::tenants::{self, CreateRefused, NewTenant, Tenant};
use pulse_core::store::{audit, idempotency};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;

use crate::provisioner;
use crate::views;
use crate::views::cloud::CreateForm;

/// Why a change did not happen.
type Failed = super::Failed<CreateRefused>;

/// Refuses members who may not create or change workspaces.
pub fn require_resource_manager(who: &Identity) -> Result<(), AppError> {
    if who.account.role.can_manage_resources() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            msg("Only owners and admins create workspaces. Ask one of them, or ask for the admin role.")
                .into(),
        ))
    }
}

/// The refusal as field errors, the allowance's in the reader's language (`r`): a used-up
/// allowance belongs to the form as a whole.
fn field_errors(r: Reader, refused: CreateRefused) -> Vec<(String, String)> {
    match refused {
        CreateRefused::Fields(errors) => errors,
        CreateRefused::Limit(allowed, _) => vec![(
            "plan".to_string(),
            r.fill(
                if allowed == 1 {
                    msg("Your plan allows {allowed} workspace, and all are in use. Delete one, or upgrade on the Billing page.")
                } else {
                    msg("Your plan allows {allowed} workspaces, and all are in use. Delete one, or upgrade on the Billing page.")
                },
                &[("allowed", &allowed.to_string())],
            ),
        )],
    }
}

/// Creates the workspace and audits it, all or nothing, then runs the worker.
fn create(ctx: &Ctx, req: &Request, who: &Identity, new: &NewTenant) -> Result<Tenant, Failed> {
    let now = now_unix();
    let db = ctx.db().map_err(Failed::App)?;
    let tenant = transaction(db, |db| {
        let tenant =
            tenants::create(db, &who.account.account_id, new, now)?.map_err(Failed::Refused)?;
        audit::record_by(
            db,
            who,
            &req.client_ip(),
            "tenant.created",
            &tenant.id,
            &format!("{} ({})", tenant.name, tenant.hostname),
        )?;
        Ok::<_, Failed>(tenant)
    })?;
    provisioner::run_after(ctx, req);
    Ok(tenant)
}

pub(crate) fn new_tenant(name: &str, slug: &str, template: &str) -> NewTenant {
    NewTenant {
        name: name.trim().to_string(),
        slug: slug.trim().to_string(),
        template_id: template.to_string(),
        domain: spin_sdk::variables::get("workspace_domain")
            .ok()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "planapulse.app".to_string()),
    }
}

fn render_form(
    ctx: &Ctx,
    who: &Identity,
    status: u16,
    form: &CreateForm<'_>,
) -> Result<Response, AppError> {
    let list = tenants::templates(ctx.db()?)?;
    Ok(Response::html(
        status,
        views::cloud::create_form(&ctx.shell(Nav::Cloud), who, &list, form),
    ))
}

/// `GET /cloud/new`: the templates and the form.
pub fn show_create(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let welcome = req.query_param("welcome").is_some();
    render_form(
        ctx,
        who,
        200,
        &CreateForm {
            welcome,
            ..CreateForm::default()
        },
    )
}

/// `POST /cloud/new`: creates the workspace, or shows the form again with what was typed and
/// why it was refused.
pub fn create_tenant(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    require_resource_manager(who)?;
    let form = req.form();
    let (name, slug, template) = (
        form.get("name").unwrap_or_default(),
        form.get("slug").unwrap_or_default(),
        form.get("template").unwrap_or_default(),
    );
    match create(ctx, req, who, &new_tenant(name, slug, template)) {
        Ok(tenant) => Ok(Response::see_other(&format!(
            "/cloud/{}?done=created",
            tenant.id
        ))),
        Err(Failed::App(e)) => Err(e),
        Err(Failed::Refused(refused)) => render_form(
            ctx,
            who,
            422,
            &CreateForm {
                name,
                slug,
                template,
                errors: field_errors(ctx.reader(Some(who)), refused),
                welcome: false,
            },
        ),
    }
}

/// `POST /api/v1/tenants` with `{"name", "slug", "template"}`: 201 with the tenant, which is
/// `provisioning` until the provisioner reports it active.
pub fn api_create_tenant(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    require_resource_manager(who)?;
    idempotency::once(ctx.db()?, &who.account.account_id, req, || {
        let body = req.json_body()?;
        let new = new_tenant(
            body["name"].as_str().unwrap_or_default(),
            body["slug"].as_str().unwrap_or_default(),
            body["template"].as_str().unwrap_or_default(),
        );
        match create(ctx, req, who, &new) {
            Ok(tenant) => {
                // Local mode may already have completed it: answer the stored state.
                let (tenant, _) =
                    tenants::find_for_account(ctx.db()?, &who.account.account_id, &tenant.id)?
                        .ok_or(AppError::NotFound)?;
                Ok(Response::json(201, &tenant))
            }
            Err(Failed::App(e)) => Err(e),
            Err(Failed::Refused(CreateRefused::Limit(allowed, in_use))) => {
                Err(AppError::Conflict(format!(
                    "The plan allows {allowed} workspaces and {in_use} are in use. Delete one, or upgrade the plan."
                )))
            }
            Err(Failed::Refused(CreateRefused::Fields(errors))) => Err(AppError::Invalid {
                detail: "Check the name, the slug and the template.".into(),
                errors,
            }),
        }
    })
}
