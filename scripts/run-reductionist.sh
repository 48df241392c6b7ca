#!/usr/bin/env bash
# Reductionist, the active storage server under test, on loopback.
#
#   scripts/run-reductionist.sh [--background] [--v1 | --v012] [--tls | --cache | --robustness |
#                               --cluster=N]
#
#   (default)     reductionist 0.13.1 (v2 API)   http://127.0.0.1:${REDUCTIONIST_V2_PORT:-8080}
#   --v012        reductionist 0.12.1 (v2 API)   http://127.0.0.1:${REDUCTIONIST_V012_PORT:-8082}
#   --v1          reductionist 0.11.0 (v1 API)   http://127.0.0.1:${REDUCTIONIST_V1_PORT:-8081}
#   --tls         reductionist 0.13.1 over HTTPS https://127.0.0.1:${REDUCTIONIST_TLS_PORT:-8443}, with
#                 a certificate for 127.0.0.1 and localhost from a local CA generated at start:
#                 <state>/tls/ca.pem, cert.pem, key.pem (clients verify with ca.pem)
#   --cache       reductionist 0.13.1 with its chunk cache on
#                                                http://127.0.0.1:${REDUCTIONIST_CACHE_PORT:-8084}
#   --v1 --cache  reductionist 0.11.0 with its chunk cache on
#                                                http://127.0.0.1:${REDUCTIONIST_V1_CACHE_PORT:-8085}
#   --robustness  reductionist 0.13.1 kept for the robustness tests (backend faults: Toxiproxy between
#                 it and the stores)             http://127.0.0.1:${REDUCTIONIST_ROBUST_PORT:-8086}
#                 Configured as the main server; requests name the fault proxies' store URLs, so
#                 black holes and slow stores tie up this server's workers and pools, not the
#                 main server's.
#   --cluster=N   reductionist 0.13.1, backend N (1 or 2) behind HAProxy (scripts/run-haproxy.sh):
#                 reductionist-cluster-N on http://127.0.0.1:(${REDUCTIONIST_CLUSTER_PORT:-8650} + N)
#
# Chunk cache (--cache): --use-chunk-cache --chunk-cache-path <state>/cache/<service>, emptied at
# each start; REDUCTIONIST_CHUNK_CACHE_QUEUE_SIZE (default 8; never left to the CPU count, which
# gives a zero-sized queue and a panic on one CPU) and REDUCTIONIST_CHUNK_CACHE_BYPASS_AUTH (default
# the release's own: false for 0.11.0, true for 0.12+) are set explicitly; other cache settings keep
# the release defaults. Servers without --cache run with every REDUCTIONIST_CHUNK_CACHE_* unset.
#
# Installs from crates.io when the version is not installed yet (`cargo install --list`):
#   cargo install --locked reductionist@0.13.1                          -> ~/.cargo/bin
#   cargo install --locked reductionist@0.12.1 --root ~/.local/share/reductionist-0.12.1
#   scripts/build-reductionist-v1.sh ~/.local/share/reductionist-0.11.0   (0.11.0: its time pin
#                 moved; its own locked and unlocked builds fail on today's rustc)
# 0.12.1 retries without --locked if the locked build fails (the first build of a release takes
# ~5-10 min on 2 cores; later runs skip it).
# Always RUST_LOG=warn and an explicit REDUCTIONIST_THREAD_LIMIT (default 2).
# Foreground by default (Ctrl-C stops it); --background returns once
# GET /.well-known/reductionist-schema answers.
set -euo pipefail
STACK_TAG=reductionist
# shellcheck source=scripts/stack-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-common.sh"

background=0
release=0.13
tls=0
cache=0
robust=0
cluster=
usage_line="usage: $0 [--background] [--v1 | --v012] [--tls | --cache | --robustness | --cluster=N]"
for arg in "$@"; do
    case "$arg" in
    --background) background=1 ;;
    --v1 | --v012)
        [ "$release" = 0.13 ] || stack_die "--v1 and --v012 cannot be combined ($usage_line)"
        release=0.11
        [ "$arg" = --v012 ] && release=0.12
        ;;
    --tls) tls=1 ;;
    --cache) cache=1 ;;
    --robustness) robust=1 ;;
    --cluster=1 | --cluster=2) cluster=${arg#--cluster=} ;;
    -h | --help)
        stack_usage "$0"
        exit 0
        ;;
    *) stack_die "unknown option $arg ($usage_line)" ;;
    esac
done
[ $((tls + cache + robust)) -le 1 ] ||
    stack_die "--tls, --cache and --robustness cannot be combined ($usage_line)"
[ "$robust" = 0 ] || [ "$release" = 0.13 ] ||
    stack_die "--robustness runs reductionist 0.13.1 only ($usage_line)"
[ "$tls" = 0 ] || [ "$release" = 0.13 ] ||
    stack_die "--tls runs reductionist 0.13.1 only ($usage_line)"
[ "$cache" = 0 ] || [ "$release" != 0.12 ] ||
    stack_die "--cache runs reductionist 0.13.1 or (with --v1) 0.11.0 ($usage_line)"
[ -z "$cluster" ] || [ "$release$tls$cache$robust" = 0.13000 ] ||
    stack_die "--cluster=N runs plain reductionist 0.13.1 ($usage_line)"

REDUCTIONIST_VERSION="${REDUCTIONIST_VERSION:-0.13.1}"
REDUCTIONIST_V012_VERSION="${REDUCTIONIST_V012_VERSION:-0.12.1}"
REDUCTIONIST_V1_VERSION="${REDUCTIONIST_V1_VERSION:-0.11.0}"
REDUCTIONIST_START_TIMEOUT="${REDUCTIONIST_START_TIMEOUT:-20}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
[ -d "$cargo_home/bin" ] && PATH="$cargo_home/bin:$PATH"

case "$release" in
0.11)
    name=reductionist-v1
    version=$REDUCTIONIST_V1_VERSION
    root="${REDUCTIONIST_V1_ROOT:-$HOME/.local/share/reductionist-$version}"
    port="${REDUCTIONIST_V1_PORT:-8081}"
    [ "$cache" = 1 ] && port="${REDUCTIONIST_V1_CACHE_PORT:-8085}"
    ;;
0.12)
    name=reductionist-v012
    version=$REDUCTIONIST_V012_VERSION
    root="${REDUCTIONIST_V012_ROOT:-$HOME/.local/share/reductionist-$version}"
    port="${REDUCTIONIST_V012_PORT:-8082}"
    ;;
*)
    name=reductionist
    version=$REDUCTIONIST_VERSION
    root=""
    port="${REDUCTIONIST_V2_PORT:-8080}"
    [ "$tls" = 1 ] && name=reductionist-tls && port="${REDUCTIONIST_TLS_PORT:-8443}"
    [ "$cache" = 1 ] && port="${REDUCTIONIST_CACHE_PORT:-8084}"
    [ "$robust" = 1 ] && name=reductionist-robust && port="${REDUCTIONIST_ROBUST_PORT:-8086}"
    ;;
esac
[ "$cache" = 1 ] && name="$name-cache"
if [ -n "$cluster" ]; then
    name=reductionist-cluster-$cluster
    port=$((${REDUCTIONIST_CLUSTER_PORT:-8650} + cluster))
fi
scheme=http
[ "$tls" = 1 ] && scheme=https
url="$scheme://127.0.0.1:$port"
log="$STACK_LOGS/$name.log"
tlsdir="$STACK_DIR/tls"
if [ -n "$root" ]; then bin="$root/bin/reductionist"; else bin="$cargo_home/bin/reductionist"; fi

# installed: is $bin exactly reductionist $version (per cargo's own records of $root)?
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
    grep -q "^reductionist v${version}[: ]" <<<"$list"
}

# built: record a successful build of $version (started at START) and say how long it took.
built() {
    rm -f "$STACK_DIR/reductionist-$version.build-failed"
    stack_say "built reductionist $version$2 in $((SECONDS - $1))s"
}

install() {
    stack_require_tool cargo \
        "curl --proto '=https' -sSf https://sh.rustup.rs | sh -s -- -y (Rust >= 1.93)"
    local buildlog="$STACK_LOGS/cargo-install-reductionist-$version.log"
    local rootargs=()
    [ -n "$root" ] && rootargs=(--root "$root")
    local start=$SECONDS
    : >"$buildlog"
    if [ "$release" = 0.11 ]; then
        # 0.11.0's locked and unlocked builds both fail on today's rustc (its time 0.3.23 pin):
        # go to the build that works at once.
        stack_say "reductionist $version is not installed; building it with its time pin moved" \
            "(scripts/build-reductionist-v1.sh; several minutes; output also in $buildlog)"
        if "$STACK_REPO/scripts/build-reductionist-v1.sh" "$root" 2>&1 | tee -a "$buildlog" >&2; then
            built "$start" " (time pin moved)"
            return 0
        fi
    else
        stack_say "reductionist $version is not installed; building it from crates.io with" \
            "'cargo install --locked reductionist@$version ${rootargs[*]}' (first build takes" \
            "several minutes; output also in $buildlog)"
        if cargo install --locked "reductionist@$version" "${rootargs[@]}" 2>&1 |
            tee -a "$buildlog" >&2; then
            built "$start" ""
            return 0
        fi
        if [ -n "$root" ]; then
            stack_say "the --locked build failed; retrying without --locked"
            if cargo install "reductionist@$version" "${rootargs[@]}" 2>&1 |
                tee -a "$buildlog" >&2; then
                built "$start" " (unlocked)"
                return 0
            fi
        fi
    fi
    printf 'failed %s\n' "$(date '+%F %T')" >"$STACK_DIR/reductionist-$version.build-failed"
    stack_say "first error of the build:"
    grep -m 1 -A 12 '^error' "$buildlog" | sed 's/^/    | /' >&2 || true
    stack_die "the build of reductionist $version failed (full log: $buildlog)"
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
queue_size="${REDUCTIONIST_CHUNK_CACHE_QUEUE_SIZE:-8}"
bypass_auth="${REDUCTIONIST_CHUNK_CACHE_BYPASS_AUTH:-true}"
[ "$release" = 0.11 ] && bypass_auth="${REDUCTIONIST_CHUNK_CACHE_BYPASS_AUTH:-false}"
unset REDUCTIONIST_HOST REDUCTIONIST_PORT REDUCTIONIST_HTTPS REDUCTIONIST_CERT_FILE \
    REDUCTIONIST_KEY_FILE REDUCTIONIST_USE_CHUNK_CACHE "${!REDUCTIONIST_CHUNK_CACHE_@}"
what="thread limit $REDUCTIONIST_THREAD_LIMIT"
if [ "$cache" = 1 ]; then
    cachedir="$STACK_DIR/cache/$name"
    rm -rf "$cachedir"
    mkdir -p "$cachedir"
    args+=(--use-chunk-cache --chunk-cache-path "$cachedir")
    export REDUCTIONIST_CHUNK_CACHE_QUEUE_SIZE="$queue_size"
    export REDUCTIONIST_CHUNK_CACHE_BYPASS_AUTH="$bypass_auth"
    what="$what, chunk cache in $cachedir (queue $queue_size, bypass auth $bypass_auth)"
fi

stack_say "starting $bin ($version) on $url, $what"
pid=$(stack_spawn "$name" "$log" "$bin" "${args[@]}")
stack_wait_healthy "$name" "$pid" "$REDUCTIONIST_START_TIMEOUT" "$log" health || exit 1
extra=""
[ "$tls" = 1 ] && extra="; CA $tlsdir/ca.pem"
ready "pid $pid$extra"
[ "$background" = 1 ] || stack_follow "$name" "$pid" "$log"
