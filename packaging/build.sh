#!/bin/bash
# Build the one-folder bundle and smoke-test it offscreen (see packaging/README.md).
#   packaging/build.sh            from the repository root
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen LANG=C.UTF-8

uv sync --group packaging
QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py >/dev/null
start=$(date +%s)
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN packaging/event-inspector.spec
echo "build: $(( $(date +%s) - start )) s, $(du -sh dist/event-inspector | cut -f1)"

# Smoke test: a demo store written by the bundle itself, then info and a screenshot.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config"
run() {  # a bundle run must not print a traceback (the GUI survives errors, the smoke test not)
  "$@" 2> >(tee "$scratch/stderr" >&2)
  sleep 0.2
  if grep -q Traceback "$scratch/stderr"; then echo "smoke test FAILED: $*" >&2; exit 1; fi
}
run dist/event-inspector/event-inspector gui --demo --screenshot "$scratch/demo.png"
db="$XDG_DATA_HOME/event-inspector/demo/demo.db"
run dist/event-inspector/event-inspector info "$db"
stream=$(dist/event-inspector/event-inspector streams "$db" --json --limit 1000 |
  .venv/bin/python -c 'import json,sys; print(max(json.load(sys.stdin), key=lambda s: s["version"])["id"])')
run dist/event-inspector/event-inspector gui "$db" --app-class inspector.demo.shop:ShopApplication \
  --stream "$stream" --version 3000 --screenshot "$scratch/stream.png"
ls -l "$scratch"/*.png
echo "smoke test passed"
