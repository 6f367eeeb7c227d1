"""What every training script here shares: EMA weights, the loss log (RUN/log.jsonl with wall
time and throughput, resumable), and the loss curve a model card quotes."""
from __future__ import annotations

import json
import os
import time

import torch


def optimizer_step(opt: torch.optim.Optimizer, model: torch.nn.Module, loss: torch.Tensor, lr: float,
                   clip: float = 1.0) -> None:
    """One update at learning rate `lr`, gradients clipped to norm `clip`."""
    for g in opt.param_groups:
        g["lr"] = lr
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, step: int, decay: float) -> None:
    """EMA with a warm-up: early steps follow the model closely, later ones average over ~1/(1-decay)."""
    d = min(decay, (1 + step) / (10 + step))
    for pe, pm in zip(ema.parameters(), model.parameters()):
        pe.lerp_(pm, 1 - d)


class RunLog:
    """Averages the loss over `every` steps and appends a record to RUN/log.jsonl; tracks the
    run's total wall time across resumed invocations."""

    def __init__(self, run_dir: str, batch: int, every: int, wall_seconds: float = 0.0):
        self.file = open(os.path.join(run_dir, "log.jsonl"), "a")
        self.batch, self.every, self.wall = batch, every, wall_seconds
        self.t_last = time.time()
        self.losses: list[float] = []

    def step(self, step: int, loss: float) -> None:
        self.losses.append(loss)
        if step % self.every:
            return
        now = time.time()
        dt, self.t_last = now - self.t_last, now
        self.wall += dt
        rec = {"step": step, "loss": sum(self.losses) / len(self.losses), "wall_seconds": round(self.wall, 1),
               "samples_per_second": round(self.every * self.batch / max(dt, 1e-9), 1)}
        self.losses.clear()
        self.file.write(json.dumps(rec) + "\n")
        self.file.flush()
        print(f"step {step}  loss {rec['loss']:.4f}  wall {self.wall / 60:.1f} min", flush=True)

    def finish(self) -> float:
        """Total wall seconds, including the time since the last record."""
        self.wall += time.time() - self.t_last
        self.t_last = time.time()
        return self.wall


def loss_curve(run_dir: str, points: int = 40) -> tuple[list, float | None]:
    """[[step, loss], ...] thinned to about `points` entries, and the last loss."""
    log = [json.loads(line) for line in open(os.path.join(run_dir, "log.jsonl"))]
    curve = [[r["step"], round(r["loss"], 5)] for r in log[:: max(1, len(log) // points)]]
    return curve, (log[-1]["loss"] if log else None)
