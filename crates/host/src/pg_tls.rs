//! Establishing a Postgres connection the way Spin's outbound-pg factor does. The connection
//! string is parsed by tokio-postgres; `sslmode=disable` connects in plain text; otherwise
//! (`prefer`, the default, and `require`) the connection is made over TLS and the server's
//! certificate and host name are verified against the system trust store, which
//! `SSL_CERT_FILE` / `SSL_CERT_DIR` replace as they do for OpenSSL (Spin uses native-tls, so
//! OpenSSL on Linux). With `prefer`, a server that does not offer TLS is used in plain text; a
//! server that offers TLS with a certificate that cannot be verified is refused, never used
//! unverified. Used by the `spin:postgres` implementation and by `pulse-host migrate`.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use tokio::task::JoinHandle;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// What a connection that fails over TLS tells the caller to do about it.
const ADVICE: &str = "the host connects to Postgres over TLS, as Spin does, unless the \
                      connection string says sslmode=disable, and verifies that the server's \
                      certificate chains to a CA in the system trust store (or SSL_CERT_FILE) \
                      and names the host connected to; use sslmode=disable only for a local \
                      server without TLS";

/// Connects with the TLS Spin would use for `config` and spawns the connection's driver,
/// which ends when the connection closes. The error is the message for `connection-failed`.
pub async fn connect(
    config: &tokio_postgres::Config,
) -> Result<(tokio_postgres::Client, JoinHandle<()>), String> {
    if config.get_ssl_mode() == SslMode::Disable {
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| describe(&e))?;
        Ok((client, drive(connection)))
    } else {
        let (client, connection) = config.connect(tls()?).await.map_err(|e| describe(&e))?;
        Ok((client, drive(connection)))
    }
}

fn drive<F>(connection: F) -> JoinHandle<()>
where
    F: Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("postgres connection closed: {e}");
        }
    })
}

/// The TLS connector, built once per process from the trust store.
fn tls() -> Result<MakeRustlsConnect, String> {
    static TLS: OnceLock<Result<MakeRustlsConnect, String>> = OnceLock::new();
    TLS.get_or_init(|| {
        let loaded = rustls_native_certs::load_native_certs();
        for e in &loaded.errors {
            tracing::warn!("reading the trust store for Postgres TLS: {e}");
        }
        let mut roots = rustls::RootCertStore::empty();
        let (_, ignored) = roots.add_parsable_certificates(loaded.certs);
        if ignored > 0 {
            tracing::warn!("{ignored} certificates in the trust store could not be used");
        }
        if roots.is_empty() {
            tracing::warn!(
                "the trust store holds no CA certificate: Postgres connections over TLS will fail"
            );
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS for Postgres: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(MakeRustlsConnect::new(config))
    })
    .clone()
}

/// The message for a failed connection; a TLS failure says why and what to do.
fn describe(e: &tokio_postgres::Error) -> String {
    let detail = format!("{e:?}");
    if let Some(rustls::Error::InvalidCertificate(reason)) = rustls_error(e) {
        return format!(
            "the server's TLS certificate could not be verified ({reason}): {ADVICE} ({detail})"
        );
    }
    if rustls_error(e).is_some() || e.to_string().contains("TLS") {
        return format!("TLS with the server failed: {ADVICE} ({detail})");
    }
    detail
}

/// The rustls error behind a failed handshake, if that is what failed.
fn rustls_error(e: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let mut cause = std::error::Error::source(e);
    while let Some(err) = cause {
        if let Some(found) = err.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        if let Some(found) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(found);
        }
        cause = err.source();
    }
    None
}
