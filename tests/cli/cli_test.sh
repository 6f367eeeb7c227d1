#!/usr/bin/env bash
# End-to-end checks of the `edgewm` command line: what a user sees on success and on bad input.
set -u
EDGEWM=$1
DATA=${2:-/usr/share/libonnx-testdata/data}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0 passes=0

check() {  # check NAME EXPECTED_STATUS PATTERN -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: status $status (want $want), output:"
    sed 's/^/    /' <<<"$out" | head -20
    fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}

RELU=$DATA/node/test_relu
check "compile" 0 "compiled .* -> $TMP/relu.ewm" -- "$EDGEWM" compile "$RELU/model.onnx" -o "$TMP/relu.ewm"
check "inspect json" 0 '"arena_bytes"' -- "$EDGEWM" inspect "$TMP/relu.ewm" --json
check "inspect names kernel" 0 "Relu +ref" -- "$EDGEWM" inspect "$TMP/relu.ewm"
# A quantised model: how many nodes run integer, and why each quantised op left float is.
QDQ=$(cd "$(dirname "$0")/../models" && pwd)/seed_unet_qdq
check "inspect integer nodes" 0 "integer: [1-9][0-9]* node\(s\); 0 quantised op\(s\) left float" -- "$EDGEWM" inspect "$QDQ/model.onnx"
LEFT=$(cd "$(dirname "$0")/../models" && pwd)/qdq_conv_left_float
check "inspect why float" 0 "conv: its output is not quantised" -- "$EDGEWM" inspect "$LEFT/model.onnx"
check "inspect integer kernels" 0 "QLinearConv +(avx2|avx512).winograd|QLinearConv +portable|QLinearConv +neon" -- "$EDGEWM" inspect "$QDQ/model.onnx"
check "inspect integer Gemm" 0 "QGemm +(avx2|avx512)|QGemm +portable|QGemm +neon" -- "$EDGEWM" inspect "$QDQ/model.onnx"
check "run matches fixture" 0 "MATCH y" -- "$EDGEWM" run "$TMP/relu.ewm" --test-data "$RELU/test_data_set_0"
check "run writes npy" 0 "ran in" -- "$EDGEWM" run "$TMP/relu.ewm" -i "x=$RELU/test_data_set_0/input_0.pb" --output-dir "$TMP/out"
[ -f "$TMP/out/y.npy" ] && passes=$((passes + 1)) || { echo "FAIL run did not write y.npy"; fails=$((fails + 1)); }
check "run on ONNX directly" 0 "compiled from ONNX" -- "$EDGEWM" run "$RELU/model.onnx" --test-data "$RELU/test_data_set_0"

check "missing input is named" 1 "missing --input x=FILE \(f32\[3x4x5\]\)" -- "$EDGEWM" run "$TMP/relu.ewm"
check "unknown input is named" 1 "no input 'nope'; its inputs are: x" -- "$EDGEWM" run "$TMP/relu.ewm" -i "nope=$RELU/test_data_set_0/input_0.pb"
check "wrong input shape" 1 "input 'x' must be f32\[3x4x5\], got f32\[3\]" -- "$EDGEWM" run "$TMP/relu.ewm" -i "x=$DATA/node/test_sigmoid_example/test_data_set_0/input_0.pb"
head -c 100 "$TMP/relu.ewm" >"$TMP/truncated.ewm"
check "truncated model" 1 "invalid model.*truncated" -- "$EDGEWM" inspect "$TMP/truncated.ewm"
echo "hello" >"$TMP/text.ewm"
check "not a model" 1 "too short|not an edgewm model" -- "$EDGEWM" inspect "$TMP/text.ewm"
check "missing file" 1 "cannot open" -- "$EDGEWM" inspect "$TMP/nope.ewm"
check "garbage onnx" 1 "not a valid ONNX model" -- "$EDGEWM" compile "$TMP/text.ewm" -o "$TMP/x.ewm"
check "unsupported op named" 1 "unsupported.*op 'Loop'" -- "$EDGEWM" compile "$DATA/node/test_range_float_type_positive_delta_expanded/model.onnx"
check "bad shape flag" 1 "bad shape '1xq'" -- "$EDGEWM" compile "$RELU/model.onnx" --input-shape x=1xq

check "bench json" 0 '"t_compute_ms"' -- "$EDGEWM" bench "$TMP/relu.ewm" --runs 3 --loads 2 --warmup 1 --json
check "bench json parses" 0 "median ok" -- python3 -c "import json,subprocess,sys; j=json.loads(subprocess.check_output([sys.argv[1],'bench',sys.argv[2],'--runs','3','--loads','2','--json'])); assert j['t_compute_ms']['median']>0 and j['t_load_verified_ms']['count']==2 and j['macs']==0; print('median ok')" "$EDGEWM" "$TMP/relu.ewm"
check "bench peak json" 0 "peak ok" -- python3 -c "import json,subprocess,sys; j=json.loads(subprocess.check_output([sys.argv[1],'bench','--peak','--threads','1','--json'])); k={(p['kind'],p['isa']) for p in j['peak']}; assert ('fp32-fma','scalar') in k and all(p['gops']>0 for p in j['peak']); print('peak ok')" "$EDGEWM"
check "bench needs a model" 1 "needs a model" -- "$EDGEWM" bench
check "bench micro json" 0 "micro ok" -- python3 -c "import json,subprocess,sys; j=json.loads(subprocess.check_output([sys.argv[1],'bench','--micro','--json'])); k={m['kernel'] for m in j['micro_kernels']}; assert 'qgemm_s16_4x16c2__portable' in k and all(m['gmacs']>0 for m in j['micro_kernels']); print('micro ok')" "$EDGEWM"
check "bench micro takes no model" 1 "takes no model" -- "$EDGEWM" bench --micro "$TMP/relu.ewm"
# Dataset: NumPy reads what the simulator recorded; bad requests are errors.
check "dataset" 0 "3 episodes x 20 frames of drone" -- "$EDGEWM" dataset --env drone --episodes 3 --steps 20 --size 32 --policy random --seed 5 -o "$TMP/ds"
check "dataset loads in numpy" 0 "numpy ok" -- /usr/bin/python3 -c "import json,sys,numpy as np; d=sys.argv[1]; f=np.load(d+'/frames.npy'); a=np.load(d+'/actions.npy'); r=np.load(d+'/resets.npy'); m=json.load(open(d+'/manifest.json')); assert f.shape==(3,20,32,32,3) and f.dtype==np.uint8 and a.shape==(3,20) and a.dtype==np.int64 and r.shape==(3,20) and (r[:,0]==1).all() and a.max()<len(m['action_names'])==5 and len(m['episode_seeds'])==3 and f.std()>10; print('numpy ok')" "$TMP/ds"
check "dataset unknown env" 1 "unknown env 'pong'" -- "$EDGEWM" dataset --env pong -o "$TMP/ds2"
check "dataset unknown policy" 1 "unknown policy 'greedy'" -- "$EDGEWM" dataset --policy greedy -o "$TMP/ds2"
# episodes x steps x frame bytes wraps 64 bits: once slipped past the 8 GiB check
check "dataset size overflow" 1 "is over the 8 GiB limit" -- "$EDGEWM" dataset --episodes 2000000000 --steps 2000000000 --size 1024 -o "$TMP/ds2"
# T_pre/T_post through an image model: a PNG frame in (any size: resized), an 8-bit frame out.
SMALL=$(dirname "$0")/../models/seed_unet_small_ts17
python3 - "$TMP/frame.png" <<'PY'
import struct, sys, zlib
w, h = 48, 40  # not the model's 32x32: T_pre resizes
raw = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 5 % 256, y * 6 % 256, (x + y) * 3 % 256)) for y in range(h))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
check "bench image pre/post" 0 "image ok" -- python3 -c "import json,subprocess,sys,struct; j=json.loads(subprocess.check_output([sys.argv[1],'bench',sys.argv[2],'--image',sys.argv[3],'--save-output',sys.argv[4],'--runs','2','--loads','1','--json'])); assert j['t_pre_ms']['median']>0 and j['t_post_ms']['median']>0 and j['t_comm_ms'] is None and j['batch']==1, j; h=open(sys.argv[4],'rb').read(24); assert h[1:4]==b'PNG' and struct.unpack('>II',h[16:24])==(32,32); print('image ok')" "$EDGEWM" "$SMALL/model.onnx" "$TMP/frame.png" "$TMP/out.png"
check "bench image on a non-image input" 1 "image-input 'timestep' is i64" -- "$EDGEWM" bench "$SMALL/model.onnx" --image "$TMP/frame.png" --image-input timestep --runs 1 --loads 1
check "bench corrupt png" 1 "not a readable PNG" -- "$EDGEWM" bench "$SMALL/model.onnx" --image "$RELU/model.onnx" --runs 1 --loads 1
check "bench batch from onnx" 0 '"batch": 2' -- "$EDGEWM" bench "$(dirname "$0")/../../models/seed_unet/model.onnx" --batch 2 --runs 1 --warmup 0 --loads 1 --json
check "batch on a fixed-batch model" 1 "fixed leading dim of 1 .*dynamic_axes" -- "$EDGEWM" compile "$SMALL/model.onnx" --batch 2 -o "$TMP/b2.ewm"
check "bench batch vs compiled ewm" 1 "compile --batch 2" -- "$EDGEWM" bench "$TMP/relu.ewm" --batch 2 --runs 1
check "profile table" 0 "Relu +1 " -- "$EDGEWM" profile "$TMP/relu.ewm" --runs 3
check "profile trace" 0 "trace ok" -- bash -c "'$EDGEWM' profile '$TMP/relu.ewm' --runs 2 --trace '$TMP/t.json' >/dev/null && python3 -c \"import json; e=json.load(open('$TMP/t.json'))['traceEvents']; assert e[0]['ph']=='X' and e[0]['cat']=='Relu' and e[0]['args']['kernel']=='ref'; print('trace ok')\""
check "onnx-test summary line" 0 "^2 passed, 0 failed, 0 skipped$" -- "$EDGEWM" onnx-test "$RELU" "$DATA/node/test_abs"
check "onnx-test skip names op" 0 "^SKIP .*Loop" -- "$EDGEWM" onnx-test "$DATA/node/test_range_float_type_positive_delta_expanded"
check "ops lists Conv" 0 "^Conv +ref" -- "$EDGEWM" ops

# The shipped world model: rollout, demo, play; and sampling from a diffusion model.
WORLD=$(dirname "$0")/../../models/drone_world
check "compile world model with its card" 0 "compiled" -- "$EDGEWM" compile "$WORLD/model.onnx" -o "$TMP/world.ewm"
check "world metadata stored" 0 "world.context_frames = 4" -- "$EDGEWM" inspect "$TMP/world.ewm" --no-nodes
check "rollout json" 0 "rollout ok" -- python3 -c "import json,subprocess,sys; j=json.loads(subprocess.check_output([sys.argv[1],'rollout',sys.argv[2],'--episodes','1','--horizon','3','--json','--strip',sys.argv[3]+'/s.png','--gif',sys.argv[3]+'/s.gif'])); h=j['horizon']; assert len(h)==3 and all(0<x['tf_psnr']<=99 and 0<x['ar_ssim']<=1 for x in h) and j['mean_nfe']==3, j; assert open(sys.argv[3]+'/s.gif','rb').read(6)==b'GIF89a'; print('rollout ok')" "$EDGEWM" "$TMP/world.ewm" "$TMP"
check "rollout warm start uses fewer calls" 0 '"mean_nfe": 2' -- "$EDGEWM" rollout "$TMP/world.ewm" --episodes 1 --horizon 2 --warm-start 1 --json
check "rollout bad warm start" 1 "warm start step 3 is outside 0..2" -- "$EDGEWM" rollout "$TMP/world.ewm" --warm-start 3
check "demo writes gif and chart" 0 "wrote .*demo.gif" -- "$EDGEWM" demo "$TMP/world.ewm" --frames 4 --gif "$TMP/demo.gif" --plot "$TMP/demo.png"
check "rollout heun calls the model 2 steps - 1 times" 0 '"mean_nfe": 5' -- "$EDGEWM" rollout "$TMP/world.ewm" --episodes 1 --horizon 2 --sampler heun --json
check "rollout dpm++2m" 0 '"mean_nfe": 3' -- "$EDGEWM" rollout "$TMP/world.ewm" --episodes 1 --horizon 2 --sampler dpm++2m --json
check "rollout rejects a discrete sampler" 1 "unknown EDM sampler 'ddim'" -- "$EDGEWM" rollout "$TMP/world.ewm" --sampler ddim
check "play in a terminal" 0 "play tty ok" -- "$(dirname "$0")/play_tty.sh" "$EDGEWM" "$TMP/world.ewm" "$TMP/tty.out"
check "play from piped keys" 0 "up +frame +1 " -- bash -c "printf 'wwsq' | '$EDGEWM' play '$TMP/world.ewm' --scale 1"
check "world model needs its metadata" 1 "no 'diffusion.parameterization'" -- "$EDGEWM" rollout "$TMP/relu.ewm"
check "sample grid" 0 "2 images, ddim, 2 steps" -- "$EDGEWM" sample "$SMALL/model.onnx" --meta diffusion.parameterization=epsilon -n 2 --steps 2 -o "$TMP/grid.png"
check "sample unknown sampler" 1 "unknown sampler 'plms'" -- "$EDGEWM" sample "$SMALL/model.onnx" --meta diffusion.parameterization=epsilon --sampler plms
check "sample dpm++2m karras" 0 "2 images, dpm\+\+2m-karras, 3 steps" -- "$EDGEWM" sample "$SMALL/model.onnx" --meta diffusion.parameterization=epsilon -n 2 --steps 3 --sampler dpm++2m-karras -o "$TMP/grid2.png"
check "sample heun" 0 "2 images, heun, 2 steps" -- "$EDGEWM" sample "$SMALL/model.onnx" --meta diffusion.parameterization=epsilon -n 2 --steps 2 --sampler heun -o "$TMP/grid3.png"
check "onnx-test min-pass" 1 "fewer than --min-pass 5" -- "$EDGEWM" onnx-test "$RELU" --min-pass 5
# A case's tolerance.txt: read strictly, and never blocking on a FIFO.
mkdir -p "$TMP/tol" && cp -r "$RELU"/* "$TMP/tol/"
printf "rtol=abc\n" >"$TMP/tol/tolerance.txt"
check "tolerance.txt bad value" 1 "is not rtol=, atol=, rel_l2= or fp32_margin= with a number" -- "$EDGEWM" onnx-test "$TMP/tol"
rm "$TMP/tol/tolerance.txt" && mkfifo "$TMP/tol/tolerance.txt"
check "tolerance.txt FIFO" 1 "it is a FIFO" -- timeout 20 "$EDGEWM" onnx-test "$TMP/tol"
rm "$TMP/tol/tolerance.txt" && printf "rel_l2=0.5\n" >"$TMP/tol/tolerance.txt"
check "tolerance.txt rel_l2" 0 "^PASS" -- "$EDGEWM" onnx-test "$TMP/tol"

# "Bad input never crashes": output targets, thread counts.
check "steps beyond the maximum" 105 "steps: Value 1000000000 not in range 1 to 1000" -- "$EDGEWM" rollout "$TMP/world.ewm" --steps 1000000000
check "metadata steps beyond the maximum" 1 "'diffusion.steps' = '1000000000' is outside 1..1000" -- "$EDGEWM" rollout "$WORLD/model.onnx" --meta diffusion.steps=1000000000 --episodes 1 --horizon 1
check "metadata context frames must be an integer" 1 "'world.context_frames' = '4.5' is not an integer" -- "$EDGEWM" rollout "$WORLD/model.onnx" --meta world.context_frames=4.5 --episodes 1 --horizon 1
check "metadata sigma must be finite" 1 "'diffusion.sigma_max' = 'nan' is not finite" -- "$EDGEWM" rollout "$WORLD/model.onnx" --meta diffusion.sigma_max=nan --episodes 1 --horizon 1
check "NaN early exit" 105 "must be a finite number >= 0" -- "$EDGEWM" rollout "$TMP/world.ewm" --early-exit nan
check "negative budget" 105 "must be a finite number >= 0" -- "$EDGEWM" rollout "$TMP/world.ewm" --budget-ms -5
check "NaN rtol" 105 "must be a finite number >= 0" -- "$EDGEWM" run "$TMP/relu.ewm" --rtol nan
check "negative timeout" 105 "must be a finite number >= 0" -- "$EDGEWM" onnx-test "$RELU" --timeout -1
check "negative seed" 105 "--seed: '-1' must be an integer >= 0" -- "$EDGEWM" rollout "$TMP/world.ewm" --seed -1
check "compile with control characters in metadata" 0 "compiled" -- "$EDGEWM" compile "$RELU/model.onnx" -o "$TMP/esc.ewm" --meta "note=$(printf 'a\033[2Jb')" --meta "$(printf 'bad=\377')"
check "inspect shows control characters escaped" 0 'meta note = a\\x1b\[2Jb' -- "$EDGEWM" inspect "$TMP/esc.ewm" --no-nodes
"$EDGEWM" inspect "$TMP/esc.ewm" --no-nodes | grep -q "$(printf '\033')" && { echo "FAIL inspect wrote a raw escape"; fails=$((fails + 1)); } || passes=$((passes + 1))
check "inspect json with invalid UTF-8 metadata" 0 '"bad"' -- "$EDGEWM" inspect "$TMP/esc.ewm" --json
check "play from piped arrow keys" 0 "down +frame +1 " -- bash -c "printf '\033[A\033[Bq' | '$EDGEWM' play '$TMP/world.ewm' --scale 1"
check "compile -o empty" 1 "-o/--output is empty" -- "$EDGEWM" compile "$RELU/model.onnx" -o ""
mkdir -p "$TMP/adir"
check "compile -o a directory" 1 "adir exists and is not a regular file" -- "$EDGEWM" compile "$RELU/model.onnx" -o "$TMP/adir"
mkfifo "$TMP/afifo"
check "compile -o a fifo" 1 "afifo exists and is not a regular file" -- "$EDGEWM" compile "$RELU/model.onnx" -o "$TMP/afifo"
[ -p "$TMP/afifo" ] && [ -d "$TMP/adir" ] && [ -z "$(ls "$TMP" | grep -E '^(adir|afifo)\.')" ] && passes=$((passes + 1)) ||
  { echo "FAIL compile replaced a non-regular target or left a temporary behind: $(ls "$TMP")"; fails=$((fails + 1)); }
check "compile -o into a missing folder" 1 "cannot create a file beside $TMP/nope/x.ewm" -- "$EDGEWM" compile "$RELU/model.onnx" -o "$TMP/nope/x.ewm"
mkfifo "$TMP/model.ewm"
check "a FIFO for a model is refused, not waited on" 1 "it is a FIFO" -- timeout 20 "$EDGEWM" inspect "$TMP/model.ewm"
check "a directory for a model is refused" 1 "it is a directory" -- timeout 20 "$EDGEWM" inspect "$TMP/adir"
check "compile replaces a regular file" 0 "compiled" -- "$EDGEWM" compile "$RELU/model.onnx" -o "$TMP/relu.ewm"
check "absurd thread count" 1 "thread count 100000 is above the maximum 1024" -- "$EDGEWM" bench "$TMP/relu.ewm" -t 100000 --runs 1
# Threads that cannot be created (an address-space limit too small for their stacks): an error, never a hang.
check "threads beyond a memory limit" 1 "cannot start 1000 threads" -- timeout 60 bash -c "ulimit -v 400000; '$EDGEWM' bench '$TMP/relu.ewm' -t 1000 --runs 1 --loads 1"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
