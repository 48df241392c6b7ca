#!/usr/bin/env bash
# Run the compliance suite against every server of the local stack: the main job.
#
#   scripts/run-compliance.sh [--no-stack] [--keep-stack] [--require-all] [-- EXTRA PYTEST ARGS]
#
# Sets up the venv, brings the whole local stack up (`scripts/local-stack.sh up --all`, building
# what is missing), then runs the suite (pytest --shards auto: collected once, then one forked process per CPU) once per server, with its profile:
#   0.13.1        reductionist-0.13        http://127.0.0.1:${REDUCTIONIST_V2_PORT:-8080}
#                 (-m "not robustness")
#   0.13.1 robust reductionist-0.13        http://127.0.0.1:${REDUCTIONIST_ROBUST_PORT:-8086}
#                 (-m robustness: the backend faults, played on their own server through
#                 Toxiproxy, --toxiproxy-url http://127.0.0.1:${ACTIVESTORAGE_TOXIPROXY_PORT:-8474};
#                 a run of its own, so that the other runs' time is not mixed with the faults'
#                 deliberate delays); skipped when that server does not answer (a failure with
#                 --require-all); the other runs skip the area
#   0.13.1 TLS    reductionist-0.13        https://127.0.0.1:${REDUCTIONIST_TLS_PORT:-8443}
#                 (-m "tls or operations or clients" only, verified with <state>/tls/ca.pem)
#   0.13.1 cache  reductionist-0.13-cache  http://127.0.0.1:${REDUCTIONIST_CACHE_PORT:-8084}
#   0.12.1        reductionist-0.12        http://127.0.0.1:${REDUCTIONIST_V012_PORT:-8082}
#   0.11.0        reductionist-0.11        http://127.0.0.1:${REDUCTIONIST_V1_PORT:-8081}
#   0.11.0 cache  reductionist-0.11-cache  http://127.0.0.1:${REDUCTIONIST_V1_CACHE_PORT:-8085}
# against the stack's stores (ACTIVESTORAGE_S3_SOURCE / ACTIVESTORAGE_HTTP_SOURCE, by default
# http://127.0.0.1:${S3_PORT:-9000} and http://127.0.0.1:${HTTP_PORT:-8000}). Each run writes
# ${ACTIVESTORAGE_REPORTS_DIR:-reports}/compliance-<profile>.md and .json (the TLS run:
# compliance-reductionist-0.13-tls.*, the robustness run compliance-reductionist-0.13-robustness.*).
#
# The output ends with one line per run: label, profile and the verdict of its JSON report, e.g.
# "COMPLIES apart from 114 known deviations (in ...)" or "DOES NOT COMPLY: 3 failures in ...". A
# server that does not answer gives "skipped: no server at URL".
# Exit status 0 when every run that ran complies (known deviations allowed); with --require-all
# (run-tests.sh, CI) a skipped run fails too. The stack is taken down at the end unless
# --keep-stack; --no-stack uses a stack that is already up and leaves it alone (run-tests.sh).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

manage_stack=1
keep_stack=0
require_all=0
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
    --no-stack) manage_stack=0 ;;
    --keep-stack) keep_stack=1 ;;
    --require-all) require_all=1 ;;
    --)
        shift
        extra=("$@")
        break
        ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
    *)
        echo "run-compliance.sh: unknown option $1 (see --help)" >&2
        exit 2
        ;;
    esac
    shift
done

stack_dir="${ACTIVESTORAGE_STACK_DIR:-$repo/.stack}"
ca_cert="$stack_dir/tls/ca.pem"
export ACTIVESTORAGE_S3_SOURCE="${ACTIVESTORAGE_S3_SOURCE:-http://127.0.0.1:${S3_PORT:-9000}}"
export ACTIVESTORAGE_HTTP_SOURCE="${ACTIVESTORAGE_HTTP_SOURCE:-http://127.0.0.1:${HTTP_PORT:-8000}}"

if [ "$manage_stack" = 1 ]; then
    scripts/setup-venv.sh >/dev/null
    if [ "$keep_stack" = 0 ]; then
        trap 'scripts/local-stack.sh down' EXIT
    fi
    scripts/local-stack.sh up --all
fi
py="$repo/.venv/bin/python"
# Let Python keep its bytecode (and pytest its rewritten test modules) in __pycache__: each run
# starts three processes that would otherwise compile the suite again, about a second each.
unset PYTHONDONTWRITEBYTECODE
reports="${ACTIVESTORAGE_REPORTS_DIR:-reports}"
mkdir -p "$reports"

summary=()
bad=0

# verdict JSON RC: the verdict line of a JSON report; fails unless the run complies and pytest
# exited 0 (a report written after pytest gave up, e.g. exit 3 for an unreachable store, is no
# verdict).
verdict() {
    "$py" - "$1" "$2" <<'EOF'
import json
import sys

path, rc = sys.argv[1], int(sys.argv[2])
try:
    with open(path) as f:
        report = json.load(f)
except (OSError, ValueError):
    print(f"NO VERDICT: pytest exited {rc} without writing {path}")
    sys.exit(1)
if rc not in (0, 1):
    print(f"NO VERDICT: pytest exited {rc} ({report['headline']})")
    sys.exit(1)
print(report["headline"] + ("" if rc == int(not report["complies"]) else f" (pytest exit {rc})"))
sys.exit(0 if rc == 0 and report["complies"] else 1)
EOF
}

# floor START BEFORE AFTER [WHY]: the run's wall time (from START, date +%s.%N) against the
# server's summed response time (its /metrics totals BEFORE and AFTER: "SECONDS COUNT" or
# "none"), as a ratio; WHY, when given, says instead why this run has no floor.
floor() {
    "$py" - "$@" <<'EOF'
import sys
import time

began, before, after = float(sys.argv[1]), sys.argv[2].split(), sys.argv[3].split()
why = sys.argv[4] if len(sys.argv) > 4 else ""
wall = time.time() - began
if len(before) != 2 or len(after) != 2:
    print(f"wall {wall:.1f} s; the server has no /metrics: no floor to compare with")
    sys.exit(0)
seconds, count = float(after[0]) - float(before[0]), int(after[1]) - int(before[1])
ratio = why or (f"{wall / seconds:.1f}x" if seconds > 0 else "n/a")
print(f"wall {wall:.1f} s against the server's {seconds:.1f} s for {count} requests: {ratio}")
EOF
}

# suite LABEL REPORT URL PROFILE [PYTEST ARGS...]: one run of the suite, its summary line;
# NO_FLOOR (in the environment), when set, says why the run's time has no floor; SHARDS, the
# number of processes the run is shared between (pytest --shards, forked after collection:
# default auto, one per CPU; pytest-xdist's own messaging cost a third of a run).
suite() {
    local label=$1 report=$2 url=$3 profile=$4
    shift 4
    local shown=$profile curl_ca=() arg prev=""
    for arg in "$@"; do
        [ "$prev" = -m ] && shown="$profile -m '$arg'"
        prev=$arg
    done
    case "$url" in https:*) curl_ca=(--cacert "$ca_cert") ;; esac
    printf '\n==================== compliance: %s, %s, %s ====================\n' \
        "$label" "$shown" "$url"
    if ! curl -s -o /dev/null --max-time 5 "${curl_ca[@]}" "$url/.well-known/reductionist-schema"; then
        echo "---- compliance: $label: no server at $url (scripts/local-stack.sh up --all)"
        summary+=("$(printf '%-13s %-51s %s' "$label" "$shown" "skipped: no server at $url")")
        [ "$require_all" = 0 ] || bad=1
        return 0
    fi
    local json="$reports/compliance-$report.json" rc=0 start=$SECONDS line before began
    local ca_arg=()
    [ ${#curl_ca[@]} = 0 ] || ca_arg=("$ca_cert")
    rm -f "$json"
    before=$("$py" -m compliance.server_metrics "$url" "${ca_arg[@]}")
    began=$(date +%s.%N)
    # -p no:xdist: --shards refuses -n anyway, and xdist's hooks cost every test 0.06 ms
    "$py" -m pytest compliance -p no:xdist --shards "${SHARDS:-auto}" --proxy-url "$url" \
        --profile "$profile" "$@" \
        --compliance-report "$reports/compliance-$report.md" --compliance-report-json "$json" \
        "${extra[@]}" || rc=$?
    line=$(verdict "$json" "$rc") || bad=1
    echo "---- compliance: $label: $line ($((SECONDS - start))s)"
    echo "---- compliance: $label: $(floor "$began" "$before" \
        "$("$py" -m compliance.server_metrics "$url" "${ca_arg[@]}")" ${NO_FLOOR:+"$NO_FLOOR"})"
    summary+=("$(printf '%-13s %-51s %s' "$label" "$shown" "$line")")
}

loopback() { printf 'http://127.0.0.1:%s' "$1"; }
# robustness_options: the options that play the robustness area on its own server, or none (the
# area skips) when that server does not answer.
robustness_options() {
    local url
    url=$(loopback "${REDUCTIONIST_ROBUST_PORT:-8086}")
    if curl -s -o /dev/null --max-time 5 "$url/.well-known/reductionist-schema"; then
        robust=(--robustness-proxy-url "$url"
            --toxiproxy-url "$(loopback "${ACTIVESTORAGE_TOXIPROXY_PORT:-8474}")")
        return 0
    fi
    echo "---- compliance: robustness: no server at $url (scripts/local-stack.sh up --robustness)"
    summary+=("$(printf '%-13s %-51s %s' robustness reductionist-0.13 "skipped: no server at $url")")
    [ "$require_all" = 0 ] || bad=1
}

robust=()
robustness_options
suite "0.13.1" reductionist-0.13 "$(loopback "${REDUCTIONIST_V2_PORT:-8080}")" reductionist-0.13 \
    -m "not robustness"
if [ ${#robust[@]} != 0 ]; then
    # one process: the faults are played one at a time anyway, each once for its two tests
    SHARDS=1 NO_FLOOR="no floor, the time is the faults' own delays and bounds" \
        suite "0.13.1 robust" reductionist-0.13-robustness "${robust[1]}" reductionist-0.13 \
        -m robustness "${robust[@]}"
fi
suite "0.13.1 TLS" reductionist-0.13-tls "https://127.0.0.1:${REDUCTIONIST_TLS_PORT:-8443}" \
    reductionist-0.13 -m "tls or operations or clients" --proxy-ca-cert "$ca_cert"
suite "0.13.1 cache" reductionist-0.13-cache "$(loopback "${REDUCTIONIST_CACHE_PORT:-8084}")" \
    reductionist-0.13-cache
suite "0.12.1" reductionist-0.12 "$(loopback "${REDUCTIONIST_V012_PORT:-8082}")" reductionist-0.12
suite "0.11.0" reductionist-0.11 "$(loopback "${REDUCTIONIST_V1_PORT:-8081}")" reductionist-0.11
suite "0.11.0 cache" reductionist-0.11-cache "$(loopback "${REDUCTIONIST_V1_CACHE_PORT:-8085}")" \
    reductionist-0.11-cache

printf '\n==================== compliance summary (reports in %s/) ====================\n' "$reports"
printf '%s\n' "${summary[@]}"
exit "$bad"
