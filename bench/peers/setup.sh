#!/usr/bin/env bash
# Installs the peer runtimes into bench/peers/.venv (PyPI). Run once before run_peers.py.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r requirements.txt
