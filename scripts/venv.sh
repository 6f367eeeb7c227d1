#!/usr/bin/env bash
# Creates .venv/ with the pinned Python requirements of train/ (PyTorch & co.). Idempotent: a
# second run with unchanged train/requirements.txt does nothing (no network).
# Only the Python side needs it; building and testing the C++ never does.
set -euo pipefail
cd "$(dirname "$0")/.."
req=train/requirements.txt
stamp=.venv/.requirements.sha256
[ -x .venv/bin/python ] || python3 -m venv .venv
sum=$(sha256sum "$req" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && .venv/bin/pip check -q >/dev/null 2>&1; then
  exit 0
fi
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r "$req"
echo "$sum" > "$stamp"
