#!/usr/bin/env bash
# The main job on the shipped default model (until the generative layer lands): compile the
# seed UNet from ONNX, inspect it, run it on its recorded PyTorch inputs, check the output
# against PyTorch's, and time it.
set -euo pipefail
EDGEWM=${1:-build/edgewm}
MODEL_DIR=models/seed_unet
OUT=build/seed_unet.ewm

echo "== compile"
"$EDGEWM" compile "$MODEL_DIR/model.onnx" -o "$OUT"
echo
echo "== inspect"
"$EDGEWM" inspect "$OUT" --no-nodes
echo
echo "== run against the PyTorch fixture (20 runs)"
"$EDGEWM" run "$OUT" --test-data "$MODEL_DIR/test_data_set_0" --repeat 20
