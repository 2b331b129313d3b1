"""Tunes the safety factor tau of CIRIM's data-consistency refinement (engine option
`refine`, electron/engine/recon/cirim.ts REFINE_TAU) on a TRAINING subject.

For each coil count, sampling setting and SNR: the checkpoint's output, then CGLS on
min ||A x - y||^2 started from it and stopped once ||A x - y||^2 <= tau * m * sigma^2
(m measured complex samples, sigma^2 the complex noise variance; noiseless: run all
iterations). The same arithmetic as the engine's refineToDiscrepancy, in PyTorch.

  /usr/bin/python3 models/refine_tuning.py colin27 6 8,1 inf,200,80,40 1,1.5,2,4 [CKPT] [--max-iters 50,200] > LOG

(refine-tuning.jsonl: the default cap of 50; refine-iterations.jsonl: 8 inf 1 --max-iters 10,20,50,100,200,400)

Prints one JSON row per (coils, setting, SNR): "model" = the checkpoint's SSIM / PSNR,
"tauT" = after refinement with tau T, plus the mean number of CGLS iterations.
"""
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
from recon_models.complex_ops import cmul, cmul_conj, dft_matrix, fft2c, ifft2c  # noqa: E402

def cgls(k, mask, sens, x, target, maxit, fh, fw):
    """CGLS on min ||A x - y||^2 from x, stopped when the misfit is <= target."""
    A = lambda z: fft2c(cmul(sens, z), fh, fw) * mask  # noqa: E731
    AH = lambda r: cmul_conj(sens, ifft2c(r * mask, fh, fw)).sum(1, keepdim=True)  # noqa: E731
    r = k - A(x)
    s = AH(r)
    p = s.clone()
    g = (s * s).sum()
    its = 0
    while its < maxit and float((r * r).sum()) > target:
        q = A(p)
        al = g / (q * q).sum()
        x = x + al * p
        r = r - al * q
        s = AH(r)
        gn = (s * s).sum()
        p = s + gn / g * p
        g = gn
        its += 1
    return x, its


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("subject", help="a TRAINING subject of recon_models/data.py, e.g. colin27")
    ap.add_argument("per_volume", type=int, help="slices per volume")
    ap.add_argument("coils", help="comma list, e.g. 8,1")
    ap.add_argument("snrs", help="comma list; inf = noiseless")
    ap.add_argument("taus", help="comma list of safety factors")
    ap.add_argument("checkpoint", nargs="?", default=os.path.join(HERE, "checkpoints", "cirim-rn", "last.pt"))
    ap.add_argument("--max-iters", default="50", help="comma list of iteration caps (default 50)")
    a = ap.parse_args()
    if a.subject in ev.HELD_OUT:
        raise SystemExit(f"{a.subject} is the held-out subject: tune on a training subject")
    subj, per, ckpt = a.subject, a.per_volume, a.checkpoint
    coil_list = [int(c) for c in a.coils.split(",")]
    snrs = [None if v == "inf" else float(v) for v in a.snrs.split(",")]
    taus = [float(t) for t in a.taus.split(",")]
    max_iters = [int(v) for v in a.max_iters.split(",")]
    torch.set_num_threads(2)
    stack = ev.held_out_stack(128, per, (subj,))
    _, model, _, _ = train.load_checkpoint(ckpt)
    model.eval()
    fh = torch.from_numpy(dft_matrix(128))
    fw = fh
    tm = ev.tissue_mean(stack)
    for coils in coil_list:
        for si in (0, 1, 2):
            setting = ev.SETTINGS[si]
            for snr in snrs:
                acq = ev.acquire(stack, coils, setting, seed=1000 + 10 * si + coils)
                if snr:
                    acq = ev.add_noise(acq, snr, tm, seed=7 + si + coils)
                mask = torch.from_numpy(acq["mask"])[None, None, :, :, None]
                sens = torch.from_numpy(ev.ri(acq["sens"]))[None]
                m = float(acq["mask"].sum()) * coils
                outs, its_of = {}, {}
                with torch.no_grad():
                    for i in range(stack.shape[0]):
                        s = acq["scales"][i]
                        k = torch.from_numpy(ev.ri(acq["kspace"][i] / s))[None]
                        sig = 0.0 if snr is None else tm / snr / s  # complex SD per sample, scaled units
                        xc = model(k, mask, sens, fh, fw)[-1]
                        mag = lambda z: s * z.pow(2).sum(-1).sqrt()[0, 0].numpy()  # noqa: E731
                        outs.setdefault("model", []).append(mag(xc))
                        for tau in (taus if snr else [1.0]):
                            for mi in max_iters:
                                x, its = cgls(k, mask, sens, xc, tau * m * sig ** 2, mi, fh, fw)
                                key = f"tau{tau}" if len(max_iters) == 1 else f"tau{tau}-it{mi}"
                                outs.setdefault(key, []).append(mag(x))
                                its_of.setdefault(key, []).append(its)
                row = {"coils": coils, "setting": setting[0], "snr": snr}
                for key, v in outs.items():
                    met = ev.volume_metrics(stack, np.stack(v))
                    row[key] = (round(met["ssim"], 4), round(met["psnr"], 2)) + ((float(np.mean(its_of[key])),) if key in its_of else ())
                print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
