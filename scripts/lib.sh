# Shared by scripts/setup, scripts/run, scripts/test. Sourced, not run.
# shellcheck shell=bash

set -euo pipefail

QB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export QB_ROOT
QB_START=$SECONDS

# Pinned tool versions. wasm-bindgen's comes from Cargo.lock so the CLI always matches.
QB_CARGO_LEPTOS_VERSION="0.3.11"
QB_WASM_TARGET="wasm32-unknown-unknown"
QB_DEBIAN_TOOLCHAIN="debian"
QB_WASM_LD="/usr/lib/llvm-22/bin/wasm-ld"

step() { printf '\n\033[1m==> [%4ss] %s\033[0m\n' "$((SECONDS - QB_START))" "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Build tools installed by the project come first on PATH.
export PATH="$QB_ROOT/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

qb_target_dir() { echo "${CARGO_TARGET_DIR:-$QB_ROOT/target}"; }

qb_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$QB_ROOT/Cargo.lock"
}

# Which way the wasm32 standard library comes: "rustup" (prebuilt target) or "debian"
# (Debian's rustc-web with -Zbuild-std). QB_WASM_ROUTE forces one.
qb_wasm_route() {
  if [[ -n "${QB_WASM_ROUTE:-}" ]]; then
    echo "$QB_WASM_ROUTE"
  elif rustup target list --installed 2>/dev/null | grep -qx "$QB_WASM_TARGET"; then
    echo rustup
  else
    echo debian
  fi
}

# `cargo leptos build` through the given route; extra arguments are passed on.
qb_leptos_build() {
  local route="$1"; shift
  case "$route" in
    rustup) cargo leptos build "$@" ;;
    debian)
      RUSTUP_TOOLCHAIN="$QB_DEBIAN_TOOLCHAIN" RUSTC_BOOTSTRAP=1 \
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$QB_WASM_LD" \
        cargo leptos build --lib-cargo-args="-Zbuild-std=std,panic_abort" "$@" ;;
    *) die "QB_WASM_ROUTE must be rustup or debian, not '$route'" ;;
  esac
}
