//! Compiled-code cache: a component is compiled once and its machine code serialized under
//! `$XDG_CACHE_HOME/pulse-host` (or `~/.cache/pulse-host`), keyed by a hash of the Wasm bytes,
//! the wasmtime version and the engine's compatibility hash, so later starts skip compilation.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled components are kept.
pub struct Cache {
    dir: Option<PathBuf>,
}

/// Feeds `Hash` output into a SHA-256 so the key does not depend on `DefaultHasher`'s seed.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl Cache {
    /// The cache directory from `PULSE_HOST_CACHE_DIR`, `XDG_CACHE_HOME` or `HOME`; caching is
    /// off when none is set.
    pub fn from_env() -> Self {
        let dir = std::env::var_os("PULSE_HOST_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("pulse-host"))
            })
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("pulse-host"))
            });
        Self { dir }
    }

    /// The cache file for `bytes` under `engine`.
    pub fn path_for(&self, engine: &Engine, bytes: &[u8]) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut hasher = ShaHasher(Sha256::new());
        hasher.write(bytes);
        hasher.write(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.write(b"wasmtime-48.0.8");
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let digest = hasher.0.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Some(dir.join(format!("{hex}.cwasm")))
    }

    /// Loads the compiled component for `bytes`, compiling and storing it on a miss.
    /// Returns the component and whether it came from the cache.
    pub fn load(&self, engine: &Engine, bytes: &[u8], what: &str) -> Result<(Component, bool)> {
        if let Some(path) = self.path_for(engine, bytes) {
            if path.is_file() {
                match deserialize(engine, &path) {
                    Ok(component) => return Ok((component, true)),
                    Err(e) => {
                        tracing::warn!("ignoring unusable cache file {}: {e:#}", path.display())
                    }
                }
            }
            let component = Component::new(engine, bytes)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("{what} does not load"))?;
            if let Err(e) = store(&component, &path) {
                tracing::warn!("could not write compile cache {}: {e:#}", path.display());
            }
            return Ok((component, false));
        }
        let component = Component::new(engine, bytes)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("{what} does not load"))?;
        Ok((component, false))
    }
}

#[expect(
    unsafe_code,
    reason = "loading precompiled machine code is unsafe by API contract"
)]
fn deserialize(engine: &Engine, path: &std::path::Path) -> Result<Component> {
    // SAFETY: the file is one this host wrote with `Component::serialize` for an engine with the
    // same compatibility hash (it is part of the file name), written atomically via rename, and
    // wasmtime checks its header and version before use. Nothing else writes that directory.
    Ok(unsafe { Component::deserialize_file(engine, path)? })
}

fn store(component: &Component, path: &std::path::Path) -> Result<()> {
    let bytes = component.serialize()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
