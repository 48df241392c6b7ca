#!/usr/bin/env bash
# Create or update the project's virtualenv (<repo>/.venv, or $ACTIVESTORAGE_VENV) from
# requirements.txt, and print the path of its python.
#
# Idempotent and fast: the venv remembers a hash of requirements.txt (and of the interpreter
# version); when neither changed, nothing is installed. Python: $PYTHON, else python3 (>= 3.10).
set -euo pipefail
STACK_TAG=setup-venv
# shellcheck source=scripts/stack-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-common.sh"

req="$STACK_REPO/requirements.txt"
[ -f "$req" ] || stack_die "missing $req"
stamp="$STACK_VENV/.requirements.sha256"

base_python="${PYTHON:-python3}"
stack_require_tool "$base_python" "apt-get install -y python3 python3-venv (Python >= 3.10)"
"$base_python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
    stack_die "$base_python is $("$base_python" --version 2>&1); Python >= 3.10 is needed"

# A venv whose interpreter no longer runs (base Python moved or removed) is rebuilt.
if [ -e "$STACK_VENV" ] && ! "$STACK_PY" -c 'import sys' >/dev/null 2>&1; then
    stack_say "the venv at $STACK_VENV is broken; recreating it"
    rm -rf "$STACK_VENV"
fi
if [ ! -x "$STACK_PY" ]; then
    stack_say "creating $STACK_VENV with $("$base_python" --version 2>&1)"
    "$base_python" -m venv "$STACK_VENV" ||
        stack_die "python3 -m venv failed; on Debian/Ubuntu install: apt-get install -y python3-venv"
fi

project="$STACK_REPO/pyproject.toml"
want="$( (cat "$req" "$project" && "$STACK_PY" -c 'import sys; print(sys.version)') | sha256sum |
    cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    printf '%s\n' "$STACK_PY"
    exit 0
fi

stack_say "installing requirements.txt into $STACK_VENV"
"$STACK_PY" -m pip install --quiet -r "$req" >&2 || stack_die "pip install -r requirements.txt failed"
# The project itself, editable: its packages (compliance, faults, bench) and console scripts.
"$STACK_PY" -m pip install --quiet --no-deps --no-build-isolation -e "$STACK_REPO" >&2 ||
    stack_die "pip install -e $STACK_REPO failed (pyproject.toml)"
printf '%s\n' "$want" >"$stamp"
stack_say "venv ready"
printf '%s\n' "$STACK_PY"
