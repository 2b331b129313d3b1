"""Train the diffusion prior (ε-prediction U-Net) or its orientation classifier
on the training subjects of recon_models/data.py (the held-out subject
itk-kmeans-t1 is never read here).

  nice -n 19 /usr/bin/python3 models/train_diffusion.py --kind denoiser --out models/runs/diffusion [--resume]
  nice -n 19 /usr/bin/python3 models/train_diffusion.py --kind classifier --out models/runs/diffusion-classifier
  /usr/bin/python3 models/train_diffusion.py --smoke      # tiny pair -> resources/models/diffusion-smoke(-classifier)

Data: slices of every training volume across all three axes, labelled by
orientation from the volume's affine (recon_models/diffusion.oriented_slices:
axial, coronal, sagittal; the data supports exactly this), slices with less
than 15% tissue or a side under 48 pixels skipped: 614 axial, 754 coronal,
638 sagittal training slices. Patch training: random crop x crop patches
(default 64) after flips, a random transpose, +-10 deg rotation, intensity
scale and a random zoom-to-fit (so patches show air), with a random smooth
synthetic phase (data.smooth_phase, up to pi); each complex image is divided
by bart_scale of its magnitude (the engine divides by bart_scale of the
zero-filled image, which is close). Denoiser: ε-MSE at uniform t, class
dropped to the null class with p = 0.15. Classifier: mostly whole slices in
a square view (see patch; its graph resizes any input to 64 x 64), plus mild
Gaussian noise (sigma up to 0.1) and, half the time, a Gaussian blur (sigma
0.3-2 px) so it also reads x̂0 estimates; at the end its accuracy on every
held-out slice (itk-kmeans-t1, three axes) is logged and kept in the checkpoint.

Measured s/step (1 torch thread, nice 19, on the 2-core machine shared with
four other trainings, load average 6-6.5): denoiser (0.70 M params) 64x64
batch 8: 0.95-1.08 s/step, so the 6000-step preset takes about 1.6-1.8 h
there, less on an idle core; classifier (0.15 M params)
64x64 batch 16: 0.17-0.2 s/step, 2500 steps in about 8 minutes.
In CPU time the denoiser costs about 0.65 s/step (702 CPU-s for the first
1060 steps of models/runs/diffusion while it ran at 1.94 s/step wall under a
load average of 8.5), so on a core of its own the preset takes about 65 min.

Checkpoints {model, opt, step, config, kind} -> <out>/last.pt every 200 steps
(temp file + rename); JSON lines on stdout and <out>/train.jsonl.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scipy.ndimage import gaussian_filter  # noqa: E402
from train import _log, log_progress  # noqa: E402  (JSON-lines log, shared with the unrolled models' trainer)

from recon_models.data import HELD_OUT, augment, bart_scale, center_crop_pad, smooth_phase, split, zoom_to_fit  # noqa: E402
from recon_models.diffusion import (CLASSES, PAD_MULTIPLE, Classifier, ClassifierConfig, Denoiser, DenoiserConfig,  # noqa: E402
                                    alphas_cumprod, class_counts, oriented_slices)

PRESETS = {"denoiser": {"steps": 6000, "batch": 8, "crop": 64, "lr": 2e-4, "p_fit": 0.5, "p_whole": 0.0},
           "classifier": {"steps": 2500, "batch": 16, "crop": 64, "lr": 1e-3, "p_fit": 0.8, "p_whole": 0.8}}
SMOKE = {"denoiser": {"steps": 20, "batch": 2, "crop": 32}, "classifier": {"steps": 20, "batch": 4, "crop": 32}}


def patch(img: np.ndarray, crop: int, rng: np.random.Generator, p_fit: float = 0.5, blur: float = 0.0,
          p_whole: float = 0.0) -> np.ndarray:
    """Augmented complex patch [crop][crop], divided by bart_scale of its magnitude.
    In-plane axis order differs between volumes (and scanners), so patches are
    also transposed at random; blur > 0 smooths with a random Gaussian of up to
    that many pixels half the time (the classifier reads blurry x̂0 estimates).
    With probability p_whole the WHOLE slice is shown, zoomed to 45-100% of the
    crop with an aspect distortion of up to 1.4 (the classifier squeezes any
    image to a square in its graph): orientation is a property of the whole head (a classifier on partial
    64 x 64 crops stayed at chance for 700 steps; on whole views it learns in
    a hundred), and the engine classifies whole images."""
    img = augment(img, rng)
    if rng.random() < 0.5:
        img = np.ascontiguousarray(img.T)
    if rng.random() < p_whole:
        from scipy.ndimage import zoom
        f, r = crop / max(img.shape) * rng.uniform(0.45, 1.0), np.exp(rng.uniform(np.log(0.7), np.log(1.4)))
        img = zoom(img, (min(f * r, crop / img.shape[0]), min(f / r, crop / img.shape[1])), order=1)
    else:
        img = zoom_to_fit(img, crop, rng, p=p_fit)
    h, w = img.shape
    if h > crop or w > crop:  # random (not centred) crop of large slices
        y0, x0 = int(rng.integers(0, max(1, h - crop + 1))), int(rng.integers(0, max(1, w - crop + 1)))
        img = img[y0:y0 + crop, x0:x0 + crop]
    img = center_crop_pad(img, crop, crop)
    if blur > 0 and rng.random() < 0.5:
        img = gaussian_filter(img, float(rng.uniform(0.3, blur)))
    z = img * np.exp(1j * smooth_phase(crop, crop, float(rng.uniform(0, np.pi)), rng))
    s = bart_scale(np.abs(z))
    return (z / s).astype(np.complex64)


def batch(pool, n: int, crop: int, rng: np.random.Generator, p_fit: float = 0.5, blur: float = 0.0, p_whole: float = 0.0):
    idx = rng.integers(len(pool), size=n)
    zs = [patch(pool[i][0], crop, rng, p_fit, blur, p_whole) for i in idx]
    x = torch.from_numpy(np.stack([np.stack([z.real, z.imag], -1) for z in zs])[:, None].astype(np.float32))
    y = torch.tensor([pool[i][1] for i in idx], dtype=torch.int64)
    return x, y


def _pad(img: np.ndarray, m: int = PAD_MULTIPLE) -> np.ndarray:
    h, w = img.shape
    return center_crop_pad(img, -(-h // m) * m, -(-w // m) * m)


@torch.no_grad()
def evaluate_classifier(model, subjects=HELD_OUT, seed: int = 1, max_per_axis: int | None = None, fit: int = 64) -> dict:
    """Accuracy on every slice of the subjects (default: the held-out one) along
    the three axes, two ways: "whole" = the slice at its own size padded to
    padMultiple (what the engine feeds), "fit" = the whole slice zoomed to fit
    fit x fit (the scale of the training views); "central" = accuracy on the
    middle 60 % of each volume's slices along that axis. A seeded smooth phase up to pi,
    each image divided by bart_scale of its magnitude as in training."""
    from scipy.ndimage import zoom
    model.eval()
    pool = oriented_slices(tuple(subjects), max_per_axis)
    rng = np.random.default_rng(seed)
    span: dict = {}  # (volume, axis) -> (first, last) slice kept: "central" = the middle 60 %, where orientation is unambiguous
    for _, _, (path, axis, i) in pool:
        lo, hi = span.get((path, axis), (i, i))
        span[(path, axis)] = (min(lo, i), max(hi, i))
    res = {}
    for mode in ("whole", "fit"):
        hits = np.zeros(len(CLASSES)), np.zeros(len(CLASSES))
        central = [0, 0]
        for img, cls, (path, axis, i) in pool:
            if mode == "fit":
                f = fit / max(img.shape)
                img = center_crop_pad(zoom(img, f, order=1) if f < 1 else img, fit, fit)
            img = _pad(img)
            z = img * np.exp(1j * smooth_phase(*img.shape, float(rng.uniform(0, np.pi)), rng))
            z = z / bart_scale(np.abs(z))
            x = torch.from_numpy(np.stack([z.real, z.imag], -1)[None, None].astype(np.float32))
            pred = int(model(x).argmax(1)[0])
            hits[0][cls] += pred == cls
            hits[1][cls] += 1
            lo, hi = span[(path, axis)]
            if abs(i - (lo + hi) / 2) <= 0.3 * (hi - lo):
                central[0] += pred == cls
                central[1] += 1
        res[mode] = {"accuracy": round(float(hits[0].sum() / max(1, hits[1].sum())), 4),
                     "perClass": {CLASSES[c]: round(float(hits[0][c] / max(1, hits[1][c])), 4) for c in range(len(CLASSES))},
                     "central": round(central[0] / max(1, central[1]), 4), "centralSlices": central[1]}
    model.train()
    return {"subjects": list(subjects), "slices": class_counts(pool), "fitSize": fit, **res}


def build(kind: str, config: dict):
    if kind == "denoiser":
        cfg = DenoiserConfig(**config)
        return Denoiser(cfg), cfg
    cfg = ClassifierConfig(**config)
    return Classifier(cfg), cfg


def load_checkpoint(path: str):
    st = torch.load(path, map_location="cpu")
    model, cfg = build(st["kind"], st["config"])
    model.load_state_dict(st["model"])
    return st["kind"], model, cfg, st


def train(a) -> dict:
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    ckpt, log = os.path.join(a.out, "last.pt"), os.path.join(a.out, "train.jsonl")
    pool = oriented_slices(tuple(split()["train"]), a.max_per_axis)
    step = 0
    if a.resume and os.path.exists(ckpt):
        kind, model, cfg, st = load_checkpoint(ckpt)
        if kind != a.kind:
            raise SystemExit(f"{ckpt}: checkpoint is a {kind}, not a {a.kind}")
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
        opt.load_state_dict(st["opt"])
        step = st["step"]
        _log(log, {"event": "resume", "step": step})
    else:
        config = {"chans": a.chans} if a.chans else {}
        if a.kind == "classifier" and a.size is not None:
            config["size"] = a.size
        model, cfg = build(a.kind, config)
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
        _log(log, {"event": "start", "kind": a.kind, "config": cfg.to_dict(), "params": sum(p.numel() for p in model.parameters()),
                   "slices": class_counts(pool), "args": vars(a)})
    rng = np.random.default_rng(a.seed + 7919 * step)  # a resumed run does not replay its first batches
    abar = torch.from_numpy(alphas_cumprod()).float()
    t0, losses = time.time(), []
    while step < a.steps:
        x0, y = batch(pool, a.batch, a.crop, rng, a.p_fit, 0.0 if a.kind == "denoiser" else 2.0, a.p_whole)
        if a.kind == "denoiser":
            t = torch.from_numpy(rng.integers(0, len(abar), size=a.batch))
            eps = torch.from_numpy(rng.standard_normal(x0.shape).astype(np.float32))
            ab = abar[t][:, None, None, None, None]
            xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
            y = torch.where(torch.from_numpy(rng.random(a.batch) < a.p_uncond), torch.full_like(y, len(CLASSES)), y)
            loss = F.mse_loss(model(xt, t.float(), y), eps)
        else:
            sigma = torch.from_numpy(rng.uniform(0, 0.1, size=(a.batch, 1, 1, 1, 1)).astype(np.float32))
            xn = x0 + sigma * torch.from_numpy(rng.standard_normal(x0.shape).astype(np.float32))
            loss = F.cross_entropy(model(xn), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        losses.append(float(loss))
        log_progress(log, step, a.steps, a.log_every, losses, t0)
        if step % a.ckpt_every == 0 or step == a.steps:
            extra = {}
            if a.kind == "classifier" and step == a.steps:
                extra["heldout"] = evaluate_classifier(model, max_per_axis=a.max_per_axis, fit=a.crop)
                _log(log, {"step": step, "heldout": extra["heldout"]})
            tmp = ckpt + ".tmp"
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "config": cfg.to_dict(), "kind": a.kind,
                        "slices": class_counts(pool), "final_loss": float(np.mean(losses[-20:])), "args": vars(a), **extra}, tmp)
            os.replace(tmp, ckpt)
    return {"kind": a.kind, "steps": step, "final_loss": float(np.mean(losses[-20:])) if losses else None, "checkpoint": ckpt,
            "s_per_step": (time.time() - t0) / max(1, len(losses))}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=("denoiser", "classifier"), default="denoiser")
    ap.add_argument("--out")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--crop", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--chans", type=lambda s: [int(c) for c in s.split(",")], help="channels per level, e.g. 32,64,96")
    ap.add_argument("--size", type=int, help="classifier: the graph resizes inputs to size x size (default 64; 0 = no resize)")
    ap.add_argument("--p-uncond", type=float, default=0.15)
    ap.add_argument("--p-fit", type=float, help="probability of zooming a slice to fit the crop (air in the patch)")
    ap.add_argument("--p-whole", type=float, help="probability of showing the whole slice zoomed into the crop (classifier preset 0.8)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-per-axis", type=int, default=None)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="tiny denoiser + classifier, 20 steps each, exported as diffusion-smoke(-classifier)")
    ap.add_argument("--export-root", default=None)
    return ap


def fill(a, kind: str):
    a = argparse.Namespace(**vars(a))
    a.kind = kind
    preset = dict(PRESETS[kind])
    if a.smoke:
        preset.update(SMOKE[kind])
        a.max_per_axis = 3
        a.ckpt_every = 10 ** 9
        a.chans = [8, 16, 16] if kind == "denoiser" else [4, 8]
        a.size = 32
    for k, v in preset.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    return a


def main(argv=None) -> int:
    a = parser().parse_args(argv)
    if a.smoke:
        import export_diffusion
        tmp = a.out or tempfile.mkdtemp(prefix="diffusion-smoke-")
        try:
            den = train(fill(argparse.Namespace(**{**vars(a), "out": os.path.join(tmp, "den")}), "denoiser"))
            cls = train(fill(argparse.Namespace(**{**vars(a), "out": os.path.join(tmp, "cls")}), "classifier"))
            dest = export_diffusion.export(den["checkpoint"], "diffusion-smoke", cls["checkpoint"], out_root=a.export_root,
                                           note=f"SMOKE MODEL: {den['steps']} Adam steps on {SMOKE['denoiser']['crop']}x{SMOKE['denoiser']['crop']} "
                                                "patches, 3 slices per axis and volume; for engine tests only, not a usable prior")
        finally:
            if not a.out:
                shutil.rmtree(tmp, ignore_errors=True)
        print(json.dumps({"denoiser": den, "classifier": cls, "exported": dest}))
        return 0
    if not a.out:
        parser().error("--out is required unless --smoke")
    print(json.dumps(train(fill(a, a.kind))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
