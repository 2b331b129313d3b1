"""Where an unrolled checkpoint loses against plain solvers, on a TRAINING subject
(tuning ground; never the held-out one): per setting, SSIM / PSNR of

  start      the model's first estimate (its CG-SENSE start, or the zero-filled image)
  cg200      200 undamped CG-SENSE iterations on A^H A x = A^H y (no prior at all)
  steps      the model's estimate after every 4th time step (cascade by cascade)
  prox-MU    the model's output followed by the proximal data-consistency step
             argmin ||A x - y||^2 + MU ||x - x_net||^2 (60 CG iterations from x_net)

Single coil, A^H A is the sampling projection, so cg200 is the zero-filled image and
prox is a soft k-space replacement; with 8 coils both show how much the measured data
still say that the model's 2 x 8 gradient steps did not use.

  /usr/bin/python3 models/diagnose_unrolled.py models/checkpoints/cirim-fast/last.pt \
      [--subject colin27] [--per-volume 6] [--json models/eval/diagnose-cirim-fast.json]
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
from recon_models.cirim import cg_sense, prox_dc  # noqa: E402
from recon_models.complex_ops import dft_matrix  # noqa: E402
from recon_models.data import HELD_OUT, SUBJECTS, fft2c, ifft2c  # noqa: E402

MUS = (1.0, 0.1, 0.01)
# The training-time step (recon_models.cirim.prox_dc, float32, no early exit) run long
# enough to converge for every mu here.
PROX_ITERS = 60


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--subject", default="colin27")
    ap.add_argument("--per-volume", type=int, default=6)
    ap.add_argument("--coils", default="1,8")
    ap.add_argument("--settings", default="0,2", help="indices into evaluate.SETTINGS (0 eq4x, 1 eq8x, 2 poisson8x)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    if a.subject in HELD_OUT or a.subject not in SUBJECTS:
        ap.error(f"--subject {a.subject}: expected a training subject ({', '.join(s for s in SUBJECTS if s not in HELD_OUT)})")
    torch.set_num_threads(a.threads)
    kind, model, cfg, st = train.load_checkpoint(a.checkpoint)
    if kind == "unet":
        ap.error("a U-Net has no unrolled steps")
    model.eval()
    stack = ev.held_out_stack(128, a.per_volume, (a.subject,))
    rows = []
    for coils in [int(c) for c in a.coils.split(",")]:
        for si in [int(i) for i in a.settings.split(",")]:
            setting = ev.SETTINGS[si]
            acq = ev.acquire(stack, coils, setting, seed=1000 + 10 * si + coils)
            n, _, ny, nx = acq["kspace"].shape
            fh, fw = torch.from_numpy(dft_matrix(ny)), torch.from_numpy(dft_matrix(nx))
            mask = torch.from_numpy(acq["mask"])[None, None, :, :, None]
            sens = torch.from_numpy(ev.ri(acq["sens"]))[None]
            out: dict[str, list] = {"start": [], "cg200": []}
            with torch.no_grad():
                for i in range(n):
                    s = acq["scales"][i]
                    kk = acq["kspace"][i] / s
                    k = torch.from_numpy(ev.ri(kk))[None]
                    mag = lambda z: s * z.pow(2).sum(-1).sqrt()[0, 0].numpy()  # noqa: E731
                    if hasattr(model, "init_state"):
                        out["start"].append(mag(model.init_state(k, sens, fh, fw, mask)[0]))
                    out["cg200"].append(mag(cg_sense(k, mask, sens, fh, fw, 200, lam=0.0)))
                    etas = model(k, mask, sens, fh, fw)
                    for j in range(3, len(etas), 4):
                        out.setdefault(f"step{j + 1}", []).append(mag(etas[j]))
                    for mu in MUS:
                        out.setdefault(f"prox{mu:g}", []).append(mag(prox_dc(etas[-1], k, mask, sens, fh, fw, mu, PROX_ITERS)))
            metrics = {key: ev.volume_metrics(stack, np.stack(v)) for key, v in out.items() if v}
            row = {"coils": coils, "setting": setting[0], **{key: {"ssim": round(m["ssim"], 4), "psnr": round(m["psnr"], 2)} for key, m in metrics.items()}}
            rows.append(row)
            print(json.dumps(row), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"checkpoint": a.checkpoint, "step": st.get("step"), "subject": a.subject, "slices": int(stack.shape[0]),
                       "note": "training subject: a diagnosis, not a held-out figure", "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
