//! Home (`/dashboard`): the account summary.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::identity::AccountKind;
use pulse_core::spin::Ctx;
use pulse_core::store::overview;

/// Invoices Home shows to those with billing rights.
const RECENT_INVOICES: i64 = 5;
use pulse_core::views::Nav;

use crate::views::home::{self, Summary};

/// Shows the current account's licenses, tenants, subscriptions and invoices, or for an MSP
/// provider its clients and their tenants.
pub fn show_home(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let db = ctx.db()?;
    let account = &who.account.account_id;
    // One statement for the whole page; invoices only for those who may see them.
    let summary = match who.account.account_kind {
        AccountKind::Customer => {
            let invoices = if who.account.role.can_manage_billing() {
                RECENT_INVOICES
            } else {
                0
            };
            Summary::Customer(overview::customer_home(
                db,
                account,
                invoices,
                &pulse_core::time::now_rfc3339(),
            )?)
        }
        AccountKind::Provider => Summary::Provider(overview::provider_home(
            db,
            account,
            &pulse_core::time::now_rfc3339(),
        )?),
    };
    Ok(Response::html(
        200,
        home::page(
            &ctx.shell(Nav::Home),
            who,
            &summary,
            pulse_core::time::now_unix(),
        ),
    ))
}
