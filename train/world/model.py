"""The drone world model: a DIAMOND-style action-conditioned denoiser, sized for the edge.

D(x, sigma, past, action) -> the denoised next frame, with EDM preconditioning inside the
network (so the exported ONNX model is the whole denoiser and a sampler only needs sigmas).
Conditioning: the last K frames are concatenated to the noisy frame as channels; the action
embedding is added to the noise-level embedding and drives adaptive GroupNorm in every block.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class WorldConfig:
    size: int = 32                 # frames are size x size RGB
    context_frames: int = 4        # K
    num_actions: int = 5
    channels: tuple = (32, 64, 96)  # per resolution level: size, size/2, size/4
    blocks: int = 1                # residual blocks per level (down and up)
    cond_dim: int = 128
    groups: int = 8
    sigma_data: float = 0.5
    # Sampling defaults (EDM/Karras sigmas, Euler), as DIAMOND's Atari setting.
    sigma_min: float = 2e-3
    sigma_max: float = 5.0
    rho: float = 7.0
    sampling_steps: int = 3

    def to_json(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d


class NoiseEmbedding(nn.Module):
    """Fixed random Fourier features of c_noise = log(sigma) / 4."""

    def __init__(self, dim: int):
        super().__init__()
        self.register_buffer("weight", torch.randn(1, dim // 2))

    def forward(self, c_noise):  # [B]
        f = 2 * math.pi * c_noise[:, None] * self.weight
        return torch.cat([f.cos(), f.sin()], dim=-1)


class AdaGroupNorm(nn.Module):
    def __init__(self, channels: int, cond_dim: int, groups: int):
        super().__init__()
        self.groups = groups
        self.linear = nn.Linear(cond_dim, 2 * channels)

    def forward(self, x, cond):
        x = F.group_norm(x, self.groups, eps=1e-5)
        scale, shift = self.linear(cond)[:, :, None, None].chunk(2, dim=1)
        return x * (1 + scale) + shift


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, cond_dim: int, groups: int):
        super().__init__()
        self.norm1 = AdaGroupNorm(cin, cond_dim, groups)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = AdaGroupNorm(cout, cond_dim, groups)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity: stable early training
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x, cond):
        h = self.conv1(F.silu(self.norm1(x, cond)))
        h = self.conv2(F.silu(self.norm2(h, cond)))
        return h + self.skip(x)


class WorldDenoiser(nn.Module):
    def __init__(self, cfg: WorldConfig):
        super().__init__()
        self.cfg = cfg
        ch, cd, g = cfg.channels, cfg.cond_dim, cfg.groups
        self.noise_emb = NoiseEmbedding(cd)
        self.action_emb = nn.Embedding(cfg.num_actions, cd)
        self.cond_mlp = nn.Sequential(nn.Linear(cd, cd), nn.SiLU(), nn.Linear(cd, cd))
        self.conv_in = nn.Conv2d(3 + 3 * cfg.context_frames, ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skips, c = [], ch[0]
        for level, cl in enumerate(ch):
            blocks = nn.ModuleList()
            for _ in range(cfg.blocks):
                blocks.append(ResBlock(c, cl, cd, g))
                c = cl
                skips.append(c)
            self.down.append(blocks)
            if level + 1 < len(ch):
                self.downsample.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
        self.mid = ResBlock(c, c, cd, g)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for level in reversed(range(len(ch))):
            blocks = nn.ModuleList()
            for _ in range(cfg.blocks):
                blocks.append(ResBlock(c + skips.pop(), ch[level], cd, g))
                c = ch[level]
            self.up.append(blocks)
            if level > 0:
                self.upsample.append(nn.Conv2d(c, c, 3, padding=1))
        self.norm_out = nn.GroupNorm(g, c)
        self.conv_out = nn.Conv2d(c, 3, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def inner(self, x_in, c_noise, past, action):
        """The raw network F: scaled noisy frame + context -> preconditioned output."""
        cond = self.cond_mlp(self.noise_emb(c_noise) + self.action_emb(action))
        h = self.conv_in(torch.cat([x_in, past], dim=1))
        skips = []
        for level, blocks in enumerate(self.down):
            for block in blocks:
                h = block(h, cond)
                skips.append(h)
            if level < len(self.downsample):
                h = self.downsample[level](h)
        h = self.mid(h, cond)
        for i, blocks in enumerate(self.up):
            for block in blocks:
                h = block(torch.cat([h, skips.pop()], dim=1), cond)
            if i < len(self.upsample):
                h = self.upsample[i](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))

    def precondition(self, sigma):
        sd = self.cfg.sigma_data
        c_in = 1 / torch.sqrt(sigma**2 + sd**2)
        c_skip = sd**2 / (sigma**2 + sd**2)
        c_out = sigma * sd / torch.sqrt(sigma**2 + sd**2)
        return c_in, c_skip, c_out, torch.log(sigma) / 4

    def forward(self, noisy_frame, sigma, past_frames, action):
        """D(x; sigma): the denoised frame in [-1, 1] (what the exported model computes)."""
        c_in, c_skip, c_out, c_noise = self.precondition(sigma)
        f = self.inner(noisy_frame * c_in[:, None, None, None], c_noise, past_frames, action)
        return c_skip[:, None, None, None] * noisy_frame + c_out[:, None, None, None] * f


def karras_sigmas(cfg: WorldConfig, steps: int | None = None) -> torch.Tensor:
    """EDM sigma schedule, steps values then a final 0."""
    n = steps or cfg.sampling_steps
    ramp = torch.linspace(0, 1, n)
    lo, hi = cfg.sigma_min ** (1 / cfg.rho), cfg.sigma_max ** (1 / cfg.rho)
    sigmas = (hi + ramp * (lo - hi)) ** cfg.rho
    return torch.cat([sigmas, torch.zeros(1)])


@torch.no_grad()
def sample_next(model: WorldDenoiser, past, action, steps: int | None = None, generator=None):
    """Euler sampling of the next frame (the reference for the C++ sampler)."""
    sigmas = karras_sigmas(model.cfg, steps).to(past.device)
    b, _, h, w = past.shape
    x = torch.randn(b, 3, h, w, generator=generator, device=past.device) * sigmas[0]
    for i in range(len(sigmas) - 1):
        s = sigmas[i].expand(b)
        denoised = model(x, s, past, action)
        d = (x - denoised) / sigmas[i]
        x = x + d * (sigmas[i + 1] - sigmas[i])
    return x.clamp(-1, 1)
