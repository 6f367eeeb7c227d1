#!/usr/bin/env bash
# Creates .venv/ with the pinned Python requirements of train/ (PyTorch & co.). Idempotent.
# Only the Python side needs it; building and testing the C++ never does.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r train/requirements.txt
