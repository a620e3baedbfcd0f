//! The team page and the page an invitation link opens.

use maud::{Markup, html};
use pulse_core::identity::{Identity, Role};
use pulse_core::store::accounts::{Invitation, Member};
use pulse_core::store::invitations::Open;
use pulse_core::views::partials::list_cut;
use pulse_core::views::{
    Date, Shell, csrf_field, field_error, flash, page as layout, scroll_table,
};

/// The invite form as the person filled it, with what to fix.
#[derive(Debug, Default)]
pub struct InviteForm<'a> {
    /// The email typed.
    pub email: &'a str,
    /// The role chosen.
    pub role: &'a str,
    /// Field name and message for each problem.
    pub errors: Vec<(String, String)>,
}

const ROLES: [Role; 4] = [Role::Member, Role::Billing, Role::Admin, Role::Owner];

fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "removed" => "The member was removed.",
        "invited" => "The invitation is on its way; its link works for seven days.",
        "resent" => "The invitation was sent again with a new link; the old link no longer works.",
        "revoked" => "The invitation was revoked; its link no longer works.",
        "role" => "The role was changed.",
        _ => return None,
    })
}

/// A role picker; `id` is unique on the page.
fn role_select(id: &str, selected: &str, owner_choosable: bool, invalid: bool) -> Markup {
    html! {
        select id=(id) name="role" aria-invalid=[invalid.then_some("true")]
            aria-describedby=[invalid.then_some("role-error")] {
            @for r in ROLES {
                @if r != Role::Owner || owner_choosable {
                    option value=(r.as_str()) selected[r.as_str() == selected] { (r.label()) }
                }
            }
        }
    }
}

/// Members and, for managers, the invite form and pending invitations.
pub fn page(
    shell: &Shell,
    who: &Identity,
    members: &[Member],
    invitations: &[Invitation],
    done: Option<&str>,
    form: &InviteForm<'_>,
) -> Markup {
    let manage = who.account.role.can_manage_team();
    let owner = who.account.role == Role::Owner;
    let email_error = form.errors.iter().any(|(f, _)| f == "email");
    let role_error = form.errors.iter().any(|(f, _)| f == "role");
    layout(
        shell,
        "Team",
        html! {
            h1 { "Team" }
            (flash(done_message(done)))
            @if !form.errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="invite-problems" {
                    h2 id="invite-problems" { "The invitation was not sent" }
                    ul { @for (field, msg) in &form.errors { li { a href={ "#invite-" (field) } { (msg) } } } }
                }
            }
            p.muted { (members.len()) " members of " (who.account.account_name) }
            @if manage {
                p { a href="/activity" { "Activity log" } ": every change in the account, by whom and when." }
            }
            (scroll_table("Members", html! {
                table {
                    caption.visually-hidden { "Members" }
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Email" } th scope="col" { "Role" } th scope="col" { "Joined" } @if manage { th scope="col" { span.visually-hidden { "Actions" } } } } }
                    tbody {
                        @for m in members {
                            tr {
                                td { (m.display_name) @if m.user_id == who.user_id { " (you)" } }
                                td { (m.email) }
                                td {
                                    @if manage && m.user_id != who.user_id && (owner || m.role != Role::Owner) {
                                        form.inline method="post" action="/team/members/role" {
                                            (csrf_field(Some(who)))
                                            input type="hidden" name="user" value=(m.user_id);
                                            label.visually-hidden for={ "role-" (m.user_id) } { "Role of " (m.display_name) }
                                            (role_select(&format!("role-{}", m.user_id), m.role.as_str(), owner, false))
                                            button type="submit" { "Change" span.visually-hidden { " the role of " (m.display_name) } }
                                        }
                                    } @else {
                                        (m.role.label())
                                    }
                                }
                                td { (Date(&m.joined_at)) }
                                @if manage {
                                    td {
                                        @if m.user_id != who.user_id {
                                            form method="post" action="/team/members/remove" {
                                                (csrf_field(Some(who)))
                                                input type="hidden" name="user" value=(m.user_id);
                                                button.danger type="submit" { "Remove" span.visually-hidden { " " (m.display_name) } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
            (list_cut(members.len(), Some("/api/v1/members")))
            @if manage {
                section aria-labelledby="invite-title" {
                    h2 id="invite-title" { "Invite someone" }
                    form.panel method="post" action="/team/invitations" novalidate {
                        (csrf_field(Some(who)))
                        label for="invite-email" { "Email" }
                        (field_error(&form.errors, "email"))
                        input type="email" id="invite-email" name="email" value=(form.email) autocomplete="off" required
                            aria-invalid=[email_error.then_some("true")]
                            aria-describedby=[email_error.then_some("email-error")];
                        label for="invite-role" { "Role" }
                        (field_error(&form.errors, "role"))
                        (role_select("invite-role", if form.role.is_empty() { "member" } else { form.role }, owner, role_error))
                        p.muted { "They get an email with a link that works once, for seven days." }
                        button type="submit" { "Send invitation" }
                    }
                }
                section aria-labelledby="invites-title" {
                    h2 id="invites-title" { "Pending invitations" }
                    (list_cut(invitations.len(), Some("/api/v1/invitations")))
                    @if invitations.is_empty() {
                        p { "No pending invitations." }
                    } @else {
                        ul.plain {
                            @for i in invitations {
                                li {
                                    (i.email) " as " (i.role.label()) ", link works until " (Date(&i.expires_at)) " "
                                    form.inline method="post" action="/team/invitations/resend" {
                                        (csrf_field(Some(who)))
                                        input type="hidden" name="invitation" value=(i.id);
                                        button type="submit" { "Resend" span.visually-hidden { " the invitation to " (i.email) } }
                                    }
                                    " "
                                    form.inline method="post" action="/team/invitations/revoke" {
                                        (csrf_field(Some(who)))
                                        input type="hidden" name="invitation" value=(i.id);
                                        button.danger type="submit" { "Revoke" span.visually-hidden { " the invitation to " (i.email) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// What an invitation link opens: join (signed in as the invited address), sign in first, or
/// a link that no longer works.
pub fn invitation(
    shell: &Shell,
    who: Option<&Identity>,
    open: Option<&Open>,
    token: &str,
) -> Markup {
    layout(
        shell,
        "Invitation",
        html! {
            @match (open, who) {
                (None, _) => {
                    h1 { "This invitation link no longer works" }
                    p { "It was already used, revoked, replaced by a newer one, or it is more than seven days old." }
                    p { "Ask the person who invited you to send it again. If you already joined, "
                        a href="/login?next=/dashboard" { "sign in" } " to see the account." }
                }
                (Some(open), Some(who)) if who.email == open.email => {
                    h1 { "Join " (open.account_name) }
                    p { "You are invited to join " strong { (open.account_name) } " as " (open.role.label()) "." }
                    form method="post" action="/team/invitations/accept" {
                        (csrf_field(Some(who)))
                        input type="hidden" name="token" value=(token);
                        button type="submit" { "Join " (open.account_name) }
                    }
                }
                (Some(open), Some(who)) => {
                    h1 { "This invitation is for someone else" }
                    p { "It was sent to " strong { (open.email) } ", and you are signed in as " (who.email) "." }
                    p { "Sign out, then sign in with " (open.email) " to accept it." }
                }
                (Some(open), None) => {
                    h1 { "Join " (open.account_name) }
                    p { "You are invited to join " strong { (open.account_name) } " as " (open.role.label()) "." }
                    p { "Sign in with " strong { (open.email) } " to accept: we'll email you a sign-in link, and you join as soon as you use it." }
                    p { a.button href={ "/login?email=" (open.email) "&next=/dashboard%3Faccount%3D" (open.account_id) } { "Sign in to accept" } }
                }
            }
        },
    )
}
