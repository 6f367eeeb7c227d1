"""Trains the seed's diffusers UNet2DModel (the engine-core config, one channel) with the DDPM
objective on Fashion-MNIST from Debian's `dataset-fashion-mnist`, padded to 32x32.

    apt-get install dataset-fashion-mnist
    .venv/bin/python train/seed/train_ddpm.py --run runs/seed_fmnist --minutes 30
    .venv/bin/python train/seed/train_ddpm.py --run runs/seed_fmnist --export models/seed_unet_fmnist

Resumable (same --run continues), seeded, logs the loss to RUN/log.jsonl, uses a GPU when present.
"""
from __future__ import annotations

import argparse
import copy
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from diffusers import DDPMScheduler, UNet2DModel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from fixtures.common import save_case  # noqa: E402
from runlog import RunLog, ema_update, loss_curve, optimizer_step  # noqa: E402
from fixtures.seed_unet import FULL_CONFIG, SampleOnly  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
CONFIG = dict(FULL_CONFIG, in_channels=1, out_channels=1)  # grey images: one channel
SCHEDULE = dict(num_train_timesteps=1000, beta_schedule="linear", beta_start=1e-4, beta_end=0.02)


def load_images(path: str) -> torch.Tensor:
    """idx3 uint8 [N, 28, 28] -> float [N, 1, 32, 32] in [-1, 1] (2-pixel black border)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, h, w = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    x = np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, h, w)
    x = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    return torch.from_numpy(x.astype(np.float32) / 127.5 - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--export", default=None, help="export the EMA model to this folder and stop")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(args.run, exist_ok=True)
    ckpt_path = os.path.join(args.run, "checkpoint.pt")
    torch.manual_seed(args.seed)
    model = UNet2DModel(**CONFIG).to(device)
    ema = copy.deepcopy(model).eval()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    sched = DDPMScheduler(**SCHEDULE)
    step, wall, gen = 0, 0.0, torch.Generator().manual_seed(args.seed)
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(ck["model"]), ema.load_state_dict(ck["ema"]), opt.load_state_dict(ck["opt"])
        step, wall = ck["step"], ck["wall_seconds"]
        gen.set_state(ck["generator"])
        torch.set_rng_state(ck["torch_rng"])
        print(f"resumed at step {step}")
    if args.export:
        return export(ema, step, wall, args)
    images = load_images(DATA)
    print(f"{len(images)} images; {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters; "
          f"device {device}, {torch.get_num_threads()} threads")
    alphas = sched.alphas_cumprod.to(device)

    def save():
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step,
                    "wall_seconds": wall, "generator": gen.get_state(), "torch_rng": torch.get_rng_state()},
                   ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    log = RunLog(args.run, args.batch, every=25, wall_seconds=wall)
    t0 = time.time()
    while time.time() - t0 < args.minutes * 60:
        idx = torch.randint(len(images), (args.batch,), generator=gen)
        x0 = images[idx].to(device)
        t = torch.randint(0, SCHEDULE["num_train_timesteps"], (args.batch,), generator=gen).to(device)
        noise = torch.randn(x0.shape, generator=gen).to(device)
        a = alphas[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        loss = torch.mean((model(xt, t).sample - noise) ** 2)
        optimizer_step(opt, model, loss, args.lr * min(1.0, (step + 1) / 200))
        ema_update(ema, model, step, args.ema)
        step += 1
        log.step(step, loss.item())
        if step % 250 == 0:
            wall = log.wall
            save()
    wall = log.finish()
    save()
    print(f"stopped at step {step}; {wall / 60:.1f} min of training in all")


def export(ema, step, wall, args):
    m = SampleOnly(ema.cpu()).eval()
    g = torch.Generator().manual_seed(5)
    inputs = {"sample": torch.randn(1, 1, 32, 32, generator=g), "timestep": torch.tensor([417], dtype=torch.int64)}
    more = {"sample": torch.randn(4, 1, 32, 32, generator=g), "timestep": torch.tensor([20], dtype=torch.int64)}
    s = save_case(args.export, m, inputs, ["out_sample"], "torchscript", 17, dynamic_batch=["sample"], more_inputs=[more])
    curve, final_loss = loss_curve(args.run)
    card = {
        "name": os.path.basename(os.path.normpath(args.export)),
        "kind": "unconditional image diffusion (DDPM, epsilon prediction)",
        "source": "diffusers UNet2DModel, the engine-core seed config with one channel",
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in CONFIG.items()},
        "data": "Fashion-MNIST train set (60000 images, Debian dataset-fashion-mnist), padded 28->32, [-1, 1]",
        "parameters": s["parameters"],
        "training": {"steps": step, "batch": args.batch, "wall_minutes": round(wall / 60, 1),
                     "final_loss": final_loss, "loss_curve": curve},
        "metadata": {"diffusion.parameterization": "epsilon",
                     "diffusion.num_train_timesteps": str(SCHEDULE["num_train_timesteps"]),
                     "diffusion.beta_schedule": SCHEDULE["beta_schedule"],
                     "diffusion.beta_start": str(SCHEDULE["beta_start"]),
                     "diffusion.beta_end": str(SCHEDULE["beta_end"]),
                     "diffusion.sampler": "ddim", "diffusion.steps": "50",
                     "image.pixel_range": "[-1,1]"},
    }
    with open(os.path.join(args.export, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"exported {args.export} at step {step} ({wall / 60:.1f} min of training)")


if __name__ == "__main__":
    main()
