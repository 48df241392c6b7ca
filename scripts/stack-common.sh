# shellcheck shell=bash
# Shared helpers for the local stack scripts (run-minio.sh, run-http-store.sh, run-reductionist.sh,
# local-stack.sh). Source it; it does nothing on its own.
#
# State (PIDs, logs, data, generated config and certificates) lives in one git-ignored folder:
#   ${ACTIVESTORAGE_STACK_DIR:-<repo>/.stack}
# A PID file holds "PID START_TIME" (START_TIME from /proc/PID/stat), so a recycled PID is never
# mistaken for one of ours and nothing but a process this stack started is ever signalled.

STACK_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${ACTIVESTORAGE_STACK_DIR:-$STACK_REPO/.stack}"
STACK_VENV="${ACTIVESTORAGE_VENV:-$STACK_REPO/.venv}"
STACK_PY="$STACK_VENV/bin/python"
STACK_PIDS="$STACK_DIR/pids"
STACK_LOGS="$STACK_DIR/logs"
: "${STACK_TAG:=stack}"
# Seconds a stopping server gets between SIGTERM and being reported as stuck (SeaweedFS needs ~30 s
# in the worst case).
: "${STACK_STOP_TIMEOUT:=30}"

# stack_usage SCRIPT: print the comment block at the top of SCRIPT (its usage text).
stack_usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"; }

# stack_background_option ARGS...: the one option of a service script. --background sets
# STACK_BACKGROUND=1 (start, wait until it answers, return); -h/--help prints the script's usage.
# shellcheck disable=SC2034  # read by the service scripts that call this
STACK_BACKGROUND=0
# shellcheck disable=SC2034
stack_background_option() {
    local arg
    for arg in "$@"; do
        case "$arg" in
        --background) STACK_BACKGROUND=1 ;;
        -h | --help)
            stack_usage "$0"
            exit 0
            ;;
        *) stack_die "unknown option $arg (usage: $0 [--background])" ;;
        esac
    done
}

stack_say() { printf '[%s] %s\n' "$STACK_TAG" "$*" >&2; }
stack_die() {
    printf '[%s] ERROR: %s\n' "$STACK_TAG" "$*" >&2
    exit 1
}

stack_init_dirs() {
    mkdir -p "$STACK_DIR" "$STACK_PIDS" "$STACK_LOGS"
    chmod 700 "$STACK_DIR"
}

# stack_require_tool TOOL "how to install it": exit with a one-line message if TOOL is missing.
stack_require_tool() {
    command -v "$1" >/dev/null 2>&1 || stack_die "'$1' not found; install it with: $2"
}

# stack_require_venv: the project's venv must exist (scripts/setup-venv.sh makes it).
stack_require_venv() {
    [ -x "$STACK_PY" ] || stack_die "no Python venv at $STACK_VENV; create it with: scripts/setup-venv.sh"
}

# --- ports -------------------------------------------------------------------------------------

# stack_port_holder PORT: print "name (pid N)" of whatever listens on TCP PORT, or nothing.
stack_port_holder() {
    local line
    line=$(ss -ltnpH "( sport = :$1 )" 2>/dev/null | head -n 1)
    [ -n "$line" ] || return 0
    local who
    who=$(printf '%s\n' "$line" | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 (pid \2)/p')
    printf '%s\n' "${who:-an unknown process (listening on $(printf '%s' "$line" | awk '{print $4}'))}"
}

# stack_require_free_port PORT WHAT: exit with a one-line message if something listens on PORT.
stack_require_free_port() {
    stack_require_tool ss "apt-get install -y iproute2"
    local holder
    holder=$(stack_port_holder "$1")
    if [ -n "$holder" ]; then
        stack_die "port $1 ($2) is already in use by $holder; stop it or choose another port"
    fi
}

# --- processes ---------------------------------------------------------------------------------

stack_pidfile() { printf '%s/%s.pid\n' "$STACK_PIDS" "$1"; }

# stack_proc_start PID: the process start time (clock ticks since boot), or nothing if PID is gone.
stack_proc_start() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    # Fields after "pid (comm) ": state is 1st, starttime is 20th.
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    [ "$1" = Z ] && return 0
    printf '%s\n' "${20}"
}

stack_record_pid() {
    local start
    start=$(stack_proc_start "$2")
    printf '%s %s\n' "$2" "$start" >"$(stack_pidfile "$1")"
}

stack_forget() { rm -f "$(stack_pidfile "$1")"; }

# stack_live_pid NAME: print the PID recorded for NAME if that very process still runs; else
# remove a stale PID file and return 1.
stack_live_pid() {
    local file pid start now
    file=$(stack_pidfile "$1")
    [ -f "$file" ] || return 1
    read -r pid start <"$file" || true
    now=$(stack_proc_start "${pid:-0}")
    if [ -n "$pid" ] && [ -n "$now" ] && [ "$now" = "$start" ]; then
        printf '%s\n' "$pid"
        return 0
    fi
    rm -f "$file"
    return 1
}

# stack_spawn NAME LOGFILE CMD...: start CMD in its own session (so a Ctrl-C in the terminal or the
# end of the calling script does not reach it), stdin from /dev/null, output appended to LOGFILE;
# record and print its PID.
stack_spawn() {
    local name=$1 log=$2
    shift 2
    local tmp="$STACK_PIDS/$name.spawning"
    rm -f "$tmp"
    printf '\n===== %s: starting %s\n' "$(date '+%F %T')" "$*" >>"$log"
    # shellcheck disable=SC2016 # $$, $0 and $@ are the child shell's own
    setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$tmp" "$@" \
        </dev/null >>"$log" 2>&1 &
    local _
    for _ in $(seq 1 100); do
        [ -s "$tmp" ] && break
        sleep 0.05
    done
    [ -s "$tmp" ] || stack_die "could not start $name (see $log)"
    local pid
    pid=$(cat "$tmp")
    rm -f "$tmp"
    stack_record_pid "$name" "$pid"
    printf '%s\n' "$pid"
}

# stack_log_tail LOGFILE [N]: the last N lines of a log since the latest start, indented, on stderr.
stack_log_tail() {
    local from
    from=$(grep -n '^===== ' "$1" 2>/dev/null | tail -n 1 | cut -d: -f1)
    stack_say "last lines of $1:"
    tail -n +"${from:-1}" "$1" 2>/dev/null | tail -n "${2:-25}" | sed 's/^/    | /' >&2
}

# stack_wait_healthy NAME PID TIMEOUT LOGFILE CHECK...: poll CHECK (a command) until it succeeds.
# Fails (returns 1, after printing why and the log tail) if the process dies or TIMEOUT passes; the
# process is then stopped so nothing half-started is left behind.
stack_wait_healthy() {
    local name=$1 pid=$2 timeout=$3 log=$4
    shift 4
    local deadline=$((SECONDS + timeout))
    while :; do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        if [ -z "$(stack_proc_start "$pid")" ]; then
            stack_forget "$name"
            stack_say "$name died on start (pid $pid)"
            stack_log_tail "$log"
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            stack_say "$name (pid $pid) did not become healthy within ${timeout}s; stopping it"
            stack_log_tail "$log"
            stack_stop "$name" || true
            return 1
        fi
        sleep 0.2
    done
}

# stack_stop NAME...: SIGTERM each recorded process, wait up to STACK_STOP_TIMEOUT seconds for all of
# them, and name any that would not stop (return 1 then). Only PIDs from our PID files are touched.
stack_stop() {
    local name pid pending=()
    for name in "$@"; do
        if pid=$(stack_live_pid "$name"); then
            kill -TERM "$pid" 2>/dev/null || true
            pending+=("$name:$pid")
        fi
    done
    local deadline=$((SECONDS + STACK_STOP_TIMEOUT)) left entry
    while [ "${#pending[@]}" -gt 0 ]; do
        left=()
        for entry in "${pending[@]}"; do
            if stack_live_pid "${entry%%:*}" >/dev/null; then
                left+=("$entry")
            else
                stack_say "stopped ${entry%%:*} (pid ${entry##*:})"
            fi
        done
        pending=("${left[@]+"${left[@]}"}")
        [ "${#pending[@]}" -eq 0 ] && break
        if [ "$SECONDS" -ge "$deadline" ]; then
            for entry in "${pending[@]}"; do
                stack_say "WARNING: ${entry%%:*} (pid ${entry##*:}) did not stop within" \
                    "${STACK_STOP_TIMEOUT}s of SIGTERM; kill it with: kill -KILL ${entry##*:}"
            done
            return 1
        fi
        sleep 0.2
    done
    return 0
}

# stack_follow NAME PID LOGFILE: foreground mode. Show the log until the process exits; Ctrl-C (or
# SIGTERM/SIGHUP to this script) stops the server.
stack_follow() {
    local name=$1 pid=$2 log=$3
    stack_say "running in the foreground; Ctrl-C stops $name (log: $log)"
    tail -n 0 -f "$log" &
    STACK_TAIL_PID=$!
    trap 'kill "$STACK_TAIL_PID" 2>/dev/null; echo >&2; stack_stop "$name"; exit 0' INT TERM HUP
    local tailpid=$STACK_TAIL_PID
    while [ -n "$(stack_proc_start "$pid")" ]; do
        sleep 0.5
    done
    kill "$tailpid" 2>/dev/null || true
    stack_forget "$name"
    stack_say "$name exited"
    stack_log_tail "$log"
    exit 1
}

# stack_http_ok URL [curl options...]: succeed if URL answers 2xx.
stack_http_ok() {
    local url=$1
    shift
    curl -fsS -o /dev/null --max-time 2 "$@" "$url"
}

# stack_s3_signed_ping ENDPOINT ACCESS_KEY SECRET TIMEOUT: one signed request (boto3 ListBuckets),
# retried until TIMEOUT seconds have passed.
stack_s3_signed_ping() {
    "$STACK_PY" - "$@" <<'EOF'
import sys
import time

import boto3
from botocore.config import Config

endpoint, key, secret, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
client = boto3.client(
    "s3",
    endpoint_url=endpoint,
    aws_access_key_id=key,
    aws_secret_access_key=secret,
    region_name="us-east-1",
    config=Config(
        s3={"addressing_style": "path"},
        connect_timeout=2,
        read_timeout=5,
        retries={"max_attempts": 1},
    ),
)
deadline = time.monotonic() + timeout
while True:
    try:
        client.list_buckets()
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
        if time.monotonic() > deadline:
            print(f"signed ListBuckets on {endpoint} failed: {exc}", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.2)
EOF
}

# stack_record_url NAME URL / stack_url NAME: where a started service answers (for status/logs).
stack_record_url() {
    mkdir -p "$STACK_DIR/urls"
    printf '%s\n' "$2" >"$STACK_DIR/urls/$1"
}
stack_url() { cat "$STACK_DIR/urls/$1" 2>/dev/null || true; }
