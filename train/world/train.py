"""Trains the drone world model (EDM objective, DIAMOND-style) on episodes from `edgewm dataset`.

    build/edgewm dataset --env drone --policy scripted --episodes 200 --steps 200 --size 32 --seed 1 -o data/drone_scripted
    build/edgewm dataset --env drone --policy random   --episodes 200 --steps 200 --size 32 --seed 2 -o data/drone_random
    .venv/bin/python train/world/train.py --data data/drone_scripted data/drone_random --run runs/drone --minutes 60

Resumable (re-run with the same --run continues from its last checkpoint), seeded, logs the
loss to RUN/log.jsonl. Uses a GPU when present. Held-out evaluation seeds must differ from the
seeds of --data (`edgewm rollout` uses its own).
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from runlog import RunLog, ema_update, optimizer_step  # noqa: E402
from world.data import EpisodeWindows  # noqa: E402
from world.model import WorldConfig, WorldDenoiser  # noqa: E402

P_MEAN, P_STD = -0.4, 1.2           # log-normal training noise levels (EDM, DIAMOND)
CONTEXT_NOISE_MAX = 0.1             # context frames get N(0, s^2), s ~ U(0, this): rollouts stay stable


def edm_loss(model: WorldDenoiser, past, action, target):
    b = target.shape[0]
    sigma = (torch.randn(b, device=target.device) * P_STD + P_MEAN).exp()
    noisy = target + torch.randn_like(target) * sigma[:, None, None, None]
    s = torch.rand(b, 1, 1, 1, device=target.device) * CONTEXT_NOISE_MAX
    past = past + torch.randn_like(past) * s
    c_in, c_skip, c_out, c_noise = model.precondition(sigma)
    f = model.inner(noisy * c_in[:, None, None, None], c_noise, past, action)
    # The EDM weighting makes this the plain MSE of the raw network against its target.
    f_target = (target - c_skip[:, None, None, None] * noisy) / c_out[:, None, None, None]
    return torch.mean((f - f_target) ** 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", required=True, help="dataset folders from `edgewm dataset`")
    ap.add_argument("--run", required=True, help="run folder: checkpoints and log")
    ap.add_argument("--minutes", type=float, default=60, help="wall-clock budget of this invocation")
    ap.add_argument("--max-steps", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (default: all)")
    ap.add_argument("--channels", type=int, nargs="+", default=None, help="override the default widths")
    args = ap.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(args.run, exist_ok=True)
    ckpt_path = os.path.join(args.run, "checkpoint.pt")
    data = EpisodeWindows(args.data, WorldConfig().context_frames)
    h = data.frames.shape[1]
    if os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        cfg = WorldConfig(**{**ckpt["config"], "channels": tuple(ckpt["config"]["channels"])})
    else:
        ckpt = None
        cfg = WorldConfig(size=h, num_actions=len(data.manifests[0]["action_names"]))
        if args.channels:
            cfg.channels = tuple(args.channels)
    if cfg.size != h:
        raise SystemExit(f"checkpoint is for {cfg.size}x{cfg.size} frames, the data is {h}x{h}")

    torch.manual_seed(args.seed)
    model = WorldDenoiser(cfg).to(device)
    ema = copy.deepcopy(model).eval()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    step, gen = 0, torch.Generator().manual_seed(args.seed)
    if ckpt:
        model.load_state_dict(ckpt["model"])
        ema.load_state_dict(ckpt["ema"])
        opt.load_state_dict(ckpt["opt"])
        step = ckpt["step"]
        gen.set_state(ckpt["generator"])
        torch.set_rng_state(ckpt["torch_rng"])
        print(f"resumed at step {step}")
    params = sum(p.numel() for p in model.parameters())
    print(f"{len(data)} training windows from {len(data.seeds)} episodes; {params / 1e6:.2f} M parameters; "
          f"device {device}, {torch.get_num_threads()} threads")

    def save():
        torch.save({"config": cfg.to_json(), "model": model.state_dict(), "ema": ema.state_dict(),
                    "opt": opt.state_dict(), "step": step, "generator": gen.get_state(),
                    "torch_rng": torch.get_rng_state(), "train_seeds": data.seeds,
                    "wall_seconds": wall}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    log = RunLog(args.run, args.batch, every=50, wall_seconds=ckpt.get("wall_seconds", 0.0) if ckpt else 0.0)
    wall = log.wall
    t_start = time.time()
    while step < args.max_steps and time.time() - t_start < args.minutes * 60:
        idx = torch.randint(len(data), (args.batch,), generator=gen)
        past, action, target = (t.to(device) for t in data.batch(idx))
        loss = edm_loss(model, past, action, target)
        # Warm-up, then a constant rate: the run stays resumable at any length.
        optimizer_step(opt, model, loss, args.lr * min(1.0, (step + 1) / 500))
        ema_update(ema, model, step, args.ema)
        step += 1
        log.step(step, loss.item())
        if step % 500 == 0:
            wall = log.wall
            save()
    wall = log.finish()
    save()
    print(f"stopped at step {step}, {wall / 60:.1f} min of training in all; checkpoint {ckpt_path}")


if __name__ == "__main__":
    main()
