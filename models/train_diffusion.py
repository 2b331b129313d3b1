"""Train the diffusion prior (ε-prediction U-Net) or its orientation classifier
on the training subjects of recon_models/data.py (the held-out subject
itk-kmeans-t1 is never read here).

  nice -n 19 /usr/bin/python3 models/train_diffusion.py --kind denoiser --out models/runs/diffusion [--resume]
  nice -n 19 /usr/bin/python3 models/train_diffusion.py --kind classifier --out models/runs/diffusion-classifier
  /usr/bin/python3 models/train_diffusion.py --smoke      # tiny pair -> resources/models/diffusion-smoke(-classifier)

Data: slices of every training volume along all three axes, labelled by
orientation (axial, coronal, sagittal: the data supports exactly this; the
volumes are RAS-like so axis 0/1/2 = sagittal/coronal/axial), slices with less
than 15% tissue or a side under 48 pixels skipped. Patch training: random
crop x crop patches (default 64) after flips, +-10 deg rotation, intensity
scale and a random zoom-to-fit (so patches show air), with a random smooth
synthetic phase (data.smooth_phase, up to pi); each complex image is divided
by bart_scale of its magnitude (the engine divides by bart_scale of the
zero-filled image, which is close). Denoiser: ε-MSE at uniform t, class
dropped to the null class with p = 0.15. Classifier: clean patches plus mild
Gaussian noise (sigma up to 0.1) so it also reads x̂0 estimates.

Measured (1 torch thread, machine shared with 2 other trainings, load ~4):
denoiser 64x64 batch 8 about 0.5 s/step, classifier about 0.05 s/step; the
presets (6000 / 1500 steps) take about 50 / 2 minutes on an idle core.

Checkpoints {model, opt, step, config, kind} -> <out>/last.pt every 200 steps
(temp file + rename); JSON lines on stdout and <out>/train.jsonl.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recon_models.data import MIN_FOREGROUND, SUBJECTS, augment, bart_scale, center_crop_pad, load_volume, smooth_phase, split, zoom_to_fit  # noqa: E402
from recon_models.diffusion import CLASSES, Classifier, ClassifierConfig, Denoiser, DenoiserConfig, alphas_cumprod  # noqa: E402

AXIS_CLASS = {2: 0, 1: 1, 0: 2}  # volume axis -> class index (axial, coronal, sagittal)
PRESETS = {"denoiser": {"steps": 6000, "batch": 8, "crop": 64, "lr": 2e-4},
           "classifier": {"steps": 1500, "batch": 16, "crop": 64, "lr": 1e-3}}
SMOKE = {"denoiser": {"steps": 20, "batch": 2, "crop": 32}, "classifier": {"steps": 20, "batch": 4, "crop": 32}}
MIN_SIDE = 48


@functools.lru_cache(maxsize=4)
def oriented_slices(subjects: tuple, max_per_axis: int | None = None) -> tuple:
    """((slice float32 [h][w], class), ...) along all three axes of every volume of the subjects."""
    out = []
    for s in subjects:
        for path, _ in SUBJECTS[s]:
            for axis, cls in AXIS_CLASS.items():
                vol = load_volume(path, axis)
                if min(vol.shape[1:]) < MIN_SIDE:
                    continue
                keep = [i for i in range(vol.shape[0]) if np.mean(vol[i] > 0.1) >= MIN_FOREGROUND]
                if max_per_axis and len(keep) > max_per_axis:
                    keep = [keep[int(j)] for j in np.linspace(0, len(keep) - 1, max_per_axis)]
                out.extend((np.ascontiguousarray(vol[i]), cls) for i in keep)
    return tuple(out)


def class_counts(pool) -> dict:
    return {CLASSES[c]: int(sum(1 for _, k in pool if k == c)) for c in range(len(CLASSES))}


def patch(img: np.ndarray, crop: int, rng: np.random.Generator) -> np.ndarray:
    """Augmented complex patch [crop][crop], divided by bart_scale of its magnitude."""
    img = zoom_to_fit(augment(img, rng), crop, rng, p=0.5)
    h, w = img.shape
    if h > crop or w > crop:  # random (not centred) crop of large slices
        y0, x0 = int(rng.integers(0, max(1, h - crop + 1))), int(rng.integers(0, max(1, w - crop + 1)))
        img = img[y0:y0 + crop, x0:x0 + crop]
    img = center_crop_pad(img, crop, crop)
    z = img * np.exp(1j * smooth_phase(crop, crop, float(rng.uniform(0, np.pi)), rng))
    s = bart_scale(np.abs(z))
    return (z / s).astype(np.complex64)


def batch(pool, n: int, crop: int, rng: np.random.Generator):
    idx = rng.integers(len(pool), size=n)
    zs = [patch(pool[i][0], crop, rng) for i in idx]
    x = torch.from_numpy(np.stack([np.stack([z.real, z.imag], -1) for z in zs])[:, None].astype(np.float32))
    y = torch.tensor([pool[i][1] for i in idx], dtype=torch.int64)
    return x, y


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


def _log(path: str, rec: dict) -> None:
    line = json.dumps(rec)
    print(line, flush=True)
    with open(path, "a") as f:
        f.write(line + "\n")


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
        config = (DenoiserConfig(chans=a.chans) if a.kind == "denoiser" else ClassifierConfig(chans=a.chans)).to_dict() if a.chans else {}
        model, cfg = build(a.kind, config)
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
        _log(log, {"event": "start", "kind": a.kind, "config": cfg.to_dict(), "params": sum(p.numel() for p in model.parameters()),
                   "slices": class_counts(pool), "args": vars(a)})
    rng = np.random.default_rng(a.seed + 7919 * step)  # a resumed run does not replay its first batches
    abar = torch.from_numpy(alphas_cumprod()).float()
    t0, losses = time.time(), []
    while step < a.steps:
        x0, y = batch(pool, a.batch, a.crop, rng)
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
        if step % a.log_every == 0 or step == a.steps:
            n = min(len(losses), a.log_every)
            _log(log, {"step": step, "loss": float(np.mean(losses[-n:])), "s": round(time.time() - t0, 1),
                       "s_per_step": round((time.time() - t0) / len(losses), 3)})
        if step % a.ckpt_every == 0 or step == a.steps:
            tmp = ckpt + ".tmp"
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "config": cfg.to_dict(), "kind": a.kind,
                        "slices": class_counts(pool), "final_loss": float(np.mean(losses[-20:]))}, tmp)
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
    ap.add_argument("--p-uncond", type=float, default=0.15)
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
    for k, v in preset.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    return a


def main(argv=None) -> int:
    a = parser().parse_args(argv)
    if a.smoke:
        import export_diffusion
        tmp = tempfile.mkdtemp(prefix="diffusion-smoke-")
        den = train(fill(argparse.Namespace(**{**vars(a), "out": os.path.join(tmp, "den")}), "denoiser"))
        cls = train(fill(argparse.Namespace(**{**vars(a), "out": os.path.join(tmp, "cls")}), "classifier"))
        dest = export_diffusion.export(den["checkpoint"], "diffusion-smoke", cls["checkpoint"], out_root=a.export_root,
                                       note="SMOKE MODEL: 20 Adam steps on 32x32 patches, for engine tests only; not a usable prior")
        print(json.dumps({"denoiser": den, "classifier": cls, "exported": dest}))
        return 0
    if not a.out:
        parser().error("--out is required unless --smoke")
    print(json.dumps(train(fill(a, a.kind))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
