"""Train CIRIM, RIM or the U-Net on simulated acquisitions of the training
subjects (recon_models/data.py: same split, augmentation, masks, normalisation).

  nice -n 19 /usr/bin/python3 models/train.py --model cirim|rim|unet --out models/runs/<name> [--resume]
  nice -n 19 /usr/bin/python3 models/train.py --model rim --smoke      # -> resources/models/rim-smoke

Defaults per model (PRESETS) are sized to finish in about two hours on two
CPU cores with one torch thread per job (models/README.md has the measured
s/step); any flag overrides them.

Loss: CIRIM/RIM: a per-image loss weighted per time step over every step of
every cascade (cirim.step_weights, 0.1 -> 1 within a cascade, averaged over
cascades), as the reference design trains all intermediate estimates; the
per-image loss (--loss, image_loss) defaults to the complex L1 + (1 - SSIM) for
the recurrent models (their estimate is complex and feeds the data term; a
magnitude loss leaves its phase free) and to L1 + (1 - SSIM) on magnitudes for
the U-Net.

Checkpoints {model, opt, step, config, kind, args} go to <out>/last.pt every
--ckpt-every steps and at the end, written to a temp file and renamed (never
half-written); --resume continues from it with the checkpoint's config. The
data stream is reseeded from (seed, step) on resume so a resumed run does not
replay the first batches. Progress: one JSON object per line on stdout and
appended to <out>/train.jsonl.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recon_models.cirim import CIRIM, CirimConfig, step_weights, zero_filled  # noqa: E402
from recon_models.complex_ops import dft_matrix  # noqa: E402
from recon_models.data import MaskConfig, training_stream  # noqa: E402
from recon_models.rim import RIM, RimConfig  # noqa: E402
from recon_models.unet import UNet, UnetConfig  # noqa: E402

# The evaluation protocol of issue 5: 1D equispaced 4x/0.08, 8x/0.04 and 2D Poisson 8x (plus random lines).
DEFAULT_MASKS = [MaskConfig("equispaced-fraction", 4, 0.08), MaskConfig("equispaced-fraction", 8, 0.04),
                 MaskConfig("random", 4, 0.08), MaskConfig("random", 8, 0.04), MaskConfig("poisson", 8, 0, 16)]

# --masks names for DEFAULT_MASKS' entries; a name given twice is drawn twice as often.
MASK_NAMES = {"eq4": DEFAULT_MASKS[0], "eq8": DEFAULT_MASKS[1], "rand4": DEFAULT_MASKS[2], "rand8": DEFAULT_MASKS[3],
              "poisson8": DEFAULT_MASKS[4]}

MODELS = ("cirim", "rim", "unet")
# Full-size defaults (about two hours each on 2 cores, 1 thread; see README) and smoke sizes.
# s/step measured with 1 thread on the shared 2-core machine (load 4.5-5.5): CIRIM 3.9, RIM 4.0, U-Net 0.36.
PRESETS = {
    "cirim": {"crop": 96, "batch": 2, "cascades": 4, "time_steps": 8, "hidden": 32, "steps": 2000, "lr": 1e-3,
              "loss": "ssim-cl1", "dc_step": True, "init_cg": 40,
              "init_cg_lambda": 0.01, "noise": "0.5,0.03"},
    "rim": {"crop": 96, "batch": 2, "time_steps": 8, "hidden": 48, "steps": 2000, "lr": 1e-3, "loss": "ssim-cl1"},
    "unet": {"crop": 96, "batch": 4, "chans": 16, "pools": 3, "steps": 15000, "lr": 1e-3, "loss": "ssim-l1"},
}
SMOKE = {
    "cirim": {"crop": 32, "batch": 2, "cascades": 2, "time_steps": 2, "hidden": 8, "steps": 20},
    "rim": {"crop": 32, "batch": 2, "time_steps": 2, "hidden": 8, "steps": 20},
    "unet": {"crop": 32, "batch": 2, "chans": 4, "pools": 2, "steps": 20},
}


def build(kind: str, config: dict):
    """(model, config object) from a kind and a config dict (as saved in checkpoints)."""
    cfg_cls = {"cirim": CirimConfig, "rim": RimConfig, "unet": UnetConfig}[kind]
    cfg = cfg_cls(**config)
    if hasattr(cfg, "convs"):
        cfg.convs = [tuple(c) for c in cfg.convs]
    model = {"cirim": CIRIM, "rim": RIM, "unet": UNet}[kind](cfg)
    return model, cfg


def config_from_args(a) -> dict:
    if a.model == "cirim":
        return CirimConfig(cascades=a.cascades, time_steps=a.time_steps, convs=[(a.hidden, 5, 1), (a.hidden, 3, 2)],
                           dc_step=bool(getattr(a, "dc_step", False)), init_cg=getattr(a, "init_cg", None) or 0,
                           init_cg_lambda=getattr(a, "init_cg_lambda", None) or 0.0,
                           cascade_dc=getattr(a, "cascade_dc", None) or 0,
                           dc_noise_gain=getattr(a, "dc_noise_gain", None) or 0.0).to_dict()
    if a.model == "rim":
        return RimConfig(time_steps=a.time_steps, convs=[(a.hidden, 5, 1), (a.hidden, 3, 2)]).to_dict()
    return UnetConfig(chans=a.chans, pools=a.pools, out=a.unet_out).to_dict()


def load_checkpoint(path: str):
    """(kind, model, cfg, state) from a checkpoint; checkpoints of train_cirim.py predate `kind` and are CIRIM."""
    st = torch.load(path, map_location="cpu")
    kind = st.get("kind", "cirim")
    model, cfg = build(kind, st["config"])
    model.load_state_dict(st["model"])
    return kind, model, cfg, st


# The per-cascade gradient-step weights (CirimConfig.dc_step) are single scalars that
# start at 0; at the network's rate (2e-4 when fine-tuning) Adam would need thousands
# of steps to move them to O(1), so they learn DC_LR_SCALE times faster.
DC_LR_SCALE = 50.0


FAST_PARAMS = ("dc_weight", "dc_log_mu")  # per-cascade scalars: DC_LR_SCALE times the network's rate


def make_optimizer(model, lr: float) -> torch.optim.Adam:
    dc = [p for n, p in model.named_parameters() if n.endswith(FAST_PARAMS)]
    rest = [p for n, p in model.named_parameters() if not n.endswith(FAST_PARAMS)]
    groups = [{"params": rest, "lr": lr, "lr_scale": 1.0}]
    if dc:
        groups.append({"params": dc, "lr": lr * DC_LR_SCALE, "lr_scale": DC_LR_SCALE})
    return torch.optim.Adam(groups, lr=lr)


def with_dc_step(kind: str, cfg, weights: dict, where: str = "checkpoint"):
    """(model, cfg) of a CIRIM trained without dc_step, with the gradient-step weights added
    at 0: the same function as before, so training can resume from it."""
    return with_added(kind, cfg, weights, {"dc_step": True}, "dc_weight", where)


def with_added(kind: str, cfg, weights: dict, change: dict, new_param: str, where: str = "checkpoint"):
    """(model, cfg) of a checkpoint's CIRIM with `change` applied to its config; the only
    parameters the checkpoint may lack are the new ones (named ...new_param), which keep
    their initial values."""
    model, cfg = build(kind, {**cfg.to_dict(), **change})
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected or any(not m.endswith(new_param) for m in missing):
        raise SystemExit(f"{where}: cannot add {', '.join(change)} (missing {missing}, unexpected {unexpected})")
    return model, cfg


def batch_tensors(samples):
    k = np.stack([s.kspace for s in samples])  # [B, C, H, W]
    sens = np.stack([s.sens for s in samples])
    tgt = np.stack([s.target for s in samples])[:, None]
    as_ri = lambda z: torch.from_numpy(np.stack([z.real, z.imag], -1).astype(np.float32))  # noqa: E731
    # Each sample's OWN mask, [B, 1, H, W, 1]: the simulator draws a mask per sample (random
    # lines, equispaced offsets, Poisson points), so a mask shared across the batch contradicted
    # every sample but the first one's k-space, and their log-likelihood gradient pointed at
    # data the model was told was never measured. (The engine's one-mask-per-volume input is a
    # property of the exported graph, which broadcasts over B either way.)
    mask = torch.from_numpy(np.stack([s.mask for s in samples]))[:, None, :, :, None]
    return as_ri(k), mask, as_ri(sens), as_ri(tgt)


def magnitude(z: torch.Tensor) -> torch.Tensor:
    return z.pow(2).sum(-1).add(1e-12).sqrt()


def ssim_loss(pred: torch.Tensor, tgt: torch.Tensor, win: int = 7) -> torch.Tensor:
    """1 - SSIM on [B, 1, H, W] magnitudes: the evaluation's SSIM (7x7 uniform
    window, K1 0.01, K2 0.03, sample covariance, only windows fully inside),
    data range = each target's maximum."""
    import torch.nn.functional as F
    dr = tgt.amax(dim=(-2, -1), keepdim=True).clamp_min(1e-6)
    c1, c2 = (0.01 * dr) ** 2, (0.03 * dr) ** 2
    mean = lambda z: F.avg_pool2d(z, win, stride=1)  # noqa: E731
    ux, uy = mean(pred), mean(tgt)
    cov = win * win / (win * win - 1)
    vx, vy = cov * (mean(pred * pred) - ux * ux), cov * (mean(tgt * tgt) - uy * uy)
    vxy = cov * (mean(pred * tgt) - ux * uy)
    c1, c2 = c1[..., :1, :1], c2[..., :1, :1]
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return 1 - s.mean()


def image_loss(pred: torch.Tensor, tgt: torch.Tensor, kind: str, ssim_weight: float = 1.0) -> torch.Tensor:
    """pred, tgt: complex [B, 1, H, W, 2] (or magnitudes [B, 1, H, W] for a magnitude U-Net).
    l1: mean |(|pred|) - |tgt||; ssim-l1: that + (1 - SSIM) of the magnitudes. SSIM is the
    headline metric and is dominated by how clean the air around the head is, which a
    pure L1 barely rewards. ssim-cl1: the L1 of the COMPLEX difference + (1 - SSIM): the
    magnitude losses leave the phase free, so a recurrent model's estimate drifts off the
    measured data (20-24% k-space residual on the held-out acquisitions after 4000 steps) and the
    log-likelihood gradient it is fed stops meaning what it should. ssim_weight scales the
    (1 - SSIM) term: below 1 the loss leans towards the L1 (and so PSNR) side."""
    complex_in = pred.dim() == 5
    pm, tm = (magnitude(pred), magnitude(tgt)) if complex_in else (pred, tgt)
    if kind == "ssim-cl1" and complex_in:
        l1 = magnitude(pred - tgt).mean()
    else:
        l1 = (pm - tm).abs().mean()
    return l1 if kind == "l1" else l1 + ssim_weight * ssim_loss(pm, tm)


def batch_noise(samples) -> torch.Tensor:
    """[B] k-space noise SDs of the samples in scaled units (0 for noiseless ones)."""
    return torch.tensor([s.noise_std for s in samples], dtype=torch.float32)


def loss_fn(kind: str, model, cfg, k, mask, sens, tgt, fh, fw, loss_kind: str = "l1", ssim_weight: float = 1.0,
            noise_std=None) -> torch.Tensor:
    if kind == "unet":
        out = model(zero_filled(k, sens, fh, fw))
        return image_loss(out, tgt if cfg.out == "complex" else magnitude(tgt), loss_kind, ssim_weight)
    etas = model(k, mask, sens, fh, fw, noise_std) if getattr(cfg, "dc_noise_gain", 0.0) else model(k, mask, sens, fh, fw)
    w = step_weights(cfg.time_steps)
    loss = 0.0
    for i, e in enumerate(etas):
        loss = loss + w[i % cfg.time_steps] * image_loss(e, tgt, loss_kind, ssim_weight)
    return loss / cfg.cascades


def _log(path: str, rec: dict) -> None:
    line = json.dumps(rec)
    print(line, flush=True)
    with open(path, "a") as f:
        f.write(line + "\n")


def log_progress(log: str, step: int, steps: int, every: int, losses: list, t0: float) -> None:
    """Every `every` steps (and at the last): mean loss of the last `every` steps, elapsed s, s/step
    (shared with train_diffusion.py)."""
    if step % every == 0 or step == steps:
        n = min(len(losses), every)
        _log(log, {"step": step, "loss": float(np.mean(losses[-n:])), "s": round(time.time() - t0, 1),
                   "s_per_step": round((time.time() - t0) / len(losses), 3)})


def mask_list(text) -> list:
    """--masks "eq4,eq8,poisson8,poisson8" -> MaskConfigs in that order (None: DEFAULT_MASKS)."""
    if not text:
        return list(DEFAULT_MASKS)
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in MASK_NAMES]
    if bad or not names:
        raise SystemExit(f"--masks: unknown {', '.join(bad) or '(empty)'}; choose from {', '.join(MASK_NAMES)}")
    return [MASK_NAMES[n] for n in names]


def noise_spec(text):
    """--noise "P,STD" -> (P, STD) for training_stream; None, "" or "0" -> noiseless."""
    if not text or str(text).strip() in ("0", "none"):
        return None
    try:
        p, std = (float(v) for v in str(text).split(","))
    except ValueError:
        raise SystemExit(f"--noise: expected P,STD (e.g. 0.5,0.03), got {text!r}") from None
    if not (0 <= p <= 1 and std > 0):
        raise SystemExit(f"--noise: P must be in [0, 1] and STD > 0, got {text!r}")
    return (p, std)


def coil_counts(text) -> list[int]:
    """--coils "1" or "1,8": the coil counts batches cycle through."""
    try:
        counts = [int(c) for c in str(text).split(",") if c.strip()]
    except ValueError:
        raise SystemExit(f"--coils {text!r}: expected coil counts such as 1 or 1,8")
    if not counts or any(c < 1 or c > 64 for c in counts):
        raise SystemExit(f"--coils {text!r}: coil counts must be 1..64")
    return counts


def train(a) -> dict:
    torch.set_num_threads(a.threads)
    try:  # the inter-op pool would otherwise add threads beyond --threads on a shared machine
        torch.set_num_interop_threads(a.threads)
    except RuntimeError:
        pass  # already set (second train() in one process)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    ckpt = os.path.join(a.out, "last.pt")
    log = os.path.join(a.out, "train.jsonl")
    step = 0
    if a.resume and os.path.exists(ckpt):
        kind, model, cfg, st = load_checkpoint(ckpt)
        if kind != a.model:
            raise SystemExit(f"{ckpt}: checkpoint is a {kind} model, not {a.model}")
        added = None
        given = getattr(a, "arch_given", ["dc_step", "init_cg", "init_cg_lambda"])
        # --cascade-dc N on resume: N >= 1 adds the DC step to a checkpoint without one, or
        # changes the iteration count of one that has it.
        want_dc = getattr(a, "cascade_dc", None) if kind == "cirim" else None
        have_dc = getattr(cfg, "cascade_dc", 0) or 0
        if "dc_step" in given and a.dc_step and kind == "cirim" and not cfg.dc_step:
            # Add the gradient-step weights (zeros: the same function as the checkpoint) and
            # start Adam afresh: its saved moments belong to the old parameter list.
            model, cfg = with_dc_step(kind, cfg, st["model"], ckpt)
            opt = make_optimizer(model, a.lr)
            added = "dc_step (fresh Adam state)"
        elif want_dc and not have_dc:
            # New per-cascade mu parameters: a different function from the checkpoint's (the
            # cascades' outputs now pass a DC step), and Adam starts afresh for the new list.
            model, cfg = with_added(kind, cfg, st["model"], {"cascade_dc": want_dc}, "dc_log_mu", ckpt)
            opt = make_optimizer(model, a.lr)
            added = f"cascade_dc {want_dc} (fresh Adam state)"
        else:
            if want_dc is not None and want_dc != have_dc:
                if not want_dc:
                    raise SystemExit(f"{ckpt}: the checkpoint has cascade_dc {have_dc} (learned mu per cascade); "
                                     "--cascade-dc 0 would drop trained parameters, resume with N >= 1")
                cfg.cascade_dc = want_dc  # an iteration count: no parameters change
                added = f"cascade_dc {want_dc}"
            opt = make_optimizer(model, a.lr)
            opt.load_state_dict(st["opt"])
        gain = getattr(a, "dc_noise_gain", None)
        if gain is not None and kind == "cirim" and gain != getattr(cfg, "dc_noise_gain", 0.0):
            if gain and not getattr(cfg, "cascade_dc", 0):
                raise SystemExit("--dc-noise-gain needs a model with --cascade-dc")
            cfg.dc_noise_gain = gain  # a rule on the inputs, no parameters
            added = ", ".join(filter(None, [added, f"dc_noise_gain {gain}"]))
        if "init_cg" in given and a.init_cg is not None and kind == "cirim" and a.init_cg != cfg.init_cg:
            # The first estimate is an input transformation (no parameters): the same model,
            # from now on trained (and exported) with the new one.
            cfg.init_cg = a.init_cg  # the model and its cascades hold this same cfg object
            added = ", ".join(filter(None, [added, f"init_cg {a.init_cg}"]))
        lam = getattr(a, "init_cg_lambda", None)
        if "init_cg_lambda" in given and lam is not None and kind == "cirim" and lam != getattr(cfg, "init_cg_lambda", 0.0):
            cfg.init_cg_lambda = lam
            added = ", ".join(filter(None, [added, f"init_cg_lambda {lam}"]))
        if getattr(a, "lr_given", False):  # e.g. a lower rate to fine-tune with a new loss
            for g in opt.param_groups:
                g["lr"] = a.lr * g.get("lr_scale", 1.0)
        step = st["step"]
        _log(log, {"event": "resume", "step": step, "config": cfg.to_dict(), "lr": opt.param_groups[0]["lr"], "loss": a.loss,
                   "ssimWeight": getattr(a, "ssim_weight", 1.0), "masks": getattr(a, "masks", None) or "default", "noise": getattr(a, "noise", None),
                   "planes": getattr(a, "planes", "axial"),
                   **({"added": added} if added else {})})
    else:
        model, cfg = build(a.model, config_from_args(a))
        opt = make_optimizer(model, a.lr)
        _log(log, {"event": "start", "model": a.model, "config": cfg.to_dict(), "params": sum(p.numel() for p in model.parameters()),
                   "args": vars(a)})
    if a.crop % getattr(cfg, "pad_multiple", 1):
        raise SystemExit(f"--crop {a.crop} must be a multiple of {cfg.pad_multiple} for a U-Net with {cfg.pools} pools")
    fh = torch.from_numpy(dft_matrix(a.crop))
    # One stream per (mask kind, coil count): a batch shares both (each sample draws its own
    # mask of that kind: batch_tensors); batches cycle through every pair.
    pairs = [(m, c) for c in coil_counts(a.coils) for m in mask_list(getattr(a, "masks", None))]
    noise = noise_spec(getattr(a, "noise", None))
    streams = [training_stream(a.crop, [m], a.seed + 1000 * step + i, c, a.max_per_volume, noise=noise, planes=getattr(a, "planes", "axial"))
               for i, (m, c) in enumerate(pairs)]
    t0 = time.time()
    losses: list[float] = []
    while step < a.steps:
        stream = streams[step % len(streams)]
        samples = [next(stream) for _ in range(a.batch)]
        k, mask, sens, tgt = batch_tensors(samples)
        loss = loss_fn(a.model, model, cfg, k, mask, sens, tgt, fh, fh, a.loss, getattr(a, "ssim_weight", 1.0), batch_noise(samples))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        losses.append(float(loss))
        log_progress(log, step, a.steps, a.log_every, losses, t0)
        if step % a.ckpt_every == 0 or step == a.steps:
            tmp = ckpt + ".tmp"
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "config": cfg.to_dict(), "kind": a.model,
                        "args": vars(a)}, tmp)
            os.replace(tmp, ckpt)  # never a half-written checkpoint
    return {"model": a.model, "steps": step, "final_loss": losses[-1] if losses else None, "seconds": time.time() - t0,
            "s_per_step": (time.time() - t0) / max(1, len(losses)), "checkpoint": ckpt}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=MODELS, default="cirim")
    ap.add_argument("--out", help="run folder (last.pt, train.jsonl); required unless --smoke")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--crop", type=int)
    ap.add_argument("--cascades", type=int, help="CIRIM")
    ap.add_argument("--time-steps", type=int, help="CIRIM, RIM")
    ap.add_argument("--hidden", type=int, help="CIRIM, RIM: channels of each recurrent layer")
    ap.add_argument("--chans", type=int, help="U-Net: channels of the first level")
    ap.add_argument("--pools", type=int, help="U-Net: pooling levels")
    ap.add_argument("--unet-out", choices=("complex", "magnitude"), default="complex")
    ap.add_argument("--coils", default="1", help="coil count(s) of the simulated acquisitions, e.g. 1 or 1,8 (batches alternate)")
    ap.add_argument("--masks", default=None,
                    help="training masks, comma-separated from eq4, eq8, rand4, rand8, poisson8; repeat a name to draw it "
                         "more often (default: each once). Batches cycle through every (mask, coil count) pair")
    ap.add_argument("--loss", choices=("l1", "ssim-l1", "ssim-cl1"),
                    help="per-image loss: L1 of magnitudes, + (1 - SSIM), or complex L1 + (1 - SSIM) "
                         "(default: ssim-cl1 for cirim and rim, ssim-l1 for unet)")
    ap.add_argument("--cascade-dc", type=int, default=None, metavar="N",
                    help="CIRIM: N CG iterations of proximal data consistency after every cascade, with a learned "
                         "mu per cascade (0 = off, the default; on --resume adds the mu parameters)")
    ap.add_argument("--dc-noise-gain", type=float, default=None, metavar="G",
                    help="CIRIM with --cascade-dc: each DC step uses mu_c + G * sigma^2 for a sample with k-space noise SD "
                         "sigma (scaled units), as the engine's dcNoiseGain (default there 1000); 0 = off (the default)")
    ap.add_argument("--ssim-weight", type=float, default=1.0,
                    help="weight of the (1 - SSIM) term of ssim-l1 / ssim-cl1 (below 1 favours L1, hence PSNR)")
    ap.add_argument("--lr", type=float, help="learning rate (on --resume: replaces the checkpoint's)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-per-volume", type=int, default=None)
    ap.add_argument("--planes", choices=("axial", "all"), default="axial",
                    help="training slices: along each volume's listed (axial) axis only, or also coronal and sagittal "
                         "slices of the isotropic volumes (recon_models/data.py slices_for)")
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--ckpt-every", type=int, default=100)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--dc-step", action="store_true", default=None,
                    help="cirim (on in the preset): a learned gradient-step weight per cascade (eta <- eta + update - w grad; see "
                         "recon_models/cirim.py); with --resume it is added to a checkpoint trained without it")
    ap.add_argument("--init-cg", type=int, default=None, metavar="N",
                    help="cirim: first estimate = N CG-SENSE iterations instead of the zero-filled A^H y (multi-coil only; "
                         "single coil they coincide; 0 = zero-filled); with --resume it replaces the checkpoint's")
    ap.add_argument("--init-cg-lambda", type=float, default=None, metavar="L",
                    help="cirim: Tikhonov weight of the CG-SENSE first estimate, (A^H A + L I) x = A^H y in scaled units "
                         "(preset 0.01: bounds the noise gain of the unregularised start); with --resume it replaces the checkpoint's")
    ap.add_argument("--noise", default=None, metavar="P,STD",
                    help="k-space noise augmentation: with probability P a sample gets complex Gaussian noise of SD drawn "
                         "log-uniformly in [STD/15, STD] (units of the p99.5-normalised image); preset cirim 0.5,0.03, others none")
    ap.add_argument("--smoke", action="store_true", help="tiny model, few steps on 32x32 crops, then export <model>-smoke")
    ap.add_argument("--export-root", default=None, help="--smoke: where to write <model>-smoke (default resources/models)")
    return ap


def fill_defaults(a) -> argparse.Namespace:
    a.lr_given = a.lr is not None  # --resume keeps the checkpoint's learning rate unless --lr is given
    # Architecture options a fresh run takes from the preset; --resume changes a checkpoint's only when given.
    a.arch_given = [k for k in ("dc_step", "init_cg", "init_cg_lambda") if getattr(a, k, None) is not None]
    preset = dict(PRESETS[a.model])
    if a.smoke:
        preset.update(SMOKE[a.model])
        preset["max_per_volume"] = 4
        preset["ckpt_every"] = 10 ** 9
    for key, v in preset.items():
        if getattr(a, key, None) is None or (a.smoke and key in ("max_per_volume", "ckpt_every")):
            setattr(a, key, v)
    for key in ("cascades", "time_steps", "hidden", "chans", "pools"):  # irrelevant to this model: fill anyway for the config
        if getattr(a, key) is None:
            setattr(a, key, {"cascades": 1, "time_steps": 8, "hidden": 32, "chans": 16, "pools": 3}[key])
    return a


def smoke(a) -> dict:
    """Train the tiny model, export it (ONNX + manifest + golden) as <model>-smoke."""
    import export_onnx
    if not a.out:
        a.out = tempfile.mkdtemp(prefix=f"{a.model}-smoke-")
    res = train(a)
    dest = export_onnx.export_checkpoint(res["checkpoint"], f"{a.model}-smoke", out_root=a.export_root,
                                         note=f"SMOKE MODEL: {res['steps']} Adam steps on {a.crop}x{a.crop} crops (4 slices per volume), "
                                              "for engine tests only; not a usable reconstruction",
                                         final_loss=res["final_loss"])
    out = {**res, "exported": dest}
    if a.model == "cirim":  # the same weights as one time step per call (engine-side gradient): both contracts stay tested
        out["exportedTimeStep"] = export_onnx.export_checkpoint(
            res["checkpoint"], "cirim-smoke-step", out_root=a.export_root, unit="time-step",
            note=f"SMOKE MODEL (time-step export of cirim-smoke, same weights): {res['steps']} Adam steps on {a.crop}x{a.crop} crops, "
                 "for engine tests only; not a usable reconstruction", final_loss=res["final_loss"])
    return out


def main(argv=None) -> int:
    a = fill_defaults(parser().parse_args(argv))
    if a.smoke:
        print(json.dumps(smoke(a)))
        return 0
    if not a.out:
        parser().error("--out is required unless --smoke")
    print(json.dumps(train(a)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
