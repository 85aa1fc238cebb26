#!/usr/bin/env bash
# Quorate's two commands, each doing its own setup first (idempotent; the first run on a new machine
# takes 10-15 minutes to build Trunk and wasm-bindgen-cli):
#
#   ./dev.sh serve   build the playground and serve it on http://127.0.0.1:8080
#   ./dev.sh test    run every test: native, wasm in headless Chromium, the release build, end to end
#
set -euo pipefail
cd "$(dirname "$0")"

TRUNK_VERSION=0.21.14
# wasm-bindgen-cli must match the wasm-bindgen crate exactly; the lock file says which that is.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER=/usr/bin/chromedriver

timings=()
step() {
  local name=$1
  shift
  echo "==> $name"
  local start=$SECONDS
  "$@"
  timings+=("$(printf '%5ds  %s' $((SECONDS - start)) "$name")")
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2
    return 1
  fi
}

# Building trunk with its own fat-LTO release profile takes twice as long for no benefit here: it only
# orchestrates builds.
quick_install() {
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install "$@"
}

setup() {
  rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
  fi
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    quick_install --locked "trunk@$TRUNK_VERSION"
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    # Its published lock file can pin a crate the registry no longer has; fall back to a fresh resolution.
    quick_install --locked "wasm-bindgen-cli@$WASM_BINDGEN_VERSION" || quick_install "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
  fi
  if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
    npm ci --no-audit --no-fund
  fi
  cargo fetch --locked
  echo "tools: $(trunk --version), $(wasm-bindgen --version), $(wasm-opt --version), $(chromium --version 2>/dev/null | head -1), node $(node --version)"
}

sizes() {
  for f in dist/*.wasm; do
    printf '  %-40s %8d bytes, %8d gzip\n' "$f" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
  done
}

case "${1:-}" in
  serve)
    step "setup" setup
    echo "Quorate will be at http://127.0.0.1:8080 (Ctrl-C stops it)"
    exec trunk serve --release --locked --offline --open=false
    ;;
  test)
    step "setup" setup
    step "formatting" cargo fmt --all -- --check
    # quorate-raft-bench only exists to compare with raft-rs under criterion (cargo bench); building
    # raft-rs and its protobuf stack would add minutes to every test run.
    step "native tests" cargo test --workspace --exclude quorate-raft-bench --locked
    step "wasm tests in headless Chromium" cargo test -p quorate-tests --target wasm32-unknown-unknown --test wasm --locked
    step "release build of dist/" trunk build --release --locked --offline
    sizes
    step "end-to-end tests in headless Chromium" node --test tests/e2e/
    echo "==> timings"
    printf '%s\n' "${timings[@]}"
    ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
