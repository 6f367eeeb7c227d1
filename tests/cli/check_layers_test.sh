#!/usr/bin/env bash
# The layer check passes on the tree and fails on a forbidden include (shown on a copy).
# usage: check_layers_test.sh SOURCE_DIR
set -euo pipefail
src=$1
python3 "$src/scripts/check_layers.py" "$src"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r "$src/src" "$src/include" "$src/tools" "$tmp/"
expect_fail() {  # FILE TEXT: the check must fail once TEXT is added to FILE
  cp "$tmp/$1" "$tmp/$1.orig"
  printf '%s\n' "$2" >> "$tmp/$1"
  if python3 "$src/scripts/check_layers.py" "$tmp" > "$tmp/out.txt"; then
    echo "FAIL: the layer check accepted '$2' in $1" >&2; exit 1
  fi
  grep -q "$1" "$tmp/out.txt" || { echo "FAIL: the layer check did not name $1" >&2; cat "$tmp/out.txt" >&2; exit 1; }
  mv "$tmp/$1.orig" "$tmp/$1"
}
expect_fail src/ir/graph.cc '#include "runtime/model_data.h"'         # the IR reaching up to the runtime
expect_fail src/core/tensor.cc '#include "ir/graph.h"'                 # core reaching up to the IR
expect_fail src/kernels/ref/unary.cc '#include "kernels/cpu_features.h"'  # the oracle detecting the CPU
expect_fail src/runtime/session.cc '#include "onnx/importer.h"'        # the runtime needing protobuf
python3 "$src/scripts/check_layers.py" "$tmp" >/dev/null
echo "check_layers_test: the check passes on the tree and fails on 4 forbidden includes"
