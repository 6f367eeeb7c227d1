"""edgewm side by side with other runtimes on the same ONNX model, machine, threads and input.

    bench/peers/setup.sh
    bench/peers/.venv/bin/python bench/peers/run_peers.py models/seed_unet --threads 1 2
    bench/peers/.venv/bin/python bench/peers/run_peers.py models/seed_unet --data-set 1   # batch 4
    bench/peers/.venv/bin/python bench/peers/run_peers.py models/seed_unet --busy-core    # quiet and busy

Runs are alternated: each round runs every peer for a few iterations and keeps that round's
median, so slow drift on a shared machine hits every peer alike; the reported figure is the
median over rounds. A peer that cannot run the model is reported with the reason.

--busy-core measures every peer twice per round, once quiet and once while another process
spins on one core (pinned to the last CPU, stopped with SIGSTOP in between), as on a robot whose
perception and control share the cores; the report adds each peer's busy median over its quiet
1-thread median (which a thread pool that collapses on a busy core loses by far).
Writes bench/results/<name>.{md,json,png}.
"""
from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETTLE_S = 0.5  # pause before each peer's round (see the round loop)


def load_inputs(case_dir: str, data_set: int = 0) -> dict[str, np.ndarray]:
    model = onnx.load(os.path.join(case_dir, "model.onnx"), load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    files = sorted(glob.glob(os.path.join(case_dir, f"test_data_set_{data_set}", "input_*.pb")),
                   key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
    return {n: numpy_helper.to_array(onnx.load_tensor(f)) for n, f in zip(names, files)}


class Peer:
    name = "peer"

    def prepare(self, case_dir: str, inputs: dict, threads: int) -> None: ...

    def run(self, n: int) -> list[float]:
        """n timed runs; returns milliseconds."""
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            self.once()
            out.append((time.perf_counter() - t0) * 1e3)
        return out

    def once(self) -> None: ...

    def output(self):
        """The first output of one run as a NumPy array (None: not checked)."""
        return None


class Edgewm(Peer):
    name = "edgewm"

    def __init__(self, binary: str):
        self.binary = binary

    def prepare(self, case_dir, inputs, threads):
        self.threads = threads
        self.ewm = os.path.join(tempfile.mkdtemp(), "model.ewm")
        batch = next(iter(inputs.values())).shape[0]
        subprocess.run([self.binary, "compile", os.path.join(case_dir, "model.onnx"), "-o", self.ewm,
                        "--batch", str(batch)], check=True, capture_output=True)

    def run(self, n):
        # One process per round; its own warm-up keeps process start-up out of the figure.
        out = subprocess.run([self.binary, "bench", self.ewm, "--threads", str(self.threads), "--runs", str(n),
                              "--warmup", "2", "--loads", "1", "--json"], check=True, capture_output=True, text=True)
        report = json.loads(out.stdout)
        self.macs = report["macs"]
        return [report["t_compute_ms"]["median"]] * n


class OnnxRuntime(Peer):
    name = "onnxruntime"

    def prepare(self, case_dir, inputs, threads):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(os.path.join(case_dir, "model.onnx"), so, providers=["CPUExecutionProvider"])
        self.inputs = inputs

    def once(self):
        self.sess.run(None, self.inputs)

    def output(self):
        return self.sess.run(None, self.inputs)[0]


class OpenVino(Peer):
    name = "openvino"

    def prepare(self, case_dir, inputs, threads):
        import openvino as ov
        core = ov.Core()
        model = core.read_model(os.path.join(case_dir, "model.onnx"))
        # FP32 against FP32: on CPUs with AVX512_BF16/AMX OpenVINO otherwise runs in bf16.
        self.compiled = core.compile_model(model, "CPU", {"PERFORMANCE_HINT": "LATENCY",
                                                           "INFERENCE_NUM_THREADS": threads,
                                                           "INFERENCE_PRECISION_HINT": "f32"})
        self.request = self.compiled.create_infer_request()
        self.inputs = inputs

    def once(self):
        self.request.infer(self.inputs)

    def output(self):
        return np.array(self.request.infer(self.inputs)[self.compiled.output(0)])


def torch_module(case_dir: str):
    """The PyTorch definition behind a fixture, rebuilt with the same seeded weights."""
    sys.path.insert(0, os.path.join(ROOT, "train"))
    from fixtures import common, diamond, mobilenet, seed_unet, vae_decoder  # noqa: E402
    import torch
    name = os.path.basename(os.path.normpath(case_dir))
    if name == "seed_unet":
        return seed_unet.build(seed_unet.FULL_CONFIG, seed=2)
    if name.startswith("seed_unet_small"):
        return seed_unet.build(seed_unet.SMALL_CONFIG, seed=1)
    # The seeds train/fixtures uses for each family.
    families = {"diamond_mini": (diamond.DiamondDenoiser, 3), "mobilenet_mini": (mobilenet.MobileNetMini, 5),
                "vae_decoder_mini": (vae_decoder.VaeDecoder, 4)}
    for prefix, (cls, seed) in families.items():
        if name.startswith(prefix):
            torch.manual_seed(seed)
            m = cls()
            common.seeded_reinit(m, seed)
            return m
    raise RuntimeError(f"no PyTorch definition registered for {name}")


class TorchEager(Peer):
    name = "pytorch-eager"
    compile = False

    def prepare(self, case_dir, inputs, threads):
        import torch
        torch.set_num_threads(threads)
        self.torch = torch
        self.module = torch_module(case_dir).eval()
        if self.compile:
            self.module = torch.compile(self.module)
        self.args = [torch.from_numpy(v) for v in inputs.values()]
        with torch.no_grad():
            self.module(*self.args)  # compiles when torch.compile is on

    def once(self):
        with self.torch.no_grad():
            self.module(*self.args)

    def output(self):
        with self.torch.no_grad():
            return self.module(*self.args).numpy()


class TorchCompile(TorchEager):
    name = "pytorch-compile"
    compile = True


class Ncnn(Peer):
    """ncnn through pnnx's ONNX conversion."""
    name = "ncnn"

    def prepare(self, case_dir, inputs, threads):
        if next(iter(inputs.values())).shape[0] != 1:
            raise RuntimeError("ncnn has no batch dimension (one image per extractor)")
        import ncnn
        import pnnx
        work = tempfile.mkdtemp()
        src = os.path.join(work, "model.onnx")
        os.symlink(os.path.abspath(os.path.join(case_dir, "model.onnx")), src)
        shapes = [list(v.shape) for v in inputs.values()]
        types = ["f32" if v.dtype == np.float32 else "i64" for v in inputs.values()]
        # fp16=False: compare FP32 with FP32.
        try:
            pnnx.convert(src, input_shapes=shapes, input_types=types, fp16=False)
        except Exception as e:
            raise RuntimeError(f"pnnx could not convert the ONNX model ({type(e).__name__})") from e
        param = glob.glob(os.path.join(work, "*.ncnn.param"))
        if not param:
            raise RuntimeError("pnnx produced no ncnn model")
        self.net = ncnn.Net()
        self.net.opt.num_threads = threads
        if self.net.load_param(param[0]) != 0 or self.net.load_model(param[0].replace(".param", ".bin")) != 0:
            with open(param[0]) as f:
                layers = {line.split()[0] for line in f.read().splitlines()[2:] if line.strip()}
            odd = sorted(l for l in layers if "." in l)  # pnnx leaves torch ops it could not lower, e.g. Tensor.to
            raise RuntimeError("ncnn cannot load the pnnx-converted graph" +
                               (f" (layers ncnn lacks: {', '.join(odd)})" if odd else ""))
        self.ncnn = ncnn
        self.inputs = [ncnn.Mat(v.squeeze(0).astype(np.float32)).clone() for v in inputs.values()]
        self.in_names = self.net.input_names()
        self.out_names = self.net.output_names()
        self.out_mat = None
        if len(self.in_names) != len(self.inputs):
            raise RuntimeError(f"converted model takes {len(self.in_names)} inputs, the ONNX model {len(self.inputs)}")

    def once(self, copy=False):
        ex = self.net.create_extractor()
        for name, m in zip(self.in_names, self.inputs):
            ex.input(name, m)
        out = ex.extract(self.out_names[0])[1]
        # The Mat's memory belongs to the extractor: copy before it goes away.
        return np.array(out, copy=True) if copy else None

    def output(self):
        return self.once(copy=True)[None]  # ncnn drops the batch dim


class Mnn(Peer):
    name = "mnn"

    def prepare(self, case_dir, inputs, threads):
        import MNN
        work = tempfile.mkdtemp()
        out = os.path.join(work, "model.mnn")
        conv = os.path.join(os.path.dirname(sys.executable), "mnnconvert")
        r = subprocess.run([conv, "-f", "ONNX", "--modelFile", os.path.join(case_dir, "model.onnx"), "--MNNModel", out,
                            "--bizCode", "edgewm"], capture_output=True, text=True)
        if r.returncode or not os.path.exists(out):
            raise RuntimeError("mnnconvert failed: " + (r.stdout + r.stderr).strip().splitlines()[-1][:200])
        config = {"numThread": threads, "precision": "high", "backend": "CPU"}
        rt = MNN.nn.create_runtime_manager((config,))
        self.net = MNN.nn.load_module_from_file(out, list(inputs), [], runtime_manager=rt)
        # MNN has no int64 tensors: integer inputs go in as int32.
        self.inputs = [MNN.expr.const(v if v.dtype == np.float32 else v.astype(np.int32), list(v.shape), MNN.expr.NCHW,
                                      MNN.expr.float if v.dtype == np.float32 else MNN.expr.int) for v in inputs.values()]

    def once(self):
        self.net.forward(self.inputs)

    def output(self):
        out = self.net.forward(self.inputs)
        out = out[0] if isinstance(out, (list, tuple)) else out
        return np.array(out.read())


def machine() -> dict:
    info = {"platform": platform.platform()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("Model name", "CPU(s)", "Core(s) per socket", "Thread(s) per core", "Flags"):
                info[k.strip()] = v.strip()
    except OSError:
        pass
    try:
        info["commit"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                        text=True).stdout.strip()
    except OSError:
        pass
    info["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return info


def simd_flags(m: dict) -> str:
    """The lscpu flags that decide which kernels run (the model name alone does not say: an
    "AMD EPYC" may be Zen 3 with AVX2 only or Zen 4 with AVX-512 VNNI)."""
    wanted = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8", "asimddp", "i8mm")
    have = set(m.get("Flags", "").split())
    return "flags " + (" ".join(f for f in wanted if f in have) or "none of " + "/".join(wanted))


def peaks(edgewm: str, max_threads: int, tries: int = 3) -> dict[str, dict[int, float]]:
    """{kind: {threads: best G(FL)OP/s}} for "fp32-fma" and "int8-dot" as `edgewm bench --peak`
    measures them on this machine (the INT8 one: its fastest ISA's dot-product chain): the best of a
    few measurements, since one taken while a shared core is busy reads low (and the model figures
    then exceed 100% of it)."""
    best: dict[str, dict[int, float]] = {"fp32-fma": {}, "int8-dot": {}}
    for _ in range(tries):
        try:
            out = subprocess.run([edgewm, "bench", "--peak", "--json", "--threads", str(max_threads)], check=True,
                                 capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError):
            return best
        for p in json.loads(out.stdout)["peak"]:
            if p["kind"] in best:
                best[p["kind"]][p["threads"]] = max(best[p["kind"]].get(p["threads"], 0.0), p["gops"])
        time.sleep(SETTLE_S)
    return best


def plot(report: dict, path: str, name: str) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    ok = [r for r in report["results"] if "median_ms" in r]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.bar(range(len(ok)), [r["median_ms"] for r in ok],
           color=["tab:orange" if r["peer"] == "edgewm" else "tab:blue" for r in ok])
    ax.set_xticks(range(len(ok)), [f"{r['peer']} ({r['threads']}t{', busy' if r.get('load') == 'busy' else ''})"
                                   for r in ok], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("median ms per run (lower is better)")
    ax.set_title(f"{name}, batch {report['batch']} — {report['machine'].get('Model name', '')}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


class BusyCore:
    """A process spinning on one core, switched on and off with SIGCONT/SIGSTOP."""

    def __init__(self):
        cpu = max(os.sched_getaffinity(0))
        self.proc = subprocess.Popen([sys.executable, "-c", f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass"])
        self.cpu = cpu
        self.set(False)

    def set(self, busy: bool) -> None:
        self.proc.send_signal(signal.SIGCONT if busy else signal.SIGSTOP)
        time.sleep(0.05)  # let it (stop) spinning before the measurement starts

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case", help="an ONNX test-case folder (model.onnx + test_data_set_N)")
    ap.add_argument("--data-set", type=int, default=0,
                    help="which test_data_set_N gives the inputs and the expected output (its batch is the batch)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--runs", type=int, default=5, help="runs per peer per round")
    ap.add_argument("--edgewm", default=os.path.join(ROOT, "build", "edgewm"))
    ap.add_argument("--peers", nargs="+", default=["edgewm", "onnxruntime", "openvino", "pytorch-eager",
                                                   "pytorch-compile", "ncnn", "mnn"])
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--name", default=None, help="result file name (default: the case folder's name)")
    ap.add_argument("--also", nargs="+", default=[], metavar="PEER:LABEL=CASE",
                    help="one more row: PEER (edgewm, onnxruntime...) on another folder's model, same inputs, same "
                         "rounds, e.g. edgewm:edgewm-fp32=models/seed_unet beside a quantised case")
    ap.add_argument("--busy-core", action="store_true",
                    help="also measure every peer while another process spins on one core")
    args = ap.parse_args()
    busy = BusyCore() if args.busy_core else None
    loads = ["quiet", "busy"] if busy else ["quiet"]
    try:
        run(args, busy, loads)
    finally:
        if busy:
            busy.close()


def run(args, busy, loads):

    inputs = load_inputs(args.case, args.data_set)
    expected = numpy_helper.to_array(onnx.load_tensor(os.path.join(args.case, f"test_data_set_{args.data_set}",
                                                                   "output_0.pb")))
    batch = int(next(iter(inputs.values())).shape[0])
    all_peaks = peaks(args.edgewm, max(args.threads))
    peak, int8_peak = all_peaks["fp32-fma"], all_peaks["int8-dot"]
    macs = None
    classes = {c.name: c for c in (OnnxRuntime, OpenVino, TorchEager, TorchCompile, Ncnn, Mnn)}
    results = []
    extra = []  # (peer kind, label, case folder)
    for spec in args.also:
        kind, rest = spec.split(":", 1)
        label, case = rest.split("=", 1)
        extra.append((kind, label, case))
    names = list(args.peers) + [label for _, label, _ in extra]
    for threads in args.threads:
        peers, errors = [], {}
        for name, kind, case in [(n, n, args.case) for n in args.peers] + [(l, k, c) for k, l, c in extra]:
            peer = Edgewm(args.edgewm) if kind == "edgewm" else classes[kind]()
            peer.name = name
            try:
                peer.prepare(case, inputs, threads)
                peer.run(2)  # warm-up
                out = peer.output()
                if out is not None:  # a fast wrong answer is no result
                    want = expected if case == args.case else numpy_helper.to_array(onnx.load_tensor(
                        os.path.join(case, f"test_data_set_{args.data_set}", "output_0.pb")))  # its own fixture's
                    peer.max_abs_err = float(np.max(np.abs(out.reshape(want.shape) - want)))
                    # A quantised fixture also holds the FP32 model's output: an INT8 peer passes
                    # when it is no further from it than the recorded INT8 output is (+10%), as
                    # edgewm's fixture tests require; other runtimes round differently.
                    fp32 = os.path.join(case, f"test_data_set_{args.data_set}", "fp32_output_0.pb")
                    if os.path.exists(fp32):
                        f = numpy_helper.to_array(onnx.load_tensor(fp32))
                        rel = lambda a: float(np.linalg.norm(a.reshape(f.shape) - f) / np.linalg.norm(f))  # noqa: E731
                        peer.rel_l2_vs_fp32, peer.reference_rel_l2_vs_fp32 = rel(out), rel(want)
                peers.append(peer)
            except Exception as e:  # a peer that cannot run the model is a result, not a crash
                errors[name] = f"{type(e).__name__}: {str(e).strip().splitlines()[-1][:240] if str(e).strip() else ''}"
                traceback.print_exc(limit=1)
        samples = {(p.name, load): [] for p in peers for load in loads}
        for _ in range(args.rounds):
            for p in peers:
                for load in loads:
                    if busy:
                        busy.set(load == "busy")
                    # Let the previous peer's idle workers stop spinning first: ONNX Runtime's keep a
                    # core busy for a few hundred ms after a run, which made the next peer's 2-thread
                    # figure up to 10x slower on this 2-core machine (a 0.3 ms model took 3 ms).
                    time.sleep(SETTLE_S)
                    samples[(p.name, load)].append(statistics.median(p.run(args.runs)))
        if busy:
            busy.set(False)
        macs = next((getattr(p, "macs", None) for p in peers if p.name == "edgewm"), macs)
        for name in names:
            for load in loads:
                base = statistics.median(samples[("edgewm", load)]) if ("edgewm", load) in samples else None
                row = {"peer": name, "threads": threads, "load": load}
                if (name, load) in samples:
                    med = statistics.median(samples[(name, load)])
                    row.update(median_ms=med, min_ms=min(samples[(name, load)]), ratio_to_edgewm=(med / base if base else None))
                    if macs:  # edgewm's cost model counts the MACs; every peer does the same work
                        row["gflops"] = 2 * macs / (med * 1e6)
                        if peak.get(threads):
                            row["percent_of_fp32_peak"] = 100 * row["gflops"] / peak[threads]
                        if int8_peak.get(threads):
                            row["percent_of_int8_peak"] = 100 * row["gflops"] / int8_peak[threads]
                    err = next((getattr(p, "max_abs_err", None) for p in peers if p.name == name), None)
                    if err is not None:
                        row["max_abs_err_vs_pytorch"] = err
                    p = next((p for p in peers if p.name == name), None)
                    if getattr(p, "rel_l2_vs_fp32", None) is not None:
                        row["rel_l2_vs_fp32"] = p.rel_l2_vs_fp32
                        row["reference_rel_l2_vs_fp32"] = p.reference_rel_l2_vs_fp32
                else:
                    row["error"] = errors.get(name, "not run")
                results.append(row)
                print(json.dumps(row))

    if busy:  # the bar: a busy core costs little against the quiet 1-thread figure
        quiet1 = {r["peer"]: r["median_ms"] for r in results
                  if r["load"] == "quiet" and r["threads"] == 1 and "median_ms" in r}
        for r in results:
            if r["load"] == "busy" and "median_ms" in r and quiet1.get(r["peer"]):
                r["busy_over_quiet_1t"] = r["median_ms"] / quiet1[r["peer"]]

    name = args.name or os.path.basename(os.path.normpath(args.case)) + (f"_b{batch}" if batch != 1 else "")
    name += "_busy" if busy else ""
    os.makedirs(args.out, exist_ok=True)
    report = {"case": os.path.relpath(args.case, ROOT), "data_set": args.data_set, "batch": batch,
              "machine": machine(), "macs": macs, "fp32_peak_gflops": peak, "int8_peak_gops": int8_peak, "rounds": args.rounds,
              "runs_per_round": args.runs, "busy_core_cpu": busy.cpu if busy else None, "results": results}
    with open(os.path.join(args.out, f"{name}.json"), "w") as f:
        json.dump(report, f, indent=1)
    m = report["machine"]
    lines = [f"# {name}: edgewm and peers, batch {batch}",
             "",
             f"Model: `{report['case']}`" + "".join(f"; `{label}`: {kind} on `{os.path.relpath(c, ROOT)}`"
                                                  for kind, label, c in extra) + ".",
             "",
             f"Machine: {m.get('Model name', '?')}, {m.get('CPU(s)', '?')} CPUs, {simd_flags(m)}; {m.get('date')}; "
             f"commit {m.get('commit')}.",
             f"Median over {args.rounds} alternating rounds of {args.runs} runs. Ratio = peer / edgewm "
             "(above 1: edgewm is faster).",
             "",
             "Output check: max abs error of the peer's output against the output recorded in its model's "
             "fixture (PyTorch's for FP32, ONNX Runtime's for quantised ones; edgewm's is checked by `make test`); "
             "for a quantised model the note gives its relative L2 distance to the FP32 model's output beside "
             "ONNX Runtime INT8's.",
             "",
             f"GFLOP/s = 2 x {macs / 1e9 if macs else 0:.3f} GMAC (edgewm's cost model) / median; % of the FP32 FMA peak "
             "`edgewm bench --peak` measured at that thread count "
             f"({', '.join(f'{t}t {g:.1f}' for t, g in sorted(peak.items()))} GFLOP/s), and of its INT8 dot-product peak "
             f"({', '.join(f'{t}t {g:.1f}' for t, g in sorted(int8_peak.items()))} GOP/s: u8 x s8 products, 2 ops each; "
             "for an INT8 model's rows, where Winograd's fewer products can take it past 100%).",
             "",
             *([f"Load: 'busy' rows ran while another process spun on CPU {busy.cpu}; busy / quiet 1t = that "
                "median over the same peer's quiet 1-thread median.", ""] if busy else []),
             "| threads | load | peer | median ms | ratio peer/edgewm | busy / quiet 1t | GFLOP/s | % of FP32 peak "
             "| % of INT8 peak | max abs err | note |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "median_ms" in r:
            ratio = f"{r['ratio_to_edgewm']:.2f}" if r.get("ratio_to_edgewm") else ""
            err = f"{r['max_abs_err_vs_pytorch']:.1e}" if "max_abs_err_vs_pytorch" in r else ""
            gf = f"{r['gflops']:.1f}" if "gflops" in r else ""
            pct = f"{r['percent_of_fp32_peak']:.1f}" if "percent_of_fp32_peak" in r else ""
            pct8 = f"{r['percent_of_int8_peak']:.1f}" if "percent_of_int8_peak" in r else ""
            if "rel_l2_vs_fp32" in r:  # quantised: faithful to the FP32 model as the recorded INT8 output is
                note = (f"rel L2 to FP32 {r['rel_l2_vs_fp32']:.3f} (ONNX Runtime INT8 {r['reference_rel_l2_vs_fp32']:.3f})"
                        + (": further from FP32 than it (+10%), not a faithful run"
                           if r["rel_l2_vs_fp32"] > 1.1 * r["reference_rel_l2_vs_fp32"] else ""))
            else:
                note = "output differs from PyTorch: not a correct run" if r.get("max_abs_err_vs_pytorch", 0) > 1e-2 else ""
            bq = f"{r['busy_over_quiet_1t']:.2f}" if "busy_over_quiet_1t" in r else ""
            lines.append(f"| {r['threads']} | {r['load']} | {r['peer']} | {r['median_ms']:.2f} | {ratio} | {bq} | {gf} "
                         f"| {pct} | {pct8} | {err} | {note} |")
        else:
            lines.append(f"| {r['threads']} | {r['load']} | {r['peer']} | — | — | — | — | — | — | — "
                         f"| cannot run: {r['error'].replace('|', '/')} |")
    with open(os.path.join(args.out, f"{name}.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    plot(report, os.path.join(args.out, f"{name}.png"), name)


if __name__ == "__main__":
    main()
