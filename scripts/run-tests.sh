#!/usr/bin/env bash
# The project's own checks: what CI runs (.ci/run and .github/workflows/ci.yml call this).
#
#   scripts/run-tests.sh
#
# Works on a fresh machine: makes the venv from requirements.txt, installs nginx (apt-get) and
# Reductionist 0.13.1, 0.12.1 and 0.11.0 (cargo install) when missing, brings the whole local stack
# up (`local-stack.sh up --all`: TLS and the chunk-cache servers too), runs black, flake8, mypy,
# pytest and the compliance suite against every server (a server that is missing fails), and takes
# the stack down again if it started it. Every step runs even if an earlier check failed; the exit
# status is non-zero if any step failed.
# No `set -e`: a failed step is recorded and the next one still runs.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo" || exit 1

failures=()
banner() { printf '\n==================== %s ====================\n' "$*"; }

# step LABEL CMD...: run one check loudly and remember whether it failed.
step() {
    local label=$1 rc=0 start=$SECONDS
    shift
    banner "$label"
    "$@" || rc=$?
    if [ "$rc" = 0 ]; then
        printf -- '---- %s: OK (%ss)\n' "$label" "$((SECONDS - start))"
    else
        printf '!!!! %s: FAILED (exit %s, %ss)\n' "$label" "$rc" "$((SECONDS - start))"
        failures+=("$label")
    fi
    return "$rc"
}

summary_and_exit() {
    banner "summary"
    if [ "${#failures[@]}" -eq 0 ]; then
        echo "ALL CHECKS PASSED"
        exit 0
    fi
    printf '!!!! FAILED: %s\n' "${failures[@]}"
    exit 1
}

step "venv (scripts/setup-venv.sh)" scripts/setup-venv.sh || summary_and_exit
export PATH="$repo/.venv/bin:$PATH"

stack_is_up=0
stack_down() {
    if [ "$stack_is_up" = 1 ]; then
        stack_is_up=0
        step "local stack down" scripts/local-stack.sh down || true
    fi
}
trap 'stack_down' EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# A stack the developer already had running is used and left running; one we start, we stop.
if scripts/local-stack.sh status >/dev/null 2>&1; then
    echo "local stack already up: using it and leaving it running"
else
    stack_is_up=1
fi
if ! step "local stack up --all" scripts/local-stack.sh up --all; then
    scripts/local-stack.sh logs >&2 || true
    stack_down
    summary_and_exit
fi
step "stack status" scripts/local-stack.sh status

step "black --check" black --check .
step "flake8" flake8
step "shellcheck" shellcheck scripts/*.sh .ci/run

# actionlint for the GitHub workflow: from the Go module proxy, pinned, built once into the
# stack's state folder (it checks the workflow's shell steps with the shellcheck above too).
ACTIONLINT_VERSION=v1.7.12
# shellcheck disable=SC2329 # invoked through step
actionlint_check() {
    local tools="${ACTIVESTORAGE_STACK_DIR:-$repo/.stack}/tools"
    local bin="$tools/actionlint"
    if [ ! -x "$bin" ] || [ "$("$bin" -version | head -n 1)" != "$ACTIONLINT_VERSION" ]; then
        command -v go >/dev/null || { echo "go not found: install Go to build actionlint" >&2; return 1; }
        mkdir -p "$tools"
        GOBIN="$tools" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" ||
            return 1
    fi
    "$bin" .github/workflows/*.yml
}
step "actionlint" actionlint_check
mypy_targets=()
for dir in compliance faults bench scripts tests; do
    if [ -n "$(find "$dir" -name '*.py' -print -quit 2>/dev/null)" ]; then
        mypy_targets+=("$dir")
    fi
done
step "mypy ${mypy_targets[*]}" mypy "${mypy_targets[@]}"

# Toxiproxy (pinned, built once into the state folder): the emulated links, and the project's
# test of the emulation itself, which skips without it.
step "toxiproxy install" scripts/run-toxiproxy.sh --install
step "pytest tests" pytest tests

# The compliance suite itself against every server of the stack, each with its profile.
step "compliance suite (scripts/run-compliance.sh)" scripts/run-compliance.sh --no-stack \
    --require-all

# The suite must catch realistic server bugs: a few faults through the fault proxy (~1-2 min).
step "mutation score (quick)" python scripts/mutation-score.py --quick --require-all

# The benchmarks end to end at a tiny size: they run, check every answer and write PNG + JSON.
bench_out="$(mktemp -d)"
step "benchmark smoke" python scripts/run-benchmarks.py --sizes 40KB,400KB --repeats 3 \
    --out "$bench_out"
step "parallel benchmark smoke" python scripts/run-parallel-benchmarks.py --size 40KB \
    --workers 1,2 --requests 10 --out "$bench_out"
# The client's workload over an emulated link.
step "benchmark smoke over links" python scripts/run-benchmarks.py --links loopback,home \
    --sizes 40KB,400KB --repeats 2 --out "$bench_out"
step "client-workload benchmark smoke" python scripts/run-client-benchmark.py --smoke \
    --links home --out "$bench_out"
# Load with every answer checked: the soak on one server and on the HAProxy pair, and Locust in
# distributed mode (a master and workers on 127.0.0.1) against the pair.
step "soak smoke" activestorage-soak --smoke --server http://127.0.0.1:8080 \
    --service reductionist --out "$bench_out"
step "soak smoke (HAProxy pair)" activestorage-soak --smoke --server http://127.0.0.1:8650 \
    --service reductionist-cluster-1 --service reductionist-cluster-2 --service haproxy \
    --out "$bench_out"
step "locust distributed smoke (HAProxy pair)" activestorage-locust --smoke \
    --host http://127.0.0.1:8650 --out "$bench_out/locust"
rm -rf "$bench_out"

stack_down
summary_and_exit
