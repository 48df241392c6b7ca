#!/usr/bin/env bash
# Toxiproxy, the TCP proxy the benchmarks use to emulate network links (bandwidth and latency
# toxics), with its API on 127.0.0.1:${ACTIVESTORAGE_TOXIPROXY_PORT:-8474} (the benchmarks read the
# same variable); the proxies the benchmarks make on it listen on 127.0.0.1 only.
#
#   scripts/run-toxiproxy.sh [--background] [--install]
#
# The pinned release (v2.5.0) is built from the Go module proxy when missing:
#   GOBIN=<state>/tools/.toxiproxy-build go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0
# (about 40 s) and kept as <state>/tools/toxiproxy-server-2.5.0; `go version -m` on it must name
# that module version. --install only does that and exits. Foreground by default (Ctrl-C stops
# it); --background returns once the API answers. `scripts/local-stack.sh up --links` runs this.
set -euo pipefail
STACK_TAG=toxiproxy
# shellcheck source=scripts/stack-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-common.sh"

background=0 install_only=0
for arg in "$@"; do
    case "$arg" in
    --background) background=1 ;;
    --install) install_only=1 ;;
    -h | --help)
        stack_usage "$0"
        exit 0
        ;;
    *) stack_die "unknown option $arg (usage: $0 [--background] [--install])" ;;
    esac
done

TOXIPROXY_VERSION=2.5.0
TOXIPROXY_MODULE=github.com/Shopify/toxiproxy/v2
TOXIPROXY_PORT="${ACTIVESTORAGE_TOXIPROXY_PORT:-8474}"
TOXIPROXY_START_TIMEOUT="${TOXIPROXY_START_TIMEOUT:-15}"
name=toxiproxy
url="http://127.0.0.1:$TOXIPROXY_PORT"
tools="$STACK_DIR/tools"
bin="$tools/toxiproxy-server-$TOXIPROXY_VERSION"
log="$STACK_LOGS/toxiproxy.log"

# right_version BINARY: Go's build record names the pinned module version (no Go: trust the name).
right_version() {
    command -v go >/dev/null 2>&1 || return 0
    go version -m "$1" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+${TOXIPROXY_MODULE}[[:space:]]+v${TOXIPROXY_VERSION}([[:space:]]|$)"
}

install_toxiproxy() {
    stack_require_tool go "https://go.dev/doc/install (Go 1.17 or newer)"
    local build="$tools/.toxiproxy-build"
    mkdir -p "$build"
    stack_say "building toxiproxy v$TOXIPROXY_VERSION (go install, about 40 s; log: $STACK_LOGS/go-install-toxiproxy.log)"
    GOBIN="$build" go install "$TOXIPROXY_MODULE/cmd/server@v$TOXIPROXY_VERSION" \
        >"$STACK_LOGS/go-install-toxiproxy.log" 2>&1 || {
        stack_log_tail "$STACK_LOGS/go-install-toxiproxy.log"
        stack_die "go install of toxiproxy v$TOXIPROXY_VERSION failed"
    }
    mv "$build/server" "$bin"
    rmdir "$build" 2>/dev/null || true
}

stack_init_dirs
mkdir -p "$tools"
if [ ! -x "$bin" ] || ! right_version "$bin"; then
    if [ -x "$tools/server" ] && command -v go >/dev/null 2>&1 && right_version "$tools/server"; then
        cp "$tools/server" "$bin" # an earlier plain `GOBIN=<state>/tools go install` of it
    else
        install_toxiproxy
    fi
fi
right_version "$bin" || stack_die "$bin is not toxiproxy v$TOXIPROXY_VERSION (see: go version -m $bin)"
if [ "$install_only" = 1 ]; then
    echo "toxiproxy v$TOXIPROXY_VERSION installed: $bin"
    exit 0
fi

health() { stack_http_ok "$url/version"; }

if pid=$(stack_live_pid "$name"); then
    stack_wait_healthy "$name" "$pid" "$TOXIPROXY_START_TIMEOUT" "$log" health || exit 1
    stack_record_url "$name" "$url"
    echo "toxiproxy ready: $url (already running, pid $pid)"
    exit 0
fi
stack_require_free_port "$TOXIPROXY_PORT" "toxiproxy API"
stack_say "starting $bin on $url"
pid=$(stack_spawn "$name" "$log" "$bin" -host 127.0.0.1 -port "$TOXIPROXY_PORT")
stack_wait_healthy "$name" "$pid" "$TOXIPROXY_START_TIMEOUT" "$log" health || exit 1
stack_record_url "$name" "$url"
echo "toxiproxy ready: $url (v$TOXIPROXY_VERSION, pid $pid; link proxies are made by the benchmarks)"
[ "$background" = 1 ] || stack_follow "$name" "$pid" "$log"
