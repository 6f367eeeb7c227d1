"""Exports a trained world model (EMA weights) to ONNX with its model card and a reference case.

    .venv/bin/python train/world/export.py --run runs/drone --out models/drone_world

Writes OUT/model.onnx (inputs noisy_frame f32[B,3,H,W], sigma f32[B], past_frames f32[B,3K,H,W],
action i64[B]; output denoised, batch symbolic), OUT/test_data_set_0 and _1 (PyTorch's outputs
at batch 1 and 4: the oracle `make test` checks edgewm against), and OUT/model.json, whose
"metadata" entries `edgewm compile` stores in the .ewm (sampler defaults, context length...).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from fixtures.common import save_case  # noqa: E402
from runlog import loss_curve  # noqa: E402
from world.model import WorldConfig, WorldDenoiser  # noqa: E402


def case_inputs(cfg: WorldConfig, seed: int, batch: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    s = cfg.size
    return {"noisy_frame": torch.randn(batch, 3, s, s, generator=g) * 0.8,
            "sigma": torch.tensor([0.8, 0.05, 2.0, 0.3][:batch]) if batch > 1 else torch.tensor([0.8]),
            "past_frames": torch.rand(batch, 3 * cfg.context_frames, s, s, generator=g) * 2 - 1,
            "action": torch.arange(batch, dtype=torch.int64) % cfg.num_actions + (0 if batch > 1 else 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="drone_world")
    args = ap.parse_args()
    ckpt = torch.load(os.path.join(args.run, "checkpoint.pt"), map_location="cpu", weights_only=False)
    cfg = WorldConfig(**{**ckpt["config"], "channels": tuple(ckpt["config"]["channels"])})
    model = WorldDenoiser(cfg)
    model.load_state_dict(ckpt["ema"])
    model.eval()
    names = ["noisy_frame", "sigma", "past_frames", "action"]
    summary = save_case(args.out, model, case_inputs(cfg, 1, 1), ["denoised"], "torchscript", 17,
                        dynamic_batch=names, more_inputs=[case_inputs(cfg, 2, 4)])
    curve, final_loss = loss_curve(args.run)
    card = {
        "name": args.name,
        "kind": "action-conditioned diffusion world model (DIAMOND-style EDM denoiser)",
        "config": cfg.to_json(),
        "parameters": summary["parameters"],
        "training": {"steps": ckpt["step"], "wall_minutes": round(ckpt["wall_seconds"] / 60, 1),
                     "final_loss": final_loss, "train_episodes": len(ckpt["train_seeds"]), "loss_curve": curve},
        # Stored in the .ewm by `edgewm compile` (strings, as .ewm metadata is).
        "metadata": {
            "diffusion.parameterization": "edm-x0",
            "diffusion.sigma_data": str(cfg.sigma_data),
            "diffusion.sigma_min": str(cfg.sigma_min),
            "diffusion.sigma_max": str(cfg.sigma_max),
            "diffusion.rho": str(cfg.rho),
            "diffusion.steps": str(cfg.sampling_steps),
            "diffusion.sampler": "euler",
            "world.env": "drone",
            "world.frame_size": str(cfg.size),
            "world.context_frames": str(cfg.context_frames),
            "world.action_names": "none,up,down,slow,fast",
            "world.inputs": "noisy_frame,sigma,past_frames,action",
            "world.pixel_range": "[-1,1]",
        },
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"exported {args.out}: step {ckpt['step']}, {card['training']['wall_minutes']} min of training")


if __name__ == "__main__":
    main()
