#!/usr/bin/env bash
# The whole local stack on loopback, in the background, with one command.
#
#   scripts/local-stack.sh up [--tls] [--with-v1-build]
#   scripts/local-stack.sh down
#   scripts/local-stack.sh status
#   scripts/local-stack.sh logs [SERVICE] [-f]
#
# Services (state, PIDs and logs in ${ACTIVESTORAGE_STACK_DIR:-<repo>/.stack}):
#   s3                S3 store (MinIO or SeaweedFS)    http://127.0.0.1:${S3_PORT:-9000}
#   http-store        nginx HTTP object store          http://127.0.0.1:${HTTP_PORT:-8000}
#   reductionist      Reductionist 0.13.1 (v2 API)     http://127.0.0.1:${REDUCTIONIST_V2_PORT:-8080}
#   reductionist-v1   Reductionist 0.11.0 (v1 API)     http://127.0.0.1:${REDUCTIONIST_V1_PORT:-8081}
#                     only when its binary is installed; `up --with-v1-build` (or
#                     ACTIVESTORAGE_BUILD_V1=1) builds it first, and a failed build leaves it out
#   reductionist-tls  Reductionist 0.13.1 over HTTPS   https://127.0.0.1:${REDUCTIONIST_TLS_PORT:-8443}
#                     with --tls; CA certificate in <state>/tls/ca.pem
#
# `up` is idempotent (running services are only health-checked) and sets up the venv and installs
# what is missing (nginx, Reductionist 0.13.1). `down` stops only the PIDs the stack started.
# `status` exits non-zero when s3, http-store or reductionist (or v1/TLS, if `up` started them) is
# not healthy.
set -euo pipefail
STACK_TAG=local-stack
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/stack-common.sh
source "$here/stack-common.sh"

SERVICES=(s3 http-store reductionist reductionist-v1 reductionist-tls)
expected_file="$STACK_DIR/expected-services"

usage() {
    stack_usage "$0" >&2
    exit 2
}

expect() {
    grep -qx "$1" "$expected_file" 2>/dev/null || printf '%s\n' "$1" >>"$expected_file"
}

v1_installed() {
    local root="${REDUCTIONIST_V1_ROOT:-$HOME/.local/share/reductionist-${REDUCTIONIST_V1_VERSION:-0.11.0}}"
    [ -x "$root/bin/reductionist" ]
}

cmd_up() {
    local tls=0 build_v1="${ACTIVESTORAGE_BUILD_V1:-0}" arg
    for arg in "$@"; do
        case "$arg" in
        --tls) tls=1 ;;
        --with-v1-build) build_v1=1 ;;
        *) usage ;;
        esac
    done
    local start=$SECONDS
    stack_init_dirs
    "$here/setup-venv.sh" >/dev/null
    expect s3
    "$here/run-minio.sh" --background
    expect http-store
    "$here/run-http-store.sh" --background
    expect reductionist
    "$here/run-reductionist.sh" --background
    if v1_installed || [ "$build_v1" = 1 ]; then
        if "$here/run-reductionist.sh" --background --v1; then
            expect reductionist-v1
        else
            stack_say "WARNING: the v1 server (reductionist 0.11.0) could not be started; the v1" \
                "profile is left out (everything else is up)"
        fi
    else
        local why="not installed"
        [ -f "$STACK_DIR/reductionist-0.11.0.build-failed" ] &&
            why="not installed; its last build failed (see $STACK_LOGS/cargo-install-reductionist-0.11.0.log)"
        echo "Reductionist 0.11.0 (v1) skipped: $why. Build and start it with:" \
            "scripts/local-stack.sh up --with-v1-build"
    fi
    if [ "$tls" = 1 ]; then
        expect reductionist-tls
        "$here/run-reductionist.sh" --background --tls
    fi
    echo "local stack up in $((SECONDS - start))s (state: $STACK_DIR; stop with: $0 down)"
}

# is_expected NAME: the three core services always; v1 and TLS only when `up` started them.
is_expected() {
    case "$1" in
    s3 | http-store | reductionist) return 0 ;;
    esac
    grep -qx "$1" "$expected_file" 2>/dev/null
}

# service_health NAME: 0 healthy, 1 not healthy; prints a short description.
service_health() {
    local name=$1 url
    url=$(stack_url "$name")
    case "$name" in
    s3)
        stack_s3_signed_ping "$url" "${MINIO_ROOT_USER:-minioadmin}" \
            "${MINIO_ROOT_PASSWORD:-minioadmin}" 2 2>/dev/null
        ;;
    http-store) stack_http_ok "$url/healthz" ;;
    reductionist-tls)
        stack_http_ok "$url/.well-known/reductionist-schema" --cacert "$STACK_DIR/tls/ca.pem"
        ;;
    *) stack_http_ok "$url/.well-known/reductionist-schema" ;;
    esac
}

# service_proc NAME: print how the service runs ("pid N" / "container ID"), fail if it does not.
service_proc() {
    local pid container_file="$STACK_PIDS/$1.container"
    if [ -f "$container_file" ]; then
        docker inspect -f '{{.State.Running}}' "$(cat "$container_file")" 2>/dev/null |
            grep -q true || return 1
        printf 'container %.12s\n' "$(cat "$container_file")"
        return 0
    fi
    pid=$(stack_live_pid "$1") || return 1
    printf 'pid %s\n' "$pid"
}

cmd_status() {
    local name proc url bad=0 state
    for name in "${SERVICES[@]}"; do
        url=$(stack_url "$name")
        if proc=$(service_proc "$name"); then
            if service_health "$name"; then
                state="healthy"
            else
                state="UNHEALTHY"
                bad=1
            fi
            printf '%-17s %-9s %-26s %s\n' "$name" "$state" "${url:--}" "($proc)"
        elif is_expected "$name"; then
            printf '%-17s %-9s %-26s %s\n' "$name" "DOWN" "${url:--}" "(not running; $0 logs $name)"
            bad=1
        else
            printf '%-17s %-9s\n' "$name" "off"
        fi
    done
    return "$bad"
}

cmd_down() {
    local container_file="$STACK_PIDS/s3.container" rc=0
    if [ -f "$container_file" ]; then
        stack_say "stopping MinIO container $(cat "$container_file")"
        docker stop -t 30 "$(cat "$container_file")" >/dev/null 2>&1 || true
        rm -f "$container_file"
    fi
    stack_stop "${SERVICES[@]}" || rc=1
    rm -f "$expected_file"
    if [ "$rc" = 0 ]; then
        echo "local stack down"
    else
        echo "local stack down, except the processes named above" >&2
    fi
    return "$rc"
}

cmd_logs() {
    local follow=0 names=() arg
    for arg in "$@"; do
        case "$arg" in
        -f | --follow) follow=1 ;;
        *) names+=("$arg") ;;
        esac
    done
    [ "${#names[@]}" -gt 0 ] || names=("${SERVICES[@]}")
    local files=() name
    for name in "${names[@]}"; do
        if [ -f "$STACK_PIDS/$name.container" ]; then
            echo "==> docker logs $(cat "$STACK_PIDS/$name.container") <=="
            docker logs --tail 40 "$(cat "$STACK_PIDS/$name.container")" 2>&1 || true
        fi
        [ -f "$STACK_LOGS/$name.log" ] && files+=("$STACK_LOGS/$name.log")
    done
    [ "${#files[@]}" -gt 0 ] || {
        echo "no logs yet in $STACK_LOGS"
        return 0
    }
    if [ "$follow" = 1 ]; then
        exec tail -n 40 -F "${files[@]}"
    fi
    tail -n 40 "${files[@]}"
}

[ "$#" -ge 1 ] || usage
command=$1
shift
case "$command" in
up) cmd_up "$@" ;;
down) cmd_down ;;
status) cmd_status ;;
logs) cmd_logs "$@" ;;
-h | --help | help) stack_usage "$0" ;;
*) usage ;;
esac
