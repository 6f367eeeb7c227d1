"""Episodes recorded by `edgewm dataset` (frames/actions/resets .npy + manifest.json), served as
training windows: K context frames, the action taken after the last one, and the next frame.
A window never crosses an episode start (the frame after a crash does not follow its history)."""
from __future__ import annotations

import json
import os

import numpy as np
import torch


class EpisodeWindows:
    def __init__(self, dirs: list[str], context_frames: int):
        self.k = context_frames
        frames, actions, resets, self.manifests = [], [], [], []
        for d in dirs:
            m = json.load(open(os.path.join(d, "manifest.json")))
            self.manifests.append(m)
            f = np.load(os.path.join(d, "frames.npy"), mmap_mode="r")
            a = np.load(os.path.join(d, "actions.npy"))
            r = np.load(os.path.join(d, "resets.npy"))
            n, t = a.shape
            frames.append(np.asarray(f).reshape(n * t, *f.shape[2:]))
            actions.append(a.reshape(-1))
            rr = r.reshape(-1).copy()
            rr[::t] = 1  # episode boundaries of the files are starts too
            resets.append(rr)
        sizes = {f.shape[1:] for f in frames}
        if len(sizes) != 1:
            raise ValueError(f"datasets have different frame sizes: {sizes}")
        self.frames = torch.from_numpy(np.concatenate(frames))  # uint8 [M, H, W, 3]
        self.actions = torch.from_numpy(np.concatenate(actions)).long()
        starts = np.concatenate(resets).astype(bool)
        # Window ending at target index j uses frames j-K..j-1 and action j-1: valid when none
        # of frames j-K+1..j starts an episode.
        seg = np.cumsum(starts)  # episode id of each frame
        j = np.arange(self.k, len(starts))
        valid = seg[j] == seg[j - self.k]
        self.targets = torch.from_numpy(j[valid])
        self.seeds = [s for m in self.manifests for s in m["episode_seeds"]]

    def __len__(self):
        return len(self.targets)

    @staticmethod
    def to_float(frames_u8: torch.Tensor) -> torch.Tensor:
        """uint8 [..., H, W, 3] -> float [..., 3, H, W] in [-1, 1]."""
        return frames_u8.movedim(-1, -3).float() / 127.5 - 1

    def batch(self, idx: torch.Tensor):
        """(past [B, 3K, H, W], action [B], next [B, 3, H, W]) for window indices idx."""
        j = self.targets[idx]
        offsets = torch.arange(-self.k, 0)
        past = self.to_float(self.frames[j[:, None] + offsets])  # [B, K, 3, H, W]
        b, k, c, h, w = past.shape
        return past.reshape(b, k * c, h, w), self.actions[j - 1], self.to_float(self.frames[j])
