#!/usr/bin/env bash
# Reductionist, the active storage server under test, on loopback.
#
#   scripts/run-reductionist.sh [--background] [--v1] [--tls]
#
#   (default)  reductionist 0.13.1 (v2 API)  http://127.0.0.1:${REDUCTIONIST_V2_PORT:-8080}
#   --v1       reductionist 0.11.0 (v1 API)  http://127.0.0.1:${REDUCTIONIST_V1_PORT:-8081}
#   --tls      reductionist 0.13.1 over HTTPS https://127.0.0.1:${REDUCTIONIST_TLS_PORT:-8443}, with a
#              certificate for 127.0.0.1 and localhost from a local CA generated at start:
#              <state>/tls/ca.pem, cert.pem, key.pem (clients verify with ca.pem)
#
# Installs from crates.io when the version is not installed yet (`cargo install --list`):
#   cargo install --locked reductionist@0.13.1                          -> ~/.cargo/bin
#   cargo install [--locked] reductionist@0.11.0 --root ~/.local/share/reductionist-0.11.0
# (the first 0.13.1 build takes ~5 min on 2 cores; later runs skip it).
# Always RUST_LOG=warn and an explicit REDUCTIONIST_THREAD_LIMIT (default 2).
# Foreground by default (Ctrl-C stops it); --background returns once
# GET /.well-known/reductionist-schema answers.
set -euo pipefail
STACK_TAG=reductionist
# shellcheck source=scripts/stack-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-common.sh"

background=0
v1=0
tls=0
for arg in "$@"; do
    case "$arg" in
    --background) background=1 ;;
    --v1) v1=1 ;;
    --tls) tls=1 ;;
    -h | --help)
        stack_usage "$0"
        exit 0
        ;;
    *) stack_die "unknown option $arg (usage: $0 [--background] [--v1] [--tls])" ;;
    esac
done
[ "$v1$tls" != 11 ] || stack_die "--v1 and --tls cannot be combined (HTTPS runs the v2 server)"

REDUCTIONIST_VERSION="${REDUCTIONIST_VERSION:-0.13.1}"
REDUCTIONIST_V1_VERSION="${REDUCTIONIST_V1_VERSION:-0.11.0}"
REDUCTIONIST_V1_ROOT="${REDUCTIONIST_V1_ROOT:-$HOME/.local/share/reductionist-$REDUCTIONIST_V1_VERSION}"
REDUCTIONIST_START_TIMEOUT="${REDUCTIONIST_START_TIMEOUT:-20}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
[ -d "$cargo_home/bin" ] && PATH="$cargo_home/bin:$PATH"

if [ "$v1" = 1 ]; then
    name=reductionist-v1
    version=$REDUCTIONIST_V1_VERSION
    root=$REDUCTIONIST_V1_ROOT
    port="${REDUCTIONIST_V1_PORT:-8081}"
elif [ "$tls" = 1 ]; then
    name=reductionist-tls
    version=$REDUCTIONIST_VERSION
    root=""
    port="${REDUCTIONIST_TLS_PORT:-8443}"
else
    name=reductionist
    version=$REDUCTIONIST_VERSION
    root=""
    port="${REDUCTIONIST_V2_PORT:-8080}"
fi
scheme=http
[ "$tls" = 1 ] && scheme=https
url="$scheme://127.0.0.1:$port"
log="$STACK_LOGS/$name.log"
tlsdir="$STACK_DIR/tls"
if [ -n "$root" ]; then bin="$root/bin/reductionist"; else bin="$cargo_home/bin/reductionist"; fi

# installed VERSION [ROOT]: is exactly that version installed (per cargo's own records)?
installed() {
    [ -x "$bin" ] || return 1
    command -v cargo >/dev/null 2>&1 || return 0 # a binary without cargo: take it as it is
    local list
    if [ -n "$root" ]; then
        list=$(cargo install --list --root "$root" 2>/dev/null) || return 1
    else
        list=$(cargo install --list 2>/dev/null) || return 1
    fi
    # "reductionist v0.11.0:" from crates.io, "reductionist v0.11.0 (/path):" from a local build.
    grep -q "^reductionist v$version[: ]" <<<"$list"
}

install() {
    stack_require_tool cargo \
        "curl --proto '=https' -sSf https://sh.rustup.rs | sh -s -- -y (Rust >= 1.93)"
    local buildlog="$STACK_LOGS/cargo-install-reductionist-$version.log"
    local rootargs=()
    [ -n "$root" ] && rootargs=(--root "$root")
    stack_say "reductionist $version is not installed; building it from crates.io with" \
        "'cargo install --locked reductionist@$version ${rootargs[*]}' (first build takes" \
        "several minutes; output also in $buildlog)"
    local start=$SECONDS
    if cargo install --locked "reductionist@$version" "${rootargs[@]}" 2>&1 | tee "$buildlog" >&2; then
        rm -f "$STACK_DIR/reductionist-$version.build-failed"
        stack_say "built reductionist $version in $((SECONDS - start))s"
        return 0
    fi
    if [ "$v1" = 1 ]; then
        stack_say "the --locked build failed; retrying without --locked"
        if cargo install "reductionist@$version" "${rootargs[@]}" 2>&1 | tee -a "$buildlog" >&2; then
            rm -f "$STACK_DIR/reductionist-$version.build-failed"
            stack_say "built reductionist $version (unlocked) in $((SECONDS - start))s"
            return 0
        fi
        stack_say "the unlocked build failed too; building with its time pin moved" \
            "(scripts/build-reductionist-v1.sh)"
        if "$STACK_REPO/scripts/build-reductionist-v1.sh" "$root" 2>&1 | tee -a "$buildlog" >&2; then
            rm -f "$STACK_DIR/reductionist-$version.build-failed"
            stack_say "built reductionist $version (time pin moved) in $((SECONDS - start))s"
            return 0
        fi
    fi
    printf 'failed %s\n' "$(date '+%F %T')" >"$STACK_DIR/reductionist-$version.build-failed"
    stack_say "first error of the build:"
    grep -m 1 -A 12 '^error' "$buildlog" | sed 's/^/    | /' >&2 || true
    stack_die "cargo install reductionist@$version failed (full log: $buildlog)"
}

# TLS material: a throw-away CA and a server certificate for 127.0.0.1 and localhost (trustme).
make_certs() {
    stack_require_venv
    mkdir -p "$tlsdir"
    chmod 700 "$tlsdir"
    "$STACK_PY" - "$tlsdir" <<'EOF' || stack_die "could not generate TLS certificates (trustme)"
import os
import sys

import trustme

out = sys.argv[1]
ca = trustme.CA(organization_name="active storage compliance local CA")
cert = ca.issue_cert("127.0.0.1", "localhost")
ca.cert_pem.write_to_path(os.path.join(out, "ca.pem"))
cert.private_key_pem.write_to_path(os.path.join(out, "key.pem"))
with open(os.path.join(out, "cert.pem"), "wb") as f:
    for blob in cert.cert_chain_pems:
        f.write(blob.bytes())
os.chmod(os.path.join(out, "key.pem"), 0o600)
EOF
}

health() {
    if [ "$tls" = 1 ]; then
        stack_http_ok "$url/.well-known/reductionist-schema" --cacert "$tlsdir/ca.pem"
    else
        stack_http_ok "$url/.well-known/reductionist-schema"
    fi
}

ready() {
    stack_record_url "$name" "$url"
    echo "Reductionist $version ready: $url ($1)"
}

stack_init_dirs
stack_require_tool curl "apt-get install -y curl"
if pid=$(stack_live_pid "$name"); then
    stack_wait_healthy "$name" "$pid" "$REDUCTIONIST_START_TIMEOUT" "$log" health || exit 1
    ready "already running, pid $pid"
    exit 0
fi
stack_require_free_port "$port" "$name"
installed || install
installed || stack_die "cargo install finished but $bin is not reductionist $version"

args=(--host 127.0.0.1 --port "$port")
if [ "$tls" = 1 ]; then
    make_certs
    args+=(--https --cert-file "$tlsdir/cert.pem" --key-file "$tlsdir/key.pem")
fi
export RUST_LOG=warn
export REDUCTIONIST_THREAD_LIMIT="${REDUCTIONIST_THREAD_LIMIT:-2}"
# Idle keep-alive connections would otherwise hold a SIGTERM'd server for the default 60 s.
export REDUCTIONIST_SHUTDOWN_TIMEOUT="${REDUCTIONIST_SHUTDOWN_TIMEOUT:-10}"
unset REDUCTIONIST_HOST REDUCTIONIST_PORT REDUCTIONIST_HTTPS REDUCTIONIST_CERT_FILE \
    REDUCTIONIST_KEY_FILE

stack_say "starting $bin ($version) on $url, thread limit $REDUCTIONIST_THREAD_LIMIT"
pid=$(stack_spawn "$name" "$log" "$bin" "${args[@]}")
stack_wait_healthy "$name" "$pid" "$REDUCTIONIST_START_TIMEOUT" "$log" health || exit 1
extra=""
[ "$tls" = 1 ] && extra="; CA $tlsdir/ca.pem"
ready "pid $pid$extra"
[ "$background" = 1 ] || stack_follow "$name" "$pid" "$log"
