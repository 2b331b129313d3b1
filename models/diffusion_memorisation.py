"""Memorisation guard for the diffusion prior: does it copy training slices?

  nice -n 19 /usr/bin/python3 models/diffusion_memorisation.py --checkpoint models/runs/diffusion/last.pt \
      [--samples 8] [--size 64] [--steps 50] [--seed 0] [--png samples.png]

Draws N unconditional samples (null class) with a deterministic DDIM sampler
(eta = 0, uniform timesteps, seeded) at size x size, and for each finds its
nearest training patch: every training slice (all three axes) at three scales
(zoomed to fit, half-way, native) cut into size x size windows with a stride,
compared on the magnitude by 1 - NCC (zero-mean normalised cross-correlation,
so intensity scale does not matter), maximised over the 8 flips/transposes of
the query (training augments with those). Two reference groups go through the
same search:
  heldout  patches of the held-out subject drawn like training patches
           (train_diffusion.patch): the typical distance of an UNSEEN image;
  train    training patches drawn the same way (a positive control: what a
           copied, augmented training image scores).
A sample closer to the training set than the 5th percentile of the held-out
distances is flagged; "memorising" is reported when more than a quarter of the
samples are flagged. medianRatio = median sample distance / median held-out
distance: about 1 or above for a prior that makes new images, well below 1 for
one that copies. Brains resemble brains, so held-out and control distances
are close to each other (~0.1); the guard asks only that samples are no nearer
to the training set than unseen real patches are. Prints one JSON object;
about 3-4 minutes over all 2006 training slices on one core (--max-per-axis
to search fewer).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recon_models.data import HELD_OUT, center_crop_pad, split  # noqa: E402
from recon_models.diffusion import CLASSES, alphas_cumprod, oriented_slices  # noqa: E402


@torch.no_grad()
def ddim_sample(model, n: int, size: int, steps: int, seed: int, cls: int | None = None) -> np.ndarray:
    """x̂0 of a deterministic DDIM run (eta = 0): [n][size][size] complex64."""
    g = torch.Generator().manual_seed(seed)
    abar = torch.from_numpy(alphas_cumprod()).float()
    ts = np.unique(np.round(np.linspace(0, len(abar) - 1, steps)).astype(int))[::-1]
    x = torch.randn((n, 1, size, size, 2), generator=g)
    y = torch.full((n,), len(CLASSES) if cls is None else cls, dtype=torch.int64)
    model.eval()
    for i, t in enumerate(ts):
        ab = abar[t]
        eps = model(x, torch.full((n,), float(t)), y)
        x0 = (x - (1 - ab).sqrt() * eps) / ab.sqrt()
        ab_prev = abar[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0)
        x = ab_prev.sqrt() * x0 + (1 - ab_prev).sqrt() * eps
    z = x0[:, 0].numpy()
    return (z[..., 0] + 1j * z[..., 1]).astype(np.complex64)


def _unit(v: np.ndarray) -> np.ndarray:
    """Rows zero-mean, unit norm; (near-)constant rows (all air) become 0: NCC 0 with anything."""
    v = v - v.mean(axis=1, keepdims=True)
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return np.where(n > 1e-6, v / np.maximum(n, 1e-12), 0.0).astype(np.float32)


def dihedral(q: np.ndarray) -> np.ndarray:
    """[n][s][s] -> [n*8][s*s]: the 8 flips/transposes of each query, query-major."""
    out = []
    for im in q:
        for t in (im, im.T):
            for v in (t, t[::-1], t[:, ::-1], t[::-1, ::-1]):
                out.append(np.ascontiguousarray(v).ravel())
    return np.stack(out)


def windows(img: np.ndarray, size: int, stride: int):
    """(crops [k][size*size], offsets [(y, x)]) of an image padded to at least size x size."""
    h, w = img.shape
    img = center_crop_pad(img, max(h, size), max(w, size))
    h, w = img.shape
    ys = list(range(0, h - size + 1, stride)) or [0]
    xs = list(range(0, w - size + 1, stride)) or [0]
    if ys[-1] != h - size:
        ys.append(h - size)
    if xs[-1] != w - size:
        xs.append(w - size)
    crops = np.stack([img[y:y + size, x:x + size].ravel() for y in ys for x in xs])
    return crops, [(y, x) for y in ys for x in xs]


def nearest(queries: np.ndarray, pool, size: int, stride: int) -> list:
    """For each query magnitude [n][s][s]: (1 - max NCC, where) over every window of every slice."""
    from scipy.ndimage import zoom
    q = torch.from_numpy(_unit(dihedral(queries)))  # [n*8][s*s]
    n = len(queries)
    best = np.full(n, -2.0)
    where: list = [None] * n
    for img, cls, src in pool:
        fit = min(1.0, size / max(img.shape))
        for scale in sorted({round(fit, 3), round(float(np.sqrt(fit)), 3), 1.0}):
            im = img if scale >= 0.999 else zoom(img, scale, order=1)
            crops, offs = windows(im, size, stride)
            s = (torch.from_numpy(_unit(crops)) @ q.T).numpy()  # [k][n*8]
            s = s.reshape(len(crops), n, 8).max(axis=2)  # best transform
            k = s.argmax(axis=0)
            for j in np.nonzero(s[k, np.arange(n)] > best)[0]:
                best[j] = s[k[j], j]
                where[j] = {"volume": os.path.basename(src[0]), "axis": src[1], "slice": src[2], "class": CLASSES[cls],
                            "scale": scale, "offset": list(offs[k[j]])}
    return [(float(1 - b), w) for b, w in zip(best, where)]


def _stats(d: list) -> dict:
    a = np.array(d)
    return {"n": len(a), "min": round(float(a.min()), 4), "p05": round(float(np.percentile(a, 5)), 4),
            "median": round(float(np.median(a)), 4), "max": round(float(a.max()), 4)}


def run(a) -> dict:
    import train_diffusion as td
    torch.set_num_threads(a.threads)
    kind, model, _, st = td.load_checkpoint(a.checkpoint)
    if kind != "denoiser":
        raise SystemExit(f"{a.checkpoint}: a {kind} checkpoint, expected the denoiser")
    samples = np.abs(ddim_sample(model, a.samples, a.size, a.steps, a.seed))
    train_pool = oriented_slices(tuple(split()["train"]), a.max_per_axis)
    held_pool = oriented_slices(tuple(HELD_OUT), None)
    rng = np.random.default_rng(a.seed + 1)
    p_fit = (st.get("args") or {}).get("p_fit", 0.5)

    def draw(pool, m):
        return np.stack([np.abs(td.patch(pool[int(i)][0], a.size, rng, p_fit)) for i in rng.integers(len(pool), size=m)])

    held, ctrl = draw(held_pool, a.references), draw(train_pool, a.references)
    res = nearest(np.concatenate([samples, held, ctrl]), train_pool, a.size, a.stride)
    ds, dh, dc = ([r[0] for r in res[i:j]] for i, j in ((0, a.samples), (a.samples, a.samples + a.references), (a.samples + a.references, None)))
    thr = float(np.percentile(dh, 5))
    flagged = [i for i, d in enumerate(ds) if d < thr]
    memorising = len(flagged) > a.samples / 4
    out = {"checkpoint": a.checkpoint, "step": st.get("step"), "size": a.size, "ddimSteps": a.steps, "seed": a.seed,
           "metric": "1 - NCC of magnitudes, best over 8 flips/transposes, windows stride %d at 3 scales" % a.stride,
           "trainingSlices": len(train_pool),
           "samples": [{"distance": round(d, 4), "nearest": w} for d, w in res[:a.samples]],
           "samplesSummary": _stats(ds), "heldoutToTrain": _stats(dh), "trainControl": _stats(dc),
           "medianRatio": round(float(np.median(ds) / max(1e-9, np.median(dh))), 3),
           "flagThreshold": round(thr, 4), "flagged": flagged, "memorising": bool(memorising)}
    if a.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(1, a.samples, figsize=(1.6 * a.samples, 1.8))
        for i, axx in enumerate(np.atleast_1d(ax)):
            axx.imshow(samples[i], cmap="gray")
            axx.set_title(f"{ds[i]:.2f}", fontsize=8)
            axx.axis("off")
        fig.savefig(a.png, dpi=80, bbox_inches="tight")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--references", type=int, default=24, help="held-out patches and training-control patches, each")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=50, help="DDIM steps")
    ap.add_argument("--stride", type=int, default=16)
    ap.add_argument("--max-per-axis", type=int, default=None, help="training slices per volume and axis searched (all by default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--png", help="write the samples (titled with their distance) to this PNG")
    a = ap.parse_args(argv)
    if a.size % 8:
        ap.error("--size must be a multiple of 8")
    print(json.dumps(run(a), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
