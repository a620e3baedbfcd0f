//! Home (`/dashboard`): the account summary.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::identity::AccountKind;
use pulse_core::spin::Ctx;
use pulse_core::store::{accounts, billing, licenses, tenants};
use pulse_core::views::Nav;

use crate::views::home::{self, Summary};

/// Shows the current account's licenses, tenants, subscriptions and invoices, or for an MSP
/// provider its clients and their tenants.
pub fn show_home(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let db = ctx.db()?;
    let account = &who.account.account_id;
    let summary = match who.account.account_kind {
        AccountKind::Customer => Summary::Customer {
            licenses: licenses::list_for_account(db, account)?,
            tenants: tenants::list_for_account(db, account)?,
            subscriptions: billing::subscriptions(db, account)?,
            invoices: if who.account.role.can_manage_billing() {
                billing::recent_invoices(db, account, 5)?
            } else {
                Vec::new()
            },
        },
        AccountKind::Provider => Summary::Provider {
            clients: accounts::clients(db, account)?,
            tenants: tenants::list_for_provider(db, account)?,
            subscriptions: billing::subscriptions(db, account)?,
        },
    };
    Ok(Response::html(
        200,
        home::page(
            &ctx.shell(Nav::Home),
            who,
            &summary,
            &pulse_core::spin::workspace_domain(),
        ),
    ))
}
