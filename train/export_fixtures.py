"""Rebuilds the ONNX fixtures under tests/models/ and the shipped models/seed_unet.

    scripts/venv.sh && .venv/bin/python train/export_fixtures.py [--only NAME ...]
"""
import argparse
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from fixtures import common, diamond, mobilenet, seed_unet, vae_decoder  # noqa: E402

FAMILIES = {
    "seed_unet_small": seed_unet.export_small,
    "seed_unet": seed_unet.export_full,
    "diamond_mini": diamond.export,
    "vae_decoder_mini": vae_decoder.export,
    "mobilenet_mini": mobilenet.export,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", choices=sorted(FAMILIES), help="families to rebuild (default: all)")
    ap.add_argument("--summary", default="tests/models/fixtures.json", help="where to write the summaries")
    args = ap.parse_args()
    torch.set_num_threads(2)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    summaries, failures = [], []
    for name in args.only or FAMILIES:
        try:
            summaries += [s for s in FAMILIES[name](root) if s is not None]
        except Exception as e:  # one exporter failing must not hide the others' results
            traceback.print_exc()
            failures.append(f"{name}: {type(e).__name__}: {e}")
    path = os.path.join(root, args.summary)
    for s in summaries:
        s["dir"] = os.path.relpath(s["dir"], root)
    old = []
    if args.only and os.path.exists(path):  # keep the other families' entries, replace these
        rebuilt = {s["dir"] for s in summaries} | {os.path.relpath(d, root) for d, _ in common.SKIPPED}
        old = [s for s in json.load(open(path)) if s["dir"] not in rebuilt]
    with open(path, "w") as f:
        json.dump(sorted(old + summaries, key=lambda s: s["dir"]), f, indent=1)
        f.write("\n")
    print(f"\nop types, all fixtures in {args.summary}: "
          + ", ".join(sorted({op for s in old + summaries for op in s["ops"]})))
    if common.SKIPPED:
        print("SKIPPED (dynamo exporter failed; directory removed):\n  "
              + "\n  ".join(f"{os.path.relpath(d, root)}: {err}" for d, err in common.SKIPPED))
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
