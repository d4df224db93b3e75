#!/usr/bin/env bash
# Create the project's virtual environment (.venv) with Python >= 3.12 and install the
# project with its test extras, pinned by constraints.txt (the versions CI tested).
# Idempotent: re-running reuses a healthy .venv. Usage: bash scripts/bootstrap.sh
set -euo pipefail
cd "$(dirname "$0")/.."

runs_312() { "$@" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local cand v
  for cand in python3.13 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1 && runs_312 "$cand"; then echo "$cand"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.|$)' | sort -rV); do
      if PYENV_VERSION="$v" runs_312 python3; then echo "pyenv:$v"; return 0; fi
    done
  fi
  return 1
}

if [ ! -x .venv/bin/python ] || ! runs_312 .venv/bin/python; then
  if ! py=$(find_python); then
    echo "bootstrap: no Python >= 3.12 found (tried python3.13, python3.12, python3 and pyenv)." >&2
    echo "bootstrap: install Python 3.12 (e.g. 'pyenv install 3.12') and re-run." >&2
    exit 2
  fi
  rm -rf .venv
  case "$py" in
    pyenv:*) PYENV_VERSION="${py#pyenv:}" python3 -m venv .venv ;;
    *) "$py" -m venv .venv ;;
  esac
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"
echo "bootstrap: $(.venv/bin/python --version) ready in .venv"
