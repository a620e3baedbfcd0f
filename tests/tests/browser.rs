//! The portal in a real browser: headless Chromium, driven by `tests/browser/run.mjs`
//! (playwright-core and axe-core), against the demo portal on SQLite. The script signs in
//! through the real forms and the developer mailbox, walks the navigation, switches account and
//! signs out; takes the flows a person takes (Home's action list, creating a workspace, inviting
//! a teammate who signs in and joins, printing a receipt, downloading a license file, exporting
//! the account's data, a provider asking for access and the customer's owner approving it,
//! changing the language to Bulgarian and back); runs
//! axe-core's WCAG 2.x A and AA rules on every page at 360 and 1280 pixels in light and dark,
//! checks the phone width for horizontal scrolling, and screenshots each page and each flow's
//! result into `target/browser/`; then signs in again with JavaScript disabled.
//!
//! It needs Node.js and Chromium at `/usr/bin/chromium` (`CHROMIUM_PATH` overrides it;
//! `scripts/test` installs Debian's `chromium` when it can). Without them the test fails under
//! `CI=true` and is skipped elsewhere, saying so.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use pulse_tests::app::{Backend, TestApp};
use pulse_tests::{in_ci, workspace_root};

/// How long the whole browser run may take before it is stopped.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn portal_works_in_a_real_browser() -> Result<()> {
    let test = "portal_works_in_a_real_browser";
    let Some(chromium) = browser_prerequisites(test)? else {
        return Ok(());
    };
    let dir = workspace_root().join("tests").join("browser");
    install_node_dependencies(&dir)?;

    let Some(app) = TestApp::start(Backend::Sqlite, test)? else {
        return Ok(());
    };
    let base = app.host.url("");
    let (ok, output) = run_script(&dir, &base, &chromium)?;
    eprintln!("{output}");
    if !ok {
        bail!(
            "the browser checks failed against {base}:\n{output}\n--- host log ---\n{}",
            app.host.log()
        );
    }
    Ok(())
}

/// Chromium's path when it and Node.js are installed; otherwise fails under CI and returns
/// `None` (after saying what it skipped) elsewhere.
fn browser_prerequisites(test: &str) -> Result<Option<PathBuf>> {
    let chromium = std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let node = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success());
    let missing = if !chromium.is_file() {
        Some(format!(
            "Chromium is not installed at {} (apt-get install chromium, or set CHROMIUM_PATH)",
            chromium.display()
        ))
    } else if node.is_none() {
        Some("Node.js (`node`) is not installed".to_string())
    } else {
        None
    };
    match missing {
        None => Ok(Some(chromium)),
        Some(why) if in_ci() => bail!("{why}; CI requires it (test {test})"),
        Some(why) => {
            eprintln!("SKIPPED browser: {why}");
            Ok(None)
        }
    }
}

/// Runs `npm ci` in `tests/browser` unless its dependencies are already installed.
fn install_node_dependencies(dir: &Path) -> Result<()> {
    let modules = dir.join("node_modules");
    if ["playwright-core", "axe-core"]
        .iter()
        .all(|m| modules.join(m).join("package.json").is_file())
    {
        return Ok(());
    }
    let out = Command::new("npm")
        .args(["ci", "--prefix"])
        .arg(dir)
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .stdin(Stdio::null())
        .output()
        .context("running npm ci (is npm installed?)")?;
    if !out.status.success() {
        bail!(
            "npm ci --prefix {} failed:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Runs the browser script against `base`; returns whether it passed and everything it printed.
fn run_script(dir: &Path, base: &str, chromium: &Path) -> Result<(bool, String)> {
    let log_dir = tempfile::tempdir()?;
    let log_path = log_dir.path().join("browser.log");
    let log = File::create(&log_path)?;
    // Each run's screenshots replace the last run's, under the build output.
    let shots = workspace_root().join("target").join("browser");
    let _ = std::fs::remove_dir_all(&shots);
    let mut child = Command::new("node")
        .arg(dir.join("run.mjs"))
        .arg(base)
        .env("CHROMIUM_PATH", chromium)
        .env("PULSE_SCREENSHOTS", &shots)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting node tests/browser/run.mjs")?;
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut output = std::fs::read_to_string(&log_path).unwrap_or_default();
    match status {
        Some(status) => Ok((status.success(), output)),
        None => {
            output.push_str(&format!(
                "\n(stopped after {} s without finishing)",
                RUN_TIMEOUT.as_secs()
            ));
            Ok((false, output))
        }
    }
}
