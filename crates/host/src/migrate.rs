//! `pulse-host migrate`: applies versioned SQL files (`NNNN_name.sql`) in version order to a
//! SQLite file or a Postgres database, each in its own transaction, recording what ran in
//! `schema_migrations` so a version is never applied twice.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// One migration file.
#[derive(Debug)]
pub struct Migration {
    /// The numeric prefix.
    pub version: i64,
    /// The file name without the `.sql` extension.
    pub name: String,
    path: PathBuf,
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

/// Lists the migrations in `dir`, ordered by version; refuses duplicate versions and badly
/// named `.sql` files.
pub fn discover(dir: &Path) -> Result<Vec<Migration>> {
    let mut migrations = Vec::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read migrations directory {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let Some(stem) = file.strip_suffix(".sql") else {
            continue;
        };
        let Some((digits, _)) = stem.split_once('_') else {
            bail!("migration {file:?} is not named NNNN_name.sql");
        };
        let version: i64 = digits
            .parse()
            .with_context(|| format!("migration {file:?} does not start with a version number"))?;
        migrations.push(Migration {
            version,
            name: stem.to_string(),
            path,
        });
    }
    migrations.sort_by_key(|m| m.version);
    for pair in migrations.windows(2) {
        if pair[0].version == pair[1].version {
            bail!(
                "migrations {} and {} share version {}",
                pair[0].name,
                pair[1].name,
                pair[0].version
            );
        }
    }
    Ok(migrations)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs the command: applies what is pending and prints one line per migration and a summary.
pub async fn run(dir: &Path, database: &str) -> Result<()> {
    let migrations = discover(dir)?;
    let (applied, skipped) = if let Some(path) = database.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path).to_string();
        tokio::task::spawn_blocking(move || sqlite(Path::new(&path), &migrations)).await??
    } else if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        postgres(database, &migrations).await?
    } else {
        bail!("unsupported database URL {database:?}: use sqlite:PATH or postgres://...");
    };
    println!("{applied} migration(s) applied, {skipped} already applied");
    Ok(())
}

fn sqlite(path: &Path, migrations: &[Migration]) -> Result<(usize, usize)> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut conn = rusqlite::Connection::open(path)
        .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // WAL is kept in the file, so every later connection (the host's or Spin's) can read while
    // another writes.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.execute_batch(CREATE_TABLE)?;
    let (mut applied, mut skipped) = (0, 0);
    for m in migrations {
        let done: bool = conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [m.version],
            |r| r.get(0),
        )?;
        if done {
            skipped += 1;
            continue;
        }
        let sql = std::fs::read_to_string(&m.path)?;
        let tx = conn.transaction()?;
        tx.execute_batch(&sql)
            .with_context(|| format!("migration {} failed", m.name))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, now()],
        )?;
        tx.commit()?;
        println!("applied {}", m.name);
        applied += 1;
    }
    Ok((applied, skipped))
}

async fn postgres(url: &str, migrations: &[Migration]) -> Result<(usize, usize)> {
    let config: tokio_postgres::Config = url.parse().context("invalid Postgres URL")?;
    let (mut client, driver) = crate::pg_tls::connect(&config)
        .await
        .map_err(anyhow::Error::msg)
        .context("cannot connect to Postgres")?;
    client.batch_execute(CREATE_TABLE).await?;
    let (mut applied, mut skipped) = (0, 0);
    for m in migrations {
        let row = client
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = $1)",
                &[&m.version],
            )
            .await?;
        if row.get::<_, bool>(0) {
            skipped += 1;
            continue;
        }
        let sql = std::fs::read_to_string(&m.path)?;
        let tx = client.transaction().await?;
        tx.batch_execute(&sql)
            .await
            .with_context(|| format!("migration {} failed", m.name))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &now()],
        )
        .await?;
        tx.commit().await?;
        println!("applied {}", m.name);
        applied += 1;
    }
    drop(client);
    let _ = driver.await;
    Ok((applied, skipped))
}
