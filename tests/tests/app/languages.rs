//! The portal in Bulgarian and in a person's own time zone: every page a person reaches reads
//! in the language they chose, with dates, amounts and times written that language's way and
//! on their own clock; the API keeps its machine formats whatever the person chose.

use std::collections::HashMap;

use anyhow::{Context, Result, ensure};
use pulse_core::i18n::{BG_CATALOG, Locale, Reader, parse_po};
use pulse_core::time::{civil_date, parse_rfc3339};
use pulse_core::zone::Zone;
use pulse_tests::app::{Session, TestApp, expect_status, location};

use super::each_backend;

/// The visible text of a page: the text between tags, outside `<script>`, `<style>`, `<code>`
/// (paths and commands) and `<option>` (the time-zone list is IANA names), entities decoded.
fn text_segments(html: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut skipping: Option<&str> = None;
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        if skipping.is_none() {
            let text = text
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'");
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                segments.push(text);
            }
        }
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open + 1..open + close];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default();
        match (skipping, tag.starts_with('/')) {
            (None, false) if matches!(name, "script" | "style" | "code" | "option") => {
                skipping = Some(
                    ["script", "style", "code", "option"]
                        .into_iter()
                        .find(|n| *n == name)
                        .unwrap_or_default(),
                );
            }
            (Some(skipped), true) if skipped == name => skipping = None,
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    segments
}

/// What is wrong with a page that should read in Bulgarian: a sentence shown in English that
/// the catalog translates (a message the code forgot to translate), or too little Cyrillic.
fn english_left(html: &str, catalog: &HashMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    if !html.contains("<html lang=\"bg\">") {
        problems.push("the page's lang is not bg".into());
    }
    let segments = text_segments(html);
    for segment in &segments {
        let english = catalog
            .get(segment.as_str())
            .is_some_and(|translated| translated != segment);
        if english && segment.split_whitespace().count() >= 3 {
            problems.push(format!("shown in English: {segment:?}"));
        }
    }
    let letters = |cyrillic: bool| -> usize {
        segments
            .iter()
            .flat_map(|s| s.chars())
            .filter(|c| c.is_alphabetic() && (('\u{400}'..='\u{4ff}').contains(c) == cyrillic))
            .count()
    };
    let (bulgarian, other) = (letters(true), letters(false));
    // Names, addresses, ids and plan names are data and stay as they were written.
    if bulgarian * 100 < (bulgarian + other) * 60 {
        problems.push(format!(
            "only {bulgarian} of {} letters are Cyrillic",
            bulgarian + other
        ));
    }
    problems
}

/// The pages at `paths` as `who` reads them (signed out: a browser asking for Bulgarian),
/// failing with every page that is not in Bulgarian.
fn bulgarian_pages(
    app: &TestApp,
    who: Option<&Session>,
    paths: &[&str],
    catalog: &HashMap<String, String>,
) -> Result<Vec<(String, String)>> {
    let mut pages = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let resp = match who {
            Some(session) => app.get_as(session, path)?,
            None => app
                .host
                .client()
                .get(app.host.url(path))
                .header("accept-language", "bg-BG,bg;q=0.9")
                .send()?,
        };
        let page = expect_status(resp, 200).with_context(|| path.to_string())?;
        problems.extend(
            english_left(&page, catalog)
                .into_iter()
                .map(|p| format!("{path}: {p}")),
        );
        pages.push((path.to_string(), page));
    }
    ensure!(
        problems.is_empty(),
        "pages not in Bulgarian:\n{}",
        problems.join("\n")
    );
    Ok(pages)
}

#[test]
fn every_page_reads_in_the_chosen_language_with_its_dates_and_amounts() -> Result<()> {
    let catalog: HashMap<String, String> = parse_po(BG_CATALOG).into_iter().collect();
    each_backend("every_page_reads_in_bulgarian", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        let chosen = app.post_as(&ada, "/profile/language", &[("language", "bg")])?;
        ensure!(chosen.status() == 303, "{}", chosen.status());
        bulgarian_pages(
            app,
            None,
            &["/", "/login", "/recover", "/support", "/privacy"],
            &catalog,
        )?;
        let pages = bulgarian_pages(
            app,
            Some(&ada),
            &[
                "/dashboard",
                "/licenses",
                "/licenses/lic_demo_pro",
                "/cloud",
                "/cloud/new",
                "/cloud/ten_demo_acme",
                "/cloud/access",
                "/billing",
                "/billing/invoices/inv_demo_0009",
                "/billing/plans",
                "/team",
                "/activity",
                "/profile",
                "/security",
                "/privacy",
                "/privacy/export",
                "/support",
            ],
            &catalog,
        )?;
        let page = |path: &str| {
            pages
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, html)| html.as_str())
                .unwrap_or_default()
        };
        // Amounts as Bulgarian writes them: a decimal comma and the sign after the number.
        let billing = page("/billing");
        ensure!(
            billing.contains(",00\u{a0}€") && !billing.contains(">€"),
            "amounts on /billing are not written the Bulgarian way"
        );
        // Dates with the month's name and the year's "г." ("25 септември 2026 г.").
        let issued = app.strings(
            "SELECT issued_at FROM invoices WHERE id = 'inv_demo_0009'",
            "SELECT issued_at FROM invoices WHERE id = 'inv_demo_0009'",
        )?;
        let issued = issued
            .first()
            .and_then(|ts| parse_rfc3339(ts))
            .context("issued_at")?;
        let (_, _, day) = civil_date(issued);
        let invoice = page("/billing/invoices/inv_demo_0009");
        let written = Reader::new(Locale::Bg, Zone::UTC).date(issued);
        ensure!(
            written.starts_with(&format!("{day} "))
                && written.ends_with(" г.")
                && written
                    .chars()
                    .any(|c| ('\u{430}'..='\u{44f}').contains(&c)),
            "{written}"
        );
        ensure!(
            invoice.contains(&written),
            "the invoice's dates are not written the Bulgarian way ({written})"
        );

        // A refusal with values in it reads in Bulgarian too, the values in their places.
        let bad = app.post_as(
            &ada,
            "/billing/details",
            &[
                ("name", "Acme Robotics GmbH"),
                ("country", "DE"),
                ("address", "Hauptstr. 1"),
                ("tax_id", "DE12345"),
            ],
        )?;
        ensure!(bad.status() == 422, "{}", bad.status());
        let page = bad.text()?;
        ensure!(
            page.contains("Това не е форматът на ДДС номер с префикс DE, който изглежда като DE"),
            "{page}"
        );

        let mia = app.sign_in("mia@northwind.example")?;
        let chosen = app.post_as(&mia, "/profile/language", &[("language", "bg")])?;
        ensure!(chosen.status() == 303);
        bulgarian_pages(
            app,
            Some(&mia),
            &["/msp", "/msp/clients/acc_demo_initech"],
            &catalog,
        )?;

        // The same pages in English for a person who chose English.
        let english = app.post_as(&ada, "/profile/language", &[("language", "en")])?;
        ensure!(english.status() == 303);
        let billing = expect_status(app.get_as(&ada, "/billing")?, 200)?;
        ensure!(billing.contains("<html lang=\"en\">") && billing.contains(">€"));
        Ok(())
    })
}

#[test]
fn dates_and_times_read_on_the_persons_own_clock() -> Result<()> {
    each_backend("dates_read_on_the_persons_clock", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        let profile = expect_status(app.get_as(&ada, "/profile")?, 200)?;
        ensure!(
            profile.contains("<option value=\"UTC\" selected>UTC</option>")
                && profile.contains(" UTC."),
            "UTC until a zone is chosen"
        );

        let refused = app.post_as(
            &ada,
            "/profile/time-zone",
            &[("time_zone", "Mars/Olympus_Mons")],
        )?;
        ensure!(refused.status() == 422, "{}", refused.status());
        let page = refused.text()?;
        ensure!(
            page.contains("Choose one of the time zones offered.")
                && page.contains("aria-describedby=\"time_zone-error time-zone-now\""),
            "{page}"
        );
        let unchanged = app.strings(
            "SELECT time_zone FROM users WHERE email = 'ada@acme.example'",
            "SELECT time_zone FROM users WHERE email = 'ada@acme.example'",
        )?;
        ensure!(unchanged == [""], "{unchanged:?}");

        // Auckland is on summer time (NZDT, UTC+13) in December and standard time (NZST) in
        // June: the page says which, so whatever day the test runs the zone shows by name.
        let saved = app.post_as(
            &ada,
            "/profile/time-zone",
            &[("time_zone", "Pacific/Auckland")],
        )?;
        ensure!(saved.status() == 303 && location(&saved) == "/profile?done=time-zone");
        let profile = expect_status(app.get_as(&ada, "/profile?done=time-zone")?, 200)?;
        ensure!(
            profile
                .contains("<option value=\"Pacific/Auckland\" selected>Pacific/Auckland</option>")
                && (profile.contains(" NZDT.") || profile.contains(" NZST."))
                && profile.contains("Your time zone is saved."),
            "{profile}"
        );
        let stored = app.strings(
            "SELECT time_zone FROM users WHERE email = 'ada@acme.example'",
            "SELECT time_zone FROM users WHERE email = 'ada@acme.example'",
        )?;
        ensure!(stored == ["Pacific/Auckland"], "{stored:?}");

        // Sessions on the security page show when they began, on the person's clock.
        let security = expect_status(app.get_as(&ada, "/security")?, 200)?;
        ensure!(
            security.contains(" NZDT") || security.contains(" NZST"),
            "the security page's times are not in the chosen zone"
        );

        // The API keeps UTC timestamps whatever the person chose.
        let invoices: serde_json::Value =
            serde_json::from_str(&expect_status(app.get_as(&ada, "/api/v1/invoices")?, 200)?)?;
        let issued = invoices["data"][0]["issued_at"]
            .as_str()
            .unwrap_or_default();
        ensure!(issued.ends_with('Z'), "{issued}");
        Ok(())
    })
}

#[test]
fn mail_reads_in_its_recipients_language() -> Result<()> {
    each_backend("mail_reads_in_its_recipients_language", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        let chosen = app.post_as(&ada, "/profile/language", &[("language", "bg")])?;
        ensure!(chosen.status() == 303);
        let subject_and_text = |to: &str| -> Result<(String, String)> {
            let newest = app
                .mailbox(to)?
                .into_iter()
                .next()
                .with_context(|| format!("no message to {to}"))?;
            Ok((
                newest["subject"].as_str().unwrap_or_default().to_string(),
                newest["text"].as_str().unwrap_or_default().to_string(),
            ))
        };

        // Nobody signs in with this address yet: the invitation reads in the inviter's language.
        let invited = app.post_as(
            &ada,
            "/team/invitations",
            &[("email", "eve@acme.example"), ("role", "member")],
        )?;
        ensure!(invited.status() == 303, "{}", invited.status());
        let (subject, text) = subject_and_text("eve@acme.example")?;
        ensure!(
            subject.contains("Acme Robotics") && !subject.contains("invited you"),
            "{subject}"
        );
        ensure!(
            text.chars()
                .filter(|c| ('\u{400}'..='\u{4ff}').contains(c))
                .count()
                > 40,
            "the invitation is not in Bulgarian:\n{text}"
        );

        // Bob chose no language: a sign-in link he asks for from an English browser is in
        // English; once he chooses Bulgarian, in Bulgarian whatever the browser says.
        app.request_link("bob@acme.example")?;
        let (english, _) = subject_and_text("bob@acme.example")?;
        let bob = app.sign_in("bob@acme.example")?;
        let chosen = app.post_as(&bob, "/profile/language", &[("language", "bg")])?;
        ensure!(chosen.status() == 303);
        app.request_link("bob@acme.example")?;
        let (bulgarian, text) = subject_and_text("bob@acme.example")?;
        ensure!(english != bulgarian, "{english} / {bulgarian}");
        ensure!(
            bulgarian
                .chars()
                .any(|c| ('\u{400}'..='\u{4ff}').contains(&c))
                && !english
                    .chars()
                    .any(|c| ('\u{400}'..='\u{4ff}').contains(&c)),
            "{english} / {bulgarian}"
        );
        ensure!(text.contains("/login/verify"), "{text}");
        Ok(())
    })
}
