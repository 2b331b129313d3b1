"""Diffusion prior for guided reconstruction (issue 8): an ε-prediction U-Net on
complex images and a small orientation classifier, both fully convolutional.

Contract (resources/models/<name>/manifest.json, engine recon/diffusion):
  denoiser  x [B,1,H,W,2] (x_t, scaled complex image, re/im last), t [B] float
            (timestep index 0..T-1), y [B] int64 (class, K = null) -> eps [B,1,H,W,2]
  classifier x [B,1,H,W,2] (a clean estimate x̂0) -> logits [B,K]
H, W multiples of PAD_MULTIPLE (the engine zero-pads, centred, and crops back).

Noise (DDPM, linear betas 1e-4..0.02, T = 1000):
  x_t = sqrt(ᾱ_t) x0 + sqrt(1-ᾱ_t) ε on both real and imaginary parts.

The timestep embedding (sinusoidal, then an MLP) is computed inside the graph
from the float t, so the exported model needs no table; the class embedding
has K+1 rows, the last being the null class used for classifier-free guidance
(the trainer drops the class to null with p = 0.15).

Classes are slice orientations, read from each volume's affine (nibabel
axis codes: slicing across S/I gives axial, A/P coronal, L/R sagittal slices),
not from the array axis: the held-out ITK volume is stored L, S, A, so its
array axis 2 holds coronal slices while the training volumes' axis 2 is axial.
Anisotropic volumes are resampled in-plane to square pixels first (the ITK
subject has 3 mm slices), and slices with a side under MIN_SIDE are skipped
(nibabel's example4d has only 24 slices, so only its axial ones are kept).
Label maps (fewer than MIN_LEVELS grey levels) are skipped: the held-out
subject's KmeansTest_T1RawSkullStrip is a 4-level k-means segmentation.
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

CLASSES = ["axial", "coronal", "sagittal"]
CODE_CLASS = {"S": 0, "I": 0, "A": 1, "P": 1, "L": 2, "R": 2}  # axis code -> class of the slices ACROSS that axis
MIN_SIDE = 48
# Volumes with fewer grey levels are label maps: KmeansTest_T1RawSkullStrip (held out)
# holds 4 values (k-means classes), a silhouette rather than an MR image.
MIN_LEVELS = 32
PAD_MULTIPLE = 8
T_STEPS = 1000
BETA_START, BETA_END = 1e-4, 0.02


def alphas_cumprod(T: int = T_STEPS, b0: float = BETA_START, b1: float = BETA_END) -> np.ndarray:
    betas = np.linspace(b0, b1, T, dtype=np.float64)
    return np.cumprod(1.0 - betas)


@dataclass
class DenoiserConfig:
    chans: list = field(default_factory=lambda: [32, 64, 96])  # per level; 2 downsamplings
    emb: int = 128
    classes: int = len(CLASSES)
    groups: int = 8

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ClassifierConfig:
    chans: list = field(default_factory=lambda: [16, 32, 64, 64])
    classes: int = len(CLASSES)
    size: int = 64  # the graph resizes every input to size x size first

    def to_dict(self) -> dict:
        return asdict(self)


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of float timesteps [B] -> [B, dim], traced into the graph."""
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / half))
    a = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.sin(a), torch.cos(a)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb: int, groups: int):
        super().__init__()
        self.n1 = nn.GroupNorm(min(groups, cin), cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.e = nn.Linear(emb, cout)
        self.n2 = nn.GroupNorm(min(groups, cout), cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = self.c1(F.silu(self.n1(x)))
        h = h + self.e(e)[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return h + self.skip(x)


def to_channels(x: torch.Tensor) -> torch.Tensor:
    """[B,1,H,W,2] -> [B,2,H,W]."""
    return x[:, 0].permute(0, 3, 1, 2)


def from_channels(x: torch.Tensor) -> torch.Tensor:
    """[B,2,H,W] -> [B,1,H,W,2]."""
    return x.permute(0, 2, 3, 1)[:, None]


class Denoiser(nn.Module):
    def __init__(self, cfg: DenoiserConfig):
        super().__init__()
        self.cfg = cfg
        c, E = cfg.chans, cfg.emb
        self.t_mlp = nn.Sequential(nn.Linear(E, E), nn.SiLU(), nn.Linear(E, E))
        self.y_emb = nn.Embedding(cfg.classes + 1, E)
        self.inp = nn.Conv2d(2, c[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.pool = nn.ModuleList()
        for i in range(len(c)):
            self.down.append(ResBlock(c[i - 1] if i else c[0], c[i], E, cfg.groups))
            if i < len(c) - 1:
                self.pool.append(nn.Conv2d(c[i], c[i], 3, stride=2, padding=1))
        self.mid = ResBlock(c[-1], c[-1], E, cfg.groups)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i in reversed(range(len(c) - 1)):
            self.upsample.append(nn.ConvTranspose2d(c[i + 1], c[i], 2, stride=2))
            self.up.append(ResBlock(2 * c[i], c[i], E, cfg.groups))
        self.out = nn.Sequential(nn.GroupNorm(min(cfg.groups, c[0]), c[0]), nn.SiLU(), nn.Conv2d(c[0], 2, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        e = self.t_mlp(timestep_embedding(t, self.cfg.emb)) + self.y_emb(y)
        h = self.inp(to_channels(x))
        skips = []
        for i, blk in enumerate(self.down):
            h = blk(h, e)
            if i < len(self.pool):
                skips.append(h)
                h = self.pool[i](h)
        h = self.mid(h, e)
        for up, blk in zip(self.upsample, self.up):
            h = blk(torch.cat([up(h), skips.pop()], dim=1), e)
        return from_channels(self.out(h))


class Classifier(nn.Module):
    """Orientation from the MAGNITUDE, computed in the graph: the phase of an
    MR image is arbitrary (here a random smooth synthetic phase up to pi), and
    a small CNN on re/im spends its capacity undoing it (trained on re/im it
    stayed at chance, loss ln 3, for the first 260 steps).

    The graph then resizes the magnitude to size x size (bilinear to 4 size,
    then a 4 x 4 average, i.e. anti-aliased for inputs up to 4 size): which
    orientation a slice is shows at the scale of the whole head, and a CNN
    of small receptive field trained on ~64 px heads read 128 px ones as
    "sagittal" whatever they were (31 % held-out accuracy at native size,
    64 % when zoomed to fit). So any H, W works and the model always sees the
    whole field of view at one scale; training views are the whole slice in
    a square with random aspect distortion, as non-square images get here.
    Strided levels then global average pooling."""

    def __init__(self, cfg: ClassifierConfig):
        super().__init__()
        self.cfg = cfg
        layers, cin = [], 1
        for c in cfg.chans:
            layers += [nn.Conv2d(cin, c, 3, padding=1), nn.GroupNorm(min(8, c), c), nn.SiLU(), nn.Conv2d(c, c, 3, stride=2, padding=1), nn.SiLU()]
            cin = c
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(cin, cfg.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mag = torch.sqrt(x[:, :, :, :, 0] ** 2 + x[:, :, :, :, 1] ** 2 + 1e-12)  # [B,1,H,W]
        if self.cfg.size:
            n = self.cfg.size
            mag = F.avg_pool2d(F.interpolate(mag, size=(4 * n, 4 * n), mode="bilinear", align_corners=False), 4)
        h = self.features(mag)
        return self.head(h.mean(dim=(2, 3)))


@functools.lru_cache(maxsize=8)
def oriented_slices(subjects: tuple, max_per_axis: int | None = None) -> tuple:
    """((slice float32 [h][w], class, (path, axis, index)), ...) across all three
    axes of every volume of the subjects, tissue >= data.MIN_FOREGROUND, volume
    normalisation as data.load_volume (99.5th percentile)."""
    import nibabel as nib
    from scipy.ndimage import zoom
    from .data import MIN_FOREGROUND, SUBJECTS, load_volume
    out = []
    for s in subjects:
        for path, _ in SUBJECTS[s]:
            img = nib.load(path)
            codes = nib.aff2axcodes(img.affine)[:3]
            vox = [float(z) for z in img.header.get_zooms()[:3]]
            vol = load_volume(path, 0)  # axis 0 = no move: one decompression per volume
            if len(np.unique(vol[::4, ::4, ::4])) < MIN_LEVELS:
                continue  # a label map, not an image
            for axis in range(3):
                v = np.moveaxis(vol, axis, 0)
                inplane = [vox[a] for a in range(3) if a != axis]
                f = [z / min(inplane) for z in inplane]
                keep = [i for i in range(v.shape[0]) if np.mean(v[i] > 0.1) >= MIN_FOREGROUND]
                if max_per_axis and len(keep) > max_per_axis:
                    keep = [keep[int(j)] for j in np.linspace(0, len(keep) - 1, max_per_axis)]
                for i in keep:
                    sl = v[i] if max(f) < 1.01 else zoom(v[i], f, order=1)
                    if min(sl.shape) < MIN_SIDE:
                        continue
                    out.append((np.ascontiguousarray(sl, dtype=np.float32), CODE_CLASS[codes[axis]], (path, axis, int(i))))
    return tuple(out)


def class_counts(pool) -> dict:
    return {CLASSES[c]: int(sum(1 for p in pool if p[1] == c)) for c in range(len(CLASSES))}
