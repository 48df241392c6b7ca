#!/usr/bin/env bash
# The whole local stack on loopback, in the background, with one command.
#
#   scripts/local-stack.sh up [--tls] [--cache] [--robustness] [--cluster] [--links[=LINK]]
#                             [--with-v1-build] [--with-v012-build] [--all]
#   scripts/local-stack.sh down
#   scripts/local-stack.sh status
#   scripts/local-stack.sh logs [SERVICE] [-f]
#
# Services (state, PIDs and logs in ${ACTIVESTORAGE_STACK_DIR:-<repo>/.stack}):
#   s3                    S3 store (MinIO or SeaweedFS)   http://127.0.0.1:${S3_PORT:-9000}
#   http-store            nginx HTTP object store         http://127.0.0.1:${HTTP_PORT:-8000}
#   reductionist          Reductionist 0.13.1 (v2 API)    http://127.0.0.1:${REDUCTIONIST_V2_PORT:-8080}
#   reductionist-v012     Reductionist 0.12.1 (v2 API)    http://127.0.0.1:${REDUCTIONIST_V012_PORT:-8082}
#   reductionist-v1       Reductionist 0.11.0 (v1 API)    http://127.0.0.1:${REDUCTIONIST_V1_PORT:-8081}
#                         0.12.1 and 0.11.0 only when their binaries are installed;
#                         `up --with-v012-build` / `--with-v1-build` (or ACTIVESTORAGE_BUILD_V012=1
#                         / ACTIVESTORAGE_BUILD_V1=1) build them first, and a failed build leaves
#                         that server out
#   reductionist-tls      0.13.1 over HTTPS (--tls)       https://127.0.0.1:${REDUCTIONIST_TLS_PORT:-8443}
#                         CA certificate in <state>/tls/ca.pem
#   reductionist-cache    0.13.1, chunk cache (--cache)   http://127.0.0.1:${REDUCTIONIST_CACHE_PORT:-8084}
#   reductionist-v1-cache 0.11.0, chunk cache (--cache)   http://127.0.0.1:${REDUCTIONIST_V1_CACHE_PORT:-8085}
#                         (when 0.11.0 runs); cache folders <state>/cache/<service>, emptied at start
#   reductionist-robust   0.13.1, faults (--robustness)   http://127.0.0.1:${REDUCTIONIST_ROBUST_PORT:-8086}
#                         with toxiproxy: the robustness tests put backend-fault proxies
#                         (127.0.0.1:8620 -> S3, :8621 -> HTTP store) between it and the stores
#   reductionist-cluster-1, -2  0.13.1 backends (--cluster) http://127.0.0.1:8651, :8652
#   haproxy               HAProxy over both (--cluster)   http://127.0.0.1:${HAPROXY_PORT:-8650}
#                         balance leastconn, health checks; stats :${HAPROXY_STATS_PORT:-8653}/stats
#                         (scripts/run-haproxy.sh: config generated into <state>/haproxy)
#   toxiproxy             Toxiproxy 2.5.0 API (--links, --robustness)
#                                                         http://127.0.0.1:${ACTIVESTORAGE_TOXIPROXY_PORT:-8474}
#                         emulated links (`run-benchmarks.py --links home`); built with go install
#                         into <state>/tools when missing. With it, standing link proxies (LINK: a
#                         preset lan|campus|home|remote, or BANDWIDTH,RTT; default home, checked and
#                         printed): 127.0.0.1:8601 -> server, :8602 -> S3, :8603 -> HTTP store. The
#                         benchmarks make their own link proxies (the next free of 8601-8619)
#
# --all is --tls --cache --robustness --cluster --with-v1-build --with-v012-build: every server
# (what CI runs).
#
# `up` is idempotent (running services are only health-checked) and sets up the venv and installs
# what is missing (nginx, Reductionist 0.13.1). `down` stops only the PIDs the stack started.
# `status` exits non-zero when s3, http-store or reductionist (or any other service `up` started) is
# not healthy.
set -euo pipefail
STACK_TAG=local-stack
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/stack-common.sh
source "$here/stack-common.sh"

SERVICES=(s3 http-store reductionist reductionist-v012 reductionist-v1 reductionist-tls
    reductionist-cache reductionist-v1-cache reductionist-robust toxiproxy
    reductionist-cluster-1 reductionist-cluster-2 haproxy)
expected_file="$STACK_DIR/expected-services"

usage() {
    stack_usage "$0" >&2
    exit 2
}

expect() {
    grep -qx "$1" "$expected_file" 2>/dev/null || printf '%s\n' "$1" >>"$expected_file"
}

# installed VERSION [ROOT]: is that release's binary in its --root (run-reductionist.sh
# then checks cargo's records; this only decides whether to try)?
installed() {
    local root="${2:-$HOME/.local/share/reductionist-$1}"
    [ -x "$root/bin/reductionist" ]
}

# older_release NAME VERSION ROOT BUILD FLAG OPTION: start 0.12.1 or 0.11.0 if installed or BUILD=1
# (a failed build or start leaves it out with a warning); otherwise say how to get it.
older_release() {
    local name=$1 version=$2 root=$3 build=$4 flag=$5 option=$6
    if installed "$version" "$root" || [ "$build" = 1 ]; then
        if "$here/run-reductionist.sh" --background "$option"; then
            expect "$name"
            return 0
        fi
        stack_say "WARNING: reductionist $version could not be started; its profile is left out" \
            "(everything else is up)"
        return 1
    fi
    local why="not installed"
    [ -f "$STACK_DIR/reductionist-$version.build-failed" ] &&
        why="not installed; its last build failed (see $STACK_LOGS/cargo-install-reductionist-$version.log)"
    echo "Reductionist $version skipped: $why. Build and start it with:" \
        "scripts/local-stack.sh up $flag"
    return 1
}

cmd_up() {
    local tls=0 cache=0 robust=0 cluster=0 links="" build_v1="${ACTIVESTORAGE_BUILD_V1:-0}" arg
    local build_v012="${ACTIVESTORAGE_BUILD_V012:-0}"
    for arg in "$@"; do
        case "$arg" in
        --tls) tls=1 ;;
        --cache) cache=1 ;;
        --robustness) robust=1 ;;
        --cluster) cluster=1 ;;
        --links) links=home ;;
        --links=*) links="${arg#--links=}" ;;
        --with-v1-build) build_v1=1 ;;
        --with-v012-build) build_v012=1 ;;
        --all) tls=1 cache=1 robust=1 cluster=1 build_v1=1 build_v012=1 ;;
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
    local v012=${REDUCTIONIST_V012_VERSION:-0.12.1} v1=${REDUCTIONIST_V1_VERSION:-0.11.0}
    older_release reductionist-v012 "$v012" "${REDUCTIONIST_V012_ROOT:-}" "$build_v012" \
        --with-v012-build --v012 || true
    local v1_up=0
    older_release reductionist-v1 "$v1" "${REDUCTIONIST_V1_ROOT:-}" "$build_v1" \
        --with-v1-build --v1 && v1_up=1
    if [ "$tls" = 1 ]; then
        expect reductionist-tls
        "$here/run-reductionist.sh" --background --tls
    fi
    if [ "$cache" = 1 ]; then
        expect reductionist-cache
        "$here/run-reductionist.sh" --background --cache
        if [ "$v1_up" = 1 ]; then
            expect reductionist-v1-cache
            "$here/run-reductionist.sh" --background --v1 --cache
        else
            echo "Reductionist $v1 with the chunk cache skipped: $v1 does not run"
        fi
    fi
    if [ "$robust" = 1 ]; then
        expect reductionist-robust
        "$here/run-reductionist.sh" --background --robustness
    fi
    if [ "$cluster" = 1 ]; then
        expect reductionist-cluster-1
        "$here/run-reductionist.sh" --background --cluster=1
        expect reductionist-cluster-2
        "$here/run-reductionist.sh" --background --cluster=2
        expect haproxy
        "$here/run-haproxy.sh" --background
    fi
    if [ -n "$links" ] || [ "$robust" = 1 ]; then
        expect toxiproxy
        "$here/run-toxiproxy.sh" --background
    fi
    if [ -n "$links" ]; then
        stack_require_venv
        "$STACK_PY" -m bench.stack_links "$links" ||
            stack_die "the link proxies for $links are not right (see above)"
    fi
    echo "local stack up in $((SECONDS - start))s (state: $STACK_DIR; stop with: $0 down)"
}

# is_expected NAME: the three core services always; the others only when `up` started them.
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
    toxiproxy) stack_http_ok "$url/version" ;;
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
            printf '%-21s %-9s %-26s %s\n' "$name" "$state" "${url:--}" "($proc)"
        elif is_expected "$name"; then
            printf '%-21s %-9s %-26s %s\n' "$name" "DOWN" "${url:--}" "(not running; $0 logs $name)"
            bad=1
        else
            printf '%-21s %-9s\n' "$name" "off"
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
