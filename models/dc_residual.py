"""How far a recurrent model's complex output is from the measured data, on the
held-out slices: relative k-space residual ||M F S x - y|| / ||y||, the same with
the output's magnitude given the true phase (what a magnitude loss cannot see),
mean |phase error| on tissue, and volume PSNR/SSIM. Zero-filled is consistent
(residual 0 single-coil) by construction.

  /usr/bin/python3 models/dc_residual.py models/checkpoints/cirim-mc/last.pt [more.pt ...] [--per-volume 4] [--json OUT]
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
import evaluate as ev  # noqa: E402
import train  # noqa: E402
from recon_models.complex_ops import dft_matrix  # noqa: E402
from recon_models.data import fft2c, ifft2c, smooth_phase  # noqa: E402
from recon_models.masks import line_mask, poisson_like  # noqa: E402


def true_images(stack: np.ndarray, setting, seed: int) -> np.ndarray:
    """The complex images ev.acquire simulated (same generator, same draw order)."""
    rng = np.random.default_rng(seed)
    _, kind, accel, cf, calib = setting
    n, ny, nx = stack.shape
    if kind == "poisson":
        poisson_like(ny, nx, accel, calib, rng)
    else:
        line_mask(kind, ny, accel, cf, rng)
    return np.stack([stack[i] * np.exp(1j * smooth_phase(ny, nx, np.pi / 2, rng)) for i in range(n)])


def complex_outputs(model, acq: dict) -> np.ndarray:
    n, _, ny, nx = acq["kspace"].shape
    fh, fw = torch.from_numpy(dft_matrix(ny)), torch.from_numpy(dft_matrix(nx))
    mask = torch.from_numpy(acq["mask"])[None, None, :, :, None]
    sens = torch.from_numpy(ev.ri(acq["sens"]))[None]
    out = []
    with torch.no_grad():
        for i in range(n):
            s = acq["scales"][i]
            o = model(torch.from_numpy(ev.ri(acq["kspace"][i] / s))[None], mask, sens, fh, fw)[-1][0, 0].numpy()
            out.append(s * (o[..., 0] + 1j * o[..., 1]))
    return np.stack(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--per-volume", type=int, default=4)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--coils", default="1,8")
    ap.add_argument("--settings", default="0,1,2")
    ap.add_argument("--seed", type=int, default=1, help="as models/evaluate.py (same acquisitions)")
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.set_num_threads(1)
    stack = ev.held_out_stack(a.size, a.per_volume)
    tissue = stack > 0.1 * stack.max()
    rows = []
    for path in a.checkpoints:
        kind, model, _, st = train.load_checkpoint(path)
        if kind not in ("cirim", "rim"):
            raise SystemExit(f"{path}: a {kind} checkpoint; only the recurrent models (cirim, rim) output a complex estimate fed by the data")
        model.eval()
        for coils in [int(c) for c in a.coils.split(",")]:
            for si in [int(s) for s in a.settings.split(",")]:
                setting = ev.SETTINGS[si]
                seed = a.seed * 1000 + 10 * si + coils
                acq = ev.acquire(stack, coils, setting, seed=seed)
                truth = true_images(stack, setting, seed)
                S, M, y = acq["sens"], acq["mask"], acq["kspace"]
                resid = lambda x: float(np.linalg.norm(fft2c(S[None] * x[:, None]) * M - y) / np.linalg.norm(y))  # noqa: E731
                if resid(truth) > 1e-4:
                    raise SystemExit("internal: could not regenerate the evaluation's complex images")
                x = complex_outputs(model, acq)
                m = ev.volume_metrics(stack, np.abs(x).astype(np.float32))
                rows.append({"checkpoint": path, "step": st.get("step"), "loss": (st.get("args") or {}).get("loss"), "coils": coils,
                             "setting": setting[0], "residual": round(resid(x), 4),
                             "residualTruePhase": round(resid(np.abs(x) * np.exp(1j * np.angle(truth))), 4),
                             "phaseErrTissue": round(float(np.abs(np.angle(x * np.conj(truth)))[tissue].mean()), 4),
                             "ssim": round(m["ssim"], 4), "psnr": round(m["psnr"], 2)})
                print(json.dumps(rows[-1]), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"heldOutSlices": int(stack.shape[0]), "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
