#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time: `make fuzz` (FUZZ_SECONDS each).
# usage: fuzz.sh FUZZ_BUILD_DIR EDGEWM_BINARY SECONDS TARGET...
# With FUZZ_RUNS=N in the environment each target instead runs N inputs from seed 1: the same
# inputs on every machine (CI), not a time-dependent amount.
# Inputs: fuzz/corpus/TARGET/ (committed: what earlier runs found worth keeping) plus seeds made
# here from the fixtures; new finds go to FUZZ_BUILD_DIR/corpus/TARGET/, and a crashing, leaking,
# hanging (>10 s) or memory-hungry (>2 GiB) input to FUZZ_BUILD_DIR/crashes/, failing the run.
# `fuzz.sh ... --merge` afterwards folds the new finds into fuzz/corpus/ (minimised).
set -euo pipefail
build=$1 edgewm=$2 seconds=$3
shift 3
root=$(cd "$(dirname "$0")/.." && pwd)
merge=0
targets=()
for a in "$@"; do [ "$a" = --merge ] && merge=1 || targets+=("$a"); done
seeds=$build/seeds
mkdir -p "$seeds" "$build/crashes"

# Seeds from the fixtures: small ONNX models, their compiled .ewm, tensors and .npy files.
make_seeds() {
  local t=$1 dir=$seeds/$1
  [ -d "$dir" ] && return
  mkdir -p "$dir"
  local small_models=() m
  for m in "$root"/tests/models/*/model.onnx /usr/share/libonnx-testdata/data/node/test_{relu,add_bcast,conv_with_strides_padding,matmul_2d,reshape_reordered_all_dims,concat_2d_axis_0,gemm_default_no_bias,softmax_example}/model.onnx; do
    [ -f "$m" ] && [ "$(stat -c %s "$m")" -lt 300000 ] && small_models+=("$m")
  done
  case $t in
    onnx_compile) for m in "${small_models[@]}"; do cp "$m" "$dir/$(basename "$(dirname "$m")").onnx"; done ;;
    ewm_load) for m in "${small_models[@]}"; do "$edgewm" compile "$m" -o "$dir/$(basename "$(dirname "$m")").ewm" >/dev/null 2>&1 || true; done ;;
    tensor_pb) for m in "${small_models[@]}"; do cp "$(dirname "$m")"/test_data_set_0/input_0.pb "$dir/$(basename "$(dirname "$m")").pb" 2>/dev/null || true; done ;;
    metadata)
      for m in "$root"/models/*/model.json; do cp "$m" "$dir/$(basename "$(dirname "$m")").json"; done
      # Compact cards for the harness's two models (K=2 world model, 1-channel image model).
      echo '{"metadata": {"diffusion.parameterization": "edm-x0", "world.context_frames": "2", "diffusion.sigma_min": "0.002", "diffusion.sigma_max": "5", "diffusion.rho": "7", "diffusion.steps": "3", "diffusion.sampler": "heun", "world.action_names": "none,up,down"}}' >"$dir/world.json"
      echo '{"metadata": {"diffusion.parameterization": "epsilon", "diffusion.num_train_timesteps": "1000", "diffusion.beta_schedule": "squaredcos_cap_v2", "diffusion.beta_start": "0.0001", "diffusion.beta_end": "0.02", "diffusion.steps": "5", "diffusion.sampler": "dpm++2m-karras", "diffusion.timestep_spacing": "trailing", "diffusion.clip_sample": "false"}}' >"$dir/image.json"
      ;;
    npy) /usr/bin/python3 - "$dir" <<'PY'
import sys, numpy as np
d = sys.argv[1]
for i, a in enumerate([np.zeros((2, 3), np.float32), np.arange(5, dtype=np.int64), np.ones((1, 1, 2, 2), np.float16),
                       np.array(True), np.zeros((0, 4), np.uint8), np.arange(6, dtype=np.int32).reshape(3, 2)]):
    np.save(f"{d}/seed{i}.npy", a)
PY
    ;;
  esac
}

failed=0
for t in "${targets[@]}"; do
  bin=$build/fuzz/fuzz_$t
  work=$build/corpus/$t committed=$root/fuzz/corpus/$t
  mkdir -p "$work" "$committed"
  make_seeds "$t"
  if [ $merge = 1 ]; then
    "$bin" -merge=1 -rss_limit_mb=2048 -timeout=10 "$committed" "$work" "$seeds/$t" 2>&1 | tail -1
    continue
  fi
  if [ -n "${FUZZ_RUNS:-}" ]; then
    budget=(-runs="$FUZZ_RUNS" -seed=1)
    work=$build/corpus/$t.runs; rm -rf "$work"; mkdir -p "$work"  # start from what every machine has
    echo "== fuzz_$t: $FUZZ_RUNS inputs, seed 1"
  else
    budget=(-max_total_time="$seconds")
    echo "== fuzz_$t: $seconds s"
  fi
  if ! "$bin" "${budget[@]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/crashes/$t-" "$work" "$committed" "$seeds/$t" >"$build/fuzz_$t.log" 2>&1; then
    echo "FAIL fuzz_$t: see $build/fuzz_$t.log and $build/crashes/"
    grep -E "ERROR|SUMMARY|Test unit written" "$build/fuzz_$t.log" | head -5
    failed=1
  fi
  grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$build/fuzz_$t.log" | sed "s/^/  /"
done
exit $failed
