#!/usr/bin/env bash
# Idempotent installer of what the build and the tests need on a fresh Debian machine.
#
#   scripts/setup.sh            everything (same as `all`)
#   scripts/setup.sh wasm       what `make run` / `make wasm` need: wasm32 target, wasm-bindgen CLI, npm packages (wasm-opt)
#   scripts/setup.sh all        the above plus chromium + chromium-driver (browser tests), the npm e2e packages and numpy (model check)
#   scripts/setup.sh STEP...    single steps: target bindgen node npm chromium python numpy
#
# Safe to run repeatedly: every step checks first and installs only what is missing or of the wrong version.
set -euo pipefail

cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION="0.2.130"   # must match the `wasm-bindgen = "=..."` pin in Cargo.toml
NODE_MIN_MAJOR=20                # playwright-core needs node >= 20

export PATH="$HOME/.cargo/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null || die "apt-get not found; install manually: $*"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "need root (or sudo) to apt-get install $*"
        sudo="sudo"
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        $sudo apt-get update -qq </dev/null
        APT_UPDATED=1
    fi
    say "apt-get install $*"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" </dev/null
}

setup_target() {
    command -v rustup >/dev/null || die "rustup not found (install the Rust toolchain first)"
    if rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
        say "rust target wasm32-unknown-unknown: ok"
    else
        say "rustup target add wasm32-unknown-unknown"
        rustup target add wasm32-unknown-unknown
    fi
}

setup_bindgen() {
    local have="" runner=""
    if command -v wasm-bindgen >/dev/null; then
        have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || have=""
    fi
    if command -v wasm-bindgen-test-runner >/dev/null; then
        runner="$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}')" || runner=""
    fi
    if [ "$have" = "$WASM_BINDGEN_VERSION" ] && [ "$runner" = "$WASM_BINDGEN_VERSION" ]; then
        say "wasm-bindgen $have: ok"
    else
        say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (found: '${have:-none}', runner: '${runner:-none}'; takes ~3 min)"
        # Deliberately without --locked (the known-good way on this machine kind).
        cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
        have="$(wasm-bindgen --version | awk '{print $2}')"
        [ "$have" = "$WASM_BINDGEN_VERSION" ] || die "wasm-bindgen on PATH is '$have', expected $WASM_BINDGEN_VERSION (check PATH order)"
        say "wasm-bindgen $have: installed"
    fi
}

setup_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm
    fi
    local major
    major="$(node -p 'process.versions.node.split(".")[0]')"
    [ "$major" -ge "$NODE_MIN_MAJOR" ] || die "node $(node --version) is too old; need >= $NODE_MIN_MAJOR"
    say "node $(node --version), npm $(npm --version): ok"
}

setup_npm() {
    setup_node
    [ -f package.json ] || die "package.json missing"
    # node_modules/.package-lock.json is written by npm after a successful install; if it is
    # newer than package.json / package-lock.json and the binaries are there, nothing to do.
    local marker=node_modules/.package-lock.json
    if [ -f "$marker" ] && [ -x node_modules/.bin/wasm-opt ] && [ -f node_modules/playwright-core/package.json ] \
        && [ "$marker" -nt package.json ] && { [ ! -f package-lock.json ] || [ "$marker" -nt package-lock.json ]; }; then
        say "npm packages: ok"
    else
        if [ -f package-lock.json ]; then
            say "npm ci"
            npm ci --no-audit --no-fund --loglevel=error </dev/null
        else
            say "npm install (no package-lock.json)"
            npm install --no-audit --no-fund --loglevel=error </dev/null
        fi
    fi
    [ -x node_modules/.bin/wasm-opt ] || die "node_modules/.bin/wasm-opt missing after npm install"
    say "wasm-opt: $(node_modules/.bin/wasm-opt --version)"
}

setup_chromium() {
    local pkgs=()
    [ -x /usr/bin/chromium ] || pkgs+=(chromium)
    command -v chromedriver >/dev/null || pkgs+=(chromium-driver)
    if [ "${#pkgs[@]}" -gt 0 ]; then
        apt_install "${pkgs[@]}"
    fi
    [ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after install"
    command -v chromedriver >/dev/null || die "chromedriver missing after install"
    say "$(/usr/bin/chromium --version 2>/dev/null | head -n1), chromedriver: ok"
}

setup_python() {
    if ! command -v python3 >/dev/null; then
        apt_install python3
    fi
    say "$(python3 --version): ok"
}

setup_numpy() {
    setup_python
    if python3 -c 'import numpy' 2>/dev/null; then
        say "numpy $(python3 -c 'import numpy; print(numpy.__version__)'): ok"
        return
    fi
    say "pip install numpy"
    # a Python whose packages the system manages refuses plain pip installs: then
    # --break-system-packages (the package is only for the tests), then the distribution's own
    python3 -m pip install --quiet numpy </dev/null \
        || python3 -m pip install --quiet --break-system-packages numpy </dev/null \
        || apt_install python3-numpy
    python3 -c 'import numpy' 2>/dev/null || die "numpy is still missing after install"
    say "numpy $(python3 -c 'import numpy; print(numpy.__version__)'): installed"
}

setup_wasm() {
    setup_target
    setup_bindgen
    setup_npm
}

setup_all() {
    setup_wasm
    setup_chromium
    setup_numpy
}

main() {
    [ "$#" -gt 0 ] || set -- all
    local step
    for step in "$@"; do
        case "$step" in
            all) setup_all ;;
            wasm) setup_wasm ;;
            target) setup_target ;;
            bindgen) setup_bindgen ;;
            node) setup_node ;;
            npm) setup_npm ;;
            chromium) setup_chromium ;;
            python) setup_python ;;
            numpy) setup_numpy ;;
            *) die "unknown step '$step' (use: all wasm target bindgen node npm chromium python numpy)" ;;
        esac
    done
    say "done ($*)"
}

main "$@"
