#!/usr/bin/env bash
# One ONNX file compiles to the same .ewm bytes whatever the CPU: constant folding and the
# compile-time probes run reference kernels, never the fastest kernel this host happens to have.
# Compiles every shipped and fixture model under each EDGEWM_ISA cap and compares the bytes.
# usage: compile_reproducible.sh EDGEWM_BINARY MODEL_DIR...
set -euo pipefail
bin=$1; shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
caps=(scalar avx2 avx512)
[ "$(uname -m)" = aarch64 ] && caps=(scalar neon)
count=0
for dir in "$@"; do
  for onnx in "$dir"/*/model.onnx; do
    name=$(basename "$(dirname "$onnx")")
    ref=""
    for cap in "${caps[@]}"; do
      out="$tmp/$name.$cap.ewm"
      EDGEWM_ISA=$cap "$bin" compile "$onnx" -o "$out" >/dev/null
      if [ -z "$ref" ]; then ref=$out; continue; fi
      if ! cmp -s "$ref" "$out"; then
        echo "FAIL: $onnx compiles to different bytes under EDGEWM_ISA=${caps[0]} and EDGEWM_ISA=$cap" >&2
        cmp "$ref" "$out" >&2 || true
        exit 1
      fi
    done
    count=$((count + 1))
  done
done
[ "$count" -gt 0 ] || { echo "FAIL: no model found" >&2; exit 1; }
echo "compile_reproducible: $count models, the same bytes under EDGEWM_ISA=${caps[*]}"
