"""Data pipeline: real volumes (../shared/DATA.md) -> 2D slices -> simulated k-space.

Split BY SUBJECT, never by slice: derivatives of one subject (ch2, ch2bet and
ch2better are all Colin27; KmeansTest_T1UCharRaw and _T1RawSkullStrip are one
ITK subject) always fall on the same side. HELD_OUT names the validation
subject(s); the model card and manifest copy this constant.

Acquisition simulation mirrors electron/engine/acquire/simulate.ts:
magnitude -> smooth background phase (a few plane-wave cosines of at most one
cycle per FOV, peak |phase| = max_radians) -> coil maps (single coil = ones;
multi-coil = the engine's birdcage geometry, sum_c |S_c|^2 = 1) -> centred
orthonormal FFT (fftshift . fft2(norm='ortho') . ifftshift) -> complex noise ->
mask. Random draws use numpy generators, not the engine's createRng.

Normalisation (the contract the engine applies at inference, see
manifest.json "normalisation"): per slice, scale s = bartScale(|RSS of the
zero-filled coil images|) exactly as electron/engine/recon/cs.ts (p90 of the
magnitude, or the max when max - p90 >= 2 (p90 - median)); k-space is divided
by s before the network and the output multiplied by s. Before simulation each
volume's magnitude is divided by its 99.5th percentile so augmentation
intensities are comparable across volumes (irrelevant to the network, which
only ever sees data scaled by s).
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np

from .masks import line_mask, mask_2d, poisson_like

MRICRON = "/usr/share/mricron/templates"
ITK = "/usr/share/doc/insighttoolkit5-examples/examples/Data"
NIBABEL = "/usr/lib/python3/dist-packages/nibabel/tests/data"

# subject -> volumes (path, axis to slice along)
SUBJECTS: dict[str, list[tuple[str, int]]] = {
    "colin27": [(f"{MRICRON}/ch2.nii.gz", 2), (f"{MRICRON}/ch2bet.nii.gz", 2), (f"{MRICRON}/ch2better.nii.gz", 2)],
    "inia19-macaque": [(f"{MRICRON}/inia19-t1-brain.nii.gz", 2)],
    "nibabel-example4d": [(f"{NIBABEL}/example4d.nii.gz", 2)],
    # KmeansTest_T1RawSkullStrip.nii.gz is a k-means LABEL map (values 0..6), not an image: evaluating
    # reconstructions on it measured how well piecewise-constant labels survive, so it is left out.
    # The volume is stored L, S, A: its array axis 2 holds coronal slices (the training volumes' axis 2 is axial).
    "itk-kmeans-t1": [(f"{ITK}/KmeansTest_T1UCharRaw.nii.gz", 2)],
}
HELD_OUT: tuple[str, ...] = ("itk-kmeans-t1",)
MIN_FOREGROUND = 0.15  # slices with less tissue than this are mostly air: skipped


def split() -> dict[str, list[str]]:
    train = [s for s in SUBJECTS if s not in HELD_OUT]
    return {"train": train, "val": list(HELD_OUT)}


def load_volume(path: str, axis: int) -> np.ndarray:
    """[slice][y][x] float32 magnitude, divided by its 99.5th percentile."""
    import nibabel as nib
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: volume missing (install the Debian package named in shared/DATA.md)")
    v = np.asarray(nib.load(path).dataobj, dtype=np.float32)
    if v.ndim == 4:
        v = v[..., 0]  # example4d: first frame; the second is the same anatomy
    if v.ndim != 3:
        raise ValueError(f"{path}: expected a 3D or 4D volume, got shape {v.shape}")
    v = np.moveaxis(v, axis, 0)
    v = np.abs(v)
    p = float(np.percentile(v, 99.5))
    return v / (p if p > 0 else 1.0)


PLANES = ("axial", "all")


def slices_for(subjects: list[str], max_per_volume: int | None = None, planes: str = "axial") -> list[np.ndarray]:
    """The subjects' slices with enough tissue (MIN_FOREGROUND), at most max_per_volume per
    volume (evenly spaced). planes="axial": along each volume's listed axis only (the training
    volumes' axial plane; what evaluate.py uses and every unrolled model before cirim-fast v2
    was trained on). planes="all": the slices of all three axes, as the diffusion prior is
    trained (diffusion.oriented_slices: anisotropic volumes resampled to square pixels, label
    maps and slices with a side under 48 pixels skipped; max_per_volume then counts per axis)."""
    if planes not in PLANES:
        raise ValueError(f"planes must be one of {', '.join(PLANES)}, got {planes!r}")
    if planes == "all":
        from .diffusion import oriented_slices
        return [sl for sl, _, _ in oriented_slices(tuple(subjects), max_per_volume)]
    return list(_slices_cached(tuple(subjects), max_per_volume))


@functools.lru_cache(maxsize=8)
def _slices_cached(subjects: tuple, max_per_volume: int | None) -> tuple:
    # Decompressing ch2better alone takes seconds; every mask stream shares one load.
    out: list[np.ndarray] = []
    for s in subjects:
        for path, axis in SUBJECTS[s]:
            vol = load_volume(path, axis)
            keep = [i for i in range(vol.shape[0]) if np.mean(vol[i] > 0.1) >= MIN_FOREGROUND]
            if max_per_volume and len(keep) > max_per_volume:
                keep = [keep[int(j)] for j in np.linspace(0, len(keep) - 1, max_per_volume)]
            out.extend(np.ascontiguousarray(vol[i]) for i in keep)
    return tuple(out)


def center_crop_pad(img: np.ndarray, h: int, w: int) -> np.ndarray:
    out = np.zeros((h, w), dtype=img.dtype)
    sh, sw = img.shape
    y0, x0 = max(0, (sh - h) // 2), max(0, (sw - w) // 2)
    c = img[y0:y0 + h, x0:x0 + w]
    oy, ox = (h - c.shape[0]) // 2, (w - c.shape[1]) // 2
    out[oy:oy + c.shape[0], ox:ox + c.shape[1]] = c
    return out


def augment(img: np.ndarray, rng: np.random.Generator, max_deg: float = 10.0, transpose: float = 0.0) -> np.ndarray:
    """Random flips, a transpose with probability `transpose`, a small rotation
    and an intensity scale in [0.8, 1.25].

    The transpose matters for the unrolled models: 1D masks undersample rows
    (ky), so without it every training slice meets the phase-encode direction
    the same way (left-right for the axial training slices), while a scan in
    the app may be stored either way round (the held-out volume is)."""
    from scipy.ndimage import rotate
    if transpose > 0 and rng.random() < transpose:
        img = img.T
    if rng.random() < 0.5:
        img = img[:, ::-1]
    if rng.random() < 0.5:
        img = img[::-1, :]
    ang = rng.uniform(-max_deg, max_deg)
    img = rotate(img, ang, reshape=False, order=1, mode="constant")
    img = np.clip(img, 0, None) * np.exp(rng.uniform(np.log(0.8), np.log(1.25)))
    return np.ascontiguousarray(img, dtype=np.float32)


def smooth_phase(ny: int, nx: int, max_radians: float, rng: np.random.Generator, terms: int = 4) -> np.ndarray:
    yn = (np.arange(ny) / ny - 0.5)[:, None]
    xn = (np.arange(nx) / nx - 0.5)[None, :]
    s = np.zeros((ny, nx))
    for _ in range(terms):
        a, u, v, t = rng.normal(), 2 * rng.random() - 1, 2 * rng.random() - 1, 2 * np.pi * rng.random()
        s += a * np.cos(2 * np.pi * (u * xn + v * yn) + t)
    peak = np.abs(s).max()
    return s * (max_radians / peak if peak > 0 else 0.0)


def birdcage_sens(coils: int, ny: int, nx: int) -> np.ndarray:
    """[coil][y][x] complex64, the engine's acquire/coils.ts geometry."""
    if coils == 1:
        return np.ones((1, ny, nx), dtype=np.complex64)
    half = max(ny, nx) / 2
    py = ((np.arange(ny) - ny / 2) / half)[:, None]
    px = ((np.arange(nx) - nx / 2) / half)[None, :]
    maps = []
    for c in range(coils):
        th = 2 * np.pi * c / coils
        cy, cx = 1.5 * np.sin(th), 1.5 * np.cos(th)
        mag = np.exp(-((py - cy) ** 2 + (px - cx) ** 2) / 2.0)
        ph = th + 0.5 * np.pi * (-np.sin(th) * px + np.cos(th) * py)
        maps.append(mag * np.exp(1j * ph))
    s = np.stack(maps)
    return (s / np.sqrt((np.abs(s) ** 2).sum(0, keepdims=True))).astype(np.complex64)


def fft2c(x: np.ndarray) -> np.ndarray:
    ax = (-2, -1)
    return np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x, axes=ax), norm="ortho"), axes=ax)


def ifft2c(x: np.ndarray) -> np.ndarray:
    ax = (-2, -1)
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(x, axes=ax), norm="ortho"), axes=ax)


def bart_scale(mag: np.ndarray) -> float:
    """electron/engine/recon/cs.ts bartScale on a magnitude image."""
    v = np.sort(mag.astype(np.float32).ravel())
    n = v.size
    med, p90, mx = v[n // 2], v[int(np.floor(0.9 * n))], v[-1]
    s = p90 if mx - p90 < 2 * (p90 - med) else mx
    return float(s) if s > 0 and np.isfinite(s) else 1.0


@dataclass
class MaskConfig:
    kind: str = "equispaced-fraction"  # or random, equispaced, poisson
    accel: float = 4.0
    center_fraction: float = 0.08
    calib: int = 16  # poisson only


@dataclass
class Sample:
    kspace: np.ndarray  # [coil][ky][kx] complex64, masked, divided by scale
    mask: np.ndarray  # [ky][kx] float32
    sens: np.ndarray  # [coil][y][x] complex64
    target: np.ndarray  # [y][x] complex64, divided by scale
    scale: float
    noise_std: float = 0.0  # k-space noise SD per real/imaginary part, divided by scale


def simulate(img: np.ndarray, mcfg: MaskConfig, rng: np.random.Generator, coils: int = 1,
             max_phase: float = np.pi / 2, noise_std: float = 0.0) -> Sample:
    ny, nx = img.shape
    x = img * np.exp(1j * smooth_phase(ny, nx, max_phase, rng))
    sens = birdcage_sens(coils, ny, nx)
    k = fft2c(sens * x[None])
    if noise_std > 0:
        k = k + noise_std * (rng.normal(size=k.shape) + 1j * rng.normal(size=k.shape))
    if mcfg.kind == "poisson":
        m = poisson_like(ny, nx, mcfg.accel, mcfg.calib, rng)
    else:
        rows, _ = line_mask(mcfg.kind, ny, mcfg.accel, mcfg.center_fraction, rng)
        m = mask_2d(rows, nx)
    k = k * m[None]
    rss = np.sqrt((np.abs(ifft2c(k)) ** 2).sum(0))
    s = bart_scale(rss)
    return Sample((k / s).astype(np.complex64), m.astype(np.float32), sens, (x / s).astype(np.complex64), s, noise_std / s)


def zoom_to_fit(img: np.ndarray, crop: int, rng: np.random.Generator, p: float = 0.7) -> np.ndarray:
    """With probability p, shrink the slice by a random factor between "the whole
    slice fits in crop x crop" and 1, so most training crops show the head with
    air around it. Without this every crop of the larger training slices is all
    tissue, while real (and held-out) scans are mostly air: a model that never
    saw air leaves noise there, which costs far more SSIM than it looks."""
    if rng.random() >= p:
        return img
    from scipy.ndimage import zoom
    fit = min(1.0, crop / max(img.shape))
    f = float(rng.uniform(fit, 1.0)) if fit < 1.0 else 1.0
    return np.ascontiguousarray(zoom(img, f, order=1), dtype=np.float32) if f < 0.999 else img


def training_stream(crop: int, mcfgs: list[MaskConfig], seed: int, coils: int = 1, max_per_volume: int | None = None,
                    transpose: float = 0.5, noise: tuple[float, float] | None = None, planes: str = "axial"):
    """Endless generator of augmented training Samples from the training subjects
    (flips, transposes, rotation, intensity, zoom-to-fit so crops include air,
    synthetic phase). noise = (p, max_std): with probability p a sample's k-space
    gets complex Gaussian noise of SD (per real/imaginary part, units of the
    p99.5-normalised image) drawn log-uniformly from [max_std / 15, max_std];
    the target stays the clean image. planes: slices_for's."""
    rng = np.random.default_rng(seed)
    pool = slices_for(split()["train"], max_per_volume, planes)
    while True:
        img = pool[int(rng.integers(len(pool)))]
        img = center_crop_pad(zoom_to_fit(augment(img, rng, transpose=transpose), crop, rng), crop, crop)
        mcfg = mcfgs[int(rng.integers(len(mcfgs)))]
        std = 0.0
        if noise and rng.random() < noise[0]:
            std = float(noise[1] * np.exp(-rng.uniform(0, np.log(15.0))))
        yield simulate(img, mcfg, rng, coils, max_phase=rng.uniform(0, np.pi), noise_std=std)
