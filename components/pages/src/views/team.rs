//! The team page and the page an invitation link opens.

use maud::{Markup, html};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::{Identity, Role};
use pulse_core::store::accounts::{Invitation, Member};
use pulse_core::store::invitations::Open;
use pulse_core::views::partials::list_cut;
use pulse_core::views::{
    Date, Shell, csrf_field, field_error, flash, page as layout, scroll_table,
};

use pulse_core::views::{fill_html, translated_errors};

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
        "removed" => msg("The member was removed."),
        "invited" => msg("The invitation is on its way; its link works for seven days."),
        "resent" => {
            msg("The invitation was sent again with a new link; the old link no longer works.")
        }
        "revoked" => msg("The invitation was revoked; its link no longer works."),
        "role" => msg("The role was changed."),
        _ => return None,
    })
}

/// A role picker; `id` is unique on the page.
fn role_select(
    l: Reader,
    id: &str,
    selected: &str,
    owner_choosable: bool,
    invalid: bool,
) -> Markup {
    html! {
        select id=(id) name="role" aria-invalid=[invalid.then_some("true")]
            aria-describedby=[invalid.then_some("role-error")] {
            @for r in ROLES {
                @if r != Role::Owner || owner_choosable {
                    option value=(r.as_str()) selected[r.as_str() == selected] { (l.tr(r.label())) }
                }
            }
        }
    }
}

/// Members and, for managers, the invite form and pending invitations, in the shell's
/// language.
pub fn page(
    shell: &Shell,
    who: &Identity,
    members: &[Member],
    invitations: &[Invitation],
    done: Option<&str>,
    form: &InviteForm<'_>,
) -> Markup {
    let l = shell.reader;
    let manage = who.account.role.can_manage_team();
    let owner = who.account.role == Role::Owner;
    let email_error = form.errors.iter().any(|(f, _)| f == "email");
    let role_error = form.errors.iter().any(|(f, _)| f == "role");
    let errors = translated_errors(l, &form.errors);
    layout(
        shell,
        msg("Team"),
        html! {
            h1 { (l.tr("Team")) }
            (flash(done_message(done).map(|m| l.tr(m))))
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="invite-problems" {
                    h2 id="invite-problems" { (l.tr("The invitation was not sent")) }
                    ul { @for (field, msg) in &errors { li { a href={ "#invite-" (field) } { (msg) } } } }
                }
            }
            p.muted { (l.fill("{count} members of {account}", &[("count", &l.count(members.len() as i64)), ("account", &who.account.account_name)])) }
            @if manage {
                p { (fill_html(l, msg("{log}: every change in the account, by whom and when."), &[("log", html! { a href="/activity" { (l.tr("Activity log")) } })])) }
            }
            (scroll_table(l.tr("Members"), html! {
                table {
                    caption.visually-hidden { (l.tr("Members")) }
                    thead { tr { th scope="col" { (l.tr("Name")) } th scope="col" { (l.tr("Email")) } th scope="col" { (l.tr("Role")) } th scope="col" { (l.tr("Joined")) } @if manage { th scope="col" { span.visually-hidden { (l.tr("Actions")) } } } } }
                    tbody {
                        @for m in members {
                            tr {
                                td { (m.display_name) @if m.user_id == who.user_id { " (" (l.tr("you")) ")" } }
                                td { (m.email) }
                                td {
                                    @if manage && m.user_id != who.user_id && (owner || m.role != Role::Owner) {
                                        form.inline method="post" action="/team/members/role" {
                                            (csrf_field(Some(who)))
                                            input type="hidden" name="user" value=(m.user_id);
                                            label.visually-hidden for={ "role-" (m.user_id) } { (l.fill("Role of {name}", &[("name", &m.display_name)])) }
                                            (role_select(l, &format!("role-{}", m.user_id), m.role.as_str(), owner, false))
                                            button type="submit" { (l.tr("Change")) span.visually-hidden { " " (l.fill("the role of {name}", &[("name", &m.display_name)])) } }
                                        }
                                    } @else {
                                        (l.tr(m.role.label()))
                                    }
                                }
                                td { (Date(&m.joined_at, l)) }
                                @if manage {
                                    td {
                                        @if m.user_id != who.user_id {
                                            form method="post" action="/team/members/remove" {
                                                (csrf_field(Some(who)))
                                                input type="hidden" name="user" value=(m.user_id);
                                                button.danger type="submit" { (l.tr("Remove")) span.visually-hidden { " " (m.display_name) } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
            (list_cut(l, members.len(), Some("/api/v1/members")))
            @if manage {
                section aria-labelledby="invite-title" {
                    h2 id="invite-title" { (l.tr("Invite someone")) }
                    form.panel method="post" action="/team/invitations" novalidate {
                        (csrf_field(Some(who)))
                        label for="invite-email" { (l.tr("Email")) }
                        (field_error(&errors, "email"))
                        input type="email" id="invite-email" name="email" value=(form.email) autocomplete="off" required
                            aria-invalid=[email_error.then_some("true")]
                            aria-describedby=[email_error.then_some("email-error")];
                        label for="invite-role" { (l.tr("Role")) }
                        (field_error(&errors, "role"))
                        (role_select(l, "invite-role", if form.role.is_empty() { "member" } else { form.role }, owner, role_error))
                        p.muted { (l.tr("They get an email with a link that works once, for seven days.")) }
                        button type="submit" { (l.tr("Send invitation")) }
                    }
                }
                section aria-labelledby="invites-title" {
                    h2 id="invites-title" { (l.tr("Pending invitations")) }
                    (list_cut(l, invitations.len(), Some("/api/v1/invitations")))
                    @if invitations.is_empty() {
                        p { (l.tr("No pending invitations.")) }
                    } @else {
                        ul.plain {
                            @for i in invitations {
                                li {
                                    (fill_html(l, msg("{email} as {role}, link works until {date}"), &[
                                        ("email", html! { (i.email) }),
                                        ("role", html! { (l.tr(i.role.label())) }),
                                        ("date", html! { (Date(&i.expires_at, l)) }),
                                    ])) " "
                                    form.inline method="post" action="/team/invitations/resend" {
                                        (csrf_field(Some(who)))
                                        input type="hidden" name="invitation" value=(i.id);
                                        button type="submit" { (l.tr("Resend")) span.visually-hidden { " " (l.fill("the invitation to {email}", &[("email", &i.email)])) } }
                                    }
                                    " "
                                    form.inline method="post" action="/team/invitations/revoke" {
                                        (csrf_field(Some(who)))
                                        input type="hidden" name="invitation" value=(i.id);
                                        button.danger type="submit" { (l.tr("Revoke")) span.visually-hidden { " " (l.fill("the invitation to {email}", &[("email", &i.email)])) } }
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
/// a link that no longer works, in the shell's language.
pub fn invitation(
    shell: &Shell,
    who: Option<&Identity>,
    open: Option<&Open>,
    token: &str,
) -> Markup {
    let l = shell.reader;
    let join = |open: &Open| l.fill("Join {account}", &[("account", &open.account_name)]);
    let invited = |open: &Open| {
        fill_html(
            l,
            msg("You are invited to join {account} as {role}."),
            &[
                ("account", html! { strong { (open.account_name) } }),
                ("role", html! { (l.tr(open.role.label())) }),
            ],
        )
    };
    layout(
        shell,
        msg("Invitation"),
        html! {
            @match (open, who) {
                (None, _) => {
                    h1 { (l.tr("This invitation link no longer works")) }
                    p { (l.tr("It was already used, revoked, replaced by a newer one, or it is more than seven days old.")) }
                    p { (fill_html(l, msg("Ask the person who invited you to send it again. If you already joined, {sign_in} to see the account."), &[
                        ("sign_in", html! { a href="/login?next=/dashboard" { (l.tr("sign in")) } }),
                    ])) }
                }
                (Some(open), Some(who)) if who.email == open.email => {
                    h1 { (join(open)) }
                    p { (invited(open)) }
                    form method="post" action="/team/invitations/accept" {
                        (csrf_field(Some(who)))
                        input type="hidden" name="token" value=(token);
                        button type="submit" { (join(open)) }
                    }
                }
                (Some(open), Some(who)) => {
                    h1 { (l.tr("This invitation is for someone else")) }
                    p { (fill_html(l, msg("It was sent to {invited}, and you are signed in as {email}."), &[
                        ("invited", html! { strong { (open.email) } }),
                        ("email", html! { (who.email) }),
                    ])) }
                    p { (l.fill("Sign out, then sign in with {email} to accept it.", &[("email", &open.email)])) }
                }
                (Some(open), None) => {
                    h1 { (join(open)) }
                    p { (invited(open)) }
                    p { (fill_html(l, msg("Sign in with {email} to accept: we'll email you a sign-in link, and you join as soon as you use it."), &[
                        ("email", html! { strong { (open.email) } }),
                    ])) }
                    p { a.button href={ "/login?email=" (open.email) "&next=/dashboard%3Faccount%3D" (open.account_id) } { (l.tr("Sign in to accept")) } }
                }
            }
        },
    )
}
