#!/usr/bin/env bash
# The main job on the shipped default model: the drone world model dreams a flight next to the
# simulator. Compile it from ONNX (its model.json gives the sampler settings), check it against
# its PyTorch fixture, evaluate it on held-out seeds, then fly the closed-loop demo, which
# leaves build/demo.gif (truth | dream) and build/demo_latency.png.
set -euo pipefail
EDGEWM=${1:-build/edgewm}
MODEL_DIR=models/drone_world
OUT_DIR=$(dirname "$EDGEWM")
MODEL=$OUT_DIR/drone_world.ewm

echo "== compile"
"$EDGEWM" compile "$MODEL_DIR/model.onnx" -o "$MODEL"
echo
echo "== check against the PyTorch fixture"
"$EDGEWM" run "$MODEL" --test-data "$MODEL_DIR/test_data_set_0"
echo
echo "== world model vs simulator, 8 held-out episodes, 16 frames ahead"
"$EDGEWM" rollout "$MODEL" --episodes 8 --horizon 16 --strip "$OUT_DIR/rollout.png" --gif "$OUT_DIR/rollout.gif"
echo
echo "== closed-loop demo: a scripted pilot flies, the model dreams the same flight"
# The dream restarts from the real frames every 16 frames, as a robot fusing its camera would;
# --anchor-every 0 lets it dream freely (new obstacles then diverge from the real ones).
"$EDGEWM" demo "$MODEL" --frames 64 --anchor-every 16 --gif "$OUT_DIR/demo.gif" --plot "$OUT_DIR/demo_latency.png"
echo
echo "Play it yourself: $EDGEWM play $MODEL   (w/s: up/down, a/d: slow/fast, q: quit)"
