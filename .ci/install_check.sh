#!/usr/bin/env bash
# A plain install has everything it uses: build the wheel, install it into a clean venv WITHOUT
# the dev group, and run every command against real SQLite and PostgreSQL stores from there
# (tests/install_check.py, run by the clean venv's python). Exit non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-}
if [ -z "$UV" ]; then
  if uv --version >/dev/null 2>&1; then UV=uv; else UV=.tools/bin/uv; fi
fi
work=$(mktemp -d /tmp/ei-wheel-XXXXXX)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
"$UV" build --wheel --out-dir "$work/dist" -q
python=$(.venv/bin/python -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')
"$UV" venv -q --python "$python" "$work/venv"
"$UV" pip install -q --python "$work/venv/bin/python" "$work"/dist/*.whl
echo "install-check: wheel built and installed in $(( $(date +%s) - start )) s"
"$work/venv/bin/python" tests/install_check.py
echo "install-check: done in $(( $(date +%s) - start )) s"
