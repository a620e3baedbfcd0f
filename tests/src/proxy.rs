//! A TCP proxy on 127.0.0.1 in front of a server the portal depends on (Postgres, Redis, the
//! mail API, the payment provider). A test cuts it — every open connection is closed and new
//! ones are refused, as when the server goes away — and restores it on the same port.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};

/// The proxy; it stops with the test process.
pub struct Proxy {
    /// The port the portal is pointed at.
    pub port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    target: SocketAddr,
    up: AtomicBool,
    open: Mutex<Vec<TcpStream>>,
}

impl Proxy {
    /// Starts forwarding a free port to `target` (`host:port`).
    pub fn start(target: &str) -> Result<Self> {
        let target: SocketAddr = target.parse().context("proxy target")?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            target,
            up: AtomicBool::new(true),
            open: Mutex::new(Vec::new()),
        });
        let accepting = shared.clone();
        std::thread::spawn(move || accept_loop(listener, port, &accepting));
        Ok(Self { port, shared })
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Closes every open connection and refuses new ones until [`Proxy::restore`].
    pub fn cut(&self) {
        self.shared.up.store(false, Ordering::SeqCst);
        if let Ok(mut open) = self.shared.open.lock() {
            for stream in open.drain(..) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.shared.up.store(true, Ordering::SeqCst);
    }
}

/// Accepts while up; while cut, the port has no listener, so connecting is refused at once.
fn accept_loop(first: TcpListener, port: u16, shared: &Arc<Shared>) {
    let mut listener = Some(first);
    loop {
        if !shared.up.load(Ordering::SeqCst) {
            listener = None;
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        if listener.is_none() {
            listener = TcpListener::bind(("127.0.0.1", port)).ok();
            if let Some(l) = &listener {
                let _ = l.set_nonblocking(true);
            }
        }
        let Some(l) = &listener else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let _ = l.set_nonblocking(true);
        match l.accept() {
            Ok((client, _)) => {
                let _ = client.set_nonblocking(false);
                if let Err(e) = pipe(client, shared) {
                    eprintln!("proxy: {e}");
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(_) => listener = None,
        }
    }
}

/// Joins a client to a new connection to the target, both ways, each in its own thread.
fn pipe(client: TcpStream, shared: &Arc<Shared>) -> Result<()> {
    let server = TcpStream::connect_timeout(&shared.target, Duration::from_secs(2))?;
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    {
        let mut open = shared
            .open
            .lock()
            .map_err(|_| anyhow::anyhow!("proxy poisoned"))?;
        if !shared.up.load(Ordering::SeqCst) {
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        open.push(client.try_clone()?);
        open.push(server.try_clone()?);
    }
    let (c2, s2) = (client.try_clone()?, server.try_clone()?);
    std::thread::spawn(move || copy(client, server));
    std::thread::spawn(move || copy(s2, c2));
    Ok(())
}

fn copy(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
