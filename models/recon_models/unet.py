"""U-Net baseline (Ronneberger et al. 2015, in the fastMRI-baseline form:
conv-instancenorm-leakyReLU blocks, max-pool down, transposed conv up, skip
concatenations), own implementation, sized for a CPU.

Image to image on the SENSE-combined zero-filled input x0 = sum_c conj(S_c)
F^-1 y_c (scaled as data.py, so the same normalisation as CIRIM/RIM):
complex as 2 channels in, complex (2 channels) out, predicted as a residual
x0 + U(x0). Magnitude output (`out="magnitude"`, 1 channel, |x0| + U(x0)) is
available for experiments; the shipped contract is complex.

H and W must be multiples of 2**pools; the engine zero-pads the image (centred)
to the next multiple and crops the output (manifest `padMultiple`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class UnetConfig:
    chans: int = 16  # channels of the first level, doubled per pool
    pools: int = 3
    out: str = "complex"  # or "magnitude"

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def pad_multiple(self) -> int:
        return 2 ** self.pools


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.InstanceNorm2d(cout), nn.LeakyReLU(0.2),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.InstanceNorm2d(cout), nn.LeakyReLU(0.2),
    )


class UNet(nn.Module):
    def __init__(self, cfg: UnetConfig):
        super().__init__()
        if cfg.out not in ("complex", "magnitude"):
            raise ValueError(f"out must be complex or magnitude, got {cfg.out!r}")
        self.cfg = cfg
        ch = cfg.chans
        self.down = nn.ModuleList([_block(2, ch)])
        for i in range(cfg.pools - 1):
            self.down.append(_block(ch * 2 ** i, ch * 2 ** (i + 1)))
        deep = ch * 2 ** (cfg.pools - 1)
        self.bottom = _block(deep, deep * 2)
        self.ups = nn.ModuleList()
        self.up_blocks = nn.ModuleList()
        c = deep * 2
        for i in reversed(range(cfg.pools)):
            skip = ch * 2 ** i
            self.ups.append(nn.ConvTranspose2d(c, skip, 2, stride=2))
            self.up_blocks.append(_block(2 * skip, skip))
            c = skip
        self.head = nn.Conv2d(c, 2 if cfg.out == "complex" else 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x [B, 1, H, W, 2] (complex) -> [B, 1, H, W, 2] (complex) or [B, 1, H, W] (magnitude)."""
        z = x[:, 0].permute(0, 3, 1, 2)
        skips = []
        h = z
        for blk in self.down:
            h = blk(h)
            skips.append(h)
            h = nn.functional.max_pool2d(h, 2)
        h = self.bottom(h)
        for up, blk in zip(self.ups, self.up_blocks):
            h = up(h)
            h = blk(torch.cat([h, skips.pop()], 1))
        d = self.head(h)
        if self.cfg.out == "complex":
            return x + d.permute(0, 2, 3, 1).unsqueeze(1)
        return z.pow(2).sum(1, keepdim=True).add(1e-12).sqrt() + d
