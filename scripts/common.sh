# Shared by scripts/serve, scripts/test and scripts/bench: toolchain set-up and one release
# build of the host and every wasm component, reused by everything that follows.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Builds live outside the clone so later runs on the same machine reuse them; a new machine
# simply builds from scratch.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pulse-account/target}"
HOST_BIN="$CARGO_TARGET_DIR/release/pulse-host"
export PULSE_HOST_BIN="$HOST_BIN"

COMPONENTS=(auth session pages billing tenants recovery)

step() { printf '\n==> %s\n' "$*" >&2; }

ensure_toolchain() {
    if ! command -v cargo >/dev/null; then
        echo "cargo is not installed: install Rust from https://rustup.rs and run this again." >&2
        exit 1
    fi
    if command -v rustup >/dev/null; then
        if ! rustup target list --installed | grep -qx wasm32-wasip2; then
            step "Installing the wasm32-wasip2 target"
            rustup target add wasm32-wasip2
        fi
    fi
}

# Builds every component (and the probe used by host tests) to wasm in release and places the
# wasm where spin.toml's `source` paths point (target/ in the clone), so the same manifest
# works for `spin up` and the host.
build_components() {
    local pkgs=()
    for c in "${COMPONENTS[@]}"; do pkgs+=(-p "pulse-$c"); done
    step "Building components (wasm32-wasip2, release)"
    cargo build --locked --release --target wasm32-wasip2 "${pkgs[@]}" -p pulse-probe
    local out="$ROOT/target/wasm32-wasip2/release"
    mkdir -p "$out"
    for c in "${COMPONENTS[@]}" probe; do
        cp -f "$CARGO_TARGET_DIR/wasm32-wasip2/release/pulse_$c.wasm" "$out/"
    done
}

# The components, then the host (with any extra `cargo build` arguments).
build_all() {
    build_components
    step "Building the local host (release)"
    # Extra packages (scripts/test passes the test crates) are built in the same cargo run so
    # that shared dependencies are compiled once, with one feature set, and reused by
    # `cargo test` afterwards.
    cargo build --locked --release -p pulse-host "$@"
}

# The browser tests (tests/tests/browser.rs) drive Debian's Chromium at /usr/bin/chromium. Installs
# it with apt-get when missing; without apt-get (or root) it says so and carries on, and the test
# then reports the skip (or, under CI=true, the failure).
ensure_chromium() {
    if [ -x /usr/bin/chromium ]; then
        return 0
    fi
    if ! command -v apt-get >/dev/null; then
        echo "Chromium is not installed and apt-get is unavailable: the browser tests will be skipped (or fail under CI=true)." >&2
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then sudo=(sudo -n); else
            echo "Chromium is not installed and installing it needs root: the browser tests will be skipped (or fail under CI=true)." >&2
            return 0
        fi
    fi
    step "Installing Chromium (apt-get) for the browser tests"
    if ! { "${sudo[@]}" apt-get update -qq \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
        echo "Chromium could not be installed: the browser tests will be skipped (or fail under CI=true)." >&2
    fi
}

# The API fuzz test (tests/tests/fuzz.rs) runs schemathesis against docs/openapi.json. Installs
# the pinned version with pip when it is missing or another version is installed; when pip
# cannot, it says so and carries on, and the test then reports the skip (or, under CI=true, the
# failure).
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
    local installed
    installed="$(python3 -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true)"
    if [ "$installed" = "$SCHEMATHESIS_VERSION" ]; then
        return 0
    fi
    step "Installing schemathesis $SCHEMATHESIS_VERSION (pip) for the API fuzz test"
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
        || echo "schemathesis could not be installed: the API fuzz test will be skipped (or fail under CI=true)." >&2
}
