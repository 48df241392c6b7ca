#!/usr/bin/env bash
# Build Reductionist 0.11.0, the last v1-API release, with today's Rust toolchain.
#
#   scripts/build-reductionist-v1.sh [ROOT]     (default ~/.local/share/reductionist-0.11.0)
#
# Why: 0.11.0 pins `time = "= 0.3.23"`, and time 0.3.23 no longer compiles with current rustc
# (error E0282 "type annotations needed for Box<_>" in time's format_description parser), with or
# without --locked. This script fetches the published crate with cargo, copies its source, moves
# that one pin to time 0.3.36 (a patch release of the same API that compiles today), updates only
# `time` in the shipped lock file, and installs from the copy with --locked. Reductionist's own
# code is untouched.
set -euo pipefail
version=0.11.0
time_version=0.3.36
root="${1:-$HOME/.local/share/reductionist-$version}"
work="$(mktemp -d "${TMPDIR:-/tmp}/reductionist-$version-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

command -v cargo >/dev/null 2>&1 || {
    echo "build-reductionist-v1.sh: cargo not found (install Rust >= 1.80 with rustup)" >&2
    exit 1
}

# 1. Fetch the published crate through cargo: a throw-away project that depends on it.
mkdir -p "$work/fetch/src"
cat >"$work/fetch/Cargo.toml" <<EOF
[package]
name = "fetch-reductionist"
version = "0.0.0"
edition = "2021"

[dependencies]
reductionist = "=$version"
EOF
: >"$work/fetch/src/lib.rs"
(cd "$work/fetch" && cargo fetch --quiet)
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
src=$(find "$cargo_home/registry/src" -maxdepth 2 -type d -name "reductionist-$version" | head -n 1)
[ -n "$src" ] || {
    echo "build-reductionist-v1.sh: cargo fetched no source for reductionist $version" >&2
    exit 1
}

# 2. Copy it and move the one pin that no longer compiles.
cp -r "$src" "$work/reductionist"
cd "$work/reductionist"
grep -q '^version = "= 0.3.23"$' Cargo.toml || {
    echo "build-reductionist-v1.sh: the time = 0.3.23 pin is not where expected in Cargo.toml" >&2
    exit 1
}
sed -i "s/^version = \"= 0.3.23\"\$/version = \"=$time_version\"/" Cargo.toml
cargo update --quiet -p time --precise "$time_version"

# 3. Install from the copy, everything else as locked in the release.
cargo install --locked --path . --root "$root"
echo "built reductionist $version into $root/bin (time pinned to $time_version)"
