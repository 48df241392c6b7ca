#!/usr/bin/env bash
# Run the compliance suite against the local stack: the main job.
#
#   scripts/run-compliance.sh [--no-stack] [--keep-stack] [-- EXTRA PYTEST ARGS]
#
# Sets up the venv, brings the local stack up (S3, HTTP store, Reductionist 0.13.1, its HTTPS twin,
# and Reductionist 0.11.0, building what is missing), then runs:
#   1. the full suite against Reductionist 0.13.1 with the default profile (pytest -n auto);
#   2. the TLS and operations tests over HTTPS, verified with the stack's CA;
#   3. the full suite against Reductionist 0.11.0 with the reductionist-0.11 profile, if it runs.
# Reports (Markdown and JSON) go to reports/. The stack is taken down at the end unless
# --keep-stack; --no-stack uses a stack that is already up and leaves it alone (run-tests.sh).
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo" || exit 1

manage_stack=1
keep_stack=0
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
    --no-stack) manage_stack=0 ;;
    --keep-stack) keep_stack=1 ;;
    --)
        shift
        extra=("$@")
        break
        ;;
    -h | --help)
        sed -n '2,13p' "$0"
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
v1_url="http://127.0.0.1:${REDUCTIONIST_V1_PORT:-8081}"
tls_url="https://127.0.0.1:${REDUCTIONIST_TLS_PORT:-8443}"

if [ "$manage_stack" = 1 ]; then
    scripts/setup-venv.sh >/dev/null || exit 1
    scripts/local-stack.sh up --tls --with-v1-build || exit 1
    if [ "$keep_stack" = 0 ]; then
        trap 'scripts/local-stack.sh down' EXIT
    fi
fi
py="$repo/.venv/bin/python"
mkdir -p reports

failures=()
run() {
    local label=$1
    shift
    printf '\n==================== compliance: %s ====================\n' "$label"
    if "$py" -m pytest "$@" "${extra[@]}"; then
        echo "---- compliance: $label: OK"
    else
        echo "!!!! compliance: $label: FAILED"
        failures+=("$label")
    fi
}

answers() { curl -s -o /dev/null --max-time 5 "$@"; }

run "Reductionist 0.13.1, profile reductionist-0.13" compliance -n auto \
    --compliance-report reports/compliance-reductionist-0.13.md \
    --compliance-report-json reports/compliance-reductionist-0.13.json

if answers --cacert "$stack_dir/tls/ca.pem" "$tls_url/.well-known/reductionist-schema"; then
    run "Reductionist 0.13.1 over HTTPS" compliance -n auto -m "tls or operations" \
        --proxy-url "$tls_url" --proxy-ca-cert "$stack_dir/tls/ca.pem" \
        --compliance-report reports/compliance-reductionist-0.13-tls.md
else
    echo "!!!! compliance: no HTTPS server at $tls_url (scripts/local-stack.sh up --tls)"
    failures+=("TLS server missing")
fi

if answers "$v1_url/.well-known/reductionist-schema"; then
    run "Reductionist 0.11.0, profile reductionist-0.11" compliance -n auto \
        --proxy-url "$v1_url" --profile reductionist-0.11 \
        --compliance-report reports/compliance-reductionist-0.11.md \
        --compliance-report-json reports/compliance-reductionist-0.11.json
else
    echo "---- compliance: no v1 server at $v1_url; the reductionist-0.11 run is skipped" \
        "(scripts/local-stack.sh up --with-v1-build builds it)"
fi

if [ "${#failures[@]}" -ne 0 ]; then
    printf '!!!! compliance FAILED: %s\n' "${failures[@]}"
    exit 1
fi
echo "compliance: all runs passed (reports in reports/)"
