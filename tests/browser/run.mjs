#!/usr/bin/env node
// Real-browser end-to-end checks of the Pulse Account portal: headless Chromium driven by
// playwright-core, accessibility checked by axe-core.
//
//   node tests/browser/run.mjs http://127.0.0.1:3000
//
// The portal must run in local mode with the demo data (the developer mailbox at /dev/mailbox
// delivers the sign-in links). Prints one line per check and exits non-zero on any failure.
// CHROMIUM_PATH overrides the browser (default /usr/bin/chromium). Screenshots of every page at
// 360 and 1280 pixels in light and dark, of each flow's result, and of any failed step go to
// PULSE_SCREENSHOTS (the test sets target/browser) or else a new temporary directory, printed at
// the end.
//
// A run asks for three sign-in links for ada@acme.example and the portal allows five per address
// in ten minutes: against a long-running portal (scripts/serve), run it at most once in that time.

import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = require('axe-core').source;

const base = (process.argv[2] || process.env.PULSE_BASE_URL || '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(base)) {
  console.error('usage: node run.mjs BASE_URL   (for example http://127.0.0.1:3000)');
  process.exit(2);
}
const url = (path) => base + path;
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const outDir = process.env.PULSE_SCREENSHOTS
  ? (mkdirSync(process.env.PULSE_SCREENSHOTS, { recursive: true }), process.env.PULSE_SCREENSHOTS)
  : mkdtempSync(join(tmpdir(), 'pulse-browser-'));

const ADA = 'ada@acme.example';
const PHONE = { width: 360, height: 780 };
const DESKTOP = { width: 1280, height: 800 };
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let passed = 0;
let failed = 0;
let shots = 0;

class StepFailed extends Error {}

function fail(message) {
  throw new Error(message);
}

function expect(cond, message) {
  if (!cond) fail(message);
}

// Runs one scenario. `check(name, fn)` prints `ok` or `FAIL` for one step and saves a screenshot
// of the page a failed step was on; a failed step ends its scenario (later steps depend on it)
// unless it is `soft` (independent checks such as one page's accessibility).
async function scenario(name, body) {
  let current = null;
  const check = async (what, fn, { soft = false } = {}) => {
    try {
      const detail = await fn();
      passed++;
      console.log(`ok   ${name}: ${what}${detail ? ` (${detail})` : ''}`);
      return true;
    } catch (e) {
      failed++;
      const msg = String(e && e.message ? e.message : e).split('\n').slice(0, 80).join('\n     ');
      console.log(`FAIL ${name}: ${what}\n     ${msg}`);
      if (current && !current.isClosed()) {
        const path = join(outDir, `failure-${++shots}.png`);
        try {
          await current.screenshot({ path, fullPage: true });
          console.log(`     at ${current.url()}, screenshot ${path}`);
        } catch {
          /* the page may be gone */
        }
      }
      if (soft) return false;
      throw new StepFailed();
    }
  };
  const track = (page) => {
    current = page;
    return page;
  };
  try {
    await body(check, track);
  } catch (e) {
    if (!(e instanceof StepFailed)) {
      failed++;
      console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    }
  }
}

// A fresh browser context; subresources that fail (CSS, icons) are recorded on `context.broken`.
async function newContext(browser, options = {}) {
  const context = await browser.newContext({ baseURL: base, ...options });
  context.setDefaultTimeout(15000);
  context.broken = [];
  context.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') {
      context.broken.push(`${r.status()} ${r.url()}`);
    }
  });
  return context;
}

// The newest sign-in link the developer mailbox holds for `email`.
async function mailboxLink(email, notBefore) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = await fetch(url(`/dev/mailbox?to=${encodeURIComponent(email)}`), {
      headers: { accept: 'application/json' },
    });
    expect(r.ok, `mailbox answered ${r.status}`);
    const body = await r.json();
    const messages = Array.isArray(body.data) ? body.data : [];
    const link = messages[0] && Array.isArray(messages[0].links) ? messages[0].links[0] : null;
    if (link && link !== notBefore) return link;
    await new Promise((res) => setTimeout(res, 100));
  }
  return fail(`no new sign-in link in the mailbox for ${email}`);
}

async function lastLink(email) {
  const r = await fetch(url(`/dev/mailbox?to=${encodeURIComponent(email)}`), {
    headers: { accept: 'application/json' },
  });
  if (!r.ok) return null;
  const body = await r.json();
  const m = Array.isArray(body.data) ? body.data[0] : null;
  return m && Array.isArray(m.links) ? m.links[0] : null;
}

async function h1(page) {
  return (await page.locator('main h1').first().innerText()).trim();
}

async function expectH1(page, want) {
  const got = await h1(page);
  expect(
    want instanceof RegExp ? want.test(got) : got === want,
    `expected heading ${want}, found "${got}" at ${page.url()}`,
  );
  return got;
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

const nav = (page) => page.getByRole('navigation', { name: 'Main' });

// Signs `email` in through the real pages: the email form, the mailbox link, the confirmation.
async function signIn(check, page, email) {
  const before = await lastLink(email);
  await check(`open /login and ask for a link for ${email}`, async () => {
    await page.goto('/login');
    await page.getByLabel('Work email').fill(email);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/login', { waitUntil: 'load' }),
      page.getByRole('button', { name: 'Email me a sign-in link' }).click(),
    ]);
    await expectH1(page, 'Check your email');
  });
  let link;
  await check('read the sign-in link from the developer mailbox', async () => {
    link = await mailboxLink(email, before);
    expect(link.includes('/login/verify'), `unexpected link ${link}`);
    return new URL(link).pathname;
  });
  await check('open the link and confirm with "Sign in"', async () => {
    // The link carries the test's public origin; open the same path on the base URL.
    const u = new URL(link);
    await page.goto(u.pathname + u.search);
    await expectH1(page, 'Continue signing in');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/dashboard'),
      page.getByRole('main').getByRole('button', { name: 'Sign in' }).click(),
    ]);
    return pathOf(page);
  });
}

// Signs `email` in on `page` without reporting each step (inside a larger check): asks for a
// link on the sign-in form as it stands (filled in by the page that led there, or with `email`),
// opens it from the mailbox and confirms.
async function signInQuietly(page, email) {
  const before = await lastLink(email);
  if (pathOf(page) !== '/login') await page.goto('/login');
  const field = page.getByLabel('Work email');
  if ((await field.inputValue()) !== email) await field.fill(email);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login', { waitUntil: 'load' }),
    page.getByRole('button', { name: 'Email me a sign-in link' }).click(),
  ]);
  const link = new URL(await mailboxLink(email, before));
  await page.goto(link.pathname + link.search);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/dashboard'),
    page.getByRole('main').getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

// Runs axe-core on the page and fails with every violation it reports.
async function axeCheck(check, page, label, path) {
  await check(`axe WCAG 2.x A/AA on ${label} (${path})`, async () => {
    const resp = await page.goto(path);
    expect(resp, `no response for ${path}`);
    // Evaluated through the DevTools protocol: the portal's CSP (rightly) refuses inline script.
    await page.evaluate(axeSource);
    const result = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
      AXE_TAGS,
    );
    if (result.violations.length) {
      const lines = [];
      for (const v of result.violations) {
        lines.push(`${v.id} [${v.impact}] ${v.help} (${v.helpUrl})`);
        for (const n of v.nodes.slice(0, 5)) {
          lines.push(`  ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`);
        }
      }
      fail(`${result.violations.length} violation(s):\n${lines.join('\n')}`);
    }
    const review = result.incomplete.length ? `, ${result.incomplete.length} to review by hand` : '';
    return `${result.passes.length} rules pass${review}, status ${resp.status()}`;
  }, { soft: true });
}

// No horizontal scrolling: the document is no wider than the window, and the window is the
// phone's width (a mobile browser widens the layout viewport to fit content that overflows).
async function noHorizontalScroll(page, width) {
  const m = await page.evaluate(() => {
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      // What a scrolling table box clips does not widen the page.
      if (el.closest('.table-scroll') && !el.classList.contains('table-scroll')) continue;
      const r = el.getBoundingClientRect();
      if (r.right > document.documentElement.clientWidth + 0.5 && wide.length < 5) {
        const name = (e) => `${e.tagName.toLowerCase()}${e.className ? '.' + e.className : ''}`;
        wide.push(`${name(el)} in ${name(el.parentElement)} ends at ${Math.round(r.right)}px`);
      }
    }
    return { scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth, wide };
  });
  expect(
    m.scroll <= m.inner && m.inner <= width,
    `page is ${m.scroll}px wide, window ${m.inner}px, phone ${width}px; too wide: ${m.wide.join('; ')}`,
  );
  return `${m.scroll}px <= ${m.inner}px`;
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // playwright-core starts every launch with a fresh temporary user-data-dir.
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
console.log(`browser: Chromium ${browser.version()} at ${executablePath}; portal ${base}`);

try {
  // (a)-(d) and (h): one signed-in browser through the whole journey.
  await scenario('journey', async (check, track) => {
    const context = await newContext(browser);
    const page = track(await context.newPage());

    await check('landing page renders', async () => {
      await page.goto('/');
      await expectH1(page, 'Everything about your Pulse, in one place');
    });
    await check('"Sign in" on the landing page leads to the sign-in form', async () => {
      await nav(page).getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/login');
      await expectH1(page, 'Sign in to Pulse Account');
    });
    await signIn(check, page, ADA);
    await check('Home shows Acme Robotics', async () => {
      await expectH1(page, 'Acme Robotics');
      await page.getByText(`Signed in as ${ADA}`).waitFor();
      const current = nav(page).locator('a[aria-current="page"]');
      expect((await current.innerText()) === 'Home', 'Home is not the current nav item');
    });
    await check('screenshot of Home', async () => {
      const path = join(outDir, 'home.png');
      await page.screenshot({ path, fullPage: true });
      console.log(`     screenshot: ${path}`);
      return path;
    });

    // (b) navigation by the nav links and the links in the pages.
    const sections = [
      ['Licenses', '/licenses', 'Licenses'],
      ['Pulse Cloud', '/cloud', 'Pulse Cloud'],
      ['Billing', '/billing', 'Billing'],
      ['Team', '/team', 'Team'],
    ];
    for (const [link, path, heading] of sections) {
      await check(`nav link "${link}" opens ${path}`, async () => {
        await Promise.all([
          page.waitForURL((u) => u.pathname === path),
          nav(page).getByRole('link', { name: link, exact: true }).click(),
        ]);
        await expectH1(page, heading);
        const current = await nav(page).locator('a[aria-current="page"]').innerText();
        expect(current === link, `current nav item is "${current}"`);
      });
    }
    await check('Team lists Ada as a member', async () => {
      await page.getByRole('cell', { name: ADA }).waitFor();
    });
    await check('a license detail opens from Licenses', async () => {
      await nav(page).getByRole('link', { name: 'Licenses', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/licenses');
      const first = page.locator('main table a[href^="/licenses/"]').first();
      const name = (await first.innerText()).trim();
      await Promise.all([page.waitForURL((u) => /^\/licenses\/.+/.test(u.pathname)), first.click()]);
      await expectH1(page, new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      await page.getByRole('heading', { name: /^Activations/ }).waitFor();
      return pathOf(page);
    });
    await check('an invoice opens from Billing', async () => {
      await nav(page).getByRole('link', { name: 'Billing', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/billing');
      const first = page.locator('main table a[href^="/billing/invoices/"]').first();
      const number = (await first.innerText()).trim();
      await Promise.all([
        page.waitForURL((u) => u.pathname.startsWith('/billing/invoices/')),
        first.click(),
      ]);
      await expectH1(page, new RegExp(`^Invoice ${number}`));
      const billedTo = page.locator('section', {
        has: page.getByRole('heading', { name: 'Billed to', exact: true }),
      });
      await billedTo.getByText('Acme Robotics', { exact: true }).waitFor();
      return pathOf(page);
    });

    // (c) the account switcher.
    await check('switch to Northwind MSP with the account switcher', async () => {
      await page.getByLabel('Account', { exact: true }).selectOption({ label: 'Northwind MSP' });
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Switch' }).click(),
      ]);
      await page.waitForLoadState('load');
      const selected = await page
        .getByLabel('Account', { exact: true })
        .evaluate((s) => s.options[s.selectedIndex].text);
      expect(selected === 'Northwind MSP', `switcher shows "${selected}"`);
      return pathOf(page);
    });
    await check('MSP nav shows the clients', async () => {
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/msp'),
        nav(page).getByRole('link', { name: 'MSP', exact: true }).click(),
      ]);
      await expectH1(page, 'Northwind MSP');
      for (const client of ['Globex Dental', 'Initech Logistics']) {
        await page.getByRole('link', { name: client, exact: true }).waitFor();
      }
      expect(
        (await nav(page).getByRole('link', { name: 'Licenses', exact: true }).count()) === 0,
        'provider account still shows customer nav',
      );
    });

    // (d) sign out.
    await check('"Sign out" in the header signs out', async () => {
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click(),
      ]);
      await page.waitForLoadState('load');
      expect(
        (await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).count()) === 0,
        'the header still offers "Sign out"',
      );
      return pathOf(page);
    });
    await check('/dashboard now leads to /login', async () => {
      await page.goto('/dashboard');
      expect(pathOf(page) === '/login', `landed on ${page.url()}`);
      await expectH1(page, 'Sign in to Pulse Account');
    });
    await check('no stylesheet, icon or other subresource failed to load', async () => {
      expect(context.broken.length === 0, context.broken.join('\n'));
    });
    await context.close();
  });

  // One more sign-in whose cookies the phone and accessibility scenarios share (the portal
  // allows five links per address in ten minutes; this run asks for three).
  let shared = null;
  await scenario('session', async (check, track) => {
    const context = await newContext(browser);
    const page = track(await context.newPage());
    await signIn(check, page, ADA);
    shared = await context.storageState();
    await context.close();
  });
  const signedIn = async (check, page) => {
    await check('reuse the signed-in session', async () => {
      expect(shared, 'no signed-in session (see the session scenario)');
      await page.goto('/dashboard');
      await expectH1(page, 'Acme Robotics');
    });
  };

  // Every page at 360 px (a phone) and 1280 px (a desktop), in light and in the system's dark
  // setting: axe-core's WCAG 2.x A/AA rules (contrast included), no horizontal scrolling on the
  // phone, and a screenshot of each.
  const signedOutPages = [
    ['landing', '/'],
    ['sign-in', '/login'],
    ['recover-access', '/recover'],
    ['not-found', '/no/such/page'],
  ];
  const acmePages = [
    ['home', '/dashboard'],
    ['licenses', '/licenses'],
    ['license', '/licenses/lic_demo_pro'],
    ['cloud', '/cloud'],
    ['create-workspace', '/cloud/new'],
    ['workspace', '/cloud/ten_demo_acme'],
    ['other-accounts-workspace', '/cloud/ten_demo_globex'],
    ['provider-access', '/cloud/access'],
    ['billing', '/billing'],
    ['invoice', '/billing/invoices/inv_demo_0009'],
    ['plans', '/billing/plans'],
    ['team', '/team'],
    ['activity', '/activity'],
    ['profile', '/profile'],
    ['security', '/security'],
    ['privacy', '/privacy'],
    ['data-export', '/privacy/export'],
    ['support', '/support'],
  ];
  const providerPages = [
    ['msp', '/msp'],
    ['msp-client', '/msp/clients/acc_demo_initech'],
  ];
  // English at both sizes in both schemes, and Bulgarian (chosen by the browser's language) on
  // the phone, where its longer words are most likely to break a layout.
  const runs = [
    ['360', PHONE, 'light', 'en'],
    ['360', PHONE, 'dark', 'en'],
    ['1280', DESKTOP, 'light', 'en'],
    ['1280', DESKTOP, 'dark', 'en'],
    ['360', PHONE, 'light', 'bg'],
  ];
  for (const [size, viewport, scheme, language] of runs) {
    const suffix = language === 'en' ? '' : ` ${language}`;
    await scenario(`pages ${size}px ${scheme}${suffix}`, async (check, track) => {
      const phone = viewport === PHONE;
      const options = { viewport, colorScheme: scheme, locale: language === 'bg' ? 'bg-BG' : 'en-US' };
      if (phone) Object.assign(options, { deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const pageAt = async (page, label, path) => {
        await axeCheck(check, page, `${label} at ${size}px, ${scheme}${suffix}`, path);
        if (language !== 'en') {
          await check(`${path} reads in ${language}`, async () => {
            const lang = await page.evaluate(() => document.documentElement.lang);
            expect(lang === language, `lang is ${lang}`);
          });
        }
        if (phone) {
          await check(`${path} at ${size}px${suffix} has no horizontal scrolling`, async () => noHorizontalScroll(page, viewport.width), { soft: true });
        }
        await check(`screenshot of ${path} at ${size}px, ${scheme}${suffix}`, async () => {
          const file = join(outDir, `${label}-${size}-${scheme}${language === 'en' ? '' : `-${language}`}.png`);
          await page.screenshot({ path: file, fullPage: true });
          return file;
        }, { soft: true });
      };
      const anonymous = await newContext(browser, options);
      const out = track(await anonymous.newPage());
      if (scheme === 'dark') {
        await check('the page turns dark with the system setting', async () => {
          await out.goto('/login');
          const rgb = await out.evaluate(() => getComputedStyle(document.body).backgroundColor);
          const [r, g, b] = rgb.match(/\d+/g).map(Number);
          expect(r + g + b < 150, `body background is ${rgb}`);
          return rgb;
        });
      }
      for (const [label, path] of signedOutPages) await pageAt(out, label, path);
      await anonymous.close();
      const context = await newContext(browser, { ...options, storageState: shared ?? undefined });
      const page = track(await context.newPage());
      await signedIn(check, page);
      for (const [label, path] of acmePages) await pageAt(page, label, path);
      await check('switch to Northwind MSP', async () => {
        await page.goto('/dashboard');
        await page.locator('#account-switch').selectOption({ label: 'Northwind MSP' });
        await Promise.all([page.waitForNavigation(), page.locator('form[action="/accounts/switch"] button').click()]);
      });
      for (const [label, path] of providerPages) await pageAt(page, label, path);
      await context.close();
    });
  }

  // The flows a person takes, each end to end through the pages as a person would.
  await scenario('flows', async (check, track) => {
    const context = await newContext(browser, { viewport: DESKTOP, storageState: shared ?? undefined, acceptDownloads: true });
    const page = track(await context.newPage());
    const shot = async (p, name) => {
      const file = join(outDir, `flow-${name}.png`);
      await p.screenshot({ path: file, fullPage: true });
      return file;
    };
    await signedIn(check, page);

    await check("Home's action list has an item from each area", async () => {
      const list = page.locator('section.attention');
      const hrefs = await list.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      const areas = ['/licenses', '/cloud', '/billing', '/team', '/privacy'];
      const missing = areas.filter((area) => !hrefs.some((h) => h.startsWith(area)));
      expect(missing.length === 0, `no item for ${missing.join(', ')} in ${hrefs.join(', ')}`);
      await shot(page, 'home-action-list');
      return `${hrefs.length} items`;
    });

    await check('create a workspace', async () => {
      await page.goto('/cloud/new');
      await page.getByLabel('Display name').fill('Browser Lab');
      await page.getByLabel('Address', { exact: true }).fill('browser-lab');
      await Promise.all([
        page.waitForURL((u) => /^\/cloud\/ten_/.test(u.pathname)),
        page.getByRole('button', { name: 'Create workspace' }).click(),
      ]);
      await expectH1(page, /^Browser Lab/);
      await shot(page, 'workspace-created');
      return pathOf(page);
    });

    const invitee = 'zoe@example.com';
    await check('invite a teammate from Team', async () => {
      await page.goto('/team');
      await page.getByLabel('Email', { exact: true }).fill(invitee);
      await page.getByLabel('Role', { exact: true }).selectOption('member');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/team'),
        page.getByRole('button', { name: 'Send invitation' }).click(),
      ]);
      await page.getByText(invitee).first().waitFor();
    });
    await check('the teammate opens the emailed invitation, signs in and is in the team', async () => {
      const other = await newContext(browser, { viewport: DESKTOP });
      const theirs = track(await other.newPage());
      const link = new URL(await mailboxLink(invitee, null));
      expect(link.pathname === '/team/invitations/accept', `unexpected link ${link}`);
      await theirs.goto(link.pathname + link.search);
      await expectH1(theirs, 'Join Acme Robotics');
      await Promise.all([
        theirs.waitForURL((u) => u.pathname === '/login'),
        theirs.getByRole('link', { name: 'Sign in to accept' }).click(),
      ]);
      await signInQuietly(theirs, invitee);
      await expectH1(theirs, 'Acme Robotics');
      await shot(theirs, 'teammate-joined');
      await other.close();
      track(page);
      await page.goto('/team');
      await page.getByRole('cell', { name: invitee }).waitFor();
    });

    await check('a paid invoice prints as a receipt', async () => {
      await page.goto('/billing/invoices/inv_demo_0009');
      await expectH1(page, /^Invoice PA-2026-0009/);
      await page.emulateMedia({ media: 'print' });
      const navPrinted = await nav(page).isVisible();
      const file = join(outDir, 'flow-receipt.pdf');
      await page.pdf({ path: file, format: 'A4' });
      await page.emulateMedia({ media: 'screen' });
      expect(!navPrinted, 'the navigation is on the printed receipt');
      expect(readFileSync(file).subarray(0, 5).toString() === '%PDF-', 'no PDF was printed');
      return file;
    });

    await check('download a license file', async () => {
      await page.goto('/licenses/lic_demo_pro');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download the license file' }).first().click(),
      ]);
      const name = download.suggestedFilename();
      expect(name === 'pulse-license-lic_demo_pro.json', `file named ${name}`);
      const file = join(outDir, name);
      await download.saveAs(file);
      const text = readFileSync(file, 'utf8');
      JSON.parse(text);
      expect(text.includes('lic_demo_pro'), 'the file is not the license');
      return file;
    });

    await check('ask for a data export and download the archive', async () => {
      await page.goto('/privacy/export');
      await Promise.all([
        page.waitForURL((u) => u.pathname.startsWith('/privacy/requests/')),
        page.getByRole('button', { name: 'Prepare the export' }).click(),
      ]);
      const archive = page.getByRole('link', { name: 'Download the archive' });
      for (let i = 0; i < 50 && (await archive.count()) === 0; i++) {
        await new Promise((res) => setTimeout(res, 200));
        await page.reload();
      }
      await shot(page, 'data-export-ready');
      const [download] = await Promise.all([page.waitForEvent('download'), archive.click()]);
      const name = download.suggestedFilename();
      expect(/^pulse-account-data-.+\.zip$/.test(name), `file named ${name}`);
      const file = join(outDir, name);
      await download.saveAs(file);
      expect(readFileSync(file).subarray(0, 2).toString() === 'PK', 'the archive is not a zip');
      return file;
    });

    await check('a provider asks Globex Dental for access', async () => {
      await page.goto('/dashboard');
      await page.getByLabel('Account', { exact: true }).selectOption({ label: 'Northwind MSP' });
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Switch' }).click()]);
      await page.goto('/msp/clients/acc_demo_globex');
      await page.getByLabel(/^Days of access/).fill('14');
      await page.getByLabel(/^Why you need it/).fill('Moving their workspace to the new template');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Ask for access' }).click()]);
      await page.getByRole('heading', { name: 'Access asked' }).waitFor();
    });
    await check("Globex's owner approves it", async () => {
      const other = await newContext(browser, { viewport: DESKTOP });
      const owner = track(await other.newPage());
      await signInQuietly(owner, 'gus@globex.example');
      await owner.goto('/cloud/access');
      await Promise.all([
        owner.waitForNavigation(),
        owner.getByRole('button', { name: 'Approve 14 days' }).click(),
      ]);
      await owner.getByRole('button', { name: 'End access' }).first().waitFor();
      await shot(owner, 'access-approved');
      await other.close();
      track(page);
    });
    await check("the provider now works in Globex's context", async () => {
      await page.goto('/msp/clients/acc_demo_globex');
      await page.getByRole('button', { name: "Enter the client's context" }).waitFor();
      await shot(page, 'provider-access');
    });
    await check('change the language to Bulgarian on the profile, and back', async () => {
      await page.goto('/profile');
      await page.getByLabel('Read the portal in').selectOption('bg');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/profile'),
        page.getByRole('button', { name: 'Save language' }).click(),
      ]);
      const lang = await page.evaluate(() => document.documentElement.lang);
      expect(lang === 'bg', `the page says lang=${lang}`);
      await page.getByRole('heading', { level: 1, name: 'Профил' }).waitFor();
      await page
        .getByRole('navigation', { name: 'Основна навигация' })
        .getByRole('link', { name: 'Начало', exact: true })
        .waitFor();
      await shot(page, 'profile-bulgarian');
      await page.getByLabel('Четете портала на').selectOption('');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/profile'),
        page.getByRole('button', { name: 'Запази езика' }).click(),
      ]);
      await expectH1(page, 'Profile');
    });
    await check('no stylesheet, icon or other subresource failed to load', async () => {
      expect(context.broken.length === 0, context.broken.join('\n'));
    });
    await context.close();
  });

  // (g) no JavaScript at all: every flow is a plain HTML form.
  await scenario('no-javascript', async (check, track) => {
    const context = await newContext(browser, { javaScriptEnabled: false });
    const page = track(await context.newPage());
    await check('JavaScript is off in this context', async () => {
      // With scripting off, Chromium parses <noscript> content as ordinary elements.
      await page.setContent('<noscript><p id="n">off</p></noscript>');
      expect((await page.locator('#n').count()) === 1, 'noscript content is not shown');
    });
    await signIn(check, page, ADA);
    await check('Home shows Acme Robotics', async () => {
      await expectH1(page, 'Acme Robotics');
    });
    await check('switch to Northwind MSP without JavaScript', async () => {
      await page.getByLabel('Account', { exact: true }).selectOption({ label: 'Northwind MSP' });
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Switch' }).click()]);
      await page.goto('/msp');
      await page.getByRole('link', { name: 'Globex Dental', exact: true }).waitFor();
    });
    await check('sign out without JavaScript', async () => {
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click(),
      ]);
      await page.goto('/dashboard');
      expect(pathOf(page) === '/login', `landed on ${page.url()}`);
    });
    await context.close();
  });
} finally {
  await browser.close();
}

console.log(`${failed === 0 ? 'PASS' : 'FAIL'}: ${passed} checks passed, ${failed} failed; files in ${outDir}`);
process.exit(failed === 0 ? 0 : 1);
