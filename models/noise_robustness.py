"""CIRIM/RIM on NOISY held-out acquisitions: what the model does when the k-space
is not the noiseless simulation of the main table (models/evaluate.py).

Complex white Gaussian noise is added to the measured k-space samples with SD
(per complex sample) = mean tissue intensity / SNR, tissue = pixels above 10% of
the stack's maximum; the scale s is then recomputed from the noisy data as the
engine does. Runs the checkpoint in PyTorch (check_cirim_engine.py shows the
engine matches it). --lambda L adds rows with the checkpoint's CG-SENSE start
damped by L instead of its own (for checkpoints trained without damping).

  /usr/bin/python3 models/noise_robustness.py CKPT [CKPT ...] [--snr 40,20] [--per-volume 8] [--lambda 0.01] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dc_residual as dr  # noqa: E402
import evaluate as ev  # noqa: E402
import train  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--snr", default="40,20", help="comma list; the noiseless row is always included")
    ap.add_argument("--per-volume", type=int, default=8)
    ap.add_argument("--coils", default="1,8")
    ap.add_argument("--settings", default="0,1,2")
    ap.add_argument("--lambda", dest="lam", type=float, default=None)
    ap.add_argument("--seed", type=int, default=1, help="as models/evaluate.py (same masks and phases)")
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.set_num_threads(1)
    stack = ev.held_out_stack(128, a.per_volume)
    ref = ev.tissue_mean(stack)
    snrs = [None] + [float(s) for s in a.snr.split(",") if s]
    rows = []
    for path in a.checkpoints:
        kind, model, cfg, st = train.load_checkpoint(path)
        model.eval()
        variants = [("own", getattr(cfg, "init_cg_lambda", 0.0))]
        if a.lam is not None and kind == "cirim" and getattr(cfg, "init_cg", 0) > 0:
            variants.append((f"lambda {a.lam}", a.lam))
        for coils in [int(c) for c in a.coils.split(",")]:
            for si in [int(s) for s in a.settings.split(",")]:
                setting = ev.SETTINGS[si]
                base = ev.acquire(stack, coils, setting, seed=a.seed * 1000 + 10 * si + coils)
                for snr in snrs:
                    acq = base if snr is None else ev.add_noise(base, snr, ref, seed=7 + si + coils)
                    zf = ev.volume_metrics(stack, ev.zero_filled_mag(acq))
                    for name, lam in (variants if coils > 1 else variants[:1]):  # one coil: no CG start to damp
                        if kind == "cirim":
                            cfg.init_cg_lambda = lam
                        m = ev.volume_metrics(stack, np.abs(dr.complex_outputs(model, acq)))
                        row = {"checkpoint": path, "step": st.get("step"), "start": name, "init_cg_lambda": lam if kind == "cirim" else None,
                               "coils": coils, "setting": setting[0], "snr": snr, "ssim": m["ssim"], "psnr": m["psnr"],
                               "zf_ssim": zf["ssim"], "zf_psnr": zf["psnr"]}
                        rows.append(row)
                        print(f"{os.path.basename(os.path.dirname(path))}@{st.get('step')} {name:12s} {coils}c {setting[0]:14s} "
                              f"SNR {'inf' if snr is None else int(snr):>3}: {m['ssim']:.3f} / {m['psnr']:.2f} dB"
                              f"   (zero-filled {zf['ssim']:.3f} / {zf['psnr']:.2f})", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"slices": int(stack.shape[0]), "tissue_mean": ref, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
