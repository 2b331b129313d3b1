"""Train CIRIM on simulated acquisitions of the training subjects (data.py split).

  /usr/bin/python3 models/train_cirim.py --out models/runs/cirim --steps 2000 \
      [--crop 96] [--cascades 5] [--time-steps 8] [--hidden 64] [--coils 1] [--resume]

Loss: per-time-step weighted L1 on magnitudes over every step of every cascade
(cirim.step_weights; each cascade's steps weighted 0.1 -> 1, summed over
cascades), as the reference design trains all intermediate estimates.
Checkpoints (model, optimiser, step, config, rng seed) go to <out>/last.pt every
--ckpt-every steps and at the end; --resume continues from it. The data
stream is reseeded from (seed, step) on resume so a resumed run does not
replay the first batches.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recon_models.cirim import CIRIM, CirimConfig, step_weights  # noqa: E402
from recon_models.complex_ops import dft_matrix  # noqa: E402
from recon_models.data import MaskConfig, training_stream  # noqa: E402

# The evaluation protocol of issue 5: 1D equispaced 4x/0.08, 8x/0.04 and 2D Poisson 8x.
DEFAULT_MASKS = [MaskConfig("equispaced-fraction", 4, 0.08), MaskConfig("equispaced-fraction", 8, 0.04),
                 MaskConfig("random", 4, 0.08), MaskConfig("random", 8, 0.04), MaskConfig("poisson", 8, 0, 16)]


def batch_tensors(samples, fh, fw):
    k = np.stack([s.kspace for s in samples])  # [B, C, H, W]
    sens = np.stack([s.sens for s in samples])
    tgt = np.stack([s.target for s in samples])[:, None]
    as_ri = lambda z: torch.from_numpy(np.stack([z.real, z.imag], -1).astype(np.float32))  # noqa: E731
    mask = torch.from_numpy(samples[0].mask)[None, None, :, :, None]
    return as_ri(k), mask, as_ri(sens), as_ri(tgt)


def train(args) -> dict:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = CirimConfig(cascades=args.cascades, time_steps=args.time_steps,
                      convs=[(args.hidden, 5, 1), (args.hidden, 3, 2)])
    model = CIRIM(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    step = 0
    os.makedirs(args.out, exist_ok=True)
    ckpt = os.path.join(args.out, "last.pt")
    if args.resume and os.path.exists(ckpt):
        st = torch.load(ckpt)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step = st["step"]
    fh = torch.from_numpy(dft_matrix(args.crop))
    w = step_weights(cfg.time_steps)
    # One mask per batch (the mask input is shared across the batch, as in the engine).
    streams = [training_stream(args.crop, [m], args.seed + 1000 * step + i, args.coils, args.max_per_volume) for i, m in enumerate(DEFAULT_MASKS)]
    t0 = time.time()
    losses = []
    while step < args.steps:
        stream = streams[step % len(streams)]
        k, mask, sens, tgt = batch_tensors([next(stream) for _ in range(args.batch)], fh, fh)
        etas = model(k, mask, sens, fh, fh)
        mag_t = tgt.pow(2).sum(-1).add(1e-12).sqrt()
        loss = 0.0
        for i, e in enumerate(etas):
            loss = loss + w[i % cfg.time_steps] * (e.pow(2).sum(-1).add(1e-12).sqrt() - mag_t).abs().mean()
        loss = loss / cfg.cascades
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        losses.append(float(loss))
        if step % args.log_every == 0 or step == args.steps:
            print(json.dumps({"step": step, "loss": float(np.mean(losses[-args.log_every:])), "s": round(time.time() - t0, 1)}), flush=True)
        if step % args.ckpt_every == 0 or step == args.steps:
            tmp = ckpt + ".tmp"
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "config": cfg.to_dict(), "args": vars(args)}, tmp)
            os.replace(tmp, ckpt)  # never a half-written checkpoint
    return {"steps": step, "final_loss": losses[-1] if losses else None, "seconds": time.time() - t0, "checkpoint": ckpt}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--cascades", type=int, default=5)
    ap.add_argument("--time-steps", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--coils", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-per-volume", type=int, default=None)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--ckpt-every", type=int, default=100)
    ap.add_argument("--resume", action="store_true")
    return ap


if __name__ == "__main__":
    print(json.dumps(train(parser().parse_args())))
